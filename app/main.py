"""The FastAPI application. ``create_app`` builds one from a ``Settings`` (tests build many);
the module-level ``app`` is what ``uvicorn app.main:app`` serves, configured from the
``TWINNING_*`` environment, and it touches the database only when the first request arrives.

The middleware stack, outermost first (all pure ASGI, no per-request task):

1. ``Observability``: request id, default security headers, access log, metrics, and a
   problem+json 500 for anything unanswered (``app.observability``);
2. CORS: error answers carry its headers too, and preflights are answered here;
3. ``Guard``: body limit, key check before the body is read, admission and rate limits
   (``app.guard``);
4. gzip for large text answers;
5. the pages' security headers (``app.web.security``);
6. ``Revalidation``: a dashboard's ``304`` for a profile, chart or report, answered before
   FastAPI routes the request (``app.revalidation``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from app import metrics, openapi, problems, web
from app.admission import Admission
from app.auth import API_KEY_HEADER_NAME
from app.db import Database
from app.guard import Guard
from app.keycache import KeyCache
from app.logs import configure_logging
from app.observability import REQUEST_ID_HEADER, Observability
from app.ratelimits import RateLimits
from app.revalidation import Revalidation
from app.routers import (
    charts,
    consensus,
    exports,
    health,
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
from app.routing import API_PREFIX
from app.settings import Settings
from app.text import refuse_unstorable_text
from assessment import ChartCache, ModelCatalog
from assessment.chart_render import warm_up

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
    REQUEST_ID_HEADER,
)
CORS_EXPOSED_HEADERS = (
    "ETag",
    "Content-Disposition",
    "WWW-Authenticate",
    "Retry-After",
    "Link",
    "X-Total-Count",
    REQUEST_ID_HEADER,
)
# Below this size gzip saves less than it costs; level 6 is most of level 9's gain for far
# less CPU. PNG (already compressed) is left alone by the middleware.
GZIP_MINIMUM_BYTES = 1000
GZIP_LEVEL = 6


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service configured by ``settings`` (default: from the environment). The database
    must be migrated already (``alembic upgrade head``); the models directory is read now, so
    a broken model file stops the start instead of failing requests later."""
    settings = settings or Settings()
    configure_logging(settings)
    database = Database.from_settings(settings)
    if settings.metrics:
        maximum = settings.db_pool_size + settings.db_max_overflow
        database.on_engine(lambda engine: metrics.watch_pool(engine, maximum))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.chart_warm_up:  # before the worker takes requests, off the event loop
            await run_in_threadpool(warm_up)
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
        dependencies=[Depends(refuse_unstorable_text)],
    )
    app.state.settings = settings
    app.state.database = database
    app.state.models = ModelCatalog(
        settings.models_dir, settings.default_model, settings.default_model_version
    )
    app.state.chart_cache = ChartCache(settings.chart_cache_size)
    app.state.rate_limits = RateLimits(settings)
    app.state.key_cache = KeyCache(settings.key_cache_seconds, settings.key_cache_size)
    problems.install(app)
    openapi.install(app, settings)
    # Routes match in order, each costing a few microseconds: health first (probes are the
    # most frequent requests), then what dashboards poll and revalidate (profiles, charts,
    # reports), so that a 304 is not paid for with forty failed matches.
    app.include_router(health.router, prefix=API_PREFIX)
    if settings.metrics:
        app.add_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
    for module in (profiles, charts, exports, models, regions, rounds, ratings, consensus, keys):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(matching_routes.router, prefix=API_PREFIX)
    app.include_router(practices.router, prefix=API_PREFIX)
    for twinning_module in (twinnings, twinning_activities, twinning_actions):
        app.include_router(twinning_module.router, prefix=API_PREFIX)
    # Innermost, inside the guard and the security headers: a dashboard's 304 without FastAPI.
    app.add_middleware(Revalidation)
    web.install(app)
    install_middleware(app, settings, database)
    return app


def install_middleware(app: FastAPI, settings: Settings, database: Database) -> None:
    """The stack described above. Call it last: a middleware added after it would sit
    outside ``Observability`` and its answers would miss the headers and the log."""

    def admission_changed(in_flight: int, waiting: int) -> None:
        metrics.IN_PROGRESS.set(in_flight)
        metrics.WAITING.set(waiting)

    admission = Admission(
        settings.max_concurrent_requests,
        settings.max_waiting_requests,
        settings.admission_timeout,
        on_change=admission_changed,
    )
    write_admission = Admission(
        settings.max_concurrent_writes, settings.max_waiting_requests, settings.admission_timeout
    )
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(
        Guard,
        settings=settings,
        database=database,
        admission=admission,
        write_admission=write_admission,
        limits=app.state.rate_limits,
        keys=app.state.key_cache,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=list(CORS_REQUEST_HEADERS),
        expose_headers=list(CORS_EXPOSED_HEADERS),
        max_age=600,
    )
    app.add_middleware(Observability, routes=lambda: app.routes, access_log=settings.access_log)


app = create_app()
