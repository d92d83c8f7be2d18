"""Engines and request sessions.

SQLite is the embedded default, so every connection gets WAL (readers never block the one
writer), foreign keys (off by default in SQLite) and a busy timeout. Writes start with
``BEGIN IMMEDIATE``: a deferred transaction that reads first and writes later fails at once
with SQLITE_BUSY when another writer committed in between, and concurrent rating submissions
must all land instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "twinning_write"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout: float = 30.0
) -> Engine:
    """An engine with the per-dialect settings the service relies on (the pool sizes apply
    to server databases; SQLite connections are cheap and serialised by its write lock)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: a rating the API acknowledged survives a power cut too, not only a crash of
        # the process (NORMAL in WAL mode may lose the last commits to an OS crash).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One URL and its engine, created on first use so importing the app touches nothing."""

    def __init__(
        self, url: str, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout: float = 30.0
    ) -> None:
        self.url = url
        self.pool_size, self.max_overflow, self.pool_timeout = pool_size, max_overflow, pool_timeout
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = make_engine(
                        self.url,
                        pool_size=self.pool_size,
                        max_overflow=self.max_overflow,
                        pool_timeout=self.pool_timeout,
                    )
        return self._engine

    def session(self, *, write: bool = False) -> Session:
        """A session whose transaction starts now; ``write`` takes SQLite's write lock first."""
        session = Session(self.engine, expire_on_commit=False)
        session.connection(execution_options={_WRITE_OPTION: write})
        return session

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def get_session(request: Request) -> Iterator[Session]:
    """Request session, shared by every dependency of one request (FastAPI caches it).

    Requests that may write (any method but GET/HEAD/OPTIONS) take the write lock up front;
    handlers commit explicitly, and anything not committed is rolled back here, so a rejected
    write changes nothing.
    """
    database: Database = request.app.state.database
    session = database.session(write=request.method not in _READ_METHODS)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
