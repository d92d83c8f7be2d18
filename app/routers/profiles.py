"""Consensus profiles: of one round, a region's latest published one, its history over time,
and several regions side by side.

Published profiles and history of a region with ``public_profile`` are readable without a
key; everything else needs a key that can read the region.
"""

from __future__ import annotations

from itertools import combinations

from fastapi import APIRouter, Query

from app.auth import ensure_can_read, require_key
from app.deps import ModelsDep, OptionalPrincipalDep, PageDep, SessionDep
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import HistoryEntry, Id, PairDelta, RegionComparison, RegionHistory, RoundProfile
from app.services.rounds import ensure_may_see_ratings
from app.store import (
    ensure_published_readable,
    get_or_404,
    latest_published_round,
    published_rounds,
    round_profile_view,
)
from app.tables import AssessmentRound, RoundStatus
from assessment import Profile, ProfileComparison, RatingError, compare_profiles

router = APIRouter(
    route_class=ApiRoute, tags=["profiles"], responses=problem_responses(401, 403, 404, 422)
)
MAX_COMPARED = 10


def _compare(before: Profile, after: Profile) -> ProfileComparison | None:
    try:
        return compare_profiles(before, after)
    except RatingError:  # different models do not compare
        return None


@router.get(
    "/rounds/{round_id}/profile",
    response_model=RoundProfile,
    summary="A round's profile: workshop scores, else proposed from medians",
)
def get_round_profile(
    round_id: Id,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> RoundProfile:
    """Readable without a key once published, when the region's profile is public. While
    the round is open its proposed scores (medians) are hidden like its ratings (403)."""
    round_ = get_or_404(session, AssessmentRound, round_id, "path.round_id")
    if round_.status != RoundStatus.PUBLISHED.value:
        ensure_can_read(require_key(principal), round_.region_id)
        ensure_may_see_ratings(principal, round_)
    else:
        ensure_published_readable(session, round_.region_id, principal, "path.round_id")
    return round_profile_view(session, models, round_)


@router.get(
    "/regions/{region_id}/profile",
    response_model=RoundProfile,
    summary="The region's latest published profile",
)
def get_region_profile(
    region_id: Id,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> RoundProfile:
    ensure_published_readable(session, region_id, principal, "path.region_id")
    return round_profile_view(
        session, models, latest_published_round(session, region_id, "path.region_id")
    )


@router.get(
    "/regions/{region_id}/history",
    response_model=RegionHistory,
    summary="Published profiles, oldest first, each with its change from the previous",
)
def get_region_history(
    region_id: Id,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    params: PageDep,
) -> RegionHistory:
    """Paginated (``limit``/``offset``, oldest first): each page scores only its own rounds
    and the one before it, whose profile the first entry's ``change`` compares against."""
    ensure_published_readable(session, region_id, principal, "path.region_id")
    rounds = published_rounds(session, region_id)
    start = params.offset
    shown = rounds[start : start + params.limit]
    previous = None
    if shown and start > 0:
        previous = round_profile_view(session, models, rounds[start - 1]).profile
    entries: list[HistoryEntry] = []
    for round_ in shown:
        view = round_profile_view(session, models, round_)
        change = _compare(previous, view.profile) if previous is not None else None
        entries.append(HistoryEntry(**dict(view), change=change))
        previous = view.profile
    return RegionHistory(
        region_id=region_id,
        rounds=entries,
        total=len(rounds),
        limit=params.limit,
        offset=params.offset,
    )


@router.get(
    "/profiles/compare",
    response_model=RegionComparison,
    summary="Latest published profiles of several regions, with pairwise deltas",
)
def compare_regions(
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    region_id: list[Id] = Query(
        ..., description=f"2 to {MAX_COMPARED} regions, repeated: ?region_id=1&region_id=2"
    ),
) -> RegionComparison:
    """``deltas`` hold, for every pair in the order given, the second minus the first."""
    ids = list(dict.fromkeys(region_id))
    if not 2 <= len(ids) <= MAX_COMPARED:
        raise ApiProblem(
            422, f"give 2 to {MAX_COMPARED} different regions", field="query.region_id"
        )
    views = []
    for rid in ids:
        ensure_published_readable(session, rid, principal, "query.region_id")
        views.append(
            round_profile_view(
                session, models, latest_published_round(session, rid, "query.region_id")
            )
        )
    deltas = [
        PairDelta(
            before_region_id=a.region_id,
            after_region_id=b.region_id,
            comparison=_compare(a.profile, b.profile),
        )
        for a, b in combinations(views, 2)
    ]
    return RegionComparison(profiles=views, deltas=deltas)
