"""Twinning over HTTP: partner suggestions, stored assignment runs reviewed by a coordinator,
good practices and a region's feasibility for them.

Matching works on each region's latest published profile of one model (the default model
unless ``model_id``/``model_version`` say otherwise); regions without one take no part. The
rule and its parameters are the library's (``assessment.matching``; README, "Twinning").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from app.deps import CoordinatorDep, ModelsDep, PageDep, QueryModelDep, SessionDep
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.schemas import Id, Page, UtcDatetime, _Out
from app.services.profiles import current_profiles
from app.store import get_or_404, resolve_model
from app.tables import Region, utcnow
from app.tables_matching import MatchingPairRow, MatchingRun, PairStatus
from assessment import (
    AssessmentError,
    MatchingParams,
    MaturityModel,
    ModelCatalog,
    ModelRef,
    PairProposal,
    Profile,
    assign_partners,
    suggest_partners,
)
from assessment.matching import FlagPolicy

router = APIRouter(tags=["matching"], responses=problem_responses(400, 401, 403, 404, 422))


# --- schemas --------------------------------------------------------------------------------


class PairOut(PairProposal):
    receiving_region_id: Id
    transferring_region_id: Id


class Suggestions(BaseModel):
    model: ModelRef
    params: MatchingParams
    regions: int = Field(description="regions with a published profile of this model")
    pairs: list[PairOut]
    without_candidates: list[int] = Field(description="receiving regions with no allowed partner")


class RunCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "parameters": {"min_gap": 1, "capacity": 2, "similarity_weight": 0.4},
                    "capacity_overrides": {"2": 1},
                }
            ]
        },
    )

    model_id: str | None = None
    model_version: str | None = None
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description='MatchingParams fields (README, "Twinning") except capacity_overrides',
    )
    capacity_overrides: dict[Id, int] = Field(
        default_factory=dict, description="capacity per transferring region id"
    )


class RunPairOut(_Out):
    id: int
    run_id: Id
    receiving_region_id: Id
    transferring_region_id: Id
    dimension: str
    receiving_score: int
    transferring_score: int
    gap: int
    similarity: float
    shared_context: int
    score: float
    rank: int
    explanation: str
    status: PairStatus
    note: str
    reviewed_by: int | None
    reviewed_at: UtcDatetime | None


class RunSummary(_Out):
    id: int
    model_id: str
    model_version: str
    parameters: dict[str, Any]
    regions: int
    needs: int
    total_score: float
    created_by: int | None
    created_at: UtcDatetime


class RunDetail(RunSummary):
    unmet: list[dict[str, Any]]
    pairs: list[RunPairOut]


class PairReview(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "approved"}]}
    )

    status: PairStatus
    note: str | None = Field(default=None, max_length=2000)


# --- helpers --------------------------------------------------------------------------------


def _params(data: dict[str, Any], *where: str) -> MatchingParams:
    try:
        return MatchingParams(**data)
    except AssessmentError as exc:
        raise exc.within(*where) from None


def query_params(
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
    top_k: int | None = Query(None, description="suggestions per region (default 3)"),
) -> MatchingParams:
    """Matching parameters from the query string; those left out keep the library default."""
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
    }
    return _params({k: v for k, v in given.items() if v is not None}, "query")


def _latest_profiles(
    session: Session, models: ModelCatalog, model: MaturityModel
) -> tuple[list[Profile], list[int]]:
    """Each region's profile of its current round on ``model`` (``current_rounds``), with the
    region ids: the profiles stored at publishing, all loaded in one query."""
    found = current_profiles(session, models, model)
    return [profile for _, profile in found], [region_id for region_id, _ in found]


def _run_matching(
    model: MaturityModel, profiles: Sequence[Profile], params: MatchingParams, where: str
) -> Any:
    """Library errors about parameters, located in the request."""
    try:
        if where == "query":
            return suggest_partners(model, profiles, params)
        return assign_partners(model, profiles, params)
    except AssessmentError as exc:
        prefix = ("query",) if where == "query" else ("body", "parameters")
        raise exc.within(*prefix) from None


def _pair_out(pair: PairProposal, ids: dict[str, int]) -> PairOut:
    """The library's pair with the regions' ids. Its fields are taken as they are (nested
    models included), not dumped and validated again: they were checked when the library
    built them, and for 500 regions' 1,500 explained pairs a second validation cost more
    than loading and matching all the profiles."""
    return PairOut.model_construct(
        **dict(pair),
        receiving_region_id=ids[pair.receiving],
        transferring_region_id=ids[pair.transferring],
    )


# --- suggestions and runs -------------------------------------------------------------------


@router.get(
    "/matching/suggestions",
    response_model=Suggestions,
    summary="Top-k twinning partners per receiving region (coordinator or admin)",
)
def get_suggestions(
    _: CoordinatorDep,
    params: Annotated[MatchingParams, Depends(query_params)],
    model: QueryModelDep,
    session: SessionDep,
    models: ModelsDep,
    region_id: Id | None = Query(None, description="only this receiving region"),
) -> Suggestions:
    """Computed on the fly from the latest published profiles; nothing is stored."""
    profiles, region_ids = _latest_profiles(session, models, model)
    ids = {p.region: rid for p, rid in zip(profiles, region_ids, strict=True)}
    if region_id is not None and region_id not in region_ids:
        get_or_404(session, Region, region_id, "query.region_id")
        raise ApiProblem(
            404,
            f"region {region_id} has no published profile of {model.id} {model.version}",
            field="query.region_id",
        )
    result = _run_matching(model, profiles, params, "query")
    pairs = [_pair_out(pair, ids) for pair in result.pairs]
    lonely = [ids[name] for name in result.without_candidates]
    if region_id is not None:
        pairs = [p for p in pairs if p.receiving_region_id == region_id]
        lonely = [rid for rid in lonely if rid == region_id]
    return Suggestions(
        model=model.ref,
        params=params,
        regions=len(profiles),
        pairs=pairs,
        without_candidates=lonely,
    )


@router.post(
    "/matching/runs",
    response_model=RunDetail,
    status_code=201,
    summary="Assign partners programme-wide and store the proposal (coordinator or admin)",
)
def create_run(
    body: RunCreate,
    principal: CoordinatorDep,
    session: SessionDep,
    models: ModelsDep,
) -> RunDetail:
    """Maximises the total score under each transferring region's capacity; every pair starts
    ``proposed``. The stored parameters name regions by name, as the library does."""
    model = resolve_model(models, body.model_id, body.model_version, "body.model_id")
    if "capacity_overrides" in body.parameters:
        raise ApiProblem(
            422,
            "give capacity_overrides beside parameters, by region id",
            field="body.parameters.capacity_overrides",
        )
    profiles, region_ids = _latest_profiles(session, models, model)
    names = {rid: p.region for p, rid in zip(profiles, region_ids, strict=True)}
    for rid in body.capacity_overrides:
        if rid not in names:
            raise ApiProblem(
                422,
                f"region {rid} has no published profile of {model.id} {model.version}",
                field=f"body.capacity_overrides.{rid}",
            )
    overrides = {names[rid]: capacity for rid, capacity in body.capacity_overrides.items()}
    try:
        params = MatchingParams(**body.parameters, capacity_overrides=overrides)
    except AssessmentError as exc:
        if exc.location[:1] == ("capacity_overrides",):
            raise ApiProblem(422, exc.message, field="body.capacity_overrides") from None
        raise exc.within("body", "parameters") from None
    result = _run_matching(model, profiles, params, "body")
    ids = {name: rid for rid, name in names.items()}
    run = MatchingRun(
        model_id=model.id,
        model_version=model.version,
        parameters=params.model_dump(mode="json"),
        regions=len(profiles),
        needs=result.needs,
        total_score=result.total_score,
        unmet=[
            {**need.model_dump(mode="json"), "receiving_region_id": ids[need.receiving]}
            for need in result.unmet
        ],
        created_by=principal.key_id,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    for pair in result.pairs:
        fields = pair.model_dump(exclude={"receiving", "transferring"})
        session.add(
            MatchingPairRow(
                run_id=run.id,
                receiving_region_id=ids[pair.receiving],
                transferring_region_id=ids[pair.transferring],
                **fields,
            )
        )
    session.commit()
    return _run_detail(session, run)


def _run_detail(session: Session, run: MatchingRun) -> RunDetail:
    pairs = session.exec(
        select(MatchingPairRow)
        .where(MatchingPairRow.run_id == run.id)
        .order_by(col(MatchingPairRow.id))
    ).all()
    return RunDetail(
        **RunSummary.model_validate(run).model_dump(),
        unmet=run.unmet,
        pairs=[RunPairOut.model_validate(p) for p in pairs],
    )


@router.get(
    "/matching/runs",
    response_model=Page[RunSummary],
    summary="Stored assignment runs, newest first (coordinator or admin)",
)
def list_runs(
    params: PageDep,
    _: CoordinatorDep,
    session: SessionDep,
) -> Page[MatchingRun]:
    query = select(MatchingRun).order_by(col(MatchingRun.id).desc())
    return paginate(session, query, params)


@router.get(
    "/matching/runs/{run_id}",
    response_model=RunDetail,
    summary="A run with its pairs and unmet needs (coordinator or admin)",
)
def get_run(
    run_id: Id,
    _: CoordinatorDep,
    session: SessionDep,
) -> RunDetail:
    return _run_detail(session, get_or_404(session, MatchingRun, run_id, "path.run_id"))


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
) -> MatchingPairRow:
    get_or_404(session, MatchingRun, run_id, "path.run_id")
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
    return pair
