"""Rating writes under concurrency: 1, 8 and 32 writers on SQLite and PostgreSQL.

The service runs as in production (``scripts/serve.sh``, ``BENCH_WRITES_WORKERS`` uvicorn
workers, default 2) over a migrated database holding one open round of a region with 64
stakeholders. Each writer is a keep-alive connection rating as its own stakeholder with the
region's facilitator key: ``PUT /rounds/{id}/ratings/{stakeholder}/{dimension}``, one cell at a
time, cycling through the dimensions and the scale, for ``BENCH_WRITES_SECONDS`` (default 3)
per pass. Printed per database and number of writers: writes stored per second, p50 and p99
latency, the throughput as a multiple of one writer's measured in the same pass, and the
writes the service refused (503 with ``Retry-After``: admission or SQLite's write lock not
granted in time, a client retries them); medians of ``BENCH_WRITES_PASSES`` (default 3)
passes. Any other reply than 200 or 503 stops the run, and afterwards every cell must hold
the last score its writer was told was stored.

The service runs with its defaults on SQLite (writes one at a time anyway); on PostgreSQL
with ``TWINNING_MAX_CONCURRENT_WRITES`` raised to ``BENCH_WRITES_PG_SLOTS`` (default 16) per
worker, as the README advises for PostgreSQL deployments (the default, 2, would cap
concurrent writes at 4 on two workers).

PostgreSQL runs on a private cluster with its default durability (``fsync`` on), started here
unless ``BENCH_POSTGRES_URL`` names a server (``bench/_databases.py``).
Run with ``python -m bench writes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.auth import issue_key
from app.db import Database
from app.launch import free_port, start_service
from app.tables import Role, RoundStatus
from assessment import MaturityModel, default_model
from bench._databases import each_database, region_with_people
from bench.api import API, Connection, Sample, stop_server, wait_ready

WRITERS = (1, 8, 32)
PEOPLE = 64
WORKERS = int(os.environ.get("BENCH_WRITES_WORKERS", "2"))
SECONDS = float(os.environ.get("BENCH_WRITES_SECONDS", "3"))
PASSES = int(os.environ.get("BENCH_WRITES_PASSES", "3"))
PG_SLOTS = int(os.environ.get("BENCH_WRITES_PG_SLOTS", "16"))


@dataclass(frozen=True)
class Run:
    """One case of one pass: the stored writes' timings, and how many were refused."""

    stored: Sample
    refused: int


@dataclass(frozen=True)
class Seeded:
    round_id: int
    people: list[int]
    token: str


def seed(url: str, model: MaturityModel) -> Seeded:
    """A region with ``PEOPLE`` stakeholders and an open round; its facilitator's key."""
    from app.services.rounds import start_round

    database = Database(url)
    with database.session(write=True) as session:
        region, people = region_with_people(session, "Writers", PEOPLE)
        assert region.id is not None
        # Revealed while open, so that the facilitator's key can read the ratings back.
        round_ = start_round(session, region.id, "2025", model, reveal_while_open=True)
        round_.status = RoundStatus.OPEN.value
        _, token = issue_key(session, name="facilitator", role=Role.MEMBER, region_id=region.id)
        session.commit()
        assert round_.id is not None
        seeded = Seeded(round_.id, people, token)
    database.dispose()
    return seeded


async def write(
    port: int, seeded: Seeded, model: MaturityModel, writers: int, last: dict[tuple[int, str], int]
) -> Run:
    """``writers`` connections rate for ``SECONDS``; ``last`` gets each cell's last stored
    score."""
    latencies: list[float] = []
    refused = 0
    deadline = time.perf_counter() + SECONDS
    headers = {"X-API-Key": seeded.token, "Content-Type": "application/json"}
    span = model.scale.max - model.scale.min + 1

    async def writer(person: int) -> None:
        nonlocal refused
        connection = Connection(port)
        try:
            await connection.open()
            n = 0
            while time.perf_counter() < deadline:
                key = model.keys[n % len(model.keys)]
                score = model.scale.min + (n + person) % span
                body = json.dumps({"score": score, "justification": f"pass {n}"}).encode()
                path = f"{API}/rounds/{seeded.round_id}/ratings/{person}/{key}"
                start = time.perf_counter()
                reply = await connection.request("PUT", path, headers, body)
                if reply.status == 503 and "retry-after" in reply.headers:
                    refused += 1
                    continue  # not stored: the next write of this writer goes on
                if reply.status != 200:
                    raise SystemExit(f"{path}: {reply.status} {reply.body[:300]!r}")
                latencies.append(time.perf_counter() - start)
                last[(person, key)] = score
                n += 1
        finally:
            await connection.close()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(writer(person) for person in seeded.people[:writers]))
    seconds = time.perf_counter() - started
    cpu_share = (time.process_time() - cpu) / seconds
    return Run(Sample(len(latencies), seconds, latencies, cpu_share), refused)


