"""Progress between two profiles of the same model (re-assessment over time, or two regions)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from assessment.errors import RatingError
from assessment.profile import Profile


class DimensionDelta(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    before: int | None
    after: int | None
    delta: int | None


class ProfileComparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    before_version: str
    after_version: str
    before_label: str
    after_label: str
    dimensions: tuple[DimensionDelta, ...]
    overall_delta: float | None
    improved: tuple[str, ...]
    declined: tuple[str, ...]
    unchanged: tuple[str, ...]
    only_before: tuple[str, ...] = ()
    only_after: tuple[str, ...] = ()


def compare_profiles(before: Profile, after: Profile) -> ProfileComparison:
    """Delta per dimension (after - before), matched by key.

    Profiles of different versions of one model compare on the dimensions they share; the
    rest are listed as ``only_before`` / ``only_after``. Different models do not compare.
    """
    if before.model.id != after.model.id:
        raise RatingError(
            f"cannot compare model {before.model.id!r} with {after.model.id!r}", ("model",)
        )
    old, new = before.by_key(), after.by_key()
    shared = [key for key in old if key in new]
    deltas = []
    for key in shared:
        a, b = old[key].score, new[key].score
        deltas.append(
            DimensionDelta(
                dimension=key,
                before=a,
                after=b,
                delta=None if a is None or b is None else b - a,
            )
        )
    scored = [d for d in deltas if d.delta is not None]
    # Mean of the deltas equals the change of the mean over the dimensions scored both times.
    overall = sum(d.delta for d in scored if d.delta is not None) / len(scored) if scored else None
    return ProfileComparison(
        model_id=before.model.id,
        before_version=before.model.version,
        after_version=after.model.version,
        before_label=before.label,
        after_label=after.label,
        dimensions=tuple(deltas),
        overall_delta=overall,
        improved=tuple(d.dimension for d in scored if d.delta and d.delta > 0),
        declined=tuple(d.dimension for d in scored if d.delta and d.delta < 0),
        unchanged=tuple(d.dimension for d in scored if d.delta == 0),
        only_before=tuple(key for key in old if key not in new),
        only_after=tuple(key for key in new if key not in old),
    )
