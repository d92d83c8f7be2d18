"""The outermost middleware: a request id, the default headers, the access log, metrics, and
a problem+json 500 for any error nothing else answered.

- **Request id**: a client's ``X-Request-ID`` is kept when it is short and plain (letters,
  digits and ``._:-``, at most 64), else a new one is made; the answer carries it back and
  every log line of the request names it, so a support request can quote it.
- **Access log** (``app.access``, one JSON line per request): request id, method, route
  template, status, duration, client address and the id (never the token) of the key.
- **Metrics**: ``app.metrics``, by route template (``/api/v1/rounds/{round_id}``), so that
  ids do not multiply the series; unmatched paths count as ``unmatched``.
- **Errors**: an exception no handler turned into an answer is logged once, with the request
  id and without user text (``app.logs``), and answered 500 problem+json naming the request id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import routing
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.auth import Principal
from app.guard import PRINCIPAL_SCOPE_KEY, client_address
from app.headers import add_missing, default_headers, weaken_encoded_etag
from app.problems import problem

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_SCOPE_KEY = "twinning.request_id"
UNMATCHED = "unmatched"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode("latin-1")
_KEY_HEADER = b"x-api-key"
_access = logging.getLogger("app.access")
_errors = logging.getLogger("app.errors")


class RouteTemplates:
    """The full path template of the route a request was routed to, found by the route
    object (or endpoint) the router left in the scope."""

    def __init__(self, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self._routes = routes
        self._templates: dict[int, str] = {}

    def of(self, scope: Scope) -> str:
        keys = [id(scope[name]) for name in ("route", "endpoint") if scope.get(name) is not None]
        if not keys:
            return UNMATCHED
        for attempt in range(2):
            for key in keys:
                if key in self._templates:
                    return self._templates[key]
            if attempt == 0:
                self._build()
        return UNMATCHED

    def _build(self) -> None:
        templates: dict[int, str] = {}
        for context in routing.iter_route_contexts(self._routes()):
            template = str(getattr(context, "path_format", None) or context.path)
            original = context.original_route
            templates.setdefault(id(original), template)
            endpoint = getattr(original, "endpoint", None)
            if endpoint is not None:
                templates.setdefault(id(endpoint), template)
        self._templates = templates


def request_id_of(headers: Sequence[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == _REQUEST_ID:
            given = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


class Observability:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Callable[[], Sequence[BaseRoute]],
        access_log: bool = True,
    ) -> None:
        self.app = app
        self.templates = RouteTemplates(routes)
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        headers = scope["headers"]
        request_id = request_id_of(headers)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        keyed = any(name == _KEY_HEADER for name, _ in headers)
        defaults = (
            *default_headers(scope["path"], keyed),
            (_REQUEST_ID, request_id.encode("latin-1")),
        )
        status = 500
        answered = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                answered = True
                status = message["status"]
                message["headers"] = weaken_encoded_etag(
                    add_missing(list(message.get("headers", [])), defaults)
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            _errors.error(
                "unhandled error",
                exc_info=exc,
                extra={"fields": self._fields(scope, request_id)},
            )
            if not answered:
                detail = f"internal error; quote request id {request_id} when reporting it"
                await problem(500, detail, instance=scope["path"])(
                    scope, receive, send_with_headers
                )
        finally:
            seconds = time.perf_counter() - started_at
            route = self.templates.of(scope)
            metrics.observe(scope["method"], route, status, seconds)
            if self.access_log:
                fields = self._fields(scope, request_id, route)
                fields.update(status=status, duration_ms=round(seconds * 1000, 2))
                _access.info("request", extra={"fields": fields})

    def _fields(self, scope: Scope, request_id: str, route: str | None = None) -> dict[str, Any]:
        principal = scope.get(PRINCIPAL_SCOPE_KEY)
        return {
            "request_id": request_id,
            "method": scope["method"],
            "route": route or self.templates.of(scope),
            "client": client_address(scope),
            "key_id": principal.key_id if isinstance(principal, Principal) else None,
        }
