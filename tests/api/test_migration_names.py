"""Migration 0007_names on a database that holds the names the old rules let in: repaired,
made unique within their scope by suffixes, nothing lost, and the broken round works again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from alembic import command
from app.auth import issue_key
from app.main import create_app
from app.tables import Role
from app.text import name_key
from tests.api.conftest import alembic_config, headers, unlimited_settings
from tests.api.flows import API, ok, problem

NOW = datetime(2024, 5, 1, tzinfo=UTC)
REGIONS = ["Skåne", " skåne ", "SKÅNE", "Lund\u202e", "   ", "Skåne (2)"]
# Stakeholders of region 1: one name twice but for spaces (this broke the round), a blank
# one, and a name with a tab; region 2 has an "Anna" of its own.
PEOPLE = [(1, "Anna"), (1, "Anna "), (1, " "), (1, "Erik\tNilsson"), (2, "Anna")]
PRACTICES = ["Pathway", "pathway", "Other"]


def _before_names(url: str) -> str:
    """The revision 0007_names follows (whatever the chain says when this runs)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    before = script.get_revision("0007_names").down_revision
    assert isinstance(before, str)
    return before


def _old_database(url: str) -> None:
    """A database at the revision before 0007 with the rows above (and a rated round)."""
    command.upgrade(alembic_config(url), _before_names(url))
    engine = create_engine(url)
    with engine.begin() as db:
        for name in REGIONS:
            db.execute(
                text(
                    "INSERT INTO regions (name, country, kind, public_profile, created_at) "
                    "VALUES (:name, 'SE', 'region', :public, :now)"
                ),
                {"name": name, "public": True, "now": NOW},
            )
        for region, name in PEOPLE:
            db.execute(
                text("INSERT INTO stakeholders (region_id, name, role) VALUES (:r, :n, 'IT')"),
                {"r": region, "n": name},
            )
        db.execute(
            text(
                "INSERT INTO rounds (region_id, label, model_id, model_version, status, "
                "created_at) VALUES (1, '2024', 'scirocco', '2019-22', 'consensus', :now)"
            ),
            {"now": NOW},
        )
        for person, score in ((1, 1), (2, 4)):
            db.execute(
                text(
                    "INSERT INTO ratings (round_id, stakeholder_id, dimension, score, "
                    "justification, updated_at) VALUES (1, :p, 'funding', :s, '', :now)"
                ),
                {"p": person, "s": score, "now": NOW},
            )
        for name in PRACTICES:
            db.execute(
                text(
                    "INSERT INTO good_practices (name, description, model_id, model_version, "
                    "requirements, created_at, updated_at) VALUES (:n, '', 'scirocco', "
                    "'2019-22', '{\"funding\": 2}', :now, :now)"
                ),
                {"n": name, "now": NOW},
            )
    engine.dispose()


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as db:
        rows = [tuple(row) for row in db.execute(text(query)).all()]
    engine.dispose()
    return rows


def test_old_names_are_repaired_and_made_unique_without_losing_a_row(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    _old_database(url)
    command.upgrade(alembic_config(url), "head")
    regions = _rows(url, "SELECT id, name, name_key FROM regions ORDER BY id")
    assert [name for _, name, _ in regions] == [
        "Skåne",
        "skåne (2)",
        "SKÅNE (3)",
        "Lund",
        "Region 5",
        "Skåne (2) (2)",  # its old name is taken now by the second row
    ]
    assert all(key == name_key(str(name)) for _, name, key in regions)
    people = _rows(url, "SELECT region_id, name FROM stakeholders ORDER BY id")
    assert people == [
        (1, "Anna"),
        (1, "Anna (2)"),
        (1, "Stakeholder 3"),
        (1, "Erik Nilsson"),
        (2, "Anna"),
    ]
    practices = _rows(url, "SELECT name FROM good_practices ORDER BY id")
    assert practices == [("Pathway",), ("pathway (2)",), ("Other",)]
    assert len(_rows(url, "SELECT id FROM ratings")) == 2

    app = create_app(unlimited_settings(url))
    try:
        with app.state.database.session(write=True) as session:
            token = issue_key(session, name="admin", role=Role.ADMIN)[1]
            session.commit()
        client, admin = TestClient(app), headers(token)
        scores = ok(client.get(f"{API}/rounds/1/scores", headers=admin))
        funding = next(d for d in scores["dimensions"] if d["dimension"] == "funding")
        assert funding["n"] == 2  # two raters again, not one
        answer = client.post(
            f"{API}/regions/1/stakeholders", json={"name": "ANNA", "role": "IT"}, headers=admin
        )
        problem(answer, 409, "body.name")
        region = {"name": "skane", "country": "SE"}  # another name: no accent
        ok(client.post(f"{API}/regions", json=region, headers=admin), 201)
    finally:
        app.state.database.dispose()
    command.downgrade(alembic_config(url), _before_names(url))
    assert len(_rows(url, "SELECT id FROM regions")) == len(REGIONS) + 1
