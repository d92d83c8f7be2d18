"""The error pages and the redirects for visitors without a session."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.web.templating import render


def render_error(request: Request, status: int, message: str, detail: str) -> Response:
    return render(
        request, "error.html", {"status": status, "message": message, "detail": detail}, status
    )


def render_sign_in_redirect(request: Request) -> Response:
    """To the sign-in page, coming back here afterwards (GET pages only: a form posted with
    an expired session cannot be replayed)."""
    target = "/sign-in"
    if request.method == "GET":
        target += "?next=" + quote(request.url.path, safe="/")
    return RedirectResponse(target, status_code=303)


def render_invitation_required(request: Request) -> Response:
    return render(request, "invitation_required.html", {}, 401)
