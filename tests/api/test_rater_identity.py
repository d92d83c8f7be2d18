"""Raters are stakeholders, keyed by id end to end (issue 13's finding).

Stakeholders whose names differ only by surrounding spaces, or are all spaces, used to break
the round: scores, profiles, history, charts, exports and comparisons answered 422 "rater is
required" (or merged two people into one), and once the round was published, matching
answered 422 for everyone. Such names are refused at the door now (and migration 0007
repairs stored ones), but raters must not be identified by names at all: the rows are written
directly here, as an older version stored them.
"""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col

from app.db import Database
from app.tables import Stakeholder
from assessment import default_model
from tests.api.conftest import World
from tests.api.flows import API, decide_all, move, new_round, ok, rate

KEYS = default_model().keys
ALIKE = ("Anna", " Anna", "Anna ", "   ", "\t")


def legacy_stakeholders(database: Database, region: int) -> list[int]:
    """Rows as an older version stored them: the names as typed, each with a name key of its
    own (the service now refuses such names, and migration 0007 repairs stored ones; rater
    identity must not rest on names either way)."""
    rows = [
        {"region_id": region, "name": name, "name_key": f"legacy {n}", "role": "clinician"}
        for n, name in enumerate(ALIKE)
    ]
    with database.session(write=True) as session:
        ids = (
            session.execute(sa.insert(Stakeholder).returning(col(Stakeholder.id)), rows)
            .scalars()
            .all()
        )
        session.commit()
    return sorted(ids)


def flag(client: TestClient, who: dict[str, str], round_id: int, key: str, **flags: bool) -> None:
    body = {"for_improvement": False, "for_coaching": False, **flags}
    ok(client.put(f"{API}/rounds/{round_id}/flags/{key}", json=body, headers=who))


def test_alike_and_blank_names_are_separate_raters_everywhere(
    client: TestClient, database: Database, world: World
) -> None:
    people = legacy_stakeholders(database, world.north)
    round_id = new_round(client, world.admin, world.north, reveal_while_open=True)
    move(client, world.admin, round_id, "open")
    for offset, person in enumerate(people):
        rate(client, world.admin, round_id, person, [offset % 6] * len(KEYS))

    scores = ok(client.get(f"{API}/rounds/{round_id}/scores", headers=world.coordinator))
    assert scores["raters"] == len(ALIKE)
    assert scores["dimensions"][0]["median"] == 2
    ok(client.get(f"{API}/rounds/{round_id}/profile", headers=world.coordinator))

    text = client.get(f"{API}/rounds/{round_id}/ratings.csv", headers=world.admin).text
    rows = list(csv.DictReader(io.StringIO(text)))
    firsts = rows[:: len(KEYS)]
    assert [r["rater_id"] for r in firsts] == [str(p) for p in people]
    assert [r["rater"] for r in firsts] == [
        "Anna",
        "Anna",
        "Anna",
        f"#{people[3]}",
        f"#{people[4]}",
    ]
    document = ok(client.get(f"{API}/rounds/{round_id}/ratings.json", headers=world.admin))
    assert document["rater_ids"] == [str(p) for p in people]

    move(client, world.admin, round_id, "consensus")
    decide_all(client, world.admin, round_id, [1] * len(KEYS))
    flag(client, world.admin, round_id, "funding", for_improvement=True)
    move(client, world.admin, round_id, "published")

    south = new_round(client, world.admin, world.south)
    move(client, world.admin, south, "open")
    rate(client, world.admin, south, world.south_people[0], [4] * len(KEYS))
    move(client, world.admin, south, "consensus")
    decide_all(client, world.admin, south, [4] * len(KEYS))
    flag(client, world.admin, south, "funding", for_coaching=True)
    move(client, world.admin, south, "published")

    reader = world.coordinator
    profile = ok(client.get(f"{API}/regions/{world.north}/profile", headers=reader))
    assert profile["round_id"] == round_id
    assert profile["profile"]["scores"][0]["agreement"] is not None
    history = ok(client.get(f"{API}/regions/{world.north}/history", headers=reader))
    assert [entry["round_id"] for entry in history["rounds"]] == [round_id]
    compared = ok(
        client.get(
            f"{API}/profiles/compare",
            params={"region_id": [world.north, world.south]},
            headers=reader,
        )
    )
    assert compared["deltas"][0]["comparison"]["overall_delta"] == 3
    radar = ok(client.get(f"{API}/regions/{world.north}/radar.json", headers=reader))
    assert any(series["kind"] == "band" for series in radar["series"])
    for fmt in ("png", "svg"):
        image = client.get(f"{API}/regions/{world.north}/radar.{fmt}", headers=reader)
        assert image.status_code == 200, image.text
    report = client.get(f"{API}/regions/{world.north}/report.html", headers=reader)
    assert report.status_code == 200, report.text
    assert f"<em>#{people[3]}</em>" in report.text and report.text.count(
        "<em>Anna</em>"
    ) == 3 * len(KEYS)
    profile_csv = client.get(f"{API}/regions/{world.north}/profile.csv", headers=reader)
    assert profile_csv.status_code == 200, profile_csv.text

    suggestions = ok(client.get(f"{API}/matching/suggestions", headers=reader))
    pairs = [
        (p["receiving_region_id"], p["transferring_region_id"])
        for item in suggestions["items"]
        for p in item["pairs"]
    ]
    assert pairs == [(world.north, world.south)]
