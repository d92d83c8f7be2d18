"""What the consensus workshop agrees: one score per dimension with its justification, and
which dimensions the region marks for improvement or offers for coaching. Written only while
the round is in ``consensus``: one dimension at a time, the whole workshop in one call (all or
nothing), or by accepting the proposed scores. The rules are the round service's."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session, col, select

from app.auth import Principal, ensure_can_manage
from app.deps import ModelsDep, PageDep, PrincipalDep, SessionDep
from app.pagination import paginate
from app.problems import problem_responses
from app.routers.rounds import readable_round
from app.routing import ApiRoute
from app.schemas import (
    AcceptedProposals,
    AcceptProposed,
    BulkConsensus,
    BulkFlags,
    ConsensusIn,
    ConsensusOut,
    FlagsIn,
    FlagsOut,
    Id,
    Page,
)
from app.services.rounds import (
    Decision,
    Marks,
    accept_proposed,
    record_consensus,
    record_workshop,
    set_all_flags,
    set_flags,
)
from app.store import lock_round
from app.tables import AssessmentRound, ConsensusRow, FlagRow

router = APIRouter(
    route_class=ApiRoute, tags=["consensus"], responses=problem_responses(400, 401, 403, 404, 422)
)


def _managed_round(session: Session, round_id: Id, principal: Principal) -> AssessmentRound:
    round_ = lock_round(session, round_id)
    ensure_can_manage(principal, round_.region_id)
    return round_


@router.get(
    "/rounds/{round_id}/consensus",
    response_model=Page[ConsensusOut],
    summary="Consensus scores recorded so far",
)
def list_consensus(
    round_id: Id,
    params: PageDep,
    principal: PrincipalDep,
    session: SessionDep,
) -> Page[ConsensusRow]:
    readable_round(session, round_id, principal)
    query = select(ConsensusRow).where(ConsensusRow.round_id == round_id)
    return paginate(session, query.order_by(col(ConsensusRow.id)), params)


@router.put(
    "/rounds/{round_id}/consensus/{dimension}",
    response_model=ConsensusOut,
    summary="Record the workshop's score of a dimension (admin or facilitator)",
    responses=problem_responses(409),
)
def put_consensus(
    round_id: Id,
    dimension: str,
    body: ConsensusIn,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> ConsensusRow:
    """A null score records that the workshop agreed it cannot score the dimension; it must
    say why in the justification."""
    round_ = _managed_round(session, round_id, principal)
    row = record_consensus(session, models, round_, dimension, body.score, body.justification)
    session.commit()
    return row


@router.put(
    "/rounds/{round_id}/consensus",
    response_model=list[ConsensusOut],
    summary="Record the workshop's scores of several dimensions (all or nothing)",
    responses=problem_responses(409),
)
def put_consensus_bulk(
    round_id: Id,
    body: BulkConsensus,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> list[ConsensusRow]:
    """Each item as in the one-dimension call (a null score needs a justification);
    dimensions not listed keep their decisions. Every item is checked first: one bad item
    (``body.items.3.score``) rejects the request and nothing is stored. Returns every
    decision of the round."""
    round_ = _managed_round(session, round_id, principal)
    decisions = [Decision(i.dimension, i.score, i.justification) for i in body.items]
    rows = record_workshop(session, models, round_, decisions)
    session.commit()
    return rows


@router.post(
    "/rounds/{round_id}/consensus/accept-proposed",
    response_model=AcceptedProposals,
    summary="Accept the proposed scores of the dimensions not decided yet",
    responses=problem_responses(409),
)
def accept_proposed_scores(
    round_id: Id,
    body: AcceptProposed,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> AcceptedProposals:
    """Records, for every dimension without a decision, the score proposed from the
    stakeholders' median (rounded down). Dimensions where the panel was split are left for
    the workshop to discuss unless ``include_split``; dimensions nobody rated have no
    proposal. Decisions already recorded are kept."""
    round_ = _managed_round(session, round_id, principal)
    outcome = accept_proposed(
        session, models, round_, body.justification, include_split=body.include_split
    )
    session.commit()
    return AcceptedProposals(
        accepted=outcome.accepted,
        split=outcome.split,
        unrated=outcome.unrated,
        consensus=[ConsensusOut.model_validate(row) for row in outcome.consensus],
    )


@router.get(
    "/rounds/{round_id}/flags",
    response_model=Page[FlagsOut],
    summary="Dimensions marked for improvement or coaching",
)
def list_flags(
    round_id: Id,
    params: PageDep,
    principal: PrincipalDep,
    session: SessionDep,
    for_improvement: bool | None = None,
    for_coaching: bool | None = None,
) -> Page[FlagRow]:
    readable_round(session, round_id, principal)
    query = select(FlagRow).where(FlagRow.round_id == round_id)
    if for_improvement is not None:
        query = query.where(FlagRow.for_improvement == for_improvement)
    if for_coaching is not None:
        query = query.where(FlagRow.for_coaching == for_coaching)
    return paginate(session, query.order_by(col(FlagRow.id)), params)


@router.put(
    "/rounds/{round_id}/flags/{dimension}",
    response_model=FlagsOut,
    summary="Mark a dimension for improvement and/or coaching (admin or facilitator)",
    responses=problem_responses(409),
)
def put_flags(
    round_id: Id,
    dimension: str,
    body: FlagsIn,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> FlagRow:
    round_ = _managed_round(session, round_id, principal)
    row = set_flags(
        session,
        models,
        round_,
        dimension,
        for_improvement=body.for_improvement,
        for_coaching=body.for_coaching,
    )
    session.commit()
    return row


@router.put(
    "/rounds/{round_id}/flags",
    response_model=list[FlagsOut],
    summary="Mark several dimensions for improvement and/or coaching (all or nothing)",
    responses=problem_responses(409),
)
def put_flags_bulk(
    round_id: Id,
    body: BulkFlags,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> list[FlagRow]:
    """Each item sets both flags of its dimension (an omitted flag is false); dimensions not
    listed keep theirs. One bad item (``body.items.2.dimension``) stores nothing. Returns
    every flag row of the round."""
    round_ = _managed_round(session, round_id, principal)
    marks = [Marks(i.dimension, i.for_improvement, i.for_coaching) for i in body.items]
    rows = set_all_flags(session, models, round_, marks)
    session.commit()
    return rows
