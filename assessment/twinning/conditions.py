"""Local conditions for the adoption of learning in the receiving region.

Learning on one dimension lands in a region whose other conditions decide whether it takes
root: in the Norrbotten-Scotland twinning (SCIROCCO Exchange, Norrbotten's study visit
presentation) the two scored the same, 3, on readiness to change (a recognised need, aligned
stakeholders, acceptance of change), while mandates, funding and a roadmap were missing in
Norrbotten. This module sorts every dimension other than the focus into:

``in_place``
    the receiving region scores level with or above the transferring region, and meets the
    good practice's requirement there when one is given;
``to_build``
    it is well behind (the transferring region leads by ``behind_threshold`` points or more)
    or short of the practice's requirement: conditions to build first;
``minor_gap``
    it is behind by less than ``behind_threshold`` and meets the practice's requirement;
``unknown``
    a score is missing on either side (and the practice sets no requirement the region
    could be short of).

Conditions to build are ranked by ``priority = max(0, gap) + requirement_weight *
practice_gap`` (high first; then by practice gap, then model order), where ``gap`` is the
transferring minus the receiving score and ``practice_gap = max(0, required - score)``; a
missing receiving score counts as the scale minimum against a requirement, as in
``assessment.practices``, so a missing score never looks like a met requirement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import ParameterModel
from assessment.i18n import Localizer
from assessment.model import MaturityModel, ModelRef
from assessment.practices import GoodPractice, parse_practice
from assessment.profile import Profile
from assessment.twinning.rationale import SideScore, check_pair_profiles, side_score
from assessment.twinning.texts import in_language, label

ConditionStatus = Literal["in_place", "to_build", "minor_gap", "unknown"]


class ConditionParams(ParameterModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    behind_threshold: int = Field(
        default=2,
        ge=1,
        description="points behind the transferring region that count as well behind",
    )
    requirement_weight: float = Field(
        default=2.0,
        ge=0,
        allow_inf_nan=False,
        description="weight of a point short of the practice's requirement against a point "
        "behind the transferring region",
    )


class Condition(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    name: str
    status: ConditionStatus
    receiving: SideScore
    transferring: SideScore
    gap: int | None = Field(description="transferring minus receiving score")
    required: int | None = Field(description="the good practice's minimum level, if it sets one")
    practice_gap: int | None = Field(description="max(0, required - receiving score)")
    priority: float = Field(description="rank of conditions to build; 0 for the others")
    reason: str


class LocalConditions(BaseModel):
    """The receiving region's conditions for adoption, by status."""

    model_config = ConfigDict(frozen=True)

    model: ModelRef
    receiving_region: str
    transferring_region: str
    practice: str | None = Field(description="the good practice's name, when one is weighed")
    params: ConditionParams
    focus: tuple[str, ...]
    in_place: tuple[Condition, ...] = Field(description="model order")
    to_build: tuple[Condition, ...] = Field(description="highest priority first")
    minor_gaps: tuple[Condition, ...] = Field(description="model order")
    unknown: tuple[Condition, ...] = Field(description="model order")

    def all(self) -> tuple[Condition, ...]:
        return self.in_place + self.to_build + self.minor_gaps + self.unknown

    def by_key(self) -> dict[str, Condition]:
        return {c.dimension: c for c in self.all()}


def classify(
    receiving: int | None,
    transferring: int | None,
    required: int | None,
    scale_min: int,
    params: ConditionParams,
) -> tuple[ConditionStatus, int | None, int | None, float]:
    """(status, gap, practice gap, priority) of one dimension: the module's rule."""
    gap = None if receiving is None or transferring is None else transferring - receiving
    practice_gap = (
        None
        if required is None
        else max(0, required - (scale_min if receiving is None else receiving))
    )
    status: ConditionStatus
    if practice_gap:
        status = "to_build"
    elif gap is None:
        status = "unknown"
    elif gap <= 0:
        status = "in_place"
    elif gap >= params.behind_threshold:
        status = "to_build"
    else:
        status = "minor_gap"
    priority = 0.0
    if status == "to_build":
        priority = max(0, gap or 0) + params.requirement_weight * (practice_gap or 0)
    return status, gap, practice_gap, priority


def _reason(
    status: ConditionStatus,
    mine: SideScore,
    theirs: SideScore,
    required: int | None,
    practice_gap: int | None,
    words: Localizer,
) -> str:
    _ = words.gettext

    def score(s: SideScore) -> str:
        shown = _("not scored") if s.score is None else str(s.score)
        return f"{s.region} {shown}"

    text = f"{score(mine)}, {score(theirs)}"
    if practice_gap:
        text += "; " + _("the practice needs %(level)d") % {"level": required}
    elif required is not None:
        text += "; " + _("the practice's %(level)d is met") % {"level": required}
    return f"{text}: {label('condition', status, words)}."


def local_conditions(
    model: MaturityModel,
    receiving: Profile,
    transferring: Profile,
    focus: Sequence[str],
    *,
    practice: GoodPractice | None = None,
    params: ConditionParams | None = None,
    language: str | None = None,
) -> LocalConditions:
    """Every dimension but the focus, sorted into conditions in place, to build, minor gaps
    and unknown (module docstring); names and reasons in ``language`` (default: the
    model's)."""
    params = params or ConditionParams()
    check_pair_profiles(model, receiving, transferring)
    model, words = in_language(model, language)
    if practice is not None:
        practice = parse_practice(model, practice, ("practice",))
    requirements = practice.requirements if practice is not None else {}
    groups: dict[ConditionStatus, list[Condition]] = {
        "in_place": [],
        "to_build": [],
        "minor_gap": [],
        "unknown": [],
    }
    focus_set = set(focus)
    for key in model.keys:
        if key in focus_set:
            continue
        mine = side_score(model, receiving, key, receiving=True, words=words)
        theirs = side_score(model, transferring, key, receiving=False, words=words)
        required = requirements.get(key)
        status, gap, practice_gap, priority = classify(
            mine.score, theirs.score, required, model.scale.min, params
        )
        groups[status].append(
            Condition(
                dimension=key,
                name=model.dimension(key).name,
                status=status,
                receiving=mine,
                transferring=theirs,
                gap=gap,
                required=required,
                practice_gap=practice_gap,
                priority=priority,
                reason=_reason(status, mine, theirs, required, practice_gap, words),
            )
        )
    to_build = sorted(
        groups["to_build"],
        key=lambda c: (-c.priority, -(c.practice_gap or 0), model.index(c.dimension)),
    )
    return LocalConditions(
        model=model.ref,
        receiving_region=receiving.region,
        transferring_region=transferring.region,
        practice=None if practice is None else practice.name,
        params=params,
        focus=tuple(k for k in model.keys if k in focus_set),
        in_place=tuple(groups["in_place"]),
        to_build=tuple(to_build),
        minor_gaps=tuple(groups["minor_gap"]),
        unknown=tuple(groups["unknown"]),
    )
