"""Migration 0008_run_reasons upgrades a database holding matching runs: runs stored before it
keep every row and read with what they have (no reasons, no load, unmet needs without a
condition), the regions they matched are filled from their pairs and unmet needs so that
those regions' keys find them, and the downgrade removes only what it added."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from alembic import command
from app.auth import hash_token
from app.main import create_app
from tests.api.conftest import alembic_config, app_settings, headers
from tests.api.flows import API, ok, problem

BEFORE = "0006_round_reveal"  # a revision every chain has before 0008_run_reasons
TOKENS = {
    "coordinator": ("coordinator", None),
    "north": ("member", 1),
    "east": ("member", 3),
    "west": ("member", 4),
}
OLD_UNMET = [
    {
        "receiving": "East",
        "dimension": "innovation_management",
        "reason": "capacity",
        "candidates": 1,
        "message": "every allowed partner is full",
        "receiving_region_id": 3,
    }
]


def _store_old_run(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for region_id, name in ((1, "North"), (2, "South"), (3, "East"), (4, "West")):
                connection.execute(
                    text(
                        "INSERT INTO regions (id, name, country, kind, public_profile, "
                        "created_at) VALUES (:id, :name, 'SE', 'region', false, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": region_id, "name": name},
                )
            for index, (name, (role, bound_to)) in enumerate(TOKENS.items(), start=1):
                token = f"tw_migration_{name}"
                connection.execute(
                    text(
                        "INSERT INTO api_keys (id, name, prefix, key_hash, role, region_id, "
                        "created_at) VALUES (:id, :name, :prefix, :hash, :role, :region, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": index,
                        "name": name,
                        "prefix": token[:10],
                        "hash": hash_token(token),
                        "role": role,
                        "region": bound_to,
                    },
                )
            connection.execute(
                text(
                    "INSERT INTO matching_runs (id, model_id, model_version, parameters, "
                    "regions, needs, total_score, unmet, created_by, created_at) VALUES (1, "
                    "'scirocco', '2019-22', :parameters, 3, 2, 0.7527272727272727, :unmet, 1, "
                    "CURRENT_TIMESTAMP)"
                ),
                {
                    "parameters": json.dumps({"min_gap": 1.0, "capacity_overrides": {"South": 1}}),
                    "unmet": json.dumps(OLD_UNMET),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO matching_pairs (id, run_id, receiving_region_id, "
                    "transferring_region_id, dimension, receiving_score, transferring_score, "
                    "gap, similarity, shared_context, score, rank, explanation, status, note) "
                    "VALUES (1, 1, 1, 2, 'innovation_management', 1, 4, 3, 0.9818181818181818, "
                    "11, 0.7527272727272727, 1, 'North (1) learns from South (4)', 'approved', "
                    "'kick-off in May')"
                )
            )
    finally:
        engine.dispose()


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def test_0008_run_reasons_upgrades_runs_stored_before_it(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    _store_old_run(url)
    pair_query = "SELECT id, run_id, score, explanation, status, note FROM matching_pairs"
    pairs_before = _rows(url, pair_query)

    command.upgrade(config, "head")
    assert _rows(url, pair_query) == pairs_before
    assert _rows(url, "SELECT run_id, region_id FROM matching_run_regions ORDER BY 2") == [
        (1, 1),
        (1, 2),
        (1, 3),
    ]
    assert _rows(url, "SELECT reasons, alike, different, dimension_name FROM matching_pairs") == [
        (None, None, None, None)
    ]
    assert _rows(url, "SELECT load FROM matching_runs") == [(None,)]

    app = create_app(app_settings(url))
    try:
        client = TestClient(app)

        def key(name: str) -> dict[str, str]:
            return headers(f"tw_migration_{name}")

        whole = ok(client.get(f"{API}/matching/runs/1", headers=key("coordinator")))
        assert whole["load"] is None and whole["regions"] == 3
        (pair,) = whole["pairs"]
        assert (pair["status"], pair["note"], pair["reasons"]) == (
            "approved",
            "kick-off in May",
            None,
        )
        assert (pair["receiving"], pair["transferring"]) == ("North", "South")
        assert pair["dimension_name"] == "Innovation management"
        (need,) = whole["unmet"]
        assert (need["reason"], need["condition"], need["receiving"]) == ("capacity", None, "East")
        north = ok(client.get(f"{API}/matching/runs", headers=key("north")))
        assert [run["id"] for run in north["items"]] == [1]
        assert ok(client.get(f"{API}/matching/runs/1", headers=key("east")))["unmet"] == [need]
        problem(client.get(f"{API}/matching/runs/1", headers=key("west")), 403)
    finally:
        app.state.database.dispose()

    command.downgrade(config, BEFORE)
    engine = create_engine(url)
    try:
        found = inspect(engine)
        assert "matching_run_regions" not in found.get_table_names()
        assert "reasons" not in {c["name"] for c in found.get_columns("matching_pairs")}
        assert "load" not in {c["name"] for c in found.get_columns("matching_runs")}
    finally:
        engine.dispose()
    assert _rows(url, pair_query) == pairs_before
    assert _rows(url, "SELECT count(*) FROM matching_runs") == [(1,)]
