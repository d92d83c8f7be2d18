"""The FastAPI application. ``create_app`` builds one per database URL (tests build many);
the module-level ``app`` is what ``uvicorn app.main:app`` serves, and it touches the database
only when the first request arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session

from app import problems
from app.db import Database, get_session
from app.routers import (
    charts,
    consensus,
    exports,
    keys,
    models,
    practices,
    profiles,
    ratings,
    regions,
    rounds,
    twinning_actions,
    twinning_activities,
    twinnings,
)
from app.routers import matching as matching_routes

API_PREFIX = "/api/v1"
DESCRIPTION = """
Maturity self-assessment of health and care regions on the SCIROCCO model.

Send your key in the `X-API-Key` header. `make run` loads demo regions and prints demo keys:
`tw_demo_admin`, `tw_demo_coordinator`, `tw_demo_norrbotten` (a region facilitator) and
`tw_demo_norrbotten_clinician` (a stakeholder). Errors are RFC 9457
`application/problem+json` with the fields at fault in `errors`.
"""


class Health(BaseModel):
    status: str
    database: str


health = APIRouter(tags=["health"])


@health.get("/health", response_model=Health, summary="Liveness and database reachability")
def get_health(session: Session = Depends(get_session)) -> Health:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", database=session.get_bind().dialect.name)


def create_app(database_url: str | None = None) -> FastAPI:
    """An app over ``database_url`` (default: ``TWINNING_DATABASE_URL``), already migrated."""
    database = Database(database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(
        title="twinning",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.database = database
    problems.install(app)
    for module in (models, regions, rounds, ratings, consensus, profiles, keys, charts, exports):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(matching_routes.router, prefix=API_PREFIX)
    app.include_router(practices.router, prefix=API_PREFIX)
    for twinning_module in (twinnings, twinning_activities, twinning_actions):
        app.include_router(twinning_module.router, prefix=API_PREFIX)
    app.include_router(health, prefix=API_PREFIX)
    return app


app = create_app()
