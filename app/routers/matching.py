"""Twinning partners over HTTP: suggestions a page of receiving regions at a time, and stored
assignment runs that a coordinator reviews pair by pair.

Matching works on each region's profile of its current round on one model (the default
model unless ``model_id``/``model_version`` say otherwise); regions without one take no
part. The rule, its parameters and the explanations are the library's
(``assessment.matching``; README, "Twinning"); ``app.services.matching`` does the work.

Suggestions and runs count against the key's ``rate_limit_matching`` (``app.guard``, by
path). Who reads what: coordinators and admins everything; a region's keys (its facilitators and
stakeholders) the suggestions for their region and the runs that matched it, narrowed to
what involves their region. Computing runs and reviewing pairs stay with coordinators and
admins.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import col, select

from app.deps import (
    CoordinatorDep,
    DatabaseDep,
    ModelsDep,
    PageDep,
    PrincipalDep,
    QueryModelDep,
    SessionDep,
    SettingsDep,
)
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, Page
from app.schemas_matching import (
    PairReview,
    RunCreate,
    RunDetail,
    RunPairOut,
    RunSummary,
    Suggestions,
)
from app.services import matching as service
from app.tables import utcnow
from app.tables_matching import MatchingPairRow, MatchingRun
from assessment import MatchingParams
from assessment.matching import TOP_K_LIMIT, FlagPolicy, UncertainPolicy

router = APIRouter(
    route_class=ApiRoute, tags=["matching"], responses=problem_responses(400, 401, 403, 404, 422)
)


async def query_params(
    min_gap: float | None = Query(None, description="smallest gap, scale points (default 1)"),
    min_transfer_level: float | None = Query(
        None, description="lowest transferring score (default 3; the scale min for no floor)"
    ),
    max_receiving_level: float | None = Query(None, description="highest receiving score"),
    improvement_flags: FlagPolicy | None = Query(None, description="default when_flagged"),
    coaching_flags: FlagPolicy | None = Query(None, description="default when_flagged"),
    gap_weight: float | None = Query(None, description="default 0.6"),
    similarity_weight: float | None = Query(None, description="default 0.4"),
    similarity_dimension: list[str] | None = Query(
        None, description="context dimensions, repeated; default all"
    ),
    neutral_similarity: float | None = Query(None, description="default 0.5"),
    top_k: int | None = Query(
        None,
        ge=1,
        le=TOP_K_LIMIT,
        description=f"suggestions per receiving region, 1-{TOP_K_LIMIT:,} (default 3)",
    ),
    uncertain_scores: UncertainPolicy | None = Query(
        None,
        description="needs and offers whose score stands on a split panel: include (default), "
        "exclude, or down_weight the pair's score",
    ),
    uncertain_weight: float | None = Query(
        None,
        description="with down_weight: multiplier per uncertain side, in (0, 1] (default 0.5)",
    ),
) -> MatchingParams:
    """Matching parameters from the query string; those left out keep the library default
    (async: pure parsing, no worker thread of its own)."""
    given: dict[str, Any] = {
        "min_gap": min_gap,
        "min_transfer_level": min_transfer_level,
        "max_receiving_level": max_receiving_level,
        "improvement_flags": improvement_flags,
        "coaching_flags": coaching_flags,
        "gap_weight": gap_weight,
        "similarity_weight": similarity_weight,
        "similarity_dimensions": tuple(similarity_dimension) if similarity_dimension else None,
        "neutral_similarity": neutral_similarity,
        "top_k": top_k,
        "uncertain_scores": uncertain_scores,
        "uncertain_weight": uncertain_weight,
    }
    with service.located("query"):
        return MatchingParams(**{k: v for k, v in given.items() if v is not None})


@router.get(
    "/matching/suggestions",
    response_model=Suggestions,
    summary="Best twinning partners per receiving region, a page of regions at a time",
)
def get_suggestions(
    principal: PrincipalDep,
    params: Annotated[MatchingParams, Depends(query_params)],
    model: QueryModelDep,
    page: PageDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    region_id: Id | None = Query(
        None, description="only this receiving region (a region's keys: their own, the default)"
    ),
) -> Suggestions:
    """Computed on the fly from the current published profiles; nothing is stored. Pages
    (``limit``, ``offset``) run over the receiving regions in name order, ``total`` counts
    them; each lists its ``top_k`` partners with their reasons and its unmet needs with the
    condition that failed. Coordinators and admins read every region; a region's keys read
    their own region's suggestions."""
    region = service.suggestions_region(principal, region_id)
    budget = service.matching_budget(settings)
    return service.suggestions_page(session, models, model, params, budget, page, region)


@router.post(
    "/matching/runs",
    response_model=RunDetail,
    status_code=201,
    summary="Assign partners programme-wide and store the proposal (coordinator or admin)",
    responses=problem_responses(409),
)
def create_run(
    body: RunCreate,
    principal: CoordinatorDep,
    session: SessionDep,
    database: DatabaseDep,
    models: ModelsDep,
    settings: SettingsDep,
) -> RunDetail:
    """Maximises the total score under each transferring region's capacity; every pair starts
    ``proposed``. The stored parameters name regions by name, as the library does. Computed
    outside any write transaction: a large programme never holds the database's write lock
    while it is assigned."""
    budget = service.matching_budget(settings)
    return service.create_run(session, database, models, budget, principal, body)


@router.get(
    "/matching/runs",
    response_model=Page[RunSummary],
    summary="Stored assignment runs, newest first (a region's keys: the runs that matched it)",
)
def list_runs(params: PageDep, principal: PrincipalDep, session: SessionDep) -> Page[RunSummary]:
    query = service.visible_runs(select(MatchingRun), principal)
    found = paginate(session, query.order_by(col(MatchingRun.id).desc()), params)
    view = service.region_view(principal)
    return Page[RunSummary](
        items=[service.run_summary(run, view) for run in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


@router.get(
    "/matching/runs/{run_id}",
    response_model=RunDetail,
    summary="A run with its pairs, unmet needs and load (a region's keys: their region's part)",
)
def get_run(
    run_id: Id, principal: PrincipalDep, session: SessionDep, models: ModelsDep
) -> RunDetail:
    run = service.run_for(session, run_id, principal)
    return service.read_run(session, models, run, principal)


@router.patch(
    "/matching/runs/{run_id}/pairs/{pair_id}",
    response_model=RunPairOut,
    summary="Approve or reject a proposed pair (coordinator or admin)",
)
def review_pair(
    run_id: Id,
    pair_id: Id,
    body: PairReview,
    principal: CoordinatorDep,
    session: SessionDep,
    models: ModelsDep,
) -> RunPairOut:
    run = service.run_for(session, run_id, principal)
    pair = session.get(MatchingPairRow, pair_id)
    if pair is None or pair.run_id != run_id:
        raise ApiProblem(404, f"run {run_id} has no pair {pair_id}", field="path.pair_id")
    pair.status = body.status.value
    if body.note is not None:
        pair.note = body.note
    pair.reviewed_by = principal.key_id
    pair.reviewed_at = utcnow()
    session.add(pair)
    session.commit()
    names = service.region_names(session, (pair.receiving_region_id, pair.transferring_region_id))
    return service.run_pair_out(pair, names, service.run_model(models, run))
