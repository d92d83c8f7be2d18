"""Everything a route handler can ask FastAPI for, as ``Annotated`` types.

A handler declares what it needs by type, e.g. ``session: SessionDep, principal:
PrincipalDep``, and this module is the one place that says how each is obtained: the
request's database session, the caller behind the ``X-API-Key`` header (optional, required,
or required with a role), the app's settings, models and chart cache, the model a query
names, and page parameters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from app.auth import API_KEY_HEADER_NAME, Principal, authenticate, ensure_role, require_key
from app.db import get_session
from app.pagination import PageParams
from app.problems import ApiProblem
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


def get_models(request: Request) -> ModelCatalog:
    models: ModelCatalog = request.app.state.models
    return models


def get_chart_cache(request: Request) -> ChartCache:
    cache: ChartCache = request.app.state.chart_cache
    return cache


# The dependencies below that only read the app's state or the request are ``async``:
# FastAPI runs a plain ``def`` dependency in the thread pool, a round trip that costs more
# than the work (the functions above stay plain for callers outside FastAPI's injection).


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _models(request: Request) -> ModelCatalog:
    return get_models(request)


async def _chart_cache(request: Request) -> ChartCache:
    return get_chart_cache(request)


SettingsDep = Annotated[Settings, Depends(_settings)]
ModelsDep = Annotated[ModelCatalog, Depends(_models)]
"""The maturity models this deployment offers (shipped ones and its models directory)."""
ChartCacheDep = Annotated[ChartCache, Depends(_chart_cache)]


def query_model(
    models: ModelsDep,
    model_id: str | None = Query(None, description="default: the deployment's default model"),
    model_version: str | None = Query(None, description="default: the model's first version"),
) -> MaturityModel:
    return resolve_model(models, model_id, model_version, "query.model_id")


QueryModelDep = Annotated[MaturityModel, Depends(query_model)]
"""The model a request names with ``?model_id=`` (and ``?model_version=``), else the default."""


def optional_principal(
    token: Annotated[str | None, Depends(api_key_header)], session: SessionDep
) -> Principal | None:
    return authenticate(session, token)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
"""The caller, or None without a key (public reads); an unknown or revoked key is 401."""


async def current_principal(principal: OptionalPrincipalDep) -> Principal:
    return require_key(principal)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
"""The caller, who must send a valid key (401 otherwise)."""


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only keys of these roles (403 for the others)."""
    allowed = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:
        return ensure_role(principal, allowed)

    return dependency


CoordinatorDep = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.COORDINATOR))]
"""Matching and good practices span regions: coordinators and admins only."""
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]


async def page_params(
    settings: SettingsDep,
    limit: int | None = Query(
        None, ge=1, description="items per page (the deployment's default and maximum apply)"
    ),
    offset: int = Query(0, ge=0, description="items to skip"),
) -> PageParams:
    """``limit``/``offset``; the default and the largest page come from the settings (the
    OpenAPI document shows this deployment's numbers, see ``app.openapi``)."""
    if limit is None:
        return PageParams(limit=settings.page_default_limit, offset=offset)
    if limit > settings.page_max_limit:
        raise ApiProblem(
            422, f"limit must be at most {settings.page_max_limit}", field="query.limit"
        )
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
