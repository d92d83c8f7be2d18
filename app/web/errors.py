"""Errors on the pages are pages: a heading, what happened in the visitor's language and a
way on. The API keeps its problem+json answers; this module only takes over the requests
that are not for the API."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.web.language import N_
from assessment import AssessmentError

Handler = Callable[[Request, Exception], Awaitable[Response]]
_API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json")
_MESSAGES = {
    403: N_("You may not open this page."),
    404: N_("This page does not exist."),
    405: N_("This page cannot be used that way."),
    409: N_("This is not possible in the round's current state."),
    429: N_("Too many requests: please wait a moment and try again."),
}


class WebError(Exception):
    """A page that cannot be shown: ``message`` is an English catalogue id, translated when
    rendered; ``detail`` is shown as given (for example the API's own words)."""

    def __init__(self, status: int, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


class FormError(Exception):
    """An operation refused a form's input. Routes that can show the form again catch it and
    do; elsewhere it becomes an error page with the reason."""

    def __init__(self, message: str, detail: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.field = field


class SignInRequired(Exception):
    """A staff page was asked for without a live session: go to the sign-in page."""


class InvitationRequired(Exception):
    """A questionnaire page was asked for without a live stakeholder session."""


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(_API_PREFIXES)


def install(app: FastAPI) -> None:
    """Render errors of page requests as pages; everything else keeps its handler."""
    from app.web.pages.errors import (  # the templates import this module
        render_error,
        render_invitation_required,
        render_sign_in_redirect,
    )

    async def web_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        return render_error(request, exc.status, exc.message, exc.detail)

    async def sign_in(request: Request, exc: Exception) -> Response:
        return render_sign_in_redirect(request)

    async def invitation(request: Request, exc: Exception) -> Response:
        return render_invitation_required(request)

    async def form_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FormError)
        return render_error(request, 422, exc.message, exc.detail)

    app.add_exception_handler(WebError, web_error)
    app.add_exception_handler(FormError, form_error)
    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(InvitationRequired, invitation)

    def for_pages(exception: type[Exception], page: Handler) -> None:
        api_handler = app.exception_handlers[exception]

        async def dispatch(request: Request, exc: Exception) -> Response:
            if is_page(request):
                return await page(request, exc)
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer

        app.add_exception_handler(exception, dispatch)

    async def http_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else ""
        message = _MESSAGES.get(exc.status_code, N_("Something went wrong."))
        if exc.status_code == 404:
            detail = ""  # the API's wording ("no round with id 7") adds nothing here
        return render_error(request, exc.status_code, message, detail, exc.headers)

    async def invalid_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.method == "POST":  # a form field the page did not send as it should
            return render_error(request, 422, N_("This could not be saved."), "")
        return render_error(request, 404, _MESSAGES[404], "")  # e.g. /rounds/abc

    async def assessment_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AssessmentError)
        return render_error(request, 422, N_("This could not be saved."), str(exc))

    for_pages(StarletteHTTPException, http_page)
    for_pages(RequestValidationError, invalid_page)
    for_pages(AssessmentError, assessment_page)
