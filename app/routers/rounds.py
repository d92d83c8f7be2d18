"""Assessment rounds of a region and their life cycle, draft -> open -> consensus -> published.

Stakeholders rate while a round is ``open``; the workshop records consensus scores and flags
in ``consensus`` (and may reopen rating from there); ``published`` is final and is what
profiles, history and comparisons read.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.auth import Principal, ensure_can_manage, ensure_can_read
from app.deps import ModelsDep, PageDep, PrincipalDep, SessionDep, SettingsDep
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, Page, RoundCreate, RoundOut, RoundUpdate, Transition
from app.services.profiles import stored_group
from app.services.progress import RoundProgress, round_progress
from app.services.rounds import (
    change_round,
    ensure_may_see_ratings,
    move_round,
    start_round,
)
from app.store import (
    ensure_room,
    ensure_status,
    get_or_404,
    group_scores,
    lock_region,
    lock_round,
    resolve_model,
    round_ref,
)
from app.tables import AssessmentRound, Region, Role, RoundStatus
from assessment import AgreementRule, GroupScores, ParameterError
from assessment.errors import from_validation_error
from assessment.scoring import Rounding

router = APIRouter(
    route_class=ApiRoute, tags=["rounds"], responses=problem_responses(400, 401, 403, 404, 422)
)

S = RoundStatus


def round_out(round_: AssessmentRound) -> RoundOut:
    assert round_.id is not None
    return RoundOut(
        id=round_.id,
        region_id=round_.region_id,
        label=round_.label,
        model=round_ref(round_),
        status=RoundStatus(round_.status),
        reveal_while_open=round_.reveal_while_open,
        created_at=round_.created_at,
        published_at=round_.published_at,
    )


def _page(page: Page[AssessmentRound]) -> Page[RoundOut]:
    return Page[RoundOut](
        items=[round_out(r) for r in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


def readable_round(session: Session, round_id: Id, principal: Principal) -> AssessmentRound:
    round_ = get_or_404(session, AssessmentRound, round_id, "path.round_id")
    ensure_can_read(principal, round_.region_id)
    return round_


@router.get("/rounds", response_model=Page[RoundOut], summary="Rounds across regions")
def list_rounds(
    params: PageDep,
    principal: PrincipalDep,
    session: SessionDep,
    region_id: Id | None = None,
    status: RoundStatus | None = None,
) -> Page[RoundOut]:
    """Admins and coordinators see every region's rounds, members their own region's."""
    query = select(AssessmentRound).order_by(col(AssessmentRound.id))
    if principal.role is Role.MEMBER:
        query = query.where(AssessmentRound.region_id == principal.region_id)
    if region_id is not None:
        query = query.where(AssessmentRound.region_id == region_id)
    if status is not None:
        query = query.where(AssessmentRound.status == status.value)
    return _page(paginate(session, query, params))


@router.get(
    "/regions/{region_id}/rounds", response_model=Page[RoundOut], summary="Rounds of a region"
)
def list_region_rounds(
    region_id: Id,
    params: PageDep,
    principal: PrincipalDep,
    session: SessionDep,
    status: RoundStatus | None = None,
) -> Page[RoundOut]:
    ensure_can_read(principal, region_id)
    get_or_404(session, Region, region_id, "path.region_id")
    query = select(AssessmentRound).where(AssessmentRound.region_id == region_id)
    if status is not None:
        query = query.where(AssessmentRound.status == status.value)
    return _page(paginate(session, query.order_by(col(AssessmentRound.id)), params))


@router.post(
    "/regions/{region_id}/rounds",
    response_model=RoundOut,
    status_code=201,
    summary="Start a round in draft (admin or facilitator)",
)
def create_round(
    region_id: Id,
    body: RoundCreate,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
) -> RoundOut:
    ensure_can_manage(principal, region_id)
    lock_region(session, region_id)
    ensure_room(
        session,
        select(AssessmentRound.id).where(AssessmentRound.region_id == region_id),
        settings.max_rounds_per_region,
        f"region {region_id} has as many rounds as allowed",
        "max_rounds_per_region",
        "path.region_id",
    )
    field = "body.model_version" if body.model_id is None else "body.model_id"
    model = resolve_model(models, body.model_id, body.model_version, field)
    round_ = start_round(
        session, region_id, body.label, model, reveal_while_open=body.reveal_while_open
    )
    session.commit()
    return round_out(round_)


@router.get("/rounds/{round_id}", response_model=RoundOut, summary="A round")
def get_round(
    round_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> RoundOut:
    return round_out(readable_round(session, round_id, principal))


@router.patch(
    "/rounds/{round_id}",
    response_model=RoundOut,
    summary="Relabel a round, or reveal its ratings while open (admin or facilitator)",
    responses=problem_responses(409),
)
def update_round(
    round_id: Id,
    body: RoundUpdate,
    principal: PrincipalDep,
    session: SessionDep,
) -> RoundOut:
    """Only the fields given change. The label can change until the round is published;
    ``reveal_while_open`` while it is draft or open (409 afterwards)."""
    round_ = lock_round(session, round_id)
    ensure_can_manage(principal, round_.region_id)
    change_round(session, round_, label=body.label, reveal_while_open=body.reveal_while_open)
    session.commit()
    return round_out(round_)


@router.delete(
    "/rounds/{round_id}",
    status_code=204,
    summary="Delete a draft round",
    responses=problem_responses(409),
)
def delete_round(
    round_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    round_ = lock_round(session, round_id)
    ensure_can_manage(principal, round_.region_id)
    ensure_status(round_, S.DRAFT)
    session.delete(round_)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/rounds/{round_id}/transitions",
    response_model=RoundOut,
    summary="Move a round to its next state (admin or facilitator)",
    responses=problem_responses(409),
)
def transition_round(
    round_id: Id,
    body: Transition,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> RoundOut:
    """Legal moves: draft -> open, open -> consensus (needs at least one rating),
    consensus -> open (reopen rating), consensus -> published (needs every dimension decided).
    Anything else is 409."""
    round_ = lock_round(session, round_id)
    ensure_can_manage(principal, round_.region_id)
    move_round(session, models, round_, body.status)
    session.commit()
    return round_out(round_)


def _rule_help(name: str, lead: str | None = None) -> str:
    """A knob's help as the library states it (or ``lead``), with its default."""
    field = AgreementRule.model_fields[name]
    value = field.default
    default = f"{value:.4g}" if isinstance(value, float) else "none" if value is None else value
    return f"{lead or field.description} (default {default})"


