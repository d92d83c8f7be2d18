"""The error pages and the redirects for visitors without a session."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.web.templating import render


def render_error(
    request: Request,
    status: int,
    message: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error page; ``headers`` the refusal's own (``Retry-After`` of a 429 or 503)."""
    response = render(
        request, "error.html", {"status": status, "message": message, "detail": detail}, status
    )
    response.headers.update(headers or {})
    return response


def render_sign_in_redirect(request: Request) -> Response:
    """To the sign-in page, coming back here afterwards (GET pages only: a form posted with
    an expired session cannot be replayed)."""
    target = "/sign-in"
    if request.method == "GET":
        target += "?next=" + quote(request.url.path, safe="/")
    return RedirectResponse(target, status_code=303)


def render_invitation_required(request: Request) -> Response:
    return render(request, "invitation_required.html", {}, 401)
