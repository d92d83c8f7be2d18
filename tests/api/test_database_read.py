"""``Database.read``: the small reads every request of a kind pays run on the driver's own
cursor, and must give what the ORM gives (same values, same types) on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from app.db import Database
from app.tables import AssessmentRound, Region
from tests.api.conftest import World
from tests.api.flows import published_round

_ROUNDS = sa.select(
    col(AssessmentRound.id),
    col(AssessmentRound.published_at),
    col(AssessmentRound.status),
    col(Region.public_profile),
    col(Region.name),
).join(Region, col(Region.id) == col(AssessmentRound.region_id))
_ONE_REGION = _ROUNDS.where(col(Region.id) == sa.bindparam("region_id")).limit(5)


def test_rows_are_what_the_orm_reads(client: TestClient, database: Database, world: World) -> None:
    published_round(client, world.admin, world.north, world.north_people, 3)
    rows = database.read(_ONE_REGION, {"region_id": world.north})
    with database.session() as session:
        expected = [
            (r.id, r.published_at, r.status, region.public_profile, region.name)
            for r, region in session.exec(
                select(AssessmentRound, Region)
                .join(Region, col(Region.id) == col(AssessmentRound.region_id))
                .where(Region.id == world.north)
            )
        ]
    assert rows == expected and rows
    assert [type(value) for value in rows[0]] == [type(value) for value in expected[0]]
    assert database.read(_ONE_REGION, {"region_id": world.south}) == []


def test_expanding_parameters_are_refused(database: Database) -> None:
    many = _ROUNDS.where(col(Region.id).in_(sa.bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        database.read(many, {"ids": [1, 2]})


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-dir/never.db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
)
def test_a_database_that_does_not_answer_is_an_operational_error(url: str) -> None:
    """Connecting fails as the driver's error; callers get SQLAlchemy's (503 in the service)."""
    gone = Database(url)
    try:
        with pytest.raises(OperationalError):
            gone.read(_ONE_REGION, {"region_id": 1})
    finally:
        gone.dispose()