@router.get(
    "/rounds/{round_id}/scores",
    response_model=GroupScores,
    summary="Group statistics per dimension",
    responses=problem_responses(409),
)
def get_round_scores(
    round_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    band_width: float | None = Query(None, description=_rule_help("band_width")),
    split_share: float | None = Query(None, description=_rule_help("split_share")),
    split_minimum: int | None = Query(
        None,
        description=_rule_help(
            "split_minimum", "never split for fewer ratings outside the region than this"
        ),
    ),
    split_threshold: int | None = Query(None, description=_rule_help("split_threshold")),
    half_median_level: Rounding | None = Query(None, description=_rule_help("half_median_level")),
) -> GroupScores:
    """Per dimension: n, don't know, mean, median, min, max, std, IQR, the shares of ratings
    at the median and in the agreement region, agreed or split, band and Delphi level (see
    the README's "Scoring rules"). Hidden while the round is open (403), unless the round
    reveals its ratings."""
    round_ = readable_round(session, round_id, principal)
    ensure_may_see_ratings(principal, round_)
    given = {
        "band_width": band_width,
        "split_share": split_share,
        "split_minimum": split_minimum,
        "split_threshold": split_threshold,
        "half_median_level": half_median_level,
    }
    try:
        rule = AgreementRule(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        raise from_validation_error(exc, ParameterError, ("query",)) from None
    scores = None
    if round_.status == RoundStatus.PUBLISHED.value and rule == AgreementRule():
        assert round_.id is not None
        scores = stored_group(session, round_.id)  # final: scored once, at publishing
    if scores is None:
        scores = group_scores(session, models, round_, rule)
    if scores is None:
        raise ApiProblem(409, "nobody has rated in this round yet", field="path.round_id")
    return scores


@router.get(
    "/rounds/{round_id}/progress",
    response_model=RoundProgress,
    summary="Who has rated how many dimensions (no scores)",
)
def get_round_progress(
    round_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> RoundProgress:
    """Per stakeholder of the region: dimensions answered, "don't know" answers, rated
    (answered minus don't know), last change; per dimension: answers and don't knows. No
    score is shown, so facilitators, coordinators and admins can follow a round while its
    ratings are hidden. A stakeholder's own key sees the progress of its own answers."""
    round_ = readable_round(session, round_id, principal)
    return round_progress(session, models, round_, principal.stakeholder_id)
