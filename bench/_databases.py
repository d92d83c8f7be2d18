"""Throwaway databases for benchmarks (a migrated SQLite file, or a PostgreSQL database), and
the rows most benchmarks seed.

PostgreSQL comes from ``BENCH_POSTGRES_URL`` (a server the benchmark may create and drop
databases on) or, when that is not set, from a private cluster started here with the
machine's PostgreSQL binaries (``/usr/lib/postgresql/*/bin``; as root, run as the
``postgres`` user) with the server's default durability settings (``fsync`` on), stopped
and deleted afterwards. Without either, PostgreSQL cases are skipped and the output says so.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from alembic import command
from app.tables import Region, Stakeholder

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ENV = "BENCH_POSTGRES_URL"


def migrate(url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="twinning-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate(url)
        yield url


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _private_cluster(bindir: Path) -> Iterator[str]:
    """``initdb`` + ``pg_ctl start`` in a temporary directory; the server URL."""
    directory = Path(tempfile.mkdtemp(prefix="twinning-bench-pg-"))
    run: list[str] = []
    if os.geteuid() == 0:
        if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(directory, "postgres")
        run = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = directory / "data"
    subprocess.run(
        [*run, str(bindir / "initdb"), "-D", str(data), "-U", "twinning", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
    log = str(directory / "log")
    subprocess.run(
        [*run, str(bindir / "pg_ctl"), "-D", str(data), "-l", log, "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://twinning@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str | None]:
    """A PostgreSQL server URL (see the module docstring), or None when there is none."""
    given = os.environ.get(POSTGRES_ENV)
    if given:
        yield given
        return
    bindir = _pg_bindir()
    if bindir is None:
        yield None
        return
    with _private_cluster(bindir) as url:
        yield url


@contextlib.contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A migrated database of its own on ``server``, dropped afterwards."""
    base = make_url(server)
    name = f"twinning_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def databases() -> Iterator[list[tuple[str, str]]]:
    """(label, url) of a migrated SQLite database and, when a server is available, of a
    migrated PostgreSQL database; all removed afterwards."""
    with ExitStack() as stack:
        found = [("SQLite", stack.enter_context(sqlite_database()))]
        server = stack.enter_context(postgres_server())
        if server is not None:
            found.append(("PostgreSQL", stack.enter_context(postgres_database(server))))
        yield found


def each_database(measure: Callable[[str, str], None]) -> None:
    """``measure(label, url)`` on SQLite and, when there is a server, on PostgreSQL; says
    when PostgreSQL was skipped."""
    with databases() as found:
        for label, url in found:
            measure(label, url)
        if len(found) == 1:
            print("  PostgreSQL: skipped (no server: set BENCH_POSTGRES_URL)")


def region_with_people(session: Session, name: str, people: int) -> tuple[Region, list[int]]:
    """A region named ``name`` with ``people`` stakeholders (flushed, so they have ids)."""
    region = Region(name=name, country="SE", kind="region")
    session.add(region)
    session.flush()
    assert region.id is not None
    group = [
        Stakeholder(region_id=region.id, name=f"{name} person {n}", role="clinician")
        for n in range(people)
    ]
    session.add_all(group)
    session.flush()
    return region, [person.id for person in group if person.id is not None]
