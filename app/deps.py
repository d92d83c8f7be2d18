"""Everything a route handler can ask FastAPI for, as ``Annotated`` types.

A handler declares what it needs by type, e.g. ``session: SessionDep, principal:
PrincipalDep``, and this module is the one place that says how each is obtained: the
request's database session, the caller behind the ``X-API-Key`` header (optional, required,
or required with a role), the app's settings, models, chart cache and rate limits, the model
a query names, and page parameters.

These dependencies never touch the database and are ``async`` (no worker thread of their
own): the key was checked by ``app.guard`` before the body was read, and the session begins
only with the handler's first statement (``app.db``, ``app.routing``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from app.auth import API_KEY_HEADER_NAME, Principal, ensure_role, require_key, unknown_key
from app.db import Database, get_session
from app.guard import PRINCIPAL_SCOPE_KEY
from app.keycache import KeyCache
from app.pagination import OFFSET_MAX, PageParams
from app.problems import ApiProblem
from app.ratelimits import RateLimits
from app.settings import Settings
from app.store import resolve_model
from app.tables import Role
from assessment import ChartCache, MaturityModel, ModelCatalog

api_key_header = APIKeyHeader(
    name=API_KEY_HEADER_NAME,
    auto_error=False,
    description="API key; `make run` prints demo keys (e.g. `tw_demo_admin`).",
)

SessionDep = Annotated[Session, Depends(get_session)]
"""The request's database session (one transaction, rolled back unless committed)."""


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_models(request: Request) -> ModelCatalog:
    models: ModelCatalog = request.app.state.models
    return models


def get_rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def get_key_cache(request: Request) -> KeyCache:
    cache: KeyCache = request.app.state.key_cache
    return cache


def get_chart_cache(request: Request) -> ChartCache:
    cache: ChartCache = request.app.state.chart_cache
    return cache


# The dependencies: async, so that FastAPI gives none of them a worker thread of its own.


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _models(request: Request) -> ModelCatalog:
    return get_models(request)


async def _key_cache(request: Request) -> KeyCache:
    return get_key_cache(request)


async def _database(request: Request) -> Database:
    return get_database(request)


SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
"""The app's database, for handlers that manage their own short transactions (a matching
run reads, computes without a session, then writes)."""
KeyCacheDep = Annotated[KeyCache, Depends(_key_cache)]
"""The keys this worker checked a moment ago: a handler that ends keys clears it."""
ModelsDep = Annotated[ModelCatalog, Depends(_models)]
"""The maturity models this deployment offers (shipped ones and its models directory)."""


async def query_model(
    models: ModelsDep,
    model_id: str | None = Query(None, description="default: the deployment's default model"),
    model_version: str | None = Query(None, description="default: the model's first version"),
) -> MaturityModel:
    return resolve_model(models, model_id, model_version, "query.model_id")


QueryModelDep = Annotated[MaturityModel, Depends(query_model)]
"""The model a request names with ``?model_id=`` (and ``?model_version=``), else the default."""


async def optional_principal(
    request: Request, token: Annotated[str | None, Depends(api_key_header)]
) -> Principal | None:
    """The caller the guard found for the request's key (declared here for the OpenAPI
    document's security scheme)."""
    return principal_of(request) if token is not None else None


def principal_of(request: Request) -> Principal | None:
    """The caller the guard found for the request's key; None without a key (also for code
    that answers before FastAPI, ``app.revalidation``)."""
    if request.headers.get(API_KEY_HEADER_NAME) is None:
        return None
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if not isinstance(principal, Principal):  # only when the guard is not installed
        raise unknown_key()
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
"""The caller, or None without a key (public reads); an unknown or revoked key is 401."""


async def current_principal(principal: OptionalPrincipalDep) -> Principal:
    return require_key(principal)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
"""The caller, who must send a valid key (401 otherwise)."""


def require_role(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency admitting only keys of these roles (403 for the others)."""
    allowed = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:
        return ensure_role(principal, allowed)

    return dependency


CoordinatorDep = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.COORDINATOR))]
"""Matching and good practices span regions: coordinators and admins only."""
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]


def _page(settings: Settings, limit: int | None, offset: int, default: int) -> PageParams:
    if limit is None:
        return PageParams(limit=default, offset=offset)
    if limit > settings.page_max_limit:
        raise ApiProblem(
            422, f"limit must be at most {settings.page_max_limit}", field="query.limit"
        )
    return PageParams(limit=limit, offset=offset)


LimitQuery = Query(
    None, ge=1, description="items per page (the deployment's default and maximum apply)"
)
OffsetQuery = Query(0, ge=0, le=OFFSET_MAX, description=f"items to skip (at most {OFFSET_MAX})")


async def page_params(
    settings: SettingsDep, limit: int | None = LimitQuery, offset: int = OffsetQuery
) -> PageParams:
    """``limit``/``offset``; the default and the largest page come from the settings (the
    OpenAPI document shows this deployment's numbers, see ``app.openapi``)."""
    return _page(settings, limit, offset, settings.page_default_limit)


PageDep = Annotated[PageParams, Depends(page_params)]


async def export_page_params(
    settings: SettingsDep, limit: int | None = LimitQuery, offset: int = OffsetQuery
) -> PageParams:
    """Pages of a download: the largest page by default, so that one request usually gets
    the whole file (regions' stakeholders are bounded well below it)."""
    return _page(settings, limit, offset, settings.page_max_limit)


ExportPageDep = Annotated[PageParams, Depends(export_page_params)]
