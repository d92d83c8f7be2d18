"""The front door: what every request passes before FastAPI reads its body.

A pure ASGI middleware (no per-request task or body buffering), in this order:

1. a body announced larger than ``max_body_bytes`` is 413 at once; a body sent in chunks is
   counted as it arrives and refused with 413 the moment it passes the limit, so a worker
   never holds more than the limit of it;
2. under ``/api/``, a write (any method but GET, HEAD, OPTIONS) without ``X-API-Key`` is 401
   before its body is read; a key from an address that sent too many unknown keys is 429;
3. admission (``app.admission``): at most ``max_concurrent_requests`` reads and
   ``max_concurrent_writes`` writes in progress, in two lanes so that neither crowds the
   other out (SQLite writes one at a time anyway); the next ones wait briefly, the rest get
   503 with ``Retry-After``. Liveness and metrics are exempt, so they answer under any load;
4. the key is looked up (one indexed read on a connection of its own, in a worker thread,
   unless ``app.keycache`` checked it a moment ago) and an unknown or revoked one is 401, on
   every path, before the body is read;
5. matching runs and suggestions are counted against ``rate_limit_matching`` (429 beyond).

The caller is left in the request scope for ``app.deps``; handlers never look keys up
themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.admission import Admission
from app.auth import (
    API_KEY_HEADER_NAME,
    Principal,
    key_hash_of,
    principal_by_hash,
    require_key,
    unknown_key,
)
from app.db import READ_METHODS, Database
from app.keycache import KeyCache
from app.problems import (
    BUSY_DETAIL,
    ApiProblem,
    FieldProblem,
    database_unavailable,
    problem,
    retry_later,
)
from app.ratelimits import RateLimits, caller
from app.settings import Settings

PRINCIPAL_SCOPE_KEY = "twinning.principal"
API_PREFIX = "/api/"
# Answer whatever the load: a liveness probe must not be queued behind the work it watches.
UNQUEUED_PATHS = frozenset({"/api/v1/health/live", "/metrics"})
# Expensive per request: counted against rate_limit_matching by path.
MATCHING_PATHS = frozenset(
    {("GET", "/api/v1/matching/suggestions"), ("POST", "/api/v1/matching/runs")}
)
_KEY_HEADER = API_KEY_HEADER_NAME.lower().encode("latin-1")


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        database: Database,
        admission: Admission,
        write_admission: Admission,
        limits: RateLimits,
        keys: KeyCache,
    ) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.database = database
        self.admission = admission
        self.write_admission = write_admission
        self.limits = limits
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            token, length = _read_headers(scope["headers"])
            self._check_announced_size(length)
            path, method = scope["path"], scope["method"]
            address = client_address(scope)
            if token is None and method not in READ_METHODS and path.startswith(API_PREFIX):
                require_key(None)
            if token is not None:
                self.limits.failed_keys.check(caller(None, address))
        except ApiProblem as refusal:
            await _refuse(refusal, scope, receive, send)
            return
        if path in UNQUEUED_PATHS:
            await self._serve(scope, receive, send, token, address)
            return
        lane = self.admission if method in READ_METHODS else self.write_admission
        if not await lane.enter():
            busy = ApiProblem(503, BUSY_DETAIL, headers=retry_later())
            await _refuse(busy, scope, receive, send)
            return
        try:
            await self._serve(scope, receive, send, token, address)
        finally:
            lane.leave()

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, token: str | None, address: str
    ) -> None:
        try:
            principal = await self._authenticate(token, address)
            if (scope["method"], scope["path"].rstrip("/")) in MATCHING_PATHS:
                self.limits.matching.charge(caller(principal, address))
        except ApiProblem as refusal:
            await _refuse(refusal, scope, receive, send)
            return
        scope[PRINCIPAL_SCOPE_KEY] = principal
        await self.app(scope, self._limited(receive), send)

    async def _authenticate(self, token: str | None, address: str) -> Principal | None:
        if token is None:
            return None
        key_hash = key_hash_of(token)
        principal = None if key_hash is None else self.keys.get(key_hash)
        if principal is not None:
            return principal
        if key_hash is not None:
            try:
                principal = await run_in_threadpool(principal_by_hash, self.database, key_hash)
            except (OperationalError, PoolTimeoutError) as exc:
                raise database_unavailable(exc) from None
        if key_hash is None or principal is None:
            self.limits.failed_keys.charge(caller(None, address))
            raise unknown_key()
        self.keys.put(key_hash, principal)
        return principal

    def _check_announced_size(self, length: int | None) -> None:
        if length is not None and length > self.max_body:
            raise _too_large(self.max_body)

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that counts the body and stops it at the limit."""
        received = 0
        limit = self.max_body

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        return counted


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _read_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str | None, int | None]:
    token: str | None = None
    length: int | None = None
    for name, value in headers:
        if name == _KEY_HEADER:
            token = value.decode("latin-1").strip()
        elif name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                raise ApiProblem(400, "Content-Length is not a number") from None
    return token, length


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(413, f"the request body is larger than {limit} bytes")


async def _refuse(refusal: ApiProblem, scope: Scope, receive: Receive, send: Send) -> None:
    detail = str(refusal.detail)
    field: Any = getattr(refusal, "field", None)
    errors = [FieldProblem(field=field, detail=detail)] if field else []
    response = problem(
        refusal.status_code,
        detail,
        instance=scope["path"],
        errors=errors,
        headers=refusal.headers,
    )
    await response(scope, receive, send)
