"""Published results are stored at publishing, filled by migration 0009 for rounds published
before it, and read in a constant number of queries however many rounds or regions a read
shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, inspect
from sqlmodel import Session, col, select

from alembic import command
from app.db import Database
from app.demo import load_demo
from app.main import create_app
from app.services.profiles import round_results
from app.services.rounds import move_round, start_round
from app.settings import Settings
from app.store import rebuild_results
from app.tables import (
    AssessmentRound,
    ConsensusRow,
    PublishedProfile,
    Region,
    RoundStatus,
    Stakeholder,
)
from assessment import default_model
from tests.api.conftest import World, alembic_config
from tests.api.flows import API, move, new_round, ok, published_round, rate

MIGRATION = "0009_published_profiles"
Counter = Callable[[], Any]


@contextmanager
def counted(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.database.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries(app: FastAPI, client: TestClient, url: str, **kwargs: Any) -> int:
    with counted(app) as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    return len(statements)


def more_regions(database: Database, count: int) -> list[tuple[int, list[int]]]:
    """``count`` public regions with two stakeholders each."""
    made = []
    with database.session(write=True) as session:
        for n in range(count):
            region = Region(name=f"Region {n}", country="SE", kind="region", public_profile=True)
            session.add(region)
            session.flush()
            assert region.id is not None
            people = [
                Stakeholder(region_id=region.id, name=f"{n} {role}", role=role)
                for role in ("manager", "IT")
            ]
            session.add_all(people)
            session.flush()
            made.append((region.id, [p.id for p in people if p.id is not None]))
        session.commit()
    return made


def flagged_round(
    client: TestClient, who: dict[str, str], region: int, people: list[int], level: int
) -> int:
    """A published round at ``level`` everywhere, needing funding or offering it."""
    round_id = new_round(client, who, region, f"{level}")
    move(client, who, round_id, "open")
    for person in people:
        rate(client, who, round_id, person, level)
    move(client, who, round_id, "consensus")
    keys = default_model().keys
    for key in keys:
        body = {"score": level, "justification": "agreed"}
        ok(client.put(f"{API}/rounds/{round_id}/consensus/{key}", json=body, headers=who))
    flags = {"for_improvement": level < 3, "for_coaching": level >= 3}
    ok(client.put(f"{API}/rounds/{round_id}/flags/funding", json=flags, headers=who))
    move(client, who, round_id, "published")
    return round_id


def test_publishing_stores_what_the_rows_give(
    client: TestClient, world: World, database: Database, api_app: FastAPI
) -> None:
    round_id = published_round(client, world.admin, world.north, world.north_people, 2)
    with database.session() as session:
        stored = session.get(PublishedProfile, round_id)
        round_ = session.get(AssessmentRound, round_id)
        assert stored is not None and round_ is not None
        model = api_app.state.models.find(round_.model_id, round_.model_version)
        assert (stored.model_id, stored.model_version) == (model.id, model.version)
        profile, group = rebuild_results(
            session,
            model,
            round_id=round_id,
            region_id=world.north,
            region="North",
            label=round_.label,
        )
        assert stored.profile == profile.model_dump(mode="json")
        assert stored.group_scores == (group.model_dump(mode="json") if group else None)
        [results] = round_results(session, api_app.state.models, [round_])
        assert results.profile == profile and results.group == group


def test_a_renamed_region_shows_its_current_name(
    client: TestClient, world: World, database: Database
) -> None:
    published_round(client, world.admin, world.north, world.north_people, 2)
    ok(client.patch(f"{API}/regions/{world.north}", json={"name": "Norr"}, headers=world.admin))
    body = ok(client.get(f"{API}/regions/{world.north}/profile", headers=world.admin))
    assert body["profile"]["region"] == "Norr"


def test_reads_load_every_profile_in_a_constant_number_of_queries(
    client: TestClient, world: World, database: Database, api_app: FastAPI
) -> None:
    regions = more_regions(database, 6)
    for n, (region, people) in enumerate(regions):
        flagged_round(client, world.admin, region, people, 1 + n % 5)
    published_round(client, world.admin, world.north, world.north_people, 1, "2020")
    key = {"headers": world.coordinator}
    ids = [region for region, _ in regions]

    history = f"{API}/regions/{world.north}/history"
    one_round = queries(api_app, client, history, **key)
    for label in ("2021", "2022", "2023"):
        published_round(client, world.admin, world.north, world.north_people, 2, label)
    assert queries(api_app, client, history, **key) == one_round

    compare = f"{API}/profiles/compare"
    two = queries(api_app, client, compare, params={"region_id": ids[:2]}, **key)
    assert queries(api_app, client, compare, params={"region_id": ids}, **key) == two

    radar = f"{API}/regions/{ids[0]}/radar.json"
    one = queries(api_app, client, radar, params={"compare": ids[1]}, **key)
    many = {"compare": ",".join(map(str, ids[1:]))}
    assert queries(api_app, client, radar, params=many, **key) == one
    report = f"{API}/regions/{ids[0]}/report.html"
    alone = queries(api_app, client, report, params={"compare": ids[1]}, **key)
    assert queries(api_app, client, report, params=many, **key) == alone

    suggestions = f"{API}/matching/suggestions"
    with database.session(write=True) as session:  # hide all but two regions' rounds
        hidden = session.exec(
            select(AssessmentRound).where(col(AssessmentRound.region_id).in_(ids[2:]))
        ).all()
        for round_ in hidden:
            round_.status = RoundStatus.CONSENSUS.value
            session.add(round_)
        session.commit()
    few = queries(api_app, client, suggestions, **key)
    with database.session(write=True) as session:
        for round_ in hidden:
            round_.status = RoundStatus.PUBLISHED.value
            session.add(round_)
        session.commit()
    body = ok(client.get(suggestions, **key))
    assert body["regions"] == len(ids) + 1
    assert any(item["pairs"] for item in body["items"])
    assert queries(api_app, client, suggestions, **key) == few


def _previous_head() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    down = script.get_revision(MIGRATION).down_revision
    assert isinstance(down, str)
    return down


def _published_reads(client: TestClient, admin: dict[str, str], rounds: list[int]) -> list[Any]:
    regions = sorted(
        {ok(client.get(f"{API}/rounds/{r}", headers=admin))["region_id"] for r in rounds}
    )
    reads = [ok(client.get(f"{API}/rounds/{r}/profile", headers=admin)) for r in rounds]
    for region in regions:
        reads.append(ok(client.get(f"{API}/regions/{region}/history", headers=admin)))
        reads.append(ok(client.get(f"{API}/regions/{region}/radar.json", headers=admin)))
    reads.append(ok(client.get(f"{API}/matching/suggestions", headers=admin))["items"])
    return reads


def test_the_migration_fills_rounds_published_before_it(empty_database_url: str) -> None:
    """A database with published rounds at the previous head reads back the same profiles
    after the upgrade as the service stores at publishing."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    database = Database(empty_database_url)
    with database.session(write=True) as session:
        load_demo(session)
        session.commit()
    with database.session() as session:
        published = session.exec(
            select(AssessmentRound.id).where(AssessmentRound.status == "published")
        ).all()
        rounds = [r for r in published if r is not None]
        before = {row.round_id: row.profile for row in session.exec(select(PublishedProfile))}
    assert len(rounds) >= 5 and sorted(before) == sorted(rounds)
    database.dispose()
    app = create_app(Settings(database_url=empty_database_url))
    admin = {"X-API-Key": "tw_demo_admin"}
    expected = _published_reads(TestClient(app), admin, rounds)
    app.state.database.dispose()

    command.downgrade(config, _previous_head())
    engine = Database(empty_database_url).engine
    assert "published_profiles" not in inspect(engine).get_table_names()
    engine.dispose()

    command.upgrade(config, "head")
    app = create_app(Settings(database_url=empty_database_url))
    with Session(app.state.database.engine) as session:
        after = {row.round_id: row.profile for row in session.exec(select(PublishedProfile))}
    assert after == before
    assert _published_reads(TestClient(app), admin, rounds) == expected
    app.state.database.dispose()


