"""Did the focus dimension move? The receiving region's re-assessment against its baseline, for
one twinning and across a programme.

The comparison is :func:`assessment.comparison.compare_profiles` (after minus before, matched
by dimension key, so a re-assessment on a newer version of the model compares on the
dimensions both versions have). A twinning's verdict looks at its focus dimensions only:
``improved`` when at least one rose and none fell, ``declined`` when at least one fell and none
rose, ``mixed`` when some rose and some fell, ``unchanged`` when all stayed, and
``not_measurable`` when no focus dimension was scored both times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import fmean
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assessment.comparison import ProfileComparison, compare_profiles
from assessment.errors import RatingError
from assessment.model import MaturityModel, ModelRef
from assessment.profile import Profile
from assessment.twinning.lifecycle import TwinningStatus, TwinningType

Verdict = Literal["improved", "unchanged", "declined", "mixed", "not_measurable"]
VERDICTS: tuple[Verdict, ...] = ("improved", "unchanged", "declined", "mixed", "not_measurable")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class FocusChange(_Frozen):
    dimension: str
    name: str
    before: int | None
    after: int | None
    delta: int | None


class TwinningEffect(_Frozen):
    """The receiving region's change from the twinning's baseline round to a later one."""

    region: str
    baseline_round: str
    follow_up_round: str
    focus: tuple[FocusChange, ...]
    focus_delta: float | None = Field(description="mean change over focus dimensions scored twice")
    overall_before: float | None
    overall_after: float | None
    overall_delta: float | None = Field(description="compare_profiles' overall delta")
    verdict: Verdict
    comparison: ProfileComparison


def verdict_of(deltas: Sequence[int | None]) -> Verdict:
    known = [d for d in deltas if d is not None]
    if not known:
        return "not_measurable"
    rose, fell = any(d > 0 for d in known), any(d < 0 for d in known)
    if rose and fell:
        return "mixed"
    if rose:
        return "improved"
    if fell:
        return "declined"
    return "unchanged"


def twinning_effect(
    model: MaturityModel, baseline: Profile, follow_up: Profile, focus: Sequence[str]
) -> TwinningEffect:
    """Change of ``baseline`` (the receiving region when the twinning started) to
    ``follow_up`` (a later round of the same region and model)."""
    if baseline.model.id != model.id:
        raise RatingError(
            f"baseline scored with {baseline.model.id!r}, not {model.id!r}", ("baseline", "model")
        )
    if baseline.region != follow_up.region:
        raise RatingError(
            f"follow-up of {follow_up.region!r}, baseline of {baseline.region!r}",
            ("follow_up", "region"),
        )
    for index, key in enumerate(focus):
        model.index(key, ("focus", index))
    comparison = compare_profiles(baseline, follow_up)
    deltas = {d.dimension: d for d in comparison.dimensions}
    changes = []
    for key in focus:
        entry = deltas.get(key)
        changes.append(
            FocusChange(
                dimension=key,
                name=model.dimension(key).name,
                before=entry.before if entry else _score(baseline, key),
                after=entry.after if entry else None,
                delta=entry.delta if entry else None,
            )
        )
    known = [c.delta for c in changes if c.delta is not None]
    return TwinningEffect(
        region=baseline.region,
        baseline_round=baseline.label,
        follow_up_round=follow_up.label,
        focus=tuple(changes),
        focus_delta=fmean(known) if known else None,
        overall_before=baseline.overall,
        overall_after=follow_up.overall,
        overall_delta=comparison.overall_delta,
        verdict=verdict_of([c.delta for c in changes]),
        comparison=comparison,
    )


def _score(profile: Profile, key: str) -> int | None:
    found = profile.by_key().get(key)
    return None if found is None else found.score


class ProgrammeEntry(_Frozen):
    """One twinning as the programme view lists it."""

    id: int
    title: str
    receiving: str
    transferring: str
    type: TwinningType
    status: TwinningStatus
    model: ModelRef
    focus: tuple[str, ...]
    effect: TwinningEffect | None = Field(description="null until the receiving region re-assessed")


class DimensionEffect(_Frozen):
    model_id: str
    dimension: str
    twinnings: int = Field(description="twinnings with this focus")
    measured: int = Field(description="of them, with a change measured on this dimension")
    improved: int
    mean_delta: float | None


class ProgrammeView(_Frozen):
    """Every twinning of a programme with its measured effect, and the totals a dashboard
    shows."""

    twinnings: tuple[ProgrammeEntry, ...]
    total: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    measured: int = Field(description="twinnings whose receiving region re-assessed")
    verdicts: dict[str, int] = Field(description="measured twinnings per verdict")
    mean_focus_delta: float | None
    mean_overall_delta: float | None
    by_dimension: tuple[DimensionEffect, ...] = Field(
        description="per model and focus dimension, in order of first appearance"
    )


def programme_view(entries: Sequence[ProgrammeEntry]) -> ProgrammeView:
    """Totals over ``entries`` (listed in the order given)."""
    measured = [e.effect for e in entries if e.effect is not None]
    verdicts = Counter(effect.verdict for effect in measured)
    focus_deltas = [x.focus_delta for x in measured if x.focus_delta is not None]
    overall_deltas = [x.overall_delta for x in measured if x.overall_delta is not None]
    per_dimension: dict[tuple[str, str], list[int | None]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        changes = {} if entry.effect is None else {c.dimension: c for c in entry.effect.focus}
        for key in entry.focus:
            slot = (entry.model.id, key)
            counts[slot] += 1
            change = changes.get(key)
            per_dimension.setdefault(slot, [])
            if change is not None and change.delta is not None:
                per_dimension[slot].append(change.delta)
    by_dimension = []
    for (model_id, key), deltas in per_dimension.items():
        known = [d for d in deltas if d is not None]
        by_dimension.append(
            DimensionEffect(
                model_id=model_id,
                dimension=key,
                twinnings=counts[(model_id, key)],
                measured=len(known),
                improved=sum(d > 0 for d in known),
                mean_delta=fmean(known) if known else None,
            )
        )
    return ProgrammeView(
        twinnings=tuple(entries),
        total=len(entries),
        by_status={s.value: sum(e.status is s for e in entries) for s in TwinningStatus},
        by_type={t.value: sum(e.type is t for e in entries) for t in TwinningType},
        measured=len(measured),
        verdicts={v: verdicts.get(v, 0) for v in VERDICTS},
        mean_focus_delta=fmean(focus_deltas) if focus_deltas else None,
        mean_overall_delta=fmean(overall_deltas) if overall_deltas else None,
        by_dimension=tuple(by_dimension),
    )
