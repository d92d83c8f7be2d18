"""A region's consensus profile: one agreed score per dimension, plus what it needs and offers.

A consensus workshop sets the scores. Where it has not (yet), a score is *proposed* from the
group median: the median rounded to a scale point, halves rounded down by default so that a
split group never overstates the region's maturity (``Rounding.UP`` is available).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import RatingError
from assessment.model import MaturityModel, ModelRef
from assessment.ratings import parse_score
from assessment.scoring import AgreementStatus, GroupScores, Rounding, band_of, round_to_point

__all__ = ["ConsensusScore", "Profile", "Rounding", "build_profile", "propose_score"]


class ConsensusScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    score: int | None
    source: Literal["workshop", "proposed", "none"]
    band: str | None = None
    justification: str = ""
    for_improvement: bool = False
    for_coaching: bool = False
    agreement: AgreementStatus | None = Field(
        default=None,
        description="whether the stakeholders agreed on this dimension (agreed, split, "
        "no_data); null when the profile was built without their ratings",
    )
    level: str | None = Field(
        default=None,
        description="the stakeholders' Delphi level on this dimension (a band, or uncertain "
        "when split); null when the profile was built without their ratings",
    )

    @property
    def uncertain(self) -> bool:
        """The group was split here: the score stands on a divided panel."""
        return self.agreement == "split"


class Profile(BaseModel):
    """Consensus profile of one region at one point in time."""

    model_config = ConfigDict(frozen=True)

    model: ModelRef
    region: str = ""
    label: str = Field(default="", description="round label or date, for history and charts")
    scores: tuple[ConsensusScore, ...]
    overall: float | None = Field(description="mean of the scored dimensions")
    completeness: float = Field(description="share of dimensions with a consensus score")

    def by_key(self) -> dict[str, ConsensusScore]:
        return {score.dimension: score for score in self.scores}

    def vector(self) -> npt.NDArray[np.float64]:
        """Scores in model order, NaN where the dimension has no score."""
        return np.array([np.nan if s.score is None else float(s.score) for s in self.scores])

    @property
    def improvement(self) -> frozenset[str]:
        return frozenset(s.dimension for s in self.scores if s.for_improvement)

    @property
    def coaching(self) -> frozenset[str]:
        return frozenset(s.dimension for s in self.scores if s.for_coaching)


def propose_score(median: float | None, model: MaturityModel, rounding: Rounding) -> int | None:
    """Round a median to a scale point (halves go ``rounding``'s way)."""
    if median is None or math.isnan(median):
        return None
    value = int(round_to_point(median, rounding))
    return max(model.scale.min, min(model.scale.max, value))


def build_profile(
    model: MaturityModel,
    *,
    group: GroupScores | None = None,
    workshop: Mapping[str, int | tuple[int | None, str] | None] | None = None,
    improvement: Iterable[str] = (),
    coaching: Iterable[str] = (),
    region: str = "",
    label: str = "",
    rounding: Rounding = Rounding.DOWN,
) -> Profile:
    """Consensus profile from workshop scores, falling back to scores proposed from ``group``.

    ``workshop`` maps dimension keys to a score (or ``(score, justification)``); None there
    records that the workshop agreed it could not score the dimension.
    """
    if group is not None and group.model != model.ref:
        raise RatingError(
            f"group was scored with {group.model.id} {group.model.version}, "
            f"not {model.id} {model.version}",
            ("group",),
        )
    workshop = dict(workshop or {})
    improvement_set, coaching_set = set(improvement), set(coaching)
    for field, keys in (
        ("workshop", workshop),
        ("improvement", improvement_set),
        ("coaching", coaching_set),
    ):
        for key in keys:
            model.index(key, (field, key))
    medians = group.by_key() if group else {}
    entries = []
    for key in model.keys:
        if key in workshop:
            raw = workshop[key]
            value, why = raw if isinstance(raw, tuple) else (raw, "")
            score = parse_score(value, model, ("workshop", key))
            source: Literal["workshop", "proposed", "none"] = "workshop"
        elif key in medians and medians[key].median is not None:
            score = propose_score(medians[key].median, model, rounding)
            why, source = "", "proposed"
        else:
            score, why, source = None, "", "none"
        entries.append((key, score, why, source))
    bands = band_of(model, [np.nan if e[1] is None else e[1] for e in entries])
    scores = tuple(
        ConsensusScore(
            dimension=key,
            score=score,
            source=source,
            band=band,
            justification=why,
            for_improvement=key in improvement_set,
            for_coaching=key in coaching_set,
            agreement=medians[key].agreement if key in medians else None,
            level=medians[key].level if key in medians else None,
        )
        for (key, score, why, source), band in zip(entries, bands, strict=True)
    )
    values = [s.score for s in scores if s.score is not None]
    return Profile(
        model=model.ref,
        region=region,
        label=label,
        scores=scores,
        overall=float(np.mean(values)) if values else None,
        completeness=len(values) / len(scores),
    )
