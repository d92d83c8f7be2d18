"""Engines and request sessions.

SQLite is the embedded default, so every connection gets WAL (readers never block the one
writer), foreign keys (off by default in SQLite) and a busy timeout. Writes start with
``BEGIN IMMEDIATE``: a deferred transaction that reads first and writes later fails at once
with SQLITE_BUSY when another writer committed in between, and concurrent rating submissions
must all land instead.

A request's session connects lazily: nothing touches the database until the handler's first
statement, which runs in the handler's own worker thread, after the API key was checked (by
``app.guard``) and the body parsed. So no request holds a connection, or SQLite's write lock,
while it waits for a thread; the route class in ``app.routing`` closes the session at the end
of that same thread step. Waits are short (``db_pool_timeout``, ``db_busy_timeout``) and
answered 503 with ``Retry-After`` (``app.problems``), never 500.

Engines hide SQL parameters from their error messages: they hold justifications and key
hashes, which must not reach the logs.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Select, event
from sqlalchemy.engine import Compiled, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import Session, create_engine
from starlette.concurrency import run_in_threadpool

from app.settings import Settings

_WRITE_OPTION = "twinning_write"
AnySelect = Select[*tuple[Any, ...]]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: float = 30.0,
    busy_timeout: float = 30.0,
) -> Engine:
    """An engine with the per-dialect settings the service relies on."""
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True, **pool)
    memory = not parsed.database or parsed.database == ":memory:"
    if not memory:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
        hide_parameters=True,
        **({} if memory else pool),
    )
    _configure_sqlite(engine, busy_timeout)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
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
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 20,
        pool_timeout: float = 30.0,
        busy_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.pool_size, self.max_overflow, self.pool_timeout = pool_size, max_overflow, pool_timeout
        self.busy_timeout = busy_timeout
        self._engine: Engine | None = None
        self._write_engine: Engine | None = None
        self._lock = threading.Lock()
        self._engine_listeners: list[Callable[[Engine], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            busy_timeout=settings.db_busy_timeout,
        )

    def on_engine(self, listener: Callable[[Engine], None]) -> None:
        """Call ``listener`` with each engine this database creates (e.g. to watch its pool)."""
        self._engine_listeners.append(listener)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = make_engine(
                        self.url,
                        pool_size=self.pool_size,
                        max_overflow=self.max_overflow,
                        pool_timeout=self.pool_timeout,
                        busy_timeout=self.busy_timeout,
                    )
                    for listener in self._engine_listeners:
                        listener(engine)
                    # Same pool; its transactions begin with SQLite's write lock.
                    self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})
                    self._engine = engine
        return self._engine

    def session(self, *, write: bool = False) -> Session:
        """A session that connects at its first statement; ``write``: its first transaction
        takes SQLite's write lock first (``BEGIN IMMEDIATE``). Once that commits, the next
        ones only read (reading back what was written must not queue for the lock again:
        a write acknowledged as failed after its commit would be a lie); a handler that
        writes again after a commit calls ``begin_write`` first."""
        engine = self.engine
        if not write:
            return Session(engine, expire_on_commit=False)
        session = Session(self._write_engine, expire_on_commit=False)

        def reads_from_now_on(committed: Session) -> None:
            committed.bind = engine

        event.listen(session, "after_commit", reads_from_now_on)
        return session

    def read(self, statement: AnySelect, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one small read that every request of a kind pays (the key, a
        conditional request's ETag), as plain tuples, on a pooled connection that goes back
        at once. The statement is compiled once per dialect and run on the driver's own
        cursor with the column types' result conversions: SQLAlchemy's work per execution
        (cache lookup, events, result objects) costs several times such a query on SQLite.
        A handler's reads that must agree with each other belong in its session."""
        return self.read_each(statement, [params])[0]

    def read_each(
        self, statement: AnySelect, each: Sequence[Mapping[str, Any]]
    ) -> list[list[tuple[Any, ...]]]:
        """``read`` once per parameter set, all on one connection (one pool checkout)."""
        engine = self.engine
        compiled = _driver_statement(statement, engine.dialect)
        try:
            connection = engine.raw_connection()  # a pool timeout is SQLAlchemy's already
            try:
                return _run_each(connection, compiled, each, engine.dialect.name == "postgresql")
            finally:
                connection.close()  # back to the pool
        except engine.dialect.loaded_dbapi.Error as exc:  # connecting, or the reads
            raise _wrapped(exc, compiled.sql) from exc

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._write_engine = None


