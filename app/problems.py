"""Every error as RFC 9457 problem details (``application/problem+json``).

Clients get one shape for everything: a ``type`` URI per kind of problem, the HTTP ``status``,
a human ``detail``, the request path as ``instance`` and, when a value is at fault, an
``errors`` list naming each field by its dotted location (``body.score``, ``query.limit``,
``path.round_id``) so a form can highlight it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.openapi import schema_ref
from assessment.errors import AssessmentError
from assessment.lifecycle import LifecycleError

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "content-too-large",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
    503: "service-unavailable",
}
# A refused request may come back this many seconds later (503 and 429 say so).
RETRY_AFTER_SECONDS = 1
_log = logging.getLogger("app.errors")


class FieldProblem(BaseModel):
    field: str = Field(description="dotted location of the value at fault", examples=["body.score"])
    detail: str = Field(examples=["score 7 is outside the scale 0-5"])


class Problem(BaseModel):
    """RFC 9457 problem details, with the fields at fault in ``errors``."""

    type: str = Field(examples=["urn:twinning:problem:validation-error"])
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["score 7 is outside the scale 0-5"])
    instance: str = Field(examples=["/api/v1/rounds/3/ratings/5/funding"])
    errors: list[FieldProblem] = Field(default_factory=list)


class ApiProblem(StarletteHTTPException):
    """An HTTP error that may name the field at fault (raise it from handlers and stores)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=dict(headers or {}) or None)
        self.field = field


def problem_type(status: int) -> str:
    return f"urn:twinning:problem:{_TYPE_SLUGS.get(status, 'http-' + str(status))}"


def problem(
    status: int,
    detail: str,
    *,
    instance: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The problem+json answer; ``instance`` is the request's path."""
    body = Problem(
        type=problem_type(status),
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors),
    )
    return JSONResponse(
        body.model_dump(),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def problem_response(
    request: Request,
    status: int,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return problem(status, detail, instance=request.url.path, errors=errors, headers=headers)


def retry_later(seconds: int = RETRY_AFTER_SECONDS) -> dict[str, str]:
    return {"Retry-After": str(max(1, seconds))}


BUSY_DETAIL = "the service is busy; retry in a moment"
DATABASE_BUSY_DETAIL = "the database is busy or unavailable; retry in a moment"


def _location(parts: Sequence[Any]) -> str:
    return ".".join(str(part) for part in parts)


async def _http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    field = getattr(exc, "field", None)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    errors = [FieldProblem(field=field, detail=detail)] if field else []
    return problem_response(request, exc.status_code, detail, errors, exc.headers)


async def _validation_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(field=_location(error["loc"]), detail=error["msg"]) for error in exc.errors()
    ]
    summary = "; ".join(f"{e.field}: {e.detail}" for e in errors) or "invalid request"
    return problem_response(request, 422, summary, errors)


async def _assessment_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AssessmentError)
    errors = [FieldProblem(field=exc.field, detail=exc.message)] if exc.field else []
    # Bad input is 422; a step the round's state does not allow is a conflict.
    status = 409 if isinstance(exc, LifecycleError) else 422
    return problem_response(request, status, str(exc), errors)


async def _integrity_problem(request: Request, exc: Exception) -> JSONResponse:
    # Reached only when a concurrent request won a race the handler's own checks could not
    # see; the transaction is rolled back by the session dependency.
    return problem_response(request, 409, "the change conflicts with data stored meanwhile")


def database_unavailable(exc: Exception) -> ApiProblem:
    """503 for a database that did not answer in time: no free connection (the pool's
    timeout), SQLite's write lock not granted (busy timeout: "database is locked"), or the
    server unreachable. The request did nothing, so it may be retried; logged (without the
    statement's parameters) for the operator."""
    _log.warning("database unavailable: %s", type(exc).__name__, exc_info=exc)
    return ApiProblem(503, DATABASE_BUSY_DETAIL, headers=retry_later())


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    return await _http_problem(request, database_unavailable(exc))


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(AssessmentError, _assessment_problem)
    app.add_exception_handler(IntegrityError, _integrity_problem)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(PoolTimeoutError, _database_busy)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem+json bodies for these statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema_ref(Problem)}},
        }
        for status in statuses
    }
