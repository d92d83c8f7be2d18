"""Migration 0006_round_reveal adds ``rounds.reveal_while_open`` to a database holding rounds
and ratings: existing rounds keep independent rating (false), nothing is lost, and the
downgrade drops only the column."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from alembic import command
from tests.api.conftest import alembic_config

REVISION = "0006_round_reveal"


def test_0006_round_reveal_upgrades_a_database_with_data(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    before = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO regions (id, name, country, kind, public_profile, created_at) "
                "VALUES (1, 'North', 'SE', 'region', false, CURRENT_TIMESTAMP)",
                "INSERT INTO stakeholders (id, region_id, name, role) VALUES (1, 1, 'A', 'IT')",
                "INSERT INTO rounds (id, region_id, label, model_id, model_version, status, "
                "created_at) VALUES (1, 1, '2025', 'scirocco', '2019-22', 'open', "
                "CURRENT_TIMESTAMP)",
                "INSERT INTO ratings (round_id, stakeholder_id, dimension, score, justification, "
                "updated_at) VALUES (1, 1, 'funding', 2, 'pilot money', CURRENT_TIMESTAMP)",
            ):
                connection.execute(text(statement))
        command.upgrade(config, REVISION)
        with engine.begin() as connection:
            assert connection.execute(
                text("SELECT label, status, reveal_while_open FROM rounds")
            ).all() == [("2025", "open", False)]
            assert connection.execute(text("SELECT score, justification FROM ratings")).all() == [
                (2, "pilot money")
            ]
            connection.execute(
                text(
                    "INSERT INTO rounds (id, region_id, label, model_id, model_version, status, "
                    "created_at, reveal_while_open) VALUES (2, 1, 'workshop', 'scirocco', "
                    "'2019-22', 'draft', CURRENT_TIMESTAMP, true)"
                )
            )
        command.downgrade(config, before)
        assert "reveal_while_open" not in {c["name"] for c in inspect(engine).get_columns("rounds")}
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM rounds")).scalar() == 2
            assert connection.execute(text("SELECT count(*) FROM ratings")).scalar() == 1
    finally:
        engine.dispose()
