"""The front door under abuse and overload (issue 13): body limits, keys checked before the
body, rate limits, admission, database waits answered 503, and no connection held while a
request waits for a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlmodel import Session, select
from starlette.types import Message, Receive, Scope, Send

from app.db import Database, begin_write
from app.deps import SessionDep
from app.routing import ApiRoute
from app.tables import Region
from tests.api.conftest import AppFactory, World
from tests.api.flows import API, ok, problem, published_round


@pytest.fixture
def build(custom_app: AppFactory) -> AppFactory:
    return custom_app


def _region(name: str = "Nowhere") -> dict[str, Any]:
    return {"name": name, "country": "SE", "kind": "region"}


def test_a_body_over_the_limit_is_413_before_it_is_read(build: AppFactory, world: World) -> None:
    client = TestClient(build(max_body_bytes=1024))
    big = {**_region(), "padding": "x" * 2000}
    problem(client.post(f"{API}/regions", json=big, headers=world.admin), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"name": "Chunked", "country": "SE", "kind": "region", "x": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    answer = client.post(
        f"{API}/regions",
        content=chunks(),
        headers={**world.admin, "Content-Type": "application/json"},
    )
    problem(answer, 413)
    names = {r["name"] for r in ok(client.get(f"{API}/regions", headers=world.admin))["items"]}
    assert names == {"North", "South"}


def test_writes_without_a_key_are_401_before_the_body_is_parsed(client: TestClient) -> None:
    broken = client.post(
        f"{API}/regions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    problem(broken, 401, "header.x-api-key")
    assert broken.headers["www-authenticate"].startswith("ApiKey")
    problem(client.put(f"{API}/rounds/1/ratings/1/funding", json={"score": 2}), 401)


@pytest.mark.parametrize(
    "path", ["/models", "/health", "/health/live", "/health/ready", "/regions", "/regions/1"]
)
def test_an_unknown_key_is_401_everywhere(client: TestClient, path: str) -> None:
    answer = client.get(f"{API}{path}", headers={"X-API-Key": "tw_guessed"})
    problem(answer, 401, "header.x-api-key")
    ok(client.get(f"{API}/models"))  # without a key, public reads stay public


def test_guessing_keys_is_rate_limited_per_address(build: AppFactory, world: World) -> None:
    client = TestClient(build(rate_limit_failed_keys="3/minute"))
    for attempt in range(3):
        problem(client.get(f"{API}/regions", headers={"X-API-Key": f"tw_guess_{attempt}"}), 401)
    blocked = problem(client.get(f"{API}/regions", headers={"X-API-Key": "tw_guess_3"}), 429)
    assert "failed keys" in blocked["detail"]
    # Every key from the address waits now, even a valid one: no way to tell which is which.
    refused = client.get(f"{API}/regions", headers=world.admin)
    problem(refused, 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    ok(client.get(f"{API}/regions"))  # requests without a key are not affected


def test_matching_is_rate_limited_per_key(build: AppFactory, world: World) -> None:
    client = TestClient(build(rate_limit_matching="2/minute"))
    for _ in range(2):
        ok(client.get(f"{API}/matching/suggestions", headers=world.coordinator))
    problem(client.post(f"{API}/matching/runs", json={}, headers=world.coordinator), 429)
    ok(client.get(f"{API}/matching/suggestions", headers=world.admin))  # another key


def test_anonymous_chart_drawings_are_rate_limited_but_cached_ones_are_free(
    build: AppFactory, client: TestClient, world: World
) -> None:
    published_round(client, world.south_member, world.south, world.south_people, 3)
    limited = TestClient(build(rate_limit_chart_renders="2/minute"))
    radar = f"{API}/regions/{world.south}/radar"

    def drawn(path: str, who: dict[str, str] | None = None) -> None:
        answer = limited.get(path, headers=who or {})
        assert answer.status_code == 200, answer.text

    drawn(f"{radar}.png")  # drawn: 1 of 2
    for _ in range(3):
        drawn(f"{radar}.png")  # from the cache: free
    ok(limited.get(f"{radar}.json"))  # nothing drawn
    drawn(f"{radar}.svg")  # drawn: 2 of 2
    answer = limited.get(f"{radar}.png?lang=sv")  # a third drawing
    problem(answer, 429)
    assert int(answer.headers["retry-after"]) >= 1
    drawn(f"{radar}.png?lang=sv", world.coordinator)  # keys count apart


def _with_slow_route(app: FastAPI) -> tuple[threading.Event, threading.Event]:
    entered, release = threading.Event(), threading.Event()

    def slow() -> dict[str, str]:
        entered.set()
        release.wait(10)
        return {"status": "done"}

    app.router.add_api_route(f"{API}/slow", slow, route_class_override=ApiRoute)
    return entered, release


def test_a_full_worker_refuses_quickly_and_stays_live(build: AppFactory) -> None:
    app = build(max_concurrent_requests=1, max_waiting_requests=1, admission_timeout=0.2)
    entered, release = _with_slow_route(app)
    with ThreadPoolExecutor(max_workers=2) as pool:
        busy = pool.submit(TestClient(app).get, f"{API}/slow")
        assert entered.wait(10)
        started = time.perf_counter()
        refused = TestClient(app).get(f"{API}/models")
        waited = time.perf_counter() - started
        problem(refused, 503)
        assert refused.headers["retry-after"] == "1"
        assert waited < 2.0
        ok(TestClient(app).get(f"{API}/health/live"))  # never queued
        release.set()
        ok(busy.result(timeout=10))
    ok(TestClient(app).get(f"{API}/models"))


def test_a_busy_database_is_503_with_retry_after(
    build: AppFactory, world: World, client: TestClient, backend: str
) -> None:
    if backend == "sqlite":
        app = build(db_busy_timeout=0.2)
        holder = app.state.database.session(write=True)
        holder.connection()  # another writer holds the write lock
    else:
        app = build(
            db_pool_size=2,
            db_max_overflow=0,
            db_pool_timeout=0.2,
            max_concurrent_requests=1,
            max_concurrent_writes=1,
        )
        holder = app.state.database.engine.connect()
        other = app.state.database.engine.connect()  # every connection of the pool taken
    try:
        answer = TestClient(app).post(f"{API}/regions", json=_region(), headers=world.admin)
        problem(answer, 503)
        assert answer.headers["retry-after"] == "1"
    finally:
        holder.close()
        if backend != "sqlite":
            other.close()
    ok(TestClient(app).post(f"{API}/regions", json=_region(), headers=world.admin), 201)


class _PoolAtResponseStart:
    """Records how many connections are checked out when each answer starts."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.seen: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append(self.app.state.database.engine.pool.checkedout())
            await send(message)

        await self.app(scope, receive, watch)


