"""What keeps the pages safe besides escaping: response headers, CSRF checks on every form,
and invitation tokens kept out of the access log.

- **Headers** on every page and static file: a Content-Security-Policy that allows scripts,
  styles, images and fetches from this origin only (no inline script, no inline style), no
  framing, ``Referrer-Policy: same-origin`` (a same-origin POST keeps its ``Origin`` header,
  nothing leaks to other sites) and ``nosniff``. The API (``/api``) and its documentation
  pages keep their own.
- **CSRF**: every state-changing request to the pages must come from this origin (``Origin``,
  or ``Referer`` when a browser sends no ``Origin``; a request with neither is refused) and
  carry the synchronizer token of its session in the ``csrf_token`` form field. Before
  sign-in there is no session, so the sign-in form's token is a random cookie it must echo
  (double submit); SameSite=Lax cookies are the third line of defence.
- **Logs**: an invitation link's token is a password; uvicorn's access log shows
  ``/invite/[redacted]`` instead.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.errors import WebError
from app.web.language import N_

CSRF_FIELD = "csrf_token"
PRESESSION_COOKIE = "tw_presession"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_OWN_HEADERS_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json")
INVITE_PATH = "/invite/"


class SecurityHeaders:
    """ASGI middleware adding the pages' security headers where a response has not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] != "http" or path.startswith(_OWN_HEADERS_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in _HEADERS if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def check_origin(request: Request) -> None:
    """Refuse a state-changing request that does not prove it came from this site's pages."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if referer is None:
            raise WebError(403, N_("This form did not come from this site's pages."))
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin != own_origin(request):
        raise WebError(403, N_("This form did not come from this site's pages."))


def check_token(given: object, expected: str | None) -> None:
    if not (
        isinstance(given, str)
        and expected
        and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    ):
        raise WebError(
            403,
            N_(
                "This form has expired or was not sent from this site. Go back, reload the "
                "page and try again."
            ),
        )


def presession_token(request: Request) -> str:
    """The token of forms shown before sign-in: the browser's pre-session cookie, or a new
    one that ``remember_presession`` sets on the response."""
    token = request.cookies.get(PRESESSION_COOKIE)
    if not token:
        token = getattr(request.state, "new_presession", None) or secrets.token_urlsafe(32)
        request.state.new_presession = token
    return token


def remember_presession(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_presession", None)
    if token:
        response.set_cookie(
            PRESESSION_COOKIE,
            token,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )


class RedactInvitations(logging.Filter):
    """Blank the token of invitation links in uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_redact(arg) if isinstance(arg, str) else arg for arg in args)
        return True


def _redact(text: str) -> str:
    index = text.find(INVITE_PATH)
    if index < 0:
        return text
    start = index + len(INVITE_PATH)
    end = len(text)
    for stop in ("?", " ", "#"):
        found = text.find(stop, start)
        if found >= 0:
            end = min(end, found)
    return text[:start] + "[redacted]" + text[end:]


def redact_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactInvitations) for f in logger.filters):
        logger.addFilter(RedactInvitations())
