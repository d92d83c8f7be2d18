"""Crash recovery of the service started exactly as the container starts it (scripts/serve.sh).

A rating the API acknowledged (2xx) must survive the service dying at any moment. Writers
rate the demo's open round while the service gets SIGKILL in the middle of their stream (no
shutdown handler runs, no worker finishes its request); the service is then started again
with the same script on the same database, so migrations and the demo load must be
idempotent, and every acknowledged rating must read back with the acknowledged value. A write
cut off by the kill may have landed or not, but a bulk write lands whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.demo import DEMO_KEYS
from app.launch import LOOPBACK, free_port, start_service
from assessment import default_model
from tests.api.conftest import headers
from tests.api.flows import API

KEYS = default_model().keys  # the demo and these rounds use the shipped model

pytestmark = pytest.mark.slow

HEALTH = f"{API}/health"
FACILITATOR = headers(DEMO_KEYS["helsingborg"])  # the demo's open round is Helsingborg's
START_TIMEOUT_S = 60.0  # migrations, demo load and two workers on a slow machine
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 15.0  # SQLite waits up to 30 s for its lock; fail sooner than that
KILL_AFTER_ACKS = 150
WRITE_WINDOW_S = 30.0  # writers stop on their own after this, whatever happens
MAX_WRITES_PER_WRITER = 5_000
SCORES: tuple[int | None, ...] = (0, 1, 2, 3, 4, 5, None)

Cell = tuple[int | None, str]  # (score, justification) of one dimension
Cells = dict[str, Cell]  # by dimension


def _client(base_url: str, timeout: float = REQUEST_TIMEOUT_S) -> httpx.Client:
    """A client of the local service as the demo's Helsingborg facilitator, whose region has
    the open round; proxy settings of the environment do not apply to it."""
    return httpx.Client(base_url=base_url, headers=FACILITATOR, timeout=timeout, trust_env=False)


class Service:
    """One run of ``sh scripts/serve.sh`` in a process group of its own, logging to a file."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        self.log = log
        self.process = start_service(database_url, log, port=self.port)
        self._killed = False

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with _client(self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(f"serve.sh exited with {self.process.returncode}:\n{self.output()}")
                try:
                    if client.get(HEALTH).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        pytest.fail(f"no healthy service within {START_TIMEOUT_S} s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL to the whole process group (the shell's uvicorn and its workers)."""
        if self._killed:
            return
        self._killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[str], Service]]:
    """Starts the service on a database and waits until it is healthy; kills every service
    it started at teardown, whatever the test did."""
    started: list[Service] = []

    def start(database_url: str) -> Service:
        service = Service(database_url, tmp_path / f"serve-{len(started)}.log")
        started.append(service)
        service.wait_ready()
        return service

    yield start
    for service in started:
        service.kill()


class Acks:
    """Counts acknowledged writes over all writers; ``reached`` fires at the target."""

    def __init__(self, target: int) -> None:
        self.reached = threading.Event()
        self._target = target
        self._count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self._count += 1
            if self._count >= self._target:
                self.reached.set()


@dataclass
class Writer:
    """Rates one stakeholder's dimensions one request after the other, remembering what the
    service acknowledged and the write it had under way when the service went away. Every
    write carries a justification of its own, so a stale value cannot pass for a newer one."""

    number: int
    stakeholder: int
    acked: Cells = field(default_factory=dict)
    pending: Cells | None = None
    cut_off: bool = False  # a write was sent while the service was up and never answered
    failures: list[str] = field(default_factory=list)

    def run(self, base_url: str, round_id: int, killed: threading.Event, acks: Acks) -> None:
        rng = random.Random(self.number)
        deadline = time.monotonic() + WRITE_WINDOW_S
        path = f"{API}/rounds/{round_id}/ratings/{self.stakeholder}"
        with _client(base_url) as client:
            for n in range(MAX_WRITES_PER_WRITER):
                if time.monotonic() > deadline:
                    return
                bulk = rng.random() < 0.5
                dimensions = rng.sample(KEYS, rng.randint(2, len(KEYS)) if bulk else 1)
                cells = {
                    d: (rng.choice(SCORES), f"writer {self.number} write {n}") for d in dimensions
                }
                self.pending = cells
                alive = not killed.is_set()
                try:
                    if bulk:
                        items = [
                            {"dimension": d, "score": s, "justification": j}
                            for d, (s, j) in cells.items()
                        ]
                        response = client.put(path, json={"ratings": items})
                    else:
                        ((dimension, (score, why)),) = cells.items()
                        response = client.put(
                            f"{path}/{dimension}", json={"score": score, "justification": why}
                        )
                except httpx.TransportError as exc:
                    if not killed.is_set():
                        self.failures.append(f"write {n} failed before the kill: {exc!r}")
                    self.cut_off = alive
                    return
                if response.status_code == 503 and "retry-after" in response.headers:
                    # Refused under load (admission or SQLite's write lock): nothing stored,
                    # as a client would, wait a moment and go on. Its justification is its
                    # own, so were it stored after all, ``lost`` would see it.
                    self.pending = None
                    time.sleep(0.05)
                    continue
                if not response.is_success:
                    self.failures.append(f"write {n}: {response.status_code} {response.text}")
                    self.pending = None  # a rejected request stores nothing
                    return
                self.acked.update(cells)
                self.pending = None
                acks.add()

    def lost(self, stored: Cells) -> list[str]:
        """What the stored ratings contradict: acknowledged values missing or replaced by
        older ones, or the cut-off bulk write stored in part."""
        problems = []
        for dimension, value in self.acked.items():
            allowed = {value}
            if self.pending is not None and dimension in self.pending:
                allowed.add(self.pending[dimension])  # the cut-off write may have landed
            if stored.get(dimension) not in allowed:
                problems.append(
                    f"stakeholder {self.stakeholder} {dimension}: acknowledged {value}, "
                    f"stored {stored.get(dimension)}"
                )
        if self.pending is not None:
            landed = {d for d, value in self.pending.items() if stored.get(d) == value}
            if landed and landed != set(self.pending):
                problems.append(
                    f"stakeholder {self.stakeholder}: the cut-off write stored only "
                    f"{sorted(landed)} of {sorted(self.pending)}"
                )
        return problems


