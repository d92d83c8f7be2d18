"""Liveness and readiness, for container orchestrators and load balancers.

- ``/health/live``: the worker's event loop answers; touches nothing else (no database, no
  queueing behind other requests: ``app.guard`` admits it whatever the load). A failure means
  restart the process.
- ``/health/ready``: the database answers and its schema is at the migrations' head, so the
  worker can serve; 503 otherwise (take it out of the balancer, do not restart it).
- ``/health``: the database answers (what the container's health check has always asked).
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.db import AnySelect
from app.deps import SessionDep
from app.problems import ApiProblem, database_unavailable, problem_responses, retry_later
from app.routing import ApiRoute

router = APIRouter(tags=["health"], route_class=ApiRoute)
_SOURCE_MIGRATIONS = Path(__file__).resolve().parents[2] / "alembic"


class Health(BaseModel):
    status: str
    database: str


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    database: str = Field(examples=["postgresql"])
    schema_revision: str = Field(
        description="the database's migration", examples=["0009_published_profiles"]
    )


class MigrationHeads:
    """The revision(s) the migrations end at, read once from the Alembic directory (the
    working directory's ``alembic/``, as the container and ``make run`` have it, else the
    source tree's)."""

    def __init__(self) -> None:
        self._heads: frozenset[str] | None = None
        self._lock = threading.Lock()

    def get(self) -> frozenset[str]:
        with self._lock:
            if self._heads is None:
                directory = next(
                    (d for d in (Path.cwd() / "alembic", _SOURCE_MIGRATIONS) if d.is_dir()), None
                )
                if directory is None:
                    raise ApiProblem(503, "the migrations directory is missing")
                self._heads = frozenset(ScriptDirectory(str(directory)).get_heads())
            return self._heads


_heads = MigrationHeads()


# Built once: ``Database.read`` compiles a statement once and runs it on a pooled driver
# connection, with no session and no transaction of the service's own (on PostgreSQL no
# BEGIN and ROLLBACK either), since a load balancer may ask many times a second.
_PING: AnySelect = sa.select(sa.literal_column("1"))


@router.get("/health", response_model=Health, summary="Liveness and database reachability")
def get_health(request: Request) -> Health:
    """One ``SELECT 1`` on a pooled connection; 503 when the database does not answer."""
    database = request.app.state.database
    try:
        database.read(_PING, {})
    except DBAPIError as exc:
        raise database_unavailable(exc) from None
    return Health(status="ok", database=database.engine.dialect.name)


@router.get("/health/live", response_model=Liveness, summary="The worker answers (no database)")
async def get_liveness() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/health/ready",
    response_model=Readiness,
    summary="The database answers and its schema is current",
    responses=problem_responses(503),
)
def get_readiness(session: SessionDep) -> Readiness:
    query = text("SELECT version_num FROM alembic_version")
    try:
        revisions = set(session.connection().execute(query).scalars())
    except SQLAlchemyError:
        raise ApiProblem(
            503, "the database is unreachable or not migrated", headers=retry_later()
        ) from None
    heads = _heads.get()
    if revisions != heads:
        raise ApiProblem(
            503,
            f"the database schema is at {', '.join(sorted(revisions)) or 'nothing'}, the "
            f"service needs {', '.join(sorted(heads))}: run alembic upgrade head",
            headers=retry_later(),
        )
    return Readiness(
        status="ready",
        database=session.get_bind().dialect.name,
        schema_revision=", ".join(sorted(revisions)),
    )
