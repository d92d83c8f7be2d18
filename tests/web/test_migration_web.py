"""Migration 0003_web upgrades a database holding data, and downgrades without touching it."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from alembic import command
from tests.api.conftest import alembic_config

WEB_TABLES = {"invitations", "web_sessions", "rating_submissions"}


def test_0003_web_upgrades_a_database_with_data_and_downgrades(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0002_matching")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO regions (id, name, country, kind, public_profile, created_at) "
                    "VALUES (1, 'North', 'SE', 'region', false, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO stakeholders (id, region_id, name, role) VALUES (1, 1, 'A', 'IT')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO rounds (id, region_id, label, model_id, model_version, status, "
                    "created_at) VALUES (1, 1, '2025', 'scirocco', '2019-22', 'open', "
                    "CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO ratings (round_id, stakeholder_id, dimension, score, "
                    "justification, updated_at) VALUES (1, 1, 'funding', 2, 'pilot money', "
                    "CURRENT_TIMESTAMP)"
                )
            )
        command.upgrade(config, "0003_web")
        assert set(inspect(engine).get_table_names()) >= WEB_TABLES
        with engine.begin() as connection:
            assert connection.execute(text("SELECT score, justification FROM ratings")).all() == [
                (2, "pilot money")
            ]
            connection.execute(
                text(
                    "INSERT INTO invitations (round_id, stakeholder_id, token_hash, created_at, "
                    "expires_at) VALUES (1, 1, :hash, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"hash": "0" * 64},
            )
            connection.execute(
                text(
                    "INSERT INTO rating_submissions (round_id, stakeholder_id, submitted_at) "
                    "VALUES (1, 1, CURRENT_TIMESTAMP)"
                )
            )
        command.downgrade(config, "0002_matching")
        assert not WEB_TABLES & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM ratings")).scalar() == 1
    finally:
        engine.dispose()
