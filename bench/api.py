"""The API under load on loopback: the real service, a trivial endpoint as the baseline.

The service starts the way production starts it (``scripts/serve.sh``: migrations, demo data,
uvicorn) on 127.0.0.1 over a fresh SQLite file, and concurrent keep-alive connections ask it
for a trivial endpoint (``/health``: one ``SELECT 1``), a round's scores, a region's profile
and history (and the profile and the report revalidated with ``If-None-Match``: 304), the
radar as JSON, and the radar as PNG and SVG three ways: cold (requests cycle through a few
hundred distinct charts, more than a worker's chart cache keeps, so every one is drawn),
cached (one chart again and again) and revalidated (304). Beside it, the framework's floor: a
bare FastAPI app with one plain endpoint (``bench/_bare.py``), served by uvicorn with the
same settings and workers on another port. Absolute numbers depend on the machine, so what
matters is each endpoint's ratio to the baselines measured in the same pass, seconds apart.

The load generator speaks just enough HTTP/1.1 over asyncio streams: a general-purpose
client spends more CPU per request than the trivial endpoint does, and on a small machine it
would share the cores with the server and cap the baseline instead of measuring it.

Knobs (environment variables; the defaults finish in about a minute on 2 cores):

- ``BENCH_API_WORKERS``   uvicorn worker processes (default 2, as ``serve.sh`` runs in
  production: this load generator needs a few percent of one core, printed with the result,
  so on a 2-core machine the service can have both)
- ``BENCH_API_CLIENTS``   concurrent connections (default 8)
- ``BENCH_API_REQUESTS``  requests per endpoint per pass, at most (default 400)
- ``BENCH_API_SECONDS``   seconds per endpoint per pass, at most (default 1.0)
- ``BENCH_API_PASSES``    passes over every endpoint, reported as medians (default 3)

Run with ``python -m bench api``; e.g. ``BENCH_API_SECONDS=10 BENCH_API_PASSES=5`` for a
steadier result.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.demo import DEMO_KEYS
from app.launch import LOOPBACK, ROOT, free_port, start_service
from app.settings import Settings as ServiceSettings
from assessment import default_model

# The served workers read the same environment, so this is their cache size.
CHART_CACHE_SIZE = ServiceSettings().chart_cache_size

API = "/api/v1"
KEY = DEMO_KEYS["coordinator"]  # reads every region and its ratings: charts get the spread band
HEALTH = "health (baseline)"
DEFAULT_MODEL = default_model().id
BARE = "bare FastAPI (floor)"
STARTUP_SECONDS = 90.0
STOP_SECONDS = 10.0


def _env(name: str, default: str, kind: Callable[[str], float]) -> Any:
    """A positive ``kind`` (int or float) from the environment, or a clear error."""
    text = os.environ.get(name, default)
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise SystemExit(f"{name} must be a positive {kind.__name__}, not {text!r}")
    return value


@dataclass(frozen=True)
class Settings:
    workers: int
    clients: int
    requests: int
    seconds: float
    passes: int

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            workers=_env("BENCH_API_WORKERS", "2", int),
            clients=_env("BENCH_API_CLIENTS", "8", int),
            requests=_env("BENCH_API_REQUESTS", "400", int),
            seconds=_env("BENCH_API_SECONDS", "1.0", float),
            passes=_env("BENCH_API_PASSES", "3", int),
        )


# --- a minimal HTTP/1.1 client ---------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One keep-alive connection; requests on it go one at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(LOOPBACK, self.port)
        return self._streams

    async def get(self, path: str, headers: dict[str, str]) -> Reply:
        return await self.request("GET", path, headers)

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> Reply:
        reader, writer = await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {LOOPBACK}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        reply_headers = {name.strip().lower(): value.strip() for name, value in fields.items()}
        if status == 304 or status < 200:
            body = b""
        elif reply_headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        else:
            body = await reader.readexactly(int(reply_headers.get("content-length", "0")))
        if reply_headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, reply_headers, body)

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers are sent
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    connection = Connection(port)
    try:
        return await connection.get(path, headers or {})
    finally:
        await connection.close()


# --- what is measured ------------------------------------------------------------------------


@dataclass
class Case:
    """One endpoint: where the next request goes (endlessly), and what a correct answer is."""

    name: str
    paths: Iterator[str]
    charts: int = 1  # distinct URLs the paths cycle through
    status: int = 200
    body_check: Callable[[bytes], bool] = lambda _: True
    headers: dict[str, str] = field(default_factory=lambda: {"X-API-Key": KEY})
    etags: list[str] = field(default_factory=list)  # of every measured reply, for cold checks
    port: int | None = None  # another server's (the bare app's); None: the service's


@dataclass(frozen=True)
class Sample:
    requests: int
    seconds: float
    latencies: list[float]
    client_cpu: float  # load generator's CPU seconds per wall second

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(service: int, case: Case, settings: Settings, *, requests: int) -> Sample:
    """``clients`` connections send the case's requests until ``requests`` have been sent or
    ``seconds`` have passed; a request is timed from its first byte out to its last byte in."""
    budget = iter(range(requests))
    deadline = time.perf_counter() + settings.seconds
    latencies: list[float] = []
    problems: list[str] = []

    port = case.port or service

    async def client() -> None:
        connection = Connection(port)
        try:
            await connection.open()  # connecting is not part of any request's time
            for _ in budget:
                if time.perf_counter() > deadline:
                    return
                path = next(case.paths)
                start = time.perf_counter()
                reply = await connection.get(path, case.headers)
                latencies.append(time.perf_counter() - start)
                if reply.status != case.status or not case.body_check(reply.body):
                    problems.append(f"{path}: {reply.status} {reply.body[:200]!r}")
                case.etags.append(reply.headers.get("etag", ""))
        finally:
            await connection.close()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(settings.clients)))
    seconds = time.perf_counter() - wall
    if problems:
        raise SystemExit(f"{case.name}: unexpected replies, e.g. {problems[0]}")
    if not latencies:
        raise SystemExit(f"{case.name}: no request was sent")
    client_cpu = (time.process_time() - cpu) / seconds
    return Sample(len(latencies), seconds, latencies, client_cpu)


def _cold_paths(published: Published, fmt: str, skip: str) -> list[str]:
    """Radar URLs that each describe a different chart, in a fixed shuffled order: every
    region's latest or earlier round, with every ordered choice of its other rounds and of
    other regions overlaid, and every spread; ``skip`` (the cached case's chart) left out.

    Cycled through, they stay cold: between two requests for one chart a worker draws about
    len/workers others, and its LRU keeps only the last ``CHART_CACHE_SIZE``."""
    paths = []
    for region, spread in itertools.product(published.rounds, ("minmax", "iqr", "none")):
        rounds = published.rounds[region]
        others = [r for r in published.current if r != region]
        # the latest round by default (when it is of the model), or a round by id
        firsts = [None, *rounds[:-1]] if region in published.current else rounds
        for first in firsts:
            chosen = f"&round_id={first}" if first else ""
            mine = [r for r in rounds if r != (first or rounds[-1])]
            for overlaid, compare in itertools.product(_orderings(mine), _orderings(others)):
                paths.append(
                    f"{API}/regions/{region}/radar.{fmt}?spread={spread}{chosen}"
                    f"&rounds={','.join(overlaid)}&compare={','.join(compare)}"
                )
    random.Random(7).shuffle(paths)
    return [path for path in paths if path != skip]


def _orderings(ids: list[int]) -> list[tuple[str, ...]]:
    """Every ordered choice of none, some or all of ``ids`` (series order changes a chart)."""
    texts = [str(i) for i in ids]
    return [c for n in range(len(texts) + 1) for c in itertools.permutations(texts, n)]


@dataclass(frozen=True)
class Published:
    """Published rounds of the default model per region, oldest first, and the regions whose
    latest published round is of it (the others, such as the demo's municipalities with
    procurement readiness rounds, can be charted by round id but not compared: a radar
    overlays profiles of one model)."""

    rounds: dict[int, list[int]]
    current: list[int]


async def _published_rounds(port: int) -> Published:
    reply = await fetch(port, f"{API}/rounds?status=published&limit=200", {"X-API-Key": KEY})
    items = sorted(json.loads(reply.body)["items"], key=lambda item: item["published_at"])
    rounds: dict[int, list[int]] = {}
    latest: dict[int, str] = {}
    for item in items:
        latest[item["region_id"]] = item["model"]["id"]
        if item["model"]["id"] == DEFAULT_MODEL:
            rounds.setdefault(item["region_id"], []).append(item["id"])
    current = sorted(region for region in rounds if latest[region] == DEFAULT_MODEL)
    return Published({region: sorted(ids) for region, ids in sorted(rounds.items())}, current)


async def _revalidated(port: int, name: str, path: str) -> Case:
    """``path`` asked again with its current ETag: 304 every time."""
    etag = (await fetch(port, path, {"X-API-Key": KEY})).headers["etag"]
    headers = {"X-API-Key": KEY, "If-None-Match": etag}
    return Case(name, itertools.repeat(path), status=304, headers=headers)


async def build_cases(port: int, bare: int, settings: Settings) -> list[Case]:
    published = await _published_rounds(port)
    # The region with the most published rounds (Norrbotten), overlaid with another (Scotland).
    current = published.current
    main = max(current, key=lambda region: (len(published.rounds[region]), -region))
    twin = min(region for region in current if region != main)
    latest = published.rounds[main][-1]
    chart = f"{API}/regions/{main}/radar.{{fmt}}?spread=minmax&rounds=&compare={twin}"
    profile = f"{API}/regions/{main}/profile"
    cases = [
        Case(HEALTH, itertools.repeat(f"{API}/health"), headers={}),
        Case(BARE, itertools.repeat("/ping"), headers={}, port=bare),
        Case("round scores", itertools.repeat(f"{API}/rounds/{latest}/scores")),
        Case("region profile", itertools.repeat(profile)),
        await _revalidated(port, "profile 304", profile),
        Case("region history", itertools.repeat(f"{API}/regions/{main}/history")),
        await _revalidated(port, "report 304", f"{API}/regions/{main}/report.html"),
        Case("radar json", itertools.repeat(chart.format(fmt="json"))),
    ]
    signatures = {"png": b"\x89PNG", "svg": b"<svg"}
    for fmt, signature in signatures.items():
        url = chart.format(fmt=fmt)
        etag = (await fetch(port, url, {"X-API-Key": KEY})).headers["etag"]

        def check(body: bytes, signature: bytes = signature) -> bool:
            return signature in body[:400]

        cold = _cold_paths(published, fmt, skip=url)
        if len(cold) < 2 * CHART_CACHE_SIZE * settings.workers:
            raise SystemExit(
                f"{len(cold)} distinct charts are too few to stay out of {settings.workers} "
                f"workers' caches of {CHART_CACHE_SIZE}: use fewer workers"
            )
        cases += [
            Case(f"{fmt} cold", itertools.cycle(cold), len(cold), body_check=check),
            Case(f"{fmt} cached", itertools.repeat(url), body_check=check),
            Case(
                f"{fmt} 304",
                itertools.repeat(url),
                status=304,
                headers={"X-API-Key": KEY, "If-None-Match": etag},
            ),
        ]
    return cases


# --- the service -----------------------------------------------------------------------------


def start_server(workdir: Path, settings: Settings) -> tuple[subprocess.Popen[bytes], int, Path]:
    """``scripts/serve.sh`` over a fresh SQLite file with the demo data, on 127.0.0.1."""
    port = free_port()
    log = workdir / "server.log"
    database = f"sqlite:///{workdir / 'bench.db'}"
    # The cold cases draw far more charts than a caller may in production, and a cold chart
    # takes long enough that admission would refuse some: this bench measures what answers
    # cost (bench/load.py measures refusals), so the limits let every client in; the
    # admission and rate-limit code still runs on every request.
    unlimited = {
        "TWINNING_RATE_LIMIT_CHART_RENDERS_KEYED": "1000000/minute",
        "TWINNING_MAX_CONCURRENT_REQUESTS": str(max(4, settings.clients)),
        "TWINNING_ADMISSION_TIMEOUT": "120",
    }
    server = start_service(database, log, port=port, workers=settings.workers, env=unlimited)
    return server, port, log


def start_bare(workdir: Path, settings: Settings) -> tuple[subprocess.Popen[bytes], int, Path]:
    """``bench/_bare.py`` under uvicorn with ``scripts/serve.sh``'s options and workers."""
    port = free_port()
    log = workdir / "bare.log"
    command = [sys.executable, "-m", "uvicorn", "bench._bare:app", "--host", LOOPBACK]
    command += ["--port", str(port), "--workers", str(settings.workers), "--proxy-headers"]
    command += ["--forwarded-allow-ips", LOOPBACK, "--no-server-header"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return server, port, log


async def wait_ready(
    server: subprocess.Popen[bytes], port: int, log: Path, path: str = f"{API}/health"
) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < STARTUP_SECONDS:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with {server.returncode}:\n{_tail(log)}")
        try:
            if (await fetch(port, path)).status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit(f"the service did not answer within {STARTUP_SECONDS:.0f} s:\n{_tail(log)}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn passes it on to its workers), SIGKILL to the group if that hangs."""
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # workers left behind by a crashed supervisor


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """An endpoint's samples, one per pass, each with the baseline (``/health``) measured
    just before it: ratios compare neighbours, seconds apart, so that load from other jobs
    on a shared machine hits both alike."""

    case: Case
    samples: list[Sample]
    baselines: list[Sample]

    def ratio(self) -> float:
        pairs = zip(self.samples, self.baselines, strict=True)
        return statistics.median(s.rps / b.rps for s, b in pairs)


async def measure(port: int, bare: int, settings: Settings) -> list[Measured]:
    """Warm every endpoint up, then ``passes`` rounds over all of them, each endpoint right
    after a baseline sample."""
    cases = await build_cases(port, bare, settings)
    # Warm-up, not measured: imports, matplotlib's font cache, the cached charts in every
    # worker (requests at once reach different workers) and the database connections.
    for case in cases:
        await load(port, case, settings, requests=settings.clients * settings.workers)
    for case in cases:
        case.etags.clear()
    health = cases[0]
    measured = [Measured(case, [], []) for case in cases]
    for _ in range(settings.passes):
        for entry in measured:
            if entry.case is health:
                sample = await load(port, health, settings, requests=settings.requests)
                entry.baselines.append(sample)
            else:
                entry.baselines.append(
                    await load(port, health, settings, requests=settings.requests)
                )
                sample = await load(port, entry.case, settings, requests=settings.requests)
            entry.samples.append(sample)
    return measured


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.2f} ms"


def report(measured: list[Measured], settings: Settings) -> None:
    print(
        f"api: uvicorn via scripts/serve.sh, {settings.workers} worker(s), SQLite demo data, "
        f"{settings.clients} keep-alive clients on 127.0.0.1; per endpoint and pass at most "
        f"{settings.requests} requests or {settings.seconds:g} s, each right after a /health "
        f"sample; medians of {settings.passes} passes"
    )
    header = ("endpoint", "n", "rps", "p50", "p99", "rps / health's")
    widths = (22, 8, 10, 12, 12)
    print("  " + "".join(h.ljust(w) for h, w in zip(header, widths, strict=False)) + header[-1])
    for entry in measured:
        runs = entry.samples

        def median(value: Callable[[Sample], float], runs: list[Sample] = runs) -> float:
            return statistics.median(value(s) for s in runs)

        row = (
            entry.case.name,
            f"{sum(s.requests for s in runs):,}",
            f"{median(lambda s: s.rps):,.0f}",
            _ms(median(lambda s: s.percentile(0.5))),
            _ms(median(lambda s: s.percentile(0.99))),
            f"{entry.ratio():.3f}",
        )
        print("  " + "".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + row[-1])
    floor = next(entry for entry in measured if entry.case.name == BARE)
    print(
        f"  /health against the bare FastAPI floor: {1 / floor.ratio():.3f} of its requests "
        "per second"
    )
    cpu = statistics.median(s.client_cpu for s in measured[0].samples)
    print(f"  load generator CPU during the baseline: {cpu:.0%} of one core")
    for entry in measured:
        case = entry.case
        if case.name.endswith("cold"):
            print(
                f"  {case.name}: {len(case.etags):,} requests, {len(set(case.etags))} distinct "
                f"charts, cycling through {case.charts} (cache: {CHART_CACHE_SIZE} per worker)"
            )


async def _run(settings: Settings) -> tuple[list[Measured], float]:
    with tempfile.TemporaryDirectory(prefix="twinning-bench-api-") as workdir:
        server, port, log = start_server(Path(workdir), settings)
        try:
            bare, bare_port, bare_log = start_bare(Path(workdir), settings)
            try:
                ready = await wait_ready(server, port, log)
                await wait_ready(bare, bare_port, bare_log, "/ping")
                measured = await measure(port, bare_port, settings)
            finally:
                stop_server(bare)
        finally:
            stop_server(server)
    return measured, ready


def main() -> None:
    settings = Settings.from_env()
    started = time.perf_counter()
    measured, ready = asyncio.run(_run(settings))
    report(measured, settings)
    total = time.perf_counter() - started
    print(f"  service ready in {ready:.1f} s (migrate, demo data, boot); whole run {total:.0f} s")