def _json(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.url}: {response.text}"
    return response.json()


def _open_round(service: Service) -> tuple[int, list[int]]:
    """The demo's open round and the stakeholders of its region."""
    with _client(service.base_url) as client:
        (round_,) = _json(client.get(f"{API}/rounds", params={"status": "open"}))["items"]
        people = _json(client.get(f"{API}/regions/{round_['region_id']}/stakeholders"))["items"]
    return int(round_["id"]), [int(person["id"]) for person in people]


def _stored(service: Service, round_id: int) -> dict[int, Cells]:
    """Every rating of the round as the API reads it, by stakeholder and dimension."""
    with _client(service.base_url) as client:
        page = _json(client.get(f"{API}/rounds/{round_id}/ratings", params={"limit": 200}))
    assert page["total"] <= len(page["items"]), "more ratings than one page holds"
    stored: dict[int, Cells] = {}
    for row in page["items"]:
        stored.setdefault(row["stakeholder_id"], {})[row["dimension"]] = (
            row["score"],
            row["justification"],
        )
    return stored


def _write_concurrently(service: Service, round_id: int, people: list[int]) -> list[Writer]:
    """Runs one writer per stakeholder and kills the service once enough writes were
    acknowledged, while the writers keep sending."""
    writers = [Writer(number, person) for number, person in enumerate(people)]
    killed, acks = threading.Event(), Acks(KILL_AFTER_ACKS)
    threads = [
        threading.Thread(target=w.run, args=(service.base_url, round_id, killed, acks), daemon=True)
        for w in writers
    ]
    for thread in threads:
        thread.start()
    try:
        reached = acks.reached.wait(WRITE_WINDOW_S)
    finally:
        killed.set()
        service.kill()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT_S + STOP_TIMEOUT_S)
    failures = [f for w in writers for f in w.failures]
    assert not failures, failures
    assert reached, f"fewer than {KILL_AFTER_ACKS} writes acknowledged in {WRITE_WINDOW_S} s"
    assert not any(t.is_alive() for t in threads), "a writer still runs after the kill"
    assert any(w.cut_off for w in writers), "the kill hit no write under way"
    return writers


def test_acknowledged_ratings_survive_a_kill_of_the_service(
    backend: str, empty_database_url: str, serve: Callable[[str], Service]
) -> None:
    service = serve(empty_database_url)
    round_id, people = _open_round(service)
    writers = _write_concurrently(service, round_id, people)

    restarted = serve(empty_database_url)  # migrations and demo load run again
    assert _open_round(restarted) == (round_id, people)
    # The open round's ratings are hidden (independent rating): reveal them to check them.
    with _client(restarted.base_url) as client:
        reveal = {"reveal_while_open": True}
        _json(client.patch(f"{API}/rounds/{round_id}", json=reveal))
    stored = _stored(restarted, round_id)
    lost = [p for w in writers for p in w.lost(stored.get(w.stakeholder, {}))]
    assert not lost, lost

    if backend == "sqlite":
        path = make_url(empty_database_url).database
        assert path is not None
        with contextlib.closing(sqlite3.connect(path)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []

    # Business as usual: a new write lands, and closing rating (which waits on PostgreSQL for
    # every rating write's lock on the round) is not held up by a writer that died.
    with _client(restarted.base_url) as client:
        cell = f"{API}/rounds/{round_id}/ratings/{people[0]}/funding"
        _json(client.put(cell, json={"score": 1, "justification": "after the restart"}))
        _json(client.post(f"{API}/rounds/{round_id}/transitions", json={"status": "consensus"}))
    after = _stored(restarted, round_id)
    assert after[people[0]]["funding"] == (1, "after the restart")
