"""Migrations, demo data and the OpenAPI documentation."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from alembic import command
from app.db import Database
from app.demo import DEMO_KEYS, load_demo, main
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import ROOT, World, alembic_config, headers
from tests.api.flows import API, ok, problem

TABLES = {
    "regions",
    "stakeholders",
    "rounds",
    "ratings",
    "consensus_scores",
    "dimension_flags",
    "api_keys",
}


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_go_up_down_and_up_again(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert tables(empty_database_url) >= TABLES
    command.downgrade(config, "base")
    assert tables(empty_database_url) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert tables(empty_database_url) >= TABLES


def test_sqlite_connections_are_durable_and_checked(tmp_path: Path) -> None:
    """WAL for concurrent readers, foreign keys enforced, and every commit synced to disk."""
    database = Database(f"sqlite:///{tmp_path / 'settings.db'}")
    try:
        with database.session() as session:
            pragma = session.connection().exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            timeout = pragma("PRAGMA busy_timeout").scalar()
            assert timeout is not None and timeout >= 1000
    finally:
        database.dispose()


def test_importing_the_app_touches_no_database(tmp_path: object) -> None:
    app = create_app(Settings(database_url="sqlite:////nonexistent-dir/never.db"))
    assert app.state.database._engine is None
    ok(TestClient(app).get(f"{API}/models"))  # models need no database either
    assert app.state.database._engine is None


def test_demo_data_loads_once_and_answers_at_once(client: TestClient, database: Database) -> None:
    with database.session(write=True) as session:
        assert load_demo(session) is True
    with database.session(write=True) as session:
        assert load_demo(session) is False
    public = ok(client.get(f"{API}/regions"))
    assert {"Norrbotten", "Scotland", "Lund", "Helsingborg"} <= {r["name"] for r in public["items"]}
    coordinator = headers(DEMO_KEYS["coordinator"])
    regions = ok(client.get(f"{API}/regions", params={"q": "Norrbotten"}, headers=coordinator))
    norrbotten = regions["items"][0]["id"]
    history = ok(client.get(f"{API}/regions/{norrbotten}/history"))
    assert [r["profile"]["label"] for r in history["rounds"]] == ["2022", "2024"]
    assert history["rounds"][1]["change"]["improved"]
    rounds = ok(
        client.get(
            f"{API}/rounds", params={"status": "open"}, headers=headers(DEMO_KEYS["helsingborg"])
        )
    )
    (open_round,) = rounds["items"]
    people = ok(
        client.get(
            f"{API}/regions/{open_round['region_id']}/stakeholders",
            headers=headers(DEMO_KEYS["helsingborg"]),
        )
    )["items"]
    ok(
        client.put(
            f"{API}/rounds/{open_round['id']}/ratings/{people[-1]['id']}/funding",
            json={"score": 2},
            headers=headers(DEMO_KEYS["helsingborg"]),
        )
    )
    # Rating is independent: the coordinator follows the open round's progress, not its scores.
    problem(client.get(f"{API}/rounds/{open_round['id']}/scores", headers=coordinator), 403)
    progress = ok(client.get(f"{API}/rounds/{open_round['id']}/progress", headers=coordinator))
    assert progress["stakeholders"][-1]["answered"] >= 1
    clinician = headers(DEMO_KEYS["norrbotten_clinician"])
    assert ok(client.get(f"{API}/keys/me", headers=clinician))["stakeholder_id"] is not None
    ok(client.get(f"{API}/keys", headers=headers(DEMO_KEYS["admin"])))


def test_demo_matching_shows_the_seeds_case(client: TestClient, database: Database) -> None:
    """Norrbotten, weak on innovation management, is offered Scotland, strong there."""
    with database.session(write=True) as session:
        load_demo(session)
    coordinator = headers(DEMO_KEYS["coordinator"])
    ids = {
        r["name"]: r["id"] for r in ok(client.get(f"{API}/regions", headers=coordinator))["items"]
    }
    suggestions = ok(
        client.get(
            f"{API}/matching/suggestions",
            params={"region_id": ids["Norrbotten"]},
            headers=coordinator,
        )
    )
    (norrbotten,) = suggestions["items"]
    partners = [
        p["transferring"]
        for p in norrbotten["pairs"]
        if p["receiving"] == "Norrbotten" and p["dimension"] == "innovation_management"
    ]
    assert partners[0] == "Scotland"
    run = ok(client.post(f"{API}/matching/runs", json={}, headers=coordinator), 201)
    assert run["pairs"] and all(p["status"] == "proposed" for p in run["pairs"])
    report = ok(client.get(f"{API}/regions/{ids['Lund']}/practices", headers=coordinator))
    practices = report["report"]["practices"]
    assert len(practices) == 3
    assert practices[0]["feasible"] and not practices[-1]["feasible"]


def test_demo_command_prints_the_keys_only_when_asked(
    migrated_url: str,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TWINNING_DATABASE_URL", migrated_url)
    main([])
    out = capsys.readouterr().out
    assert "demo data loaded" in out
    assert not any(token in out for token in DEMO_KEYS.values())  # as serve.sh runs it
    main(["--print-keys"])  # as make run does
    out = capsys.readouterr().out
    assert "demo data already present" in out
    assert all(token in out for token in DEMO_KEYS.values())


def test_openapi_documents_examples_and_problems(client: TestClient) -> None:
    assert "text/html" in client.get("/docs").headers["content-type"]
    spec = ok(client.get("/openapi.json"))
    assert all(path.startswith(f"{API}/") for path in spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["RegionCreate"]["examples"][0]["name"] == "Västerbotten"
    assert schemas["BulkRatings"]["examples"]
    put = spec["paths"][f"{API}/rounds/{{round_id}}/ratings/{{stakeholder_id}}/{{dimension}}"]
    assert "application/problem+json" in put["put"]["responses"]["422"]["content"]
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]


def test_the_container_health_check_asks_a_served_path(client: TestClient) -> None:
    """The Dockerfile's HEALTHCHECK and the README's balancer advice name this path."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    (path,) = re.findall(r"127\.0\.0\.1:\{[^}]*\}(/[\w/]+)", dockerfile)
    assert ok(client.get(path))["status"] == "ok"
    assert f"`{path}`" in (ROOT / "README.md").read_text()


def test_unknown_routes_and_methods_are_problems(client: TestClient, world: World) -> None:
    problem(client.get(f"{API}/nowhere"), 404)
    problem(client.delete(f"{API}/models", headers=world.admin), 405)
    # Without a key, a write is refused before anything else is looked at.
    problem(client.delete(f"{API}/models"), 401, "header.x-api-key")
