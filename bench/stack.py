"""What the service's middleware stack costs a request, measured in process.

The same trivial endpoint is called through three ASGI apps, one request at a time, with no
network in between (so the figures are the apps' own CPU time per request):

- bare: a plain FastAPI app with one ``async def`` endpoint, no middleware;
- service, liveness: ``/api/v1/health/live`` of the real app (``create_app``): request id,
  security headers, access log line, metrics, CORS, the guard (admission, body limit) and
  gzip around an ``async def`` endpoint that touches nothing;
- service, health: ``/api/v1/health`` of the real app, one ``SELECT 1`` in a worker thread
  on SQLite (what the container's health check asks).

Each is timed over ``BENCH_STACK_REQUESTS`` requests (default 3,000) after a warm-up, in
``BENCH_STACK_PASSES`` interleaved passes (default 5); the medians and the ratios to the bare
app (within each pass) are printed. The access log goes to a null handler, as its cost is
the formatting, not the terminal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from alembic.config import Config
from fastapi import FastAPI

from alembic import command
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def call(app: App, path: str) -> int:
    """One GET through ``app`` as uvicorn would drive it; returns the status."""
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    await app(scope, receive, send)
    return status


async def per_request(app: App, path: str, requests: int) -> float:
    """Seconds per request, ``requests`` in a row."""
    start = time.perf_counter()
    for _ in range(requests):
        status = await call(app, path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    return (time.perf_counter() - start) / requests


async def measure(requests: int, passes: int, url: str) -> dict[str, list[float]]:
    service = create_app(Settings(database_url=url, chart_warm_up=False))
    cases: dict[str, tuple[App, str]] = {
        "bare FastAPI": (bare_app(), "/live"),
        "service, liveness": (service, "/api/v1/health/live"),
        "service, health": (service, "/api/v1/health"),
    }
    for app, path in cases.values():
        await per_request(app, path, 200)  # warm-up: imports, the engine, the route table
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(passes):
        for name, (app, path) in cases.items():
            times[name].append(await per_request(app, path, requests))
    service.state.database.dispose()
    return times


def main() -> None:
    requests = int(os.environ.get("BENCH_STACK_REQUESTS", "3000"))
    passes = int(os.environ.get("BENCH_STACK_PASSES", "5"))
    logging.getLogger("app.access").addHandler(logging.NullHandler())
    logging.getLogger("app.access").propagate = False
    with tempfile.TemporaryDirectory(prefix="twinning-bench-stack-") as folder:
        url = f"sqlite:///{Path(folder) / 'stack.db'}"
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        times = asyncio.run(measure(requests, passes, url))
    bare = times["bare FastAPI"]
    print(
        f"stack: {requests:,} sequential requests per pass, in process (no network), median of "
        f"{passes} passes; ratio = bare requests per second / this one's"
    )
    print(f"  {'app':<20}{'per request':<14}{'requests/s':<12}ratio to bare")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = statistics.median(v / b for v, b in zip(values, bare, strict=True))
        print(f"  {name:<20}{median * 1e6:>8,.0f} µs  {1 / median:>10,.0f}  {1 / ratio:.2f}x")