def test_no_connection_is_held_past_the_handler(
    build: AppFactory, client: TestClient, world: World
) -> None:
    """A request's connection goes back to the pool in the handler's own thread step, before
    its answer is validated and sent; the key check's own read is over before the handler."""
    round_id = published_round(client, world.south_member, world.south, world.south_people, 2)
    app = build()
    watcher = _PoolAtResponseStart(app)
    checkouts: list[str] = []
    app.state.database.engine  # noqa: B018 (created now, so the listener can attach)
    event.listen(app.state.database.engine, "checkout", lambda *_: checkouts.append("out"))
    watched = TestClient(watcher)
    ok(watched.get(f"{API}/regions", headers=world.coordinator))
    ok(watched.get(f"{API}/rounds/{round_id}/scores", headers=world.coordinator))
    ok(watched.get(f"{API}/regions/{world.south}/radar.json"))
    ok(watched.post(f"{API}/regions", json=_region(), headers=world.admin), 201)
    ok(watched.get(f"{API}/health"))
    assert watcher.seen == [0, 0, 0, 0, 0]
    assert len(checkouts) >= 5


def reads_in_a_dependency(session: SessionDep) -> Session:
    return session


def test_database_work_in_a_dependency_is_refused_when_the_app_is_built() -> None:
    router = APIRouter(route_class=ApiRoute)
    with pytest.raises(TypeError, match="uses the database session"):

        @router.get("/bad")
        def bad(session: Session = Depends(reads_in_a_dependency)) -> None:
            return None


def test_sqlite_engines_hide_statement_parameters(database: Database) -> None:
    with database.session() as session:
        try:
            session.connection().execute(
                text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "secret"}
            )
        except Exception as exc:
            assert "secret" not in str(exc)
        else:  # pragma: no cover
            pytest.fail("the statement should fail")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_reading_back_after_a_commit_does_not_queue_for_the_write_lock(
    backend: str, database: Database
) -> None:
    """A rating write that had committed once answered 503: reading the stored row back
    began another write transaction and waited for SQLite's lock behind other writers."""
    with database.session(write=True) as writer:
        writer.add(Region(name="Written", country="SE", kind="region"))
        writer.commit()
        other = database.session(write=True)
        other.connection()  # another writer holds the lock now
        try:
            names = writer.exec(select(Region.name)).all()  # no wait, no "database is locked"
        finally:
            other.close()
        assert list(names) == ["Written"]
        with pytest.raises(RuntimeError):  # inside the read-back the lock option is lost
            begin_write(writer)
        writer.commit()  # the read-back ends before the next write begins
        begin_write(writer)  # writing again takes the lock first, as before
        writer.add(Region(name="Second", country="SE", kind="region"))
        writer.commit()
