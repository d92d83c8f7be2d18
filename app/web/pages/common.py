"""What every page route shares: the request's language and viewer, the CSRF check of
state-changing requests, who may open which page, and calling the API's own operations so a
page applies exactly the API's rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.deps import ModelsDep, SessionDep, SettingsDep
from app.problems import ApiProblem
from app.tables_web import SessionKind
from app.text import unstorable
from app.web.errors import FormError, InvitationRequired, SignInRequired, WebError
from app.web.language import N_, choose_language
from app.web.security import (
    CSRF_FIELD,
    PRESESSION_COOKIE,
    SAFE_METHODS,
    check_origin,
    check_token,
)
from app.web.sessions import Viewer, load_viewer
from assessment import AssessmentError

T = TypeVar("T")
__all__ = ["FormError"]
DbSession = SessionDep
Models = ModelsDep
SettingsOf = SettingsDep


async def prepare(request: Request, session: DbSession) -> None:
    """Runs before every page route: language, viewer, and the CSRF check of any POST.
    The viewer is read in a worker thread: the session's first statement may wait for
    SQLite's write lock, which must never stall the event loop."""
    request.state.language = choose_language(request)
    viewer = await run_in_threadpool(load_viewer, session, request)
    request.state.viewer = viewer
    if request.method not in SAFE_METHODS:
        check_origin(request)
        form = await request.form()
        expected = viewer.csrf_token if viewer else request.cookies.get(PRESESSION_COOKIE)
        check_token(form.get(CSRF_FIELD), expected)
        refuse_unstorable_fields(form)


def refuse_unstorable_fields(form: FormData) -> None:
    """The pages' side of ``app.text``'s rule: a form field holding text no database can
    store (NUL) is refused with the field named, on SQLite as on PostgreSQL, before any
    handler writes."""
    for name, value in form.multi_items():
        if isinstance(value, str):
            reason = unstorable(name, name) or unstorable(name, value)
            if reason is not None:
                raise FormError(N_("This could not be saved."), reason, name)


def current_viewer(request: Request) -> Viewer | None:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return viewer


def staff_viewer(request: Request) -> Viewer:
    """Staff pages need a session signed in with an API key (else: to the sign-in page)."""
    viewer = current_viewer(request)
    if viewer is None or viewer.kind is not SessionKind.STAFF:
        raise SignInRequired()
    return viewer


def stakeholder_viewer(request: Request) -> Viewer:
    """Questionnaire pages need a session opened from an invitation link."""
    viewer = current_viewer(request)
    if viewer is None or viewer.kind is not SessionKind.STAKEHOLDER:
        raise InvitationRequired()
    return viewer


Staff = Annotated[Viewer, Depends(staff_viewer)]
Stakeholder = Annotated[Viewer, Depends(stakeholder_viewer)]


def redirect(path: str, notice: str | None = None, anchor: str | None = None) -> RedirectResponse:
    """See other: after a POST the browser loads the result page with GET (refresh-safe)."""
    target = path + (f"?notice={notice}" if notice else "") + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303)


@contextmanager
def api_rules(message: str = N_("This could not be saved.")) -> Iterator[None]:
    """Run one of the API's operations; its refusals become a ``FormError`` carrying the
    API's own explanation, its 403/404 an error page."""
    try:
        yield
    except ApiProblem as exc:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code in (403, 404):
            raise WebError(exc.status_code, _status_message(exc.status_code)) from None
        raise FormError(message, detail, getattr(exc, "field", None)) from None
    except AssessmentError as exc:
        raise FormError(message, exc.message, exc.field) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise FormError(message, f"{field}: {first['msg']}", field) from None


def _status_message(status: int) -> str:
    if status == 403:
        return N_("You may not open this page.")
    return N_("This page does not exist.")


def call(operation: Callable[[], T], message: str = N_("This could not be saved.")) -> T:
    with api_rules(message):
        return operation()
