"""The FastAPI application. ``create_app`` builds one from a ``Settings`` (tests build many);
the module-level ``app`` is what ``uvicorn app.main:app`` serves, configured from the
``TWINNING_*`` environment, and it touches the database only when the first request arrives.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from sqlalchemy import text

from app import openapi, problems, web
from app.auth import API_KEY_HEADER_NAME
from app.db import Database
from app.deps import SessionDep
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
from app.settings import Settings
from assessment import ChartCache, ModelCatalog
from assessment.chart_render import warm_up

API_PREFIX = "/api/v1"
DESCRIPTION = """
Maturity self-assessment of health and care regions on the SCIROCCO model.

Send your key in the `X-API-Key` header. `make run` loads demo regions and prints demo keys:
`tw_demo_admin`, `tw_demo_coordinator`, `tw_demo_norrbotten` (a region facilitator) and
`tw_demo_norrbotten_clinician` (a stakeholder). Errors are RFC 9457
`application/problem+json` with the fields at fault in `errors`.
"""
# Browsers on another origin may send these and read these (CORS).
CORS_REQUEST_HEADERS = (
    API_KEY_HEADER_NAME,
    "Content-Type",
    "Accept",
    "Accept-Language",
    "If-None-Match",
)
CORS_EXPOSED_HEADERS = ("ETag", "Content-Disposition", "WWW-Authenticate")
# Below this size gzip saves less than it costs; level 6 is most of level 9's gain for far
# less CPU. PNG (already compressed) is left alone by the middleware.
GZIP_MINIMUM_BYTES = 1000
GZIP_LEVEL = 6


class Health(BaseModel):
    status: str
    database: str


health = APIRouter(tags=["health"])


@health.get("/health", response_model=Health, summary="Liveness and database reachability")
def get_health(session: SessionDep) -> Health:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", database=session.get_bind().dialect.name)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service configured by ``settings`` (default: from the environment). The database
    must be migrated already (``alembic upgrade head``); the models directory is read now, so
    a broken model file stops the start instead of failing requests later."""
    settings = settings or Settings()
    database = Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.chart_warmup:
            # Off the event loop and not awaited: the worker answers at once, and a chart
            # asked for meanwhile waits only for what is left of the warm-up.
            threading.Thread(target=warm_up, name="chart-warm-up", daemon=True).start()
        yield
        database.dispose()

    # Swagger UI and ReDoc assets come from the installed fastapi-offline package, not a
    # CDN, so /docs works on an intranet.
    app = FastAPIOffline(
        title="twinning",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.models = ModelCatalog(
        settings.models_dir, settings.default_model, settings.default_model_version
    )
    app.state.chart_cache = ChartCache(settings.chart_cache_size)
    _set_log_level(settings)
    problems.install(app)
    openapi.install(app, settings)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(  # outermost: error answers carry the CORS headers too
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=list(CORS_REQUEST_HEADERS),
        expose_headers=list(CORS_EXPOSED_HEADERS),
        max_age=600,
    )
    for module in (models, regions, rounds, ratings, consensus, profiles, keys, charts, exports):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(matching_routes.router, prefix=API_PREFIX)
    app.include_router(practices.router, prefix=API_PREFIX)
    for twinning_module in (twinnings, twinning_activities, twinning_actions):
        app.include_router(twinning_module.router, prefix=API_PREFIX)
    app.include_router(health, prefix=API_PREFIX)
    web.install(app)
    return app


def _set_log_level(settings: Settings) -> None:
    level = settings.log_level.upper()
    for name in ("app", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(level)


app = create_app()
