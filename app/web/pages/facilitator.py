"""A region's facilitator at work: rounds, stakeholders, invitation links, the progress
board and the round's life cycle (open, close, publish), and the region's profile.

Every operation goes through the API's own functions (the same checks, the same errors), called
with the signed-in key's rights; a facilitator reaches only their own region (an admin every
region), and coordinators may read a region's profile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.deps import get_models, get_settings
from app.routers.regions import create_stakeholder
from app.routers.rounds import create_round
from app.schemas import RoundCreate, StakeholderCreate
from app.services.invitations import (
    create_invitation,
    latest_invitations,
    revoke_invitation,
    state_of,
)
from app.services.progress import round_progress
from app.services.rounds import move_round
from app.store import get_or_404, lock_round, round_model
from app.tables import AssessmentRound, Region, RoundStatus, Stakeholder
from app.tables_web import Invitation
from app.web.errors import WebError
from app.web.language import N_
from app.web.pages.common import (
    DbSession,
    FormError,
    Models,
    Staff,
    api_rules,
    call,
    prepare,
    redirect,
)
from app.web.pages.twinnings import region_context
from app.web.sessions import Viewer
from app.web.templating import language_of, render

router = APIRouter(dependencies=[Depends(prepare)], include_in_schema=False)
TRANSITION_NOTICES = {
    RoundStatus.OPEN: "opened",
    RoundStatus.CONSENSUS: "closed",
    RoundStatus.PUBLISHED: "published",
}


def managed_region(session: Session, viewer: Viewer, region_id: int) -> Region:
    """The region, when the signed-in key facilitates it (or is an admin's)."""
    region = call(lambda: get_or_404(session, Region, region_id, "path.region_id"))
    if not viewer.staff.can_manage_region(region_id):
        raise WebError(403, N_("You may not open this page."))
    return region


def managed_round(
    session: Session, viewer: Viewer, round_id: int
) -> tuple[AssessmentRound, Region]:
    round_ = call(lambda: get_or_404(session, AssessmentRound, round_id, "path.round_id"))
    return round_, managed_region(session, viewer, round_.region_id)


def _stakeholders(session: Session, region_id: int) -> list[Stakeholder]:
    return list(
        session.exec(
            select(Stakeholder)
            .where(Stakeholder.region_id == region_id)
            .order_by(col(Stakeholder.id))
        ).all()
    )


def _rounds(session: Session, region_id: int) -> list[AssessmentRound]:
    return list(
        session.exec(
            select(AssessmentRound)
            .where(AssessmentRound.region_id == region_id)
            .order_by(col(AssessmentRound.id).desc())
        ).all()
    )


def _region_page(
    request: Request,
    session: Session,
    region: Region,
    *,
    error: FormError | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    assert region.id is not None
    return render(
        request,
        "facilitator/region.html",
        {
            "region": region,
            "rounds": _rounds(session, region.id),
            "stakeholders": _stakeholders(session, region.id),
            "models": get_models(request).models,
            "error": error,
            "form": form or {},
            **region_context(request, session, region.id),
        },
        status,
    )


@router.get("/regions/{region_id}", name="region")
def region_page(request: Request, region_id: int, session: DbSession, viewer: Staff) -> Response:
    return _region_page(request, session, managed_region(session, viewer, region_id))


@router.post("/regions/{region_id}/rounds", name="create_round")
def new_round(
    request: Request,
    region_id: int,
    session: DbSession,
    models: Models,
    viewer: Staff,
    label: Annotated[str, Form(max_length=500)] = "",
    model: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    region = managed_region(session, viewer, region_id)
    model_id, _, version = model.partition(" ")
    try:
        with api_rules(N_("The round could not be created.")):
            body = RoundCreate(
                label=label.strip(), model_id=model_id or None, model_version=version or None
            )
            settings = get_settings(request)
            created = create_round(region_id, body, viewer.staff, session, models, settings)
    except FormError as exc:
        session.rollback()
        return _region_page(request, session, region, error=exc, form={"label": label}, status=422)
    return redirect(f"/rounds/{created.id}", "round_created")


@router.post("/regions/{region_id}/stakeholders", name="add_stakeholder")
def add_stakeholder(
    request: Request,
    region_id: int,
    session: DbSession,
    viewer: Staff,
    name: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    region = managed_region(session, viewer, region_id)
    try:
        with api_rules(N_("The stakeholder could not be added.")):
            body = StakeholderCreate(name=name.strip(), role=role.strip())
            create_stakeholder(region_id, body, viewer.staff, session, get_settings(request))
    except FormError as exc:
        session.rollback()
        form = {"name": name, "role": role}
        return _region_page(request, session, region, error=exc, form=form, status=422)
    return redirect(f"/regions/{region_id}", "stakeholder_added", "stakeholders")


def _round_page(
    request: Request,
    session: Session,
    round_: AssessmentRound,
    region: Region,
    *,
    new_link: dict[str, str] | None = None,
    error: FormError | None = None,
    status: int = 200,
) -> Response:
    assert round_.id is not None
    models = get_models(request)
    progress = round_progress(session, models, round_)
    invitations = latest_invitations(session, round_.id)
    return render(
        request,
        "facilitator/round.html",
        {
            "region": region,
            "round": round_,
            "model": round_model(models, round_).localized(language_of(request)),
            "progress": progress,
            "invitations": {sid: (inv, state_of(inv).value) for sid, inv in invitations.items()},
            "new_link": new_link,
            "error": error,
            "default_days": get_settings(request).invitation_days,
        },
        status,
    )


@router.get("/rounds/{round_id}", name="round")
def round_page(request: Request, round_id: int, session: DbSession, viewer: Staff) -> Response:
    round_, region = managed_round(session, viewer, round_id)
    return _round_page(request, session, round_, region)


@router.post("/rounds/{round_id}/transition", name="transition")
def change_state(
    request: Request,
    round_id: int,
    session: DbSession,
    models: Models,
    viewer: Staff,
    status: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Open rating, close it (to the workshop), reopen it, or publish: the API's life cycle."""
    round_, region = managed_round(session, viewer, round_id)
    before = RoundStatus(round_.status)
    try:
        with api_rules(N_("The round could not move on.")):
            target = RoundStatus(status)
            move_round(session, models, lock_round(session, round_id), target)
            session.commit()
    except (FormError, ValueError) as exc:
        session.rollback()
        error = exc if isinstance(exc, FormError) else FormError(N_("The round could not move on."))
        if status == RoundStatus.PUBLISHED.value:
            from app.web.pages.workshop import (
                workshop_page,
            )  # publishing is the workshop's last step

            return workshop_page(request, session, round_, region, error=error, status=409)
        return _round_page(request, session, round_, region, error=error, status=409)
    notice = TRANSITION_NOTICES[target]
    if target is RoundStatus.OPEN and before is RoundStatus.CONSENSUS:
        notice = "reopened"
    if target is RoundStatus.PUBLISHED:
        return redirect(f"/regions/{region.id}/profile", notice)
    return redirect(f"/rounds/{round_id}", notice)


@router.post("/rounds/{round_id}/invitations", name="create_invitation")
def new_invitation(
    request: Request,
    round_id: int,
    session: DbSession,
    viewer: Staff,
    stakeholder_id: Annotated[int, Form()],
    valid_days: Annotated[int | None, Form()] = None,
) -> Response:
    """Create a stakeholder's link and show it once (it is not stored and cannot be shown
    again); an earlier link of the same stakeholder stops working."""
    round_, region = managed_round(session, viewer, round_id)
    round_ = call(lambda: lock_round(session, round_id))
    try:
        with api_rules(N_("The link could not be created.")):
            _, token = create_invitation(
                session,
                round_,
                stakeholder_id,
                created_by=viewer.staff.key_id,
                valid_for=timedelta(days=valid_days or get_settings(request).invitation_days),
            )
            session.commit()
    except FormError as exc:
        session.rollback()
        return _round_page(request, session, round_, region, error=exc, status=422)
    person = session.get(Stakeholder, stakeholder_id)
    link = str(request.base_url).rstrip("/") + f"/invite/{token}"
    new_link = {"name": person.name if person else "", "url": link}
    return _round_page(request, session, round_, region, new_link=new_link, status=201)


@router.post("/rounds/{round_id}/invitations/{invitation_id}/revoke", name="revoke_invitation")
def revoke(
    request: Request, round_id: int, invitation_id: int, session: DbSession, viewer: Staff
) -> Response:
    managed_round(session, viewer, round_id)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.round_id != round_id:
        raise WebError(404, N_("This page does not exist."))
    revoke_invitation(session, invitation)
    session.commit()
    return redirect(f"/rounds/{round_id}", "revoked", "progress")
