"""Stakeholder ratings of a round: one cell per (stakeholder, dimension), written while open.

PUT is an idempotent upsert of one cell; the bulk PUT stores one stakeholder's ratings in
one transaction after validating every item, so one bad item stores nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, col, select

from app.auth import Principal, ensure_can_read
from app.deps import ModelsDep, PageDep, PrincipalDep, SessionDep
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routers.rounds import readable_round
from app.routing import ApiRoute
from app.schemas import BulkRatings, Id, Page, RatingIn, RatingOut
from app.services.ratings import store_ratings
from app.services.rounds import ensure_may_see_ratings, may_see_ratings
from app.store import ensure_status, lock_round, round_model, round_stakeholder
from app.tables import AssessmentRound, RatingRow, RoundStatus
from assessment import RatingError, parse_score

router = APIRouter(
    route_class=ApiRoute, tags=["ratings"], responses=problem_responses(400, 401, 403, 404, 422)
)


@router.get("/rounds/{round_id}/ratings", response_model=Page[RatingOut], summary="Ratings")
def list_ratings(
    round_id: Id,
    params: PageDep,
    principal: PrincipalDep,
    session: SessionDep,
    stakeholder_id: Id | None = None,
    dimension: str | None = Query(None, max_length=100),
) -> Page[RatingRow]:
    """While the round is open a rater's key lists only its own ratings (another
    ``stakeholder_id`` is 403), and other keys get 403 until rating closes, unless the round
    reveals its ratings while open."""
    round_ = readable_round(session, round_id, principal)
    if not may_see_ratings(principal, round_):
        stakeholder_id = stakeholder_id or principal.stakeholder_id
        ensure_may_see_ratings(principal, round_, stakeholder_id)
    query = select(RatingRow).where(RatingRow.round_id == round_id)
    if stakeholder_id is not None:
        query = query.where(RatingRow.stakeholder_id == stakeholder_id)
    if dimension is not None:
        query = query.where(RatingRow.dimension == dimension)
    return paginate(session, query.order_by(col(RatingRow.id)), params)


def _writable(
    session: Session, round_id: Id, stakeholder_id: Id, principal: Principal
) -> AssessmentRound:
    """The round, once the caller may write this stakeholder's ratings in it now."""
    round_ = lock_round(session, round_id, shared=True)
    ensure_can_read(principal, round_.region_id)
    if not principal.can_rate_as(round_.region_id, stakeholder_id):  # before any lookup
        raise ApiProblem(403, "this key may only edit its own stakeholder's ratings")
    round_stakeholder(session, round_, stakeholder_id, "path.stakeholder_id")
    ensure_status(round_, RoundStatus.OPEN)
    return round_


def _ratings_of(session: Session, round_id: Id, stakeholder_id: Id) -> list[RatingRow]:
    return list(
        session.exec(
            select(RatingRow)
            .where(RatingRow.round_id == round_id, RatingRow.stakeholder_id == stakeholder_id)
            .order_by(col(RatingRow.id))
        ).all()
    )


@router.put(
    "/rounds/{round_id}/ratings/{stakeholder_id}/{dimension}",
    response_model=RatingOut,
    summary="Rate one dimension (idempotent; null score = don't know)",
    responses=problem_responses(409),
)
def put_rating(
    round_id: Id,
    stakeholder_id: Id,
    dimension: str,
    body: RatingIn,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> RatingRow:
    round_ = _writable(session, round_id, stakeholder_id, principal)
    model = round_model(models, round_)
    model.index(dimension, ("path", "dimension"))
    score = parse_score(body.score, model, ("body", "score"))
    [stored] = store_ratings(
        session, round_id, stakeholder_id, [(dimension, score, body.justification)]
    )
    return stored


@router.put(
    "/rounds/{round_id}/ratings/{stakeholder_id}",
    response_model=list[RatingOut],
    summary="Rate several dimensions at once (all or nothing)",
    responses=problem_responses(409),
)
def put_ratings(
    round_id: Id,
    stakeholder_id: Id,
    body: BulkRatings,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> list[RatingRow]:
    """Upserts every item; dimensions not listed keep their ratings. Any invalid item
    rejects the whole request and nothing is stored. Returns all of the stakeholder's
    ratings in the round (only the items sent, to a facilitator entering ratings on a
    stakeholder's behalf while the round's ratings are hidden)."""
    round_ = _writable(session, round_id, stakeholder_id, principal)
    model = round_model(models, round_)
    cells: list[tuple[str, int | None, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(body.ratings):
        here = ("body", "ratings", index)
        model.index(item.dimension, (*here, "dimension"))
        if item.dimension in seen:
            raise RatingError(f"dimension {item.dimension!r} is listed twice", (*here, "dimension"))
        seen.add(item.dimension)
        score = parse_score(item.score, model, (*here, "score"))
        cells.append((item.dimension, score, item.justification))
    store_ratings(session, round_id, stakeholder_id, cells)
    stored = _ratings_of(session, round_id, stakeholder_id)
    if may_see_ratings(principal, round_, stakeholder_id):
        return stored
    return [row for row in stored if row.dimension in seen]


@router.delete(
    "/rounds/{round_id}/ratings/{stakeholder_id}/{dimension}",
    status_code=204,
    summary="Withdraw one rating while the round is open",
    responses=problem_responses(409),
)
def delete_rating(
    round_id: Id,
    stakeholder_id: Id,
    dimension: str,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    _writable(session, round_id, stakeholder_id, principal)
    row = session.exec(
        select(RatingRow).where(
            RatingRow.round_id == round_id,
            RatingRow.stakeholder_id == stakeholder_id,
            RatingRow.dimension == dimension,
        )
    ).first()
    if row is None:
        raise ApiProblem(404, f"no rating of {dimension!r} to withdraw", field="path.dimension")
    session.delete(row)
    session.commit()
    return Response(status_code=204)
