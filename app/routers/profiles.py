"""Consensus profiles: of one round, a region's latest published one, its history over time,
and several regions side by side.

Published profiles and history of a region with ``public_profile`` are readable without a
key; everything else needs a key that can read the region. Published results are stored at
publishing (``app.services.profiles``): every answer here loads all the profiles it shows in a
constant number of queries, and carries an ETag computed from what identifies it (rounds and
their last change), so ``If-None-Match`` gets ``304`` before any profile is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from app.auth import Principal, ensure_can_read, require_key
from app.db import Database
from app.deps import (
    DatabaseDep,
    ModelsDep,
    OptionalPrincipalDep,
    PageDep,
    SessionDep,
    get_models,
)
from app.etags import NOT_MODIFIED_RESPONSE, cache_headers, make_etag, not_modified
from app.pagination import PageParams
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import HistoryEntry, Id, PairDelta, RegionComparison, RegionHistory, RoundProfile
from app.services.profiles import (
    RoundResults,
    latest_head,
    published_stamp,
    readable_head,
    readable_latest,
    regions_with_latest,
    round_results,
    round_stamps,
)
from app.services.rounds import ensure_may_see_ratings
from app.store import (
    ensure_published_readable,
    get_or_404,
    published_rounds,
)
from app.tables import AssessmentRound, Region, RoundStatus
from assessment import ModelCatalog, Profile, ProfileComparison, RatingError, compare_profiles

router = APIRouter(
    route_class=ApiRoute,
    tags=["profiles"],
    responses={**NOT_MODIFIED_RESPONSE, **problem_responses(401, 403, 404, 422)},
)
MAX_COMPARED = 10


def _compare(before: Profile, after: Profile) -> ProfileComparison | None:
    try:
        return compare_profiles(before, after)
    except RatingError:  # different models do not compare
        return None


def _view(results: RoundResults) -> RoundProfile:
    round_ = results.round
    assert round_.id is not None
    return RoundProfile(
        region_id=round_.region_id,
        round_id=round_.id,
        status=RoundStatus(round_.status),
        published_at=round_.published_at,
        profile=results.profile,
    )


def _identity(
    session: SessionDep, rounds: Sequence[AssessmentRound], names: dict[int, str]
) -> list[str | int]:
    """What identifies the profiles of ``rounds``: ids, last changes and region names."""
    stamps = round_stamps(session, rounds)
    parts: list[str | int] = []
    for round_ in rounds:
        assert round_.id is not None
        parts += [round_.id, stamps[round_.id], names[round_.region_id]]
    return parts


@router.get(
    "/rounds/{round_id}/profile",
    response_model=RoundProfile,
    summary="A round's profile: workshop scores, else proposed from medians",
)
def get_round_profile(
    round_id: Id,
    request: Request,
    response: Response,
    principal: OptionalPrincipalDep,
    session: SessionDep,
) -> RoundProfile | Response:
    """Readable without a key once published, when the region's profile is public. While
    the round is open its proposed scores (medians) are hidden like its ratings (403)."""
    round_ = get_or_404(session, AssessmentRound, round_id, "path.round_id")
    if round_.status != RoundStatus.PUBLISHED.value:
        ensure_can_read(require_key(principal), round_.region_id)
        ensure_may_see_ratings(principal, round_)
        region = get_or_404(session, Region, round_.region_id, "path.round_id")
        public = False
    else:
        region = ensure_published_readable(session, round_.region_id, principal, "path.round_id")
        public = region.public_profile
    names = {round_.region_id: region.name}
    etag = make_etag("round-profile", _identity(session, [round_], names))
    headers = cache_headers(public)
    if (unchanged := not_modified(request, etag, headers)) is not None:
        return unchanged
    response.headers.update({"ETag": etag, **headers})
    return _view(round_results(session, get_models(request), [round_], names)[0])


@router.get(
    "/regions/{region_id}/profile",
    response_model=RoundProfile,
    summary="The region's latest published profile",
)
def get_region_profile(
    region_id: Id,
    request: Request,
    response: Response,
    principal: OptionalPrincipalDep,
    database: DatabaseDep,
) -> RoundProfile | Response:
    """Readable without a key when the region's profile is public. ``If-None-Match`` with
    the ETag answers ``304`` until a newer round is published or the region is renamed."""
    # The ETag from one read of plain values; the session only for the full answer.
    etag, headers, round_id, name = region_profile_tag(database, region_id, principal)
    if (unchanged := not_modified(request, etag, headers)) is not None:
        return unchanged
    response.headers.update({"ETag": etag, **headers})
    names = {region_id: name}
    with database.session() as session:
        round_ = get_or_404(session, AssessmentRound, round_id, "path.region_id")
        return _view(round_results(session, get_models(request), [round_], names)[0])


def region_profile_tag(
    database: Database, region_id: int, principal: Principal | None
) -> tuple[str, dict[str, str], int, str]:
    """The region profile's ETag and cache headers, with its latest published round's id and
    the region's name: one read of plain values, once the caller may read the profile."""
    found = latest_head(database, region_id)
    head, round_id, published_at = readable_head(found, region_id, principal, "path.region_id")
    etag = make_etag("region-profile", [round_id, published_stamp(published_at), head.name])
    return etag, cache_headers(head.public_profile), round_id, head.name


