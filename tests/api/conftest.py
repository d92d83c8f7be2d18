"""Fixtures for HTTP tests of the API, each test running on SQLite and on PostgreSQL.

- ``backend``: "sqlite" or "postgres" (session-scoped parameter; every test using the fixtures
  below runs once per backend). PostgreSQL comes from ``TWINNING_TEST_POSTGRES_URL``; without
  it the postgres runs are skipped locally and fail when ``CI=true``.
- ``model_name``: the model the app uses by default, "scirocco" (shipped, 12 dimensions, 0-5)
  or "mini" (``tests/api/models/mini.yaml``, 4 dimensions, 1-4, through the models-directory
  setting). Tests marked ``any_model`` run with both (mini on SQLite only: the model does not
  change the SQL); the others with scirocco. ``api_model`` is that model.
- ``empty_database_url``: a brand-new, unmigrated database of the backend (migration tests).
- ``migrated_url``: one database per backend and test session, migrated once with Alembic.
- ``api_app``: the app over ``migrated_url`` (one per backend and session).
- ``database``: the app's ``Database`` after every table was emptied, for tests that write rows
  directly (``with database.session(write=True) as s: ...``).
- ``client``: a ``TestClient`` over the emptied database.
- ``world``: two regions (north, private; south, public) with stakeholders and ready keys:
  ``world.admin``, ``world.coordinator``, ``world.north_member`` (north's facilitator),
  ``world.north_rater`` (bound to ``world.north_people[0]``), ``world.south_member``; each is a
  headers dict for ``client.get(..., headers=world.admin)``.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from alembic import command
from app.auth import API_KEY_HEADER_NAME, issue_key
from app.db import Database
from app.demo import load_demo
from app.main import create_app
from app.settings import Settings
from app.tables import Region, Role, Stakeholder
from assessment import MaturityModel

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ENV = "TWINNING_TEST_POSTGRES_URL"
TEST_MODELS_DIR = Path(__file__).resolve().parent / "models"
SETUPS = {"sqlite": ["scirocco", "mini"], "postgres": ["scirocco"]}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "any_model: also runs with the small test model (conftest: model_name)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Backends (and models, for ``any_model`` tests) unless a test chose its own backend."""
    if "backend" not in metafunc.fixturenames:
        return
    chosen = [
        mark
        for mark in metafunc.definition.iter_markers("parametrize")
        if "backend" in mark.args[0]
    ]
    backends = list(SETUPS) if not chosen else []
    if (
        metafunc.definition.get_closest_marker("any_model")
        and "model_name" in metafunc.fixturenames
    ):
        if chosen:
            metafunc.parametrize("model_name", ["scirocco", "mini"], indirect=True, scope="session")
            return
        pairs = [(b, m) for b in backends for m in SETUPS[b]]
        metafunc.parametrize(
            ("backend", "model_name"),
            pairs,
            indirect=True,
            scope="session",
            ids=[f"{b}-{m}" for b, m in pairs],
        )
    elif backends:
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def _postgres_server() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        _postgres_server()
    return str(request.param)


@pytest.fixture(scope="session")
def model_name(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "scirocco"))


# Tests send many requests from one address with many keys: rate limits are tested on their
# own (test_guard.py), with their own settings.
UNLIMITED = "1000000/minute"
NO_RATE_LIMITS: dict[str, Any] = {
    "rate_limit_failed_keys": UNLIMITED,
    "rate_limit_chart_renders": UNLIMITED,
    "rate_limit_chart_renders_keyed": UNLIMITED,
    "rate_limit_matching": UNLIMITED,
}


# Admission refuses a request that waits longer than admission_timeout for a slot (0.5 s by
# default). On a loaded 2-core test machine a burst of concurrent writes (the concurrency
# tests) can wait that long, and the test is about what is stored, not about refusals, which
# test_guard.py covers with its own settings. Test apps let a request wait longer.
TEST_ADMISSION: dict[str, Any] = {"admission_timeout": 30.0}


def unlimited_settings(database_url: str, **changes: Any) -> Settings:
    """Settings of a test app: the deployment's defaults without the rate limits and with a
    patient admission queue."""
    return Settings(
        database_url=database_url,
        chart_warm_up=False,
        **{**NO_RATE_LIMITS, **TEST_ADMISSION, **changes},
    )


def app_settings(database_url: str, model_name: str = "scirocco") -> Settings:
    """The settings of a test app: the shipped models, or the small one by default."""
    if model_name == "scirocco":
        return unlimited_settings(database_url)
    return unlimited_settings(database_url, models_dir=TEST_MODELS_DIR, default_model=model_name)