async def check_stored(port: int, seeded: Seeded, last: dict[tuple[int, str], int]) -> None:
    """Every cell holds the last score its writer was told was stored."""
    connection = Connection(port)
    stored: dict[tuple[int, str], int] = {}
    try:
        for person in {person for person, _ in last}:
            path = f"{API}/rounds/{seeded.round_id}/ratings?stakeholder_id={person}&limit=200"
            reply = await connection.get(path, {"X-API-Key": seeded.token})
            for item in json.loads(reply.body)["items"]:
                stored[(item["stakeholder_id"], item["dimension"])] = item["score"]
    finally:
        await connection.close()
    wrong = [cell for cell, score in last.items() if stored.get(cell) != score]
    if wrong:
        raise SystemExit(f"{len(wrong)} acknowledged ratings were not stored as acknowledged")


@contextlib.contextmanager
def served(url: str, env: dict[str, str]) -> Iterator[tuple[int, Path]]:
    with tempfile.TemporaryDirectory(prefix="twinning-bench-writes-") as workdir:
        port = free_port()
        log = Path(workdir) / "server.log"
        server = start_service(url, log, port=port, workers=WORKERS, demo=False, env=env)
        try:
            asyncio.run(wait_ready(server, port, log))
            yield port, log
        finally:
            stop_server(server)


def measure(label: str, url: str, *, model: MaturityModel) -> None:
    seeded = seed(url, model)
    last: dict[tuple[int, str], int] = {}
    runs: dict[int, list[Run]] = {n: [] for n in WRITERS}
    postgres = not url.startswith("sqlite")
    env = {"TWINNING_MAX_CONCURRENT_WRITES": str(PG_SLOTS)} if postgres else {}
    with served(url, env) as (port, _):
        asyncio.run(write(port, seeded, model, max(WRITERS), {}))  # warm-up
        for _ in range(PASSES):
            for writers in WRITERS:
                runs[writers].append(asyncio.run(write(port, seeded, model, writers, last)))
        asyncio.run(check_stored(port, seeded, last))
    settings = f"{PG_SLOTS} write slots per worker" if postgres else "default settings"
    print(f"  {label} ({settings}):")
    one = [run.stored for run in runs[1]]
    for writers, cases in runs.items():
        samples = [run.stored for run in cases]
        rps = statistics.median(sample.rps for sample in samples)
        p50 = statistics.median(sample.percentile(0.5) for sample in samples)
        p99 = statistics.median(sample.percentile(0.99) for sample in samples)
        scale = statistics.median(r.rps / b.rps for r, b in zip(samples, one, strict=True))
        stored = sum(sample.requests for sample in samples)
        refused = sum(run.refused for run in cases)
        print(
            f"    {writers:>2} writer{'s' if writers > 1 else ' '}  {stored:>6,} stored  "
            f"{rps:8,.0f}/s  p50 {p50 * 1e3:7.1f} ms  p99 {p99 * 1e3:8.1f} ms  "
            f"throughput {scale:4.2f}x one writer's  refused (503) {refused:,}"
        )


def main() -> None:
    model = default_model()
    print(
        f"writes: PUT one rating per request, {WORKERS} uvicorn worker(s) via scripts/serve.sh, "
        f"{SECONDS:g} s per case and pass, medians of {PASSES} passes; all acknowledged "
        "writes checked stored"
    )
    each_database(partial(measure, model=model))
