"""Prometheus metrics at ``/metrics``: requests by route template and status, their
latencies, admission, and each worker's database connections.

With several uvicorn workers, every worker counts for itself and a scrape reaches one of
them; ``scripts/serve.sh`` therefore sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per
start) and the endpoint sums the files of every live worker (``prometheus_client``'s
multiprocess mode). Without it (``make run``, tests), the process's own registry is served.

| metric | labels | meaning |
|---|---|---|
| ``twinning_http_requests_total`` | method, route, status | answered requests |
| ``twinning_http_request_duration_seconds`` | method, route, status | time to the last byte |
| ``twinning_http_requests_in_progress`` | | admitted and not answered yet |
| ``twinning_http_requests_waiting`` | | waiting for admission |
| ``twinning_db_connections_open`` | | connections the workers' pools hold open |
| ``twinning_db_connections_in_use`` | | of those, checked out by a request |
| ``twinning_db_connections_max`` | | pool size plus overflow, over the workers |
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LABELS = ("method", "route", "status")

REQUESTS = Counter("twinning_http_requests_total", "Answered HTTP requests", LABELS)
LATENCY = Histogram(
    "twinning_http_request_duration_seconds",
    "Time from the request's arrival to the last byte of the answer",
    LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_PROGRESS = Gauge(
    "twinning_http_requests_in_progress",
    "Requests admitted and not answered yet",
    multiprocess_mode="livesum",
)
WAITING = Gauge(
    "twinning_http_requests_waiting",
    "Requests waiting for admission",
    multiprocess_mode="livesum",
)
CONNECTIONS_OPEN = Gauge(
    "twinning_db_connections_open",
    "Database connections held open by the workers' pools",
    multiprocess_mode="livesum",
)
CONNECTIONS_IN_USE = Gauge(
    "twinning_db_connections_in_use",
    "Database connections checked out by a request",
    multiprocess_mode="livesum",
)
CONNECTIONS_MAX = Gauge(
    "twinning_db_connections_max",
    "Connections the workers' pools may open (pool size plus overflow)",
    multiprocess_mode="livesum",
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method if method in KNOWN_METHODS else "other", route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def watch_pool(engine: Engine, maximum: int) -> None:
    """Follow ``engine``'s connections in the gauges."""
    CONNECTIONS_MAX.inc(maximum)

    @event.listens_for(engine, "connect")
    def _opened(*_: Any) -> None:
        CONNECTIONS_OPEN.inc()

    @event.listens_for(engine, "close")
    def _closed(*_: Any) -> None:
        CONNECTIONS_OPEN.dec()

    @event.listens_for(engine, "close_detached")
    def _closed_detached(*_: Any) -> None:
        CONNECTIONS_OPEN.dec()

    @event.listens_for(engine, "checkout")
    def _checked_out(*_: Any) -> None:
        CONNECTIONS_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checked_in(*_: Any) -> None:
        CONNECTIONS_IN_USE.dec()


def exposition() -> bytes:
    """The text format of every worker's metrics (or this process's)."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def metrics_endpoint(_: Request) -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