@pytest.fixture(scope="session")
def _database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Creates empty databases and drops the PostgreSQL ones at the end of the session."""
    created: list[str] = []

    def create(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'twinning.db'}"
        server = make_url(_postgres_server())
        name = f"twinning_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield create
    if created:
        admin = create_engine(make_url(_postgres_server()), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_database_url(backend: str, _database_factory: object) -> str:
    return _database_factory(backend)  # type: ignore[operator, no-any-return]


@pytest.fixture(scope="session")
def migrated_url(backend: str, _database_factory: object) -> str:
    url: str = _database_factory(backend)  # type: ignore[operator]
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def api_app(migrated_url: str, model_name: str) -> Iterator[FastAPI]:
    app = create_app(app_settings(migrated_url, model_name))
    yield app
    app.state.database.dispose()


@pytest.fixture
def api_model(api_app: FastAPI) -> MaturityModel:
    """The model new rounds use in this app (the shipped SCIROCCO, or the small one)."""
    model: MaturityModel = api_app.state.models.default
    return model


@pytest.fixture(scope="session")
def _tables(api_app: FastAPI) -> list[str]:
    """Every table the migrations created (later migrations' too), children first."""
    metadata = MetaData()
    metadata.reflect(bind=api_app.state.database.engine)
    return [t.name for t in reversed(metadata.sorted_tables) if t.name != "alembic_version"]


@pytest.fixture
def database(api_app: FastAPI, _tables: list[str]) -> Database:
    db: Database = api_app.state.database
    # DELETE beats TRUNCATE on PostgreSQL for a handful of rows; children go first.
    with db.engine.begin() as connection:
        for name in _tables:
            connection.execute(text(f'DELETE FROM "{name}"'))
    # The app outlives the rows: keys it checked in an earlier test (the demo's fixed tokens)
    # would name key ids that no longer exist.
    api_app.state.key_cache.clear()
    return db


@pytest.fixture
def client(api_app: FastAPI, database: Database) -> TestClient:
    return TestClient(api_app)


AppFactory = Callable[..., FastAPI]
"""``custom_app``: builds an app with the given setting changes."""


@pytest.fixture
def custom_app(migrated_url: str, database: Database) -> Iterator[AppFactory]:
    """Builds apps over the test database (emptied) with settings of the test's choosing:
    ``custom_app(max_body_bytes=1024)``; ``world`` and ``client`` share that database."""
    apps: list[FastAPI] = []

    def make(**changes: Any) -> FastAPI:
        app = create_app(unlimited_settings(migrated_url, **changes))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.database.dispose()


def headers(token: str) -> dict[str, str]:
    return {API_KEY_HEADER_NAME: token}


@dataclass(frozen=True)
class World:
    north: int
    south: int
    north_people: list[int]
    south_people: list[int]
    admin: dict[str, str]
    coordinator: dict[str, str]
    north_member: dict[str, str]
    north_rater: dict[str, str]
    south_member: dict[str, str]


@pytest.fixture
def world(database: Database, client: TestClient) -> World:
    with database.session(write=True) as session:
        regions = [
            Region(name="North", country="SE", kind="region", public_profile=False),
            Region(name="South", country="ES", kind="region", public_profile=True),
        ]
        session.add_all(regions)
        session.flush()
        people: list[list[int]] = []
        for region in regions:
            assert region.id is not None
            group = [
                Stakeholder(region_id=region.id, name=f"{region.name} {role}", role=role)
                for role in ("manager", "clinician", "IT", "citizen representative")
            ]
            session.add_all(group)
            session.flush()
            people.append([s.id for s in group if s.id is not None])
        north, south = (r.id for r in regions)
        assert north is not None and south is not None
        tokens = {
            "admin": issue_key(session, name="admin", role=Role.ADMIN)[1],
            "coordinator": issue_key(session, name="coord", role=Role.COORDINATOR)[1],
            "north_member": issue_key(session, name="n", role=Role.MEMBER, region_id=north)[1],
            "north_rater": issue_key(
                session, name="nr", role=Role.MEMBER, region_id=north, stakeholder_id=people[0][0]
            )[1],
            "south_member": issue_key(session, name="s", role=Role.MEMBER, region_id=south)[1],
        }
        session.commit()
    return World(
        north=north,
        south=south,
        north_people=people[0],
        south_people=people[1],
        **{who: headers(token) for who, token in tokens.items()},
    )


# --- the demo database, copied afresh for tests that may change it ---------------------


@pytest.fixture(scope="session")
def demo_template(backend: str, _database_factory: Any) -> str:
    """A migrated database with the demo data, never served: only copied."""
    url: str = _database_factory(backend)
    command.upgrade(alembic_config(url), "head")
    database = Database(url)
    with database.session(write=True) as session:
        load_demo(session)
    database.dispose()
    return url


@pytest.fixture(scope="session")
def _clone_demo(
    demo_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """Copies of the demo database (a file copy on SQLite, a TEMPLATE copy on PostgreSQL)."""
    template = make_url(demo_template)
    clones: list[str] = []
    server = create_engine(template, isolation_level="AUTOCOMMIT")

    def clone() -> str:
        if template.get_backend_name() == "sqlite":
            path = tmp_path_factory.mktemp("demo") / "twinning.db"
            with (
                closing(sqlite3.connect(str(template.database))) as source,
                closing(sqlite3.connect(path)) as target,
            ):
                source.backup(target)
            return f"sqlite:///{path}"
        name = f"twinning_demo_{uuid.uuid4().hex[:12]}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
        clones.append(name)
        return template.set(database=name).render_as_string(hide_password=False)

    yield clone
    if clones:
        with server.connect() as connection:
            for name in clones:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def serve_settings(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.database.dispose()


@pytest.fixture
def fresh_demo_app(_clone_demo: Callable[[], str]) -> Iterator[FastAPI]:
    """The app over a copy of the demo database of its own (one per fuzzed operation)."""
    yield from serve_settings(unlimited_settings(_clone_demo()))