@dataclass(frozen=True)
class _DriverStatement:
    """A statement as its driver takes it: the SQL text, how to lay out the parameters (with
    the statement's own bound values, such as a LIMIT) and each column's conversion from the
    driver's value (None: taken as it comes)."""

    statement: AnySelect  # kept alive, so that no other statement can take its id
    compiled: Compiled
    positions: tuple[str, ...] | None  # the parameters' order, for positional drivers
    converters: tuple[Callable[[Any], Any] | None, ...]

    @property
    def sql(self) -> str:
        return self.compiled.string

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values = self.compiled.construct_params(dict(params)) or {}
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)

    def converted(self, row: Any) -> tuple[Any, ...]:
        return tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(self.converters, row, strict=True)
        )


_compiled: dict[tuple[int, str], _DriverStatement] = {}


def _driver_statement(statement: AnySelect, dialect: Dialect) -> _DriverStatement:
    """``statement`` compiled for ``dialect``, once. ``Database.read`` takes statements
    built once (module constants, cached builders): this holds as many as the code has."""
    key = (id(statement), dialect.name)
    found = _compiled.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("Database.read takes no expanding (IN) parameters")
        found = _DriverStatement(
            statement=statement,
            compiled=compiled,
            positions=tuple(compiled.positiontup or ()) if compiled.positional else None,
            converters=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            ),
        )
        _compiled[key] = found
    return found


def _run_each(
    connection: PoolProxiedConnection,
    compiled: _DriverStatement,
    each: Sequence[Mapping[str, Any]],
    postgresql: bool,
) -> list[list[tuple[Any, ...]]]:
    """The reads on the driver's cursor. Single reads need no transaction: without one,
    PostgreSQL is spared a BEGIN and the pool's ROLLBACK on return, two of a read's four
    round trips (the connection goes back to the pool as it came, transactional)."""
    driver: Any = connection.driver_connection
    autocommit = postgresql and driver is not None
    if autocommit:
        driver.autocommit = True
    try:
        cursor = connection.cursor()
        try:
            found = []
            for params in each:
                cursor.execute(compiled.sql, compiled.parameters(params))
                found.append([compiled.converted(row) for row in cursor.fetchall()])
            return found
        finally:
            cursor.close()
    finally:
        if autocommit:
            driver.autocommit = False


def _wrapped(exc: Exception, sql: str) -> StatementError:
    """A driver error as SQLAlchemy would raise it (parameters hidden), so that callers
    handle one kind: ``OperationalError`` for a database that does not answer."""
    return DBAPIError.instance(sql, None, exc, Exception, hide_parameters=True)


def begin_write(session: Session) -> None:
    """Start the session's next transaction with the write lock, for a read session that
    goes on to write. Call it between transactions (before any statement, or after a
    commit), never inside one: there the lock option would be silently ignored."""
    if session.in_transaction():
        raise RuntimeError("begin_write inside a transaction: commit or roll back first")
    session.connection(execution_options={_WRITE_OPTION: True})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Request session, shared by every dependency of one request (FastAPI caches it).

    Nothing is connected here: the handler's first statement begins the transaction, in the
    handler's thread. Requests that may write (any method but GET/HEAD/OPTIONS) begin it with
    the write lock; handlers commit explicitly, and anything not committed is rolled back when
    the session closes (``app.routing`` closes it as the handler returns; here is the
    fallback), so a rejected write changes nothing.
    """
    database: Database = request.app.state.database
    session = database.session(write=request.method not in READ_METHODS)
    try:
        yield session
    finally:
        if session.in_transaction():  # rolling back talks to the database: not on the loop
            await run_in_threadpool(session.close)
        else:
            session.close()
