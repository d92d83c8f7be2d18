"""Revalidations answered before FastAPI: the ``304`` of what dashboards poll.

A dashboard asks for its profiles, charts and reports again and again with ``If-None-Match``
and nearly always gets ``304``. Through FastAPI such a request paid route matching and the
resolution of every parameter and dependency (a chart has seven parameters; each costs work
of its own on every request) for an answer without a body. This middleware, the innermost
(so the guard has checked the key and admitted the request, and the security headers and the
access log apply), recognises those GETs by their path, names their content with the
functions their handlers use (``region_profile_tag``, ``chart_tag``, ``report_tag``) in one
worker-thread step, and answers ``304`` when the request holds that tag.

It answers nothing else. A request without ``If-None-Match``, a tag that is not current, a
parameter it does not read as the handler would, or anything the handler would refuse goes
on to FastAPI, which answers as it always has: the same errors, the same full answers.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.deps import principal_of
from app.etags import matches
from app.problems import ApiProblem
from app.routers.charts import ChartRequest, RadarFormat, SpreadParam, chart_query, chart_tag
from app.routers.exports import report_tag
from app.routers.profiles import region_profile_tag
from app.routing import API_PREFIX
from app.schemas import ID_MAX
from app.text import refuse_unstorable_query

_PROFILE = re.compile(re.escape(API_PREFIX) + r"/regions/([0-9]{1,10})/profile")
_CHART = re.compile(
    re.escape(API_PREFIX) + r"/regions/([0-9]{1,10})/(radar\.(png|svg|json)|report\.html)"
)
_CHART_LISTS = frozenset({"rounds", "compare"})
_CHART_SCALARS = frozenset({"round_id", "spread", "lang"})

Tag = tuple[str, dict[str, str]]


class Revalidation:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tag_of = _tagger(scope) if scope["type"] == "http" else None
        if tag_of is not None:
            request = Request(scope)
            tag = await run_in_threadpool(_current_tag, tag_of, request)
            if tag is not None and matches(request.headers.get("if-none-match"), tag[0]):
                await Response(status_code=304, headers=tag[1])(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _tagger(scope: Scope) -> Callable[[Request], Tag | None] | None:
    """How to name the asked content, for a conditional GET of a path this layer knows."""
    if scope["method"] != "GET" or not any(
        name == b"if-none-match" for name, _ in scope["headers"]
    ):
        return None
    path = scope["path"]
    if (found := _PROFILE.fullmatch(path)) is not None:
        region_id = _id(found.group(1))
        return None if region_id is None else _profile(region_id)
    if (found := _CHART.fullmatch(path)) is not None:
        region_id = _id(found.group(1))
        fmt = None if found.group(3) is None else RadarFormat(found.group(3))
        return None if region_id is None else _chart(region_id, fmt)
    return None


def _current_tag(tag_of: Callable[[Request], Tag | None], request: Request) -> Tag | None:
    """The content's tag and headers; None where the handler must answer (it would refuse,
    or it reads something differently from here)."""
    try:
        refuse_unstorable_query(request)  # what FastAPI's app-wide check would refuse
        return tag_of(request)
    except (ApiProblem, SQLAlchemyError):  # the handler answers these (422, 403, 404, 503...)
        return None


def _profile(region_id: int) -> Callable[[Request], Tag | None]:
    def tag(request: Request) -> Tag | None:
        if request.query_params:
            return None  # the route reads none: let FastAPI say what it makes of them
        database = request.app.state.database
        etag, headers, _, _ = region_profile_tag(database, region_id, principal_of(request))
        return etag, {"ETag": etag, **headers}

    return tag


def _chart(region_id: int, fmt: RadarFormat | None) -> Callable[[Request], Tag | None]:
    """A chart (``fmt``) or its report (None) of latest published profiles."""

    def tag(request: Request) -> Tag | None:
        query = _chart_parameters(request)
        if query is None:
            return None
        spread = query.get("spread")
        parsed = chart_query(
            request,
            region_id,
            query.get("lang"),
            None,
            query.get("rounds", []),
            query.get("compare", []),
            None if spread is None else SpreadParam(spread),
        )
        chart = ChartRequest(parsed, principal_of(request), request)
        head = chart.head()
        if head is None:
            return None
        if fmt is None:
            return report_tag(chart, head, datetime.datetime.now(datetime.UTC).date())
        return chart_tag(head, fmt)

    return tag


def _chart_parameters(request: Request) -> dict[str, Any] | None:
    """A chart's query as its handler reads it, or None when this layer leaves it to the
    handler: a chosen round (never a head), a repeated single value, an unknown spread."""
    query: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        if name in _CHART_LISTS:
            query.setdefault(name, []).append(value)
        elif name in _CHART_SCALARS:
            if name in query or name == "round_id":
                return None
            query[name] = value
    spread = query.get("spread")
    if spread is not None and spread not in {member.value for member in SpreadParam}:
        return None
    return query


def _id(text: str) -> int | None:
    number = int(text)
    return number if 1 <= number <= ID_MAX and text == str(number) else None
