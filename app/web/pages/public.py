"""Pages for everyone: the start page, signing in and out, the language choice, and opening
an invitation link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.responses import Response

from app.auth import Principal, hash_token, principal_of
from app.services.invitations import find_invitation
from app.tables import ApiKey, Role, utcnow
from app.web.language import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE, LANGUAGES, N_
from app.web.pages.common import DbSession, current_viewer, prepare, redirect
from app.web.sessions import Viewer, end_session, start_session
from app.web.templating import render

router = APIRouter(dependencies=[Depends(prepare)], include_in_schema=False)


def home_of(viewer: Viewer | None) -> str | None:
    """Where a signed-in visitor works: the questionnaire, the region, or coordination."""
    if viewer is None:
        return None
    if viewer.principal is None:
        return "/questionnaire"
    return staff_home(viewer.principal)


def staff_home(principal: Principal) -> str:
    if principal.role is Role.MEMBER:
        return f"/regions/{principal.region_id}"
    return "/coordination"


def local_path(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site (never ``//elsewhere`` or a URL): no open redirects."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return fallback


@router.get("/", name="start")
def start(request: Request) -> Response:
    viewer = current_viewer(request)
    return render(request, "start.html", {"home": home_of(viewer)})


@router.get("/sign-in", name="sign_in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    return render(request, "sign_in.html", {"next": local_path(next, ""), "error": None})


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: DbSession,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A facilitator's, coordinator's or admin's API key opens a session; a stakeholder's key
    does not (stakeholders rate from their invitation link)."""
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(key.strip()))).first()
    principal = principal_of(row) if row is not None else None
    error = None
    if principal is None:
        error = N_("This key is not valid. Check it and try again, or ask your administrator.")
    elif principal.stakeholder_id is not None:
        error = N_(
            "This key belongs to a stakeholder. Stakeholders rate from the personal link "
            "their facilitator sent them."
        )
    if error is not None or principal is None:
        return render(request, "sign_in.html", {"next": local_path(next, ""), "error": error}, 401)
    response = RedirectResponse("/", status_code=303)
    start_session(session, request, response, key_id=principal.key_id)
    session.commit()
    response.headers["location"] = local_path(next, staff_home(principal))
    return response


@router.post("/sign-out", name="sign_out")
def sign_out(request: Request, session: DbSession) -> Response:
    response = redirect("/", "signed_out")
    end_session(session, request, response)
    session.commit()
    return response


@router.get("/language/{code}", name="language")
def choose_language(code: str, next: str | None = None) -> Response:
    """Switch the pages' language and remember it (a cookie; no session needed)."""
    response = RedirectResponse(local_path(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_MAX_AGE, path="/", samesite="lax"
        )
    return response


@router.get("/invite/{token}", name="invitation")
def open_invitation(request: Request, token: str) -> Response:
    """Start the stakeholder's session and go to the questionnaire (the token leaves the
    address bar at once). A link that no longer works says so."""
    database = request.app.state.database
    with database.session(write=True) as writer:
        invitation = find_invitation(writer, token)
        if invitation is None:
            return render(request, "invitation_invalid.html", {}, 404)
        response = RedirectResponse("/questionnaire", status_code=303)
        invitation.last_used_at = utcnow()
        writer.add(invitation)
        start_session(writer, request, response, invitation_id=invitation.id)
        writer.commit()
    response.headers["Cache-Control"] = "no-store"
    return response