@router.get(
    "/regions/{region_id}/history",
    response_model=RegionHistory,
    summary="Published profiles, oldest first, each with its change from the previous",
)
def get_region_history(
    region_id: Id,
    request: Request,
    response: Response,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    params: PageDep,
) -> RegionHistory | Response:
    """Paginated (``limit``/``offset``, oldest first): each page loads only its own rounds
    and the one before it, whose profile the first entry's ``change`` compares against."""
    region = ensure_published_readable(session, region_id, principal, "path.region_id")
    rounds = published_rounds(session, region_id)
    start = params.offset
    shown = rounds[max(start - 1, 0) : start + params.limit]  # with the one before the page
    names = {region_id: region.name}
    page = [region_id, len(rounds), params.limit, params.offset]
    etag = make_etag("history", [*page, *_identity(session, shown, names)])
    headers = cache_headers(region.public_profile)
    if (unchanged := not_modified(request, etag, headers)) is not None:
        return unchanged
    response.headers.update({"ETag": etag, **headers})
    return history_of(session, models, region_id, rounds, params, names)


def history_of(
    session: Session,
    models: ModelCatalog,
    region_id: int,
    rounds: Sequence[AssessmentRound],
    page: PageParams,
    names: dict[int, str] | None = None,
) -> RegionHistory:
    """A page of a region's published ``rounds`` (all of them, oldest first) with each one's
    change from the one before, loaded in a constant number of queries."""
    start = page.offset
    before = [rounds[start - 1]] if 0 < start <= len(rounds) else []
    loaded = round_results(session, models, [*before, *rounds[start : start + page.limit]], names)
    previous = loaded[0].profile if before else None
    entries: list[HistoryEntry] = []
    for results in loaded[len(before) :]:
        view = _view(results)
        change = _compare(previous, view.profile) if previous is not None else None
        entries.append(HistoryEntry(**dict(view), change=change))
        previous = view.profile
    return RegionHistory(
        region_id=region_id,
        rounds=entries,
        total=len(rounds),
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/profiles/compare",
    response_model=RegionComparison,
    summary="Latest published profiles of several regions, with pairwise deltas",
)
def compare_regions(
    request: Request,
    response: Response,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    region_id: list[Id] = Query(
        ..., description=f"2 to {MAX_COMPARED} regions, repeated: ?region_id=1&region_id=2"
    ),
) -> RegionComparison | Response:
    """``deltas`` hold, for every pair in the order given, the second minus the first."""
    ids = list(dict.fromkeys(region_id))
    if not 2 <= len(ids) <= MAX_COMPARED:
        raise ApiProblem(
            422, f"give 2 to {MAX_COMPARED} different regions", field="query.region_id"
        )
    found = regions_with_latest(session, ids)
    # the checks one region at a time would make, in the order given
    shown = [readable_latest(found.get(rid), rid, principal, "query.region_id") for rid in ids]
    rounds = [round_ for _, round_ in shown]
    names = {region.id: region.name for region, _ in shown if region.id is not None}
    etag = make_etag("compare", _identity(session, rounds, names))
    headers = cache_headers(all(region.public_profile for region, _ in shown))
    if (unchanged := not_modified(request, etag, headers)) is not None:
        return unchanged
    views = [_view(results) for results in round_results(session, models, rounds, names)]
    deltas = [
        PairDelta(
            before_region_id=a.region_id,
            after_region_id=b.region_id,
            comparison=_compare(a.profile, b.profile),
        )
        for a, b in combinations(views, 2)
    ]
    response.headers.update({"ETag": etag, **headers})
    return RegionComparison(profiles=views, deltas=deltas)
