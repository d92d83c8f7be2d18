"""The route class of every API router: a handler's database work stays in its own thread step.

FastAPI runs a sync handler in a worker thread, then validates its answer in another thread
step and closes its dependencies later still. A session left open until then would hold its
connection (and on SQLite, a write transaction's lock) while the request waits for those
threads. ``ApiRoute`` closes the request's session as the handler returns, in the handler's
thread: whatever it did not commit is rolled back there, and the connection goes back to the
pool before anything else waits.

It also refuses, when the app is built, a dependency other than the handler that would use
the session: dependencies run in thread steps of their own, so database work belongs in the
handler (``app.deps`` dependencies only parse and look up what the request carries).

Use it for every router: ``APIRouter(route_class=ApiRoute, ...)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.db import get_session

API_PREFIX = "/api/v1"
"""Where the API's routes live (the pages are at the root)."""


class ApiRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _closing_sessions(endpoint), **kwargs)
        for dependant in _dependencies(self.dependant):
            if dependant.call is not get_session and _uses_session(dependant):
                name = getattr(dependant.call, "__qualname__", repr(dependant.call))
                raise TypeError(
                    f"{path}: dependency {name} uses the database session; read in the handler"
                )


def _closing_sessions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    return run


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _uses_session(dependant: Dependant) -> bool:
    return any(sub.call is get_session for sub in dependant.dependencies)
