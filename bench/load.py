"""Overload on loopback: many clients at once against the service started as in production.

The service starts with ``scripts/serve.sh`` (migrations, demo data, uvicorn workers) over a
fresh SQLite file or a fresh PostgreSQL database, with its default settings. Then, for a fixed
time, ``clients`` keep-alive connections (one task each) send requests without pause:

- anonymous readers: the public regions, a public profile, the models, a radar as JSON and as
  PNG (one chart, cached after its first drawing);
- keyed readers (the coordinator): a round's scores, a region's history, a page of ratings,
  a search among the regions (the open round is set to reveal its ratings while open, as an
  open workshop would, so these reads see the writes);
- writers (the facilitator of the region with the open round), each owning one stakeholder:
  a rating of one dimension, or all of them at once, each write naming its sequence number in
  the justification;
- one liveness probe, every 100 ms.

The service may refuse (503 or 429, with ``Retry-After``) but must never fail: what is checked
is no 5xx other than those refusals, no request over ``MAX_SECONDS``, and every acknowledged
write stored (each writer's stakeholder is read back: every dimension holds the last
acknowledged write, or a later one whose answer never came). Requests go to 127.0.0.1 only,
and stop at the deadline.

Run ``python -m bench load``; scenarios are SQLite with 1 and 4 workers and PostgreSQL with 4
workers (the PostgreSQL one needs a server: ``TWINNING_TEST_POSTGRES_URL`` or
``BENCH_POSTGRES_URL``; ``bash scripts/with-postgres.sh .venv/bin/python -m bench load``
starts a throwaway one). Knobs: ``BENCH_LOAD_CLIENTS`` (200), ``BENCH_LOAD_SECONDS`` (15),
``BENCH_LOAD_SCENARIOS`` (``sqlite-1,sqlite-4,postgres-4``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.demo import DEMO_KEYS
from app.launch import free_port, start_service
from bench.api import API, Connection, Reply, _tail, stop_server, wait_ready

MAX_SECONDS = 5.0
REQUEST_TIMEOUT = 30.0
LIVE_EVERY = 0.1
WRITER_SHARE = 0.3
KEYED_SHARE = 0.3
MAX_WRITERS = 80  # stakeholders added to the open round's region (its limit is 100)
COORDINATOR = {"X-API-Key": DEMO_KEYS["coordinator"]}
FACILITATOR = {"X-API-Key": DEMO_KEYS["helsingborg"]}  # the demo's open round is Helsingborg's
REFUSALS = frozenset({429, 503})


@dataclass
class Write:
    seq: int
    dimensions: tuple[str, ...]
    acknowledged: bool = False
    answered: bool = False  # a definite answer came (2xx stored, anything else not stored)


@dataclass
class Outcome:
    """What one scenario saw."""

    name: str
    seconds: float
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # timeouts, broken connections
    unexpected: Counter[str] = field(default_factory=Counter)  # 4xx answers to reads
    writes_acknowledged: int = 0
    writes_lost: list[str] = field(default_factory=list)

    slowest: list[tuple[float, str, int]] = field(default_factory=list)

    def record(self, kind: str, status: int, seconds: float, path: str = "") -> None:
        self.statuses.setdefault(kind, Counter())[status] += 1
        self.latencies.setdefault(kind, []).append(seconds)
        self.slowest = sorted([*self.slowest, (seconds, path or kind, status)], reverse=True)[:5]

    @property
    def errors(self) -> int:
        """5xx answers that are not refusals."""
        return sum(n for c in self.statuses.values() for s, n in c.items() if s >= 500 and s != 503)

    @property
    def slow(self) -> int:
        return sum(1 for values in self.latencies.values() for v in values if v > MAX_SECONDS)

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    def passed(self) -> bool:
        return not (self.errors or self.slow or self.failures or self.writes_lost)

    def problems(self) -> list[str]:
        found = [f"{self.errors} server errors"] if self.errors else []
        found += [f"{self.slow} requests over {MAX_SECONDS:g} s"] if self.slow else []
        return found + self.failures[:5] + self.writes_lost[:5]


@dataclass(frozen=True)
class Target:
    """The running service and what the clients need to know about the demo data."""

    port: int
    round_id: int
    dimensions: tuple[str, ...]
    writers: tuple[int, ...]  # stakeholder ids, one per writer
    public_region: int


async def _call(
    connection: Connection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
) -> Reply:
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers = {**headers, "Content-Type": "application/json"}
    return await asyncio.wait_for(connection.request(method, path, headers, data), REQUEST_TIMEOUT)


async def prepare(port: int, writers: int) -> Target:
    """The open round, its dimensions, a public region, and a stakeholder per writer."""
    connection = Connection(port)
    try:
        rounds = await _call(connection, "GET", f"{API}/rounds?status=open", FACILITATOR)
        (open_round,) = json.loads(rounds.body)["items"]
        # Ratings stay hidden while a round is open unless it reveals them: this one does,
        # so the coordinator's reads score the writes as they land and they can be checked.
        reveal = await _call(
            connection,
            "PATCH",
            f"{API}/rounds/{open_round['id']}",
            FACILITATOR,
            {"reveal_while_open": True},
        )
        if reveal.status != 200:
            raise SystemExit(f"could not reveal the round: {reveal.status} {reveal.body[:300]!r}")
        model = open_round["model"]
        found = await _call(
            connection, "GET", f"{API}/models/{model['id']}?version={model['version']}", {}
        )
        dimensions = tuple(d["key"] for d in json.loads(found.body)["dimensions"])
        public = json.loads((await _call(connection, "GET", f"{API}/regions", {})).body)
        published = [
            region["id"]
            for region in public["items"]
            if (await _call(connection, "GET", f"{API}/regions/{region['id']}/profile", {})).status
            == 200
        ]
        people = []
        for index in range(writers):
            reply = await _call(
                connection,
                "POST",
                f"{API}/regions/{open_round['region_id']}/stakeholders",
                FACILITATOR,
                {"name": f"Load writer {index:03d}", "role": "load test"},
            )
            if reply.status != 201:
                raise SystemExit(f"could not add a writer: {reply.status} {reply.body[:300]!r}")
            people.append(json.loads(reply.body)["id"])
    finally:
        await connection.close()
    return Target(
        port=port,
        round_id=open_round["id"],
        dimensions=dimensions,
        writers=tuple(people),
        public_region=published[0],
    )


def _reads(target: Target, keyed: bool) -> list[str]:
    if keyed:
        return [
            f"{API}/rounds/{target.round_id}/scores",
            f"{API}/regions/{target.public_region}/history",
            f"{API}/rounds/{target.round_id}/ratings?limit=200",
            f"{API}/regions?q=o",
        ]
    region = target.public_region
    return [
        f"{API}/regions",
        f"{API}/regions/{region}/profile",
        f"{API}/models",
        f"{API}/regions/{region}/radar.json",
        f"{API}/regions/{region}/radar.png",
    ]


async def reader(target: Target, outcome: Outcome, deadline: float, keyed: bool) -> None:
    kind = "keyed reads" if keyed else "anonymous reads"
    paths, headers = _reads(target, keyed), (COORDINATOR if keyed else {})
    choose = random.Random(id(outcome) + keyed).choice
    connection = Connection(target.port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            path = choose(paths)
            try:
                reply = await _call(connection, "GET", path, headers)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                outcome.failures.append(f"{kind}: {type(exc).__name__}")
                await connection.close()
                continue
            outcome.record(kind, reply.status, time.perf_counter() - start, path)
            if 400 <= reply.status < 500 and reply.status != 429:
                outcome.unexpected[f"{kind}: {reply.status} {reply.body[:120]!r}"] += 1
            await _back_off(reply)
    finally:
        await connection.close()


async def _back_off(reply: Reply) -> None:
    """A refused client waits as ``Retry-After`` says, as well-behaved clients do."""
    if reply.status in REFUSALS:
        await asyncio.sleep(float(reply.headers.get("retry-after", "1")))


async def writer(
    target: Target, stakeholder: int, outcome: Outcome, deadline: float, log: list[Write]
) -> None:
    connection = Connection(target.port)
    base = f"{API}/rounds/{target.round_id}/ratings/{stakeholder}"
    rng = random.Random(stakeholder)
    seq = 0
    try:
        while time.perf_counter() < deadline:
            seq += 1
            note = f"load write {seq}"
            body: dict[str, Any]
            if rng.random() < 0.3:
                dims = target.dimensions
                items = [{"dimension": d, "score": seq % 4, "justification": note} for d in dims]
                method, path, body, kind = "PUT", base, {"ratings": items}, "bulk writes"
            else:
                dims = (rng.choice(target.dimensions),)
                method, path, kind = "PUT", f"{base}/{dims[0]}", "writes"
                body = {"score": seq % 4, "justification": note}
            write = Write(seq, dims)
            log.append(write)
            start = time.perf_counter()
            try:
                reply = await _call(connection, method, path, FACILITATOR, body)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                outcome.failures.append(f"{kind}: {type(exc).__name__}")
                await connection.close()
                continue
            write.answered = True
            write.acknowledged = 200 <= reply.status < 300
            outcome.record(kind, reply.status, time.perf_counter() - start)
            await _back_off(reply)
    finally:
        await connection.close()


async def live_probe(target: Target, outcome: Outcome, deadline: float) -> None:
    connection = Connection(target.port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            reply = await _call(connection, "GET", f"{API}/health/live", {})
            outcome.record("liveness", reply.status, time.perf_counter() - start)
            await asyncio.sleep(LIVE_EVERY)
    finally:
        await connection.close()


async def verify(target: Target, logs: dict[int, list[Write]], outcome: Outcome) -> None:
    """Every dimension holds the last acknowledged write, or a later unanswered one."""
    connection = Connection(target.port)
    try:
        for stakeholder, writes in logs.items():
            path = f"{API}/rounds/{target.round_id}/ratings?stakeholder_id={stakeholder}&limit=200"
            reply = await _call(connection, "GET", path, FACILITATOR)
            stored = {
                r["dimension"]: int(r["justification"].rsplit(" ", 1)[1])
                for r in json.loads(reply.body)["items"]
            }
            outcome.writes_acknowledged += sum(w.acknowledged for w in writes)
            for dimension in target.dimensions:
                touching = [w for w in writes if dimension in w.dimensions]
                acknowledged = [w.seq for w in touching if w.acknowledged]
                possible = {w.seq for w in touching if w.acknowledged or not w.answered}
                if not acknowledged:
                    if dimension in stored and stored[dimension] not in possible:
                        outcome.writes_lost.append(f"{stakeholder}/{dimension}: stray write")
                    continue
                held = stored.get(dimension)
                if held is None or held < acknowledged[-1] or held not in possible:
                    outcome.writes_lost.append(
                        f"stakeholder {stakeholder} {dimension}: holds write {held}, "
                        f"write {acknowledged[-1]} was acknowledged"
                    )
    finally:
        await connection.close()


async def drive(target: Target, clients: int, seconds: float, name: str) -> Outcome:
    outcome = Outcome(name, seconds)
    logs: dict[int, list[Write]] = {stakeholder: [] for stakeholder in target.writers}
    keyed = int(clients * KEYED_SHARE)
    anonymous = clients - len(target.writers) - keyed
    deadline = time.perf_counter() + seconds
    tasks = [writer(target, s, outcome, deadline, logs[s]) for s in target.writers]
    tasks += [reader(target, outcome, deadline, keyed=True) for _ in range(keyed)]
    tasks += [reader(target, outcome, deadline, keyed=False) for _ in range(anonymous)]
    tasks.append(live_probe(target, outcome, deadline))
    await asyncio.gather(*tasks)
    await verify(target, logs, outcome)
    return outcome


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database of ``backend``; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    server = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TWINNING_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit(
            "PostgreSQL scenario: set BENCH_POSTGRES_URL or TWINNING_TEST_POSTGRES_URL, or run "
            "bash scripts/with-postgres.sh .venv/bin/python -m bench load"
        )
    name = f"twinning_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_scenario(backend: str, workers: int, clients: int, seconds: float) -> Outcome:
    """Start the service, load it, verify the writes, stop it."""
    name = f"{backend}, {workers} worker{'s' if workers > 1 else ''}"
    writers = min(MAX_WRITERS, max(1, int(clients * WRITER_SHARE)))
    with (
        tempfile.TemporaryDirectory(prefix="twinning-load-") as folder,
        database(backend, Path(folder)) as url,
    ):
        log = Path(folder) / "server.log"
        port = free_port()
        server = start_service(url, log, port=port, workers=workers)
        try:
            asyncio.run(wait_ready(server, port, log))
            target = asyncio.run(prepare(port, writers))
            outcome = asyncio.run(drive(target, clients, seconds, name))
        finally:
            stop_server(server)
        if "tw_demo_" in log.read_text(errors="replace"):
            outcome.failures.append("the service's log shows a demo key")
        if not outcome.passed():
            print(_tail(log))
    return outcome


def _ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:,.0f}"


def report(outcome: Outcome, clients: int) -> None:
    print(
        f"  {outcome.name}: {clients} clients for {outcome.seconds:g} s, "
        f"{outcome.requests:,} requests ({outcome.requests / outcome.seconds:,.0f}/s), "
        f"{outcome.writes_acknowledged:,} acknowledged writes, all stored: "
        f"{'yes' if not outcome.writes_lost else 'NO'}"
    )
    header = (
        "kind",
        "n",
        "2xx/3xx",
        "429",
        "503",
        "4xx other",
        "5xx",
        "p50 ms",
        "p99 ms",
        "max ms",
    )
    widths = (17, 8, 9, 7, 7, 10, 6, 8, 8)
    print("    " + "".join(h.ljust(w) for h, w in zip(header, widths, strict=False)) + header[-1])
    for kind in sorted(outcome.statuses):
        counts, values = outcome.statuses[kind], outcome.latencies[kind]
        fine = sum(n for s, n in counts.items() if s < 400)
        other = sum(n for s, n in counts.items() if 400 <= s < 500 and s != 429)
        errors = sum(n for s, n in counts.items() if s >= 500 and s != 503)
        row = (
            kind,
            f"{sum(counts.values()):,}",
            f"{fine:,}",
            f"{counts[429]:,}",
            f"{counts[503]:,}",
            f"{other:,}",
            f"{errors:,}",
            _ms(values, 0.5),
            _ms(values, 0.99),
            f"{max(values) * 1000:,.0f}",
        )
        print("    " + "".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + row[-1])
    slowest = ", ".join(f"{p} {st} in {s:.1f} s" for s, p, st in outcome.slowest[:3])
    print(f"    slowest: {slowest}")
    for answer, count in outcome.unexpected.most_common(3):
        print(f"    unexpected: {count} x {answer}")
    verdict = "passed" if outcome.passed() else "FAILED: " + "; ".join(outcome.problems())
    print(f"    {verdict}")


def main() -> None:
    clients = int(os.environ.get("BENCH_LOAD_CLIENTS", "200"))
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
    scenarios = os.environ.get("BENCH_LOAD_SCENARIOS", "sqlite-1,sqlite-4,postgres-4")
    print(
        f"load: scripts/serve.sh with default settings, {clients} concurrent clients on "
        f"127.0.0.1 ({WRITER_SHARE:.0%} writers, {KEYED_SHARE:.0%} keyed readers, the rest "
        f"anonymous readers) and a liveness probe; no 5xx but 503, nothing over "
        f"{MAX_SECONDS:g} s, every acknowledged write stored"
    )
    failed = False
    for scenario in scenarios.split(","):
        backend, _, workers = scenario.strip().partition("-")
        outcome = run_scenario(backend, int(workers or 1), clients, seconds)
        report(outcome, clients)
        failed = failed or not outcome.passed()
    if failed:
        raise SystemExit(1)
