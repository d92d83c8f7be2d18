"""What the consensus workshop agrees: one score per dimension with its justification, and
which dimensions the region marks for improvement or offers for coaching. Written only while
the round is in ``consensus``."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlmodel import Session, col, select

from app.auth import Principal, current_principal, ensure_can_manage
from app.db import get_session
from app.pagination import PageParams, page_params, paginate
from app.problems import ApiProblem, problem_responses
from app.routers.rounds import readable_round
from app.schemas import ConsensusIn, ConsensusOut, FlagsIn, FlagsOut, Id, Page
from app.store import check_dimension, ensure_status, lock_round, round_model, upsert
from app.tables import AssessmentRound, ConsensusRow, FlagRow, RoundStatus, utcnow
from assessment import parse_score

router = APIRouter(tags=["consensus"], responses=problem_responses(400, 401, 403, 404, 422))


def _workshop_round(
    session: Session, round_id: Id, dimension: str, principal: Principal
) -> AssessmentRound:
    round_ = lock_round(session, round_id)
    ensure_can_manage(principal, round_.region_id)
    ensure_status(round_, RoundStatus.CONSENSUS)
    check_dimension(round_model(round_), dimension, "path.dimension")
    return round_


@router.get(
    "/rounds/{round_id}/consensus",
    response_model=Page[ConsensusOut],
    summary="Consensus scores recorded so far",
)
def list_consensus(
    round_id: Id,
    params: PageParams = Depends(page_params),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
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
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> ConsensusRow:
    """A null score records that the workshop agreed it cannot score the dimension; it must
    say why in the justification."""
    round_ = _workshop_round(session, round_id, dimension, principal)
    score = parse_score(body.score, round_model(round_), ("body", "score"))
    justification = body.justification.strip()
    if score is None and not justification:
        raise ApiProblem(
            422, "a null consensus score needs a justification", field="body.justification"
        )
    upsert(
        session,
        ConsensusRow,
        {"round_id": round_id, "dimension": dimension},
        {"score": score, "justification": justification, "updated_at": utcnow()},
    )
    session.commit()
    return session.exec(
        select(ConsensusRow).where(
            ConsensusRow.round_id == round_id, ConsensusRow.dimension == dimension
        )
    ).one()


@router.get(
    "/rounds/{round_id}/flags",
    response_model=Page[FlagsOut],
    summary="Dimensions marked for improvement or coaching",
)
def list_flags(
    round_id: Id,
    for_improvement: bool | None = None,
    for_coaching: bool | None = None,
    params: PageParams = Depends(page_params),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
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
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> FlagRow:
    _workshop_round(session, round_id, dimension, principal)
    upsert(
        session,
        FlagRow,
        {"round_id": round_id, "dimension": dimension},
        {"for_improvement": body.for_improvement, "for_coaching": body.for_coaching},
    )
    session.commit()
    return session.exec(
        select(FlagRow).where(FlagRow.round_id == round_id, FlagRow.dimension == dimension)
    ).one()
