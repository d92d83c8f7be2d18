"""Good practices rated with the model's dimensions as the minimum maturity they need.

A region's gap to a practice on a dimension is ``max(0, required - score)``; the practice is
feasible where no gap remains. A dimension the region has not scored is *unknown*: it is
counted pessimistically as a gap of ``required - scale.min`` (so a requirement at the scale
minimum is met whatever the score) and listed in ``unknown``, so that a missing score never
makes a practice look feasible.

Practices rank feasible first, then by total gap, then by the number of dimensions with a gap,
then by the number of unknown dimensions, then by id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assessment.errors import RatingError, from_validation_error
from assessment.model import MaturityModel, ModelRef
from assessment.profile import Profile
from assessment.ratings import parse_score


class GoodPractice(BaseModel):
    """A practice, the minimum level it needs per dimension, and who runs it (optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str = ""
    transferring_region: str | None = Field(
        default=None, description="region that runs the practice and can coach it"
    )
    requirements: dict[str, int] = Field(description="dimension key -> minimum level")


def parse_practice(
    model: MaturityModel, data: GoodPractice | Mapping[str, Any], location: Sequence[str | int] = ()
) -> GoodPractice:
    """A practice checked against the model: known dimensions, levels on the scale, at least
    one requirement. Raises ``RatingError`` located at the offending field."""
    here = tuple(location)
    if isinstance(data, GoodPractice):
        practice = data
    elif isinstance(data, Mapping):
        try:
            practice = GoodPractice.model_validate(dict(data))
        except ValidationError as exc:
            raise from_validation_error(exc, RatingError, here) from None
    else:
        raise RatingError("a practice must be an object", here)
    if not practice.requirements:
        raise RatingError("a practice needs at least one required level", (*here, "requirements"))
    for key, level in practice.requirements.items():
        where = (*here, "requirements", key)
        model.index(key, where)
        parse_score(level, model, where)
    return practice


class DimensionGap(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    required: int
    score: int | None
    gap: int
    unknown: bool


class PracticeFeasibility(BaseModel):
    model_config = ConfigDict(frozen=True)

    practice_id: str
    name: str
    transferring_region: str | None
    feasible: bool
    total_gap: int
    dimensions_with_gap: int
    unknown: tuple[str, ...] = Field(description="required dimensions the region has not scored")
    gaps: tuple[DimensionGap, ...] = Field(description="one per required dimension")
    rank: int


class PracticeReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: ModelRef
    region: str
    label: str
    practices: tuple[PracticeFeasibility, ...]

    @property
    def feasible(self) -> tuple[PracticeFeasibility, ...]:
        return tuple(p for p in self.practices if p.feasible)


def practice_gaps(
    model: MaturityModel,
    profile: Profile,
    practices: Sequence[GoodPractice | Mapping[str, Any]],
) -> PracticeReport:
    """Gap per dimension between one region and each practice, practices ranked by feasibility.

    Computed as one (practices x dimensions) array: requirements NaN where a practice sets
    none, the region's unknown scores taken as ``scale.min``.
    """
    if profile.model != model.ref or tuple(s.dimension for s in profile.scores) != model.keys:
        raise RatingError(
            f"profile of {profile.model.id} {profile.model.version} does not follow "
            f"{model.id} {model.version}",
            ("profile", "model"),
        )
    checked = [parse_practice(model, p, ("practices", i)) for i, p in enumerate(practices)]
    seen: dict[str, int] = {}
    for index, practice in enumerate(checked):
        if practice.id in seen:
            first = seen[practice.id]
            raise RatingError(
                f"practice id {practice.id!r} appears twice (first at practices.{first})",
                ("practices", index, "id"),
            )
        seen[practice.id] = index
    keys = model.keys
    required = np.full((len(checked), len(keys)), np.nan)
    for i, practice in enumerate(checked):
        for key, level in practice.requirements.items():
            required[i, model.index(key)] = level
    scores = profile.vector()
    unknown = np.isnan(scores)[None, :] & ~np.isnan(required)
    gaps = np.maximum(0.0, required - np.where(np.isnan(scores), model.scale.min, scores))
    total = np.nansum(gaps, axis=1).astype(int)
    with_gap = np.sum(gaps > 0, axis=1)
    n_unknown = unknown.sum(axis=1)
    ids = [p.id for p in checked]
    order = sorted(
        range(len(checked)),
        key=lambda i: (total[i] > 0, total[i], with_gap[i], n_unknown[i], ids[i]),
    )
    rows = []
    for rank, i in enumerate(order, start=1):
        practice = checked[i]
        rows.append(
            PracticeFeasibility(
                practice_id=practice.id,
                name=practice.name,
                transferring_region=practice.transferring_region,
                feasible=bool(total[i] == 0),
                total_gap=int(total[i]),
                dimensions_with_gap=int(with_gap[i]),
                unknown=tuple(keys[c] for c in np.flatnonzero(unknown[i])),
                gaps=tuple(
                    DimensionGap(
                        dimension=keys[c],
                        required=int(required[i, c]),
                        score=None if np.isnan(scores[c]) else int(scores[c]),
                        gap=int(gaps[i, c]),
                        unknown=bool(unknown[i, c]),
                    )
                    for c in np.flatnonzero(~np.isnan(required[i]))
                ),
                rank=rank,
            )
        )
    return PracticeReport(
        model=model.ref, region=profile.region, label=profile.label, practices=tuple(rows)
    )
