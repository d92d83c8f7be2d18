"""The twinnings migration upgrades a database in use without losing anything: data written at
``0002_matching`` (regions, rounds, ratings, consensus, flags, keys, a reviewed matching run,
a good practice) reads back row for row at head, and an approved pair stored before the
upgrade becomes a twinning afterwards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, select
from sqlmodel import Session, SQLModel

from alembic import command
from app.auth import issue_key
from app.db import Database
from app.main import create_app
from app.tables import (
    ConsensusRow,
    FlagRow,
    RatingRow,
    Region,
    Role,
    RoundStatus,
    Stakeholder,
    utcnow,
)
from app.tables_matching import GoodPracticeRow, MatchingPairRow, MatchingRun
from assessment import default_model
from tests.api.conftest import alembic_config, app_settings, headers
from tests.api.flows import API, ok

BEFORE = "0002_matching"
TWINNING_TABLES = {
    "twinnings",
    "twinning_participants",
    "twinning_condition_notes",
    "twinning_activities",
    "twinning_activity_links",
    "twinning_actions",
}


def _store_matching_era_data(url: str) -> tuple[str, int]:
    """Two regions with published rounds, a run whose pair is approved, a practice; returns a
    coordinator token and the pair's id."""
    model = default_model()
    database = Database(url)
    try:
        with database.session(write=True) as session:
            ids = []
            for name, score in (("Norrbotten", 1), ("Scotland", 4)):
                region = Region(name=name, country="SE", kind="region")
                _insert(session, region)
                assert region.id is not None
                person = Stakeholder(region_id=region.id, name=f"{name} lead", role="manager")
                _insert(session, person)
                assert person.id is not None
                # Rounds as the 0002 schema has them (later migrations add columns).
                rounds = Table("rounds", MetaData(), autoload_with=session.connection())
                round_id = session.execute(
                    insert(rounds)
                    .values(
                        region_id=region.id,
                        label="2024",
                        model_id=model.id,
                        model_version=model.version,
                        status=RoundStatus.PUBLISHED.value,
                        created_at=utcnow(),
                        published_at=utcnow(),
                    )
                    .returning(rounds.c.id)
                ).scalar_one()
                for key in model.keys:
                    value = score if key == "innovation_management" else 3
                    session.add(
                        RatingRow(
                            round_id=round_id,
                            stakeholder_id=person.id,
                            dimension=key,
                            score=value,
                            justification="rated",
                        )
                    )
                    session.add(
                        ConsensusRow(
                            round_id=round_id, dimension=key, score=value, justification="agreed"
                        )
                    )
                session.add(
                    FlagRow(
                        round_id=round_id,
                        dimension="innovation_management",
                        for_improvement=score == 1,
                        for_coaching=score == 4,
                    )
                )
                ids.append(region.id)
            coordinator, token = issue_key(session, name="coordinator", role=Role.COORDINATOR)
            run = MatchingRun(
                model_id=model.id,
                model_version=model.version,
                parameters={"min_gap": 1.0},
                regions=2,
                needs=1,
                total_score=0.7,
                unmet=[],
                created_by=coordinator.id,
            )
            _insert(session, run)
            assert run.id is not None
            pair = MatchingPairRow(
                run_id=run.id,
                receiving_region_id=ids[0],
                transferring_region_id=ids[1],
                dimension="innovation_management",
                receiving_score=1,
                transferring_score=4,
                gap=3,
                similarity=1.0,
                shared_context=11,
                score=0.76,
                rank=1,
                explanation="#1: Norrbotten (1) learns Innovation management from Scotland (4)",
                status="approved",
                reviewed_by=coordinator.id,
                reviewed_at=utcnow(),
            )
            _insert(session, pair)
            _insert(
                session,
                GoodPracticeRow(
                    name="Innovation hub",
                    transferring_region_id=ids[1],
                    model_id=model.id,
                    model_version=model.version,
                    requirements={"funding": 3},
                ),
            )
            session.commit()
            assert pair.id is not None
            return token, pair.id
    finally:
        database.dispose()


def _insert(session: Session, row: SQLModel) -> None:
    """Insert ``row`` with only the columns its table has at this revision (the ORM knows
    the columns of later migrations too, e.g. 0007's name keys, 0008's run reasons) and set
    its id."""
    table = type(row).__table__  # type: ignore[attr-defined]
    present = {c["name"] for c in inspect(session.connection()).get_columns(table.name)}
    columns = [c for c in table.columns if c.name in present and c.name != "id"]
    light = sa.table(table.name, sa.column("id"), *(sa.column(c.name, c.type) for c in columns))
    values = {c.name: getattr(row, c.name) for c in columns}
    inserted = session.execute(sa.insert(light).values(**values).returning(light.c.id))
    row.id = inserted.scalar_one()


def _columns(url: str) -> dict[str, list[str]]:
    """Every table's columns, to read a later schema as an earlier one had it."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {
            name: [column["name"] for column in found.get_columns(name)]
            for name in found.get_table_names()
            if name != "alembic_version"
        }
    finally:
        engine.dispose()


def _snapshot(
    url: str, columns: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (or of the given tables and columns only: columns a later
    migration adds are new, not changes)."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        chosen = columns or {
            name: [c.name for c in table.columns] for name, table in metadata.tables.items()
        }
        with engine.connect() as connection:
            return {
                name: sorted(
                    (
                        tuple(row)
                        for row in connection.execute(
                            select(*(metadata.tables[name].c[c] for c in names))
                        )
                    ),
                    key=repr,
                )
                for name, names in chosen.items()
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def test_upgrading_a_matching_era_database_keeps_its_data(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    token, pair_id = _store_matching_era_data(url)
    columns = _columns(url)
    before = _snapshot(url, columns)
    assert before["matching_pairs"] and before["consensus_scores"]

    command.upgrade(config, "head")
    assert _snapshot(url, columns) == before
    after = _snapshot(url)
    assert set(after) >= TWINNING_TABLES and not any(after[t] for t in TWINNING_TABLES)

    app = create_app(app_settings(url))
    try:
        twinning = ok(
            TestClient(app).post(
                f"{API}/twinnings", json={"matching_pair_id": pair_id}, headers=headers(token)
            ),
            201,
        )
    finally:
        app.state.database.dispose()
    assert twinning["rationale"]["focus"][0]["match"]["pair"]["explanation"].startswith("#1")

    command.downgrade(config, BEFORE)
    engine = create_engine(url)
    try:
        assert not TWINNING_TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert _columns(url) == columns and _snapshot(url) == before