def test_the_migration_names_a_model_it_cannot_find(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, _previous_head())
    database = Database(empty_database_url)
    with database.session(write=True) as session:
        region = Region(name="Elsewhere", country="SE", kind="region")
        session.add(region)
        session.flush()
        assert region.id is not None
        session.add(
            AssessmentRound(
                region_id=region.id,
                label="old",
                model_id="retired",
                model_version="1",
                status=RoundStatus.PUBLISHED.value,
            )
        )
        session.commit()
    database.dispose()
    with pytest.raises(RuntimeError, match=r"model retired 1.*TWINNING_MODELS_DIR"):
        command.upgrade(config, "head")


def test_a_round_published_without_ratings_stores_no_statistics(
    client: TestClient, world: World, database: Database, api_app: FastAPI
) -> None:
    """Not reachable over the API (closing rating needs a rating), but older data or the
    service used directly may publish such a round: its statistics are stored as null."""
    models = api_app.state.models
    model = models.default
    with database.session(write=True) as session:
        round_ = start_round(session, world.north, "workshop only", model)
        round_.status = RoundStatus.CONSENSUS.value
        assert round_.id is not None
        for key in model.keys:
            session.add(ConsensusRow(round_id=round_.id, dimension=key, score=model.scale.min))
        session.flush()
        move_round(session, models, round_, RoundStatus.PUBLISHED)
        session.commit()
        stored = session.get(PublishedProfile, round_.id)
        assert stored is not None and stored.group_scores is None
    body = ok(client.get(f"{API}/regions/{world.north}/profile", headers=world.admin))
    assert body["profile"]["overall"] == model.scale.min
    spec = ok(client.get(f"{API}/regions/{world.north}/radar.json", headers=world.admin))
    assert [series["kind"] for series in spec["series"]] == ["profile"]


def test_published_reads_do_not_score_ratings_again(
    client: TestClient, world: World, api_app: FastAPI
) -> None:
    round_id = published_round(client, world.admin, world.north, world.north_people, 2)
    published_round(client, world.admin, world.south, world.south_people, 3)
    reader = {"headers": world.coordinator}
    urls = [
        f"{API}/rounds/{round_id}/scores",
        f"{API}/rounds/{round_id}/profile",
        f"{API}/regions/{world.north}/profile",
        f"{API}/regions/{world.north}/history",
        f"{API}/profiles/compare?region_id={world.north}&region_id={world.south}",
        f"{API}/regions/{world.north}/radar.json?compare={world.south}",
        f"{API}/regions/{world.north}/profile.csv",
        f"{API}/matching/suggestions",
    ]
    for url in urls:
        with counted(api_app) as statements:
            assert client.get(url, **reader).status_code == 200
        assert not [sql for sql in statements if "FROM ratings" in sql], url
    # another agreement rule is computed from the ratings, as before
    stored = ok(client.get(urls[0], **reader))
    with counted(api_app) as statements:
        wider = ok(client.get(urls[0], params={"band_width": 5}, **reader))
    assert [sql for sql in statements if "FROM ratings" in sql]
    assert wider["rule"]["band_width"] == 5 and stored["rule"]["band_width"] == 3
