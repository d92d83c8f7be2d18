"""Bounded work per request (issue 13): configurable limits on what accumulates (stakeholders
and rounds per region, keys, practices) and pages for downloads."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import AppFactory, World
from tests.api.flows import API, move, new_round, ok, problem, rate


def test_stakeholders_and_rounds_per_region_are_limited(
    custom_app: AppFactory, world: World
) -> None:
    client = TestClient(custom_app(max_stakeholders_per_region=5, max_rounds_per_region=2))
    people = f"{API}/regions/{world.north}/stakeholders"
    ok(client.post(people, json={"name": "Fifth", "role": "IT"}, headers=world.north_member), 201)
    answer = client.post(people, json={"name": "Sixth", "role": "IT"}, headers=world.north_member)
    body = problem(answer, 409, "path.region_id")
    assert "TWINNING_MAX_STAKEHOLDERS_PER_REGION" in body["detail"]
    south = f"{API}/regions/{world.south}/stakeholders"
    ok(client.post(south, json={"name": "Fifth", "role": "IT"}, headers=world.south_member), 201)
    for label in ("2024", "2025"):
        new_round(client, world.north_member, world.north, label)
    answer = client.post(
        f"{API}/regions/{world.north}/rounds", json={"label": "2026"}, headers=world.north_member
    )
    assert "TWINNING_MAX_ROUNDS_PER_REGION" in problem(answer, 409, "path.region_id")["detail"]


def test_active_keys_are_limited_per_region_and_in_all(
    custom_app: AppFactory, world: World
) -> None:
    client = TestClient(custom_app(max_keys_per_region=3, max_keys=7))
    member = {"name": "third", "role": "member", "region_id": world.north}
    third = ok(client.post(f"{API}/keys", json=member, headers=world.north_member), 201)
    answer = client.post(f"{API}/keys", json=member, headers=world.north_member)
    problem(answer, 409, "body.region_id")
    ok(client.delete(f"{API}/keys/{third['id']}", headers=world.north_member), 204)
    ok(client.post(f"{API}/keys", json=member, headers=world.north_member), 201)  # room again
    coordinator = {"name": "c", "role": "coordinator"}
    ok(client.post(f"{API}/keys", json=coordinator, headers=world.admin), 201)  # 7 active
    answer = client.post(f"{API}/keys", json=coordinator, headers=world.admin)
    assert "TWINNING_MAX_KEYS" in problem(answer, 409, "body.role")["detail"]


def test_practices_are_limited(custom_app: AppFactory, world: World) -> None:
    client = TestClient(custom_app(max_practices=1))
    first = {"name": "One", "requirements": {"funding": 1}}
    ok(client.post(f"{API}/practices", json=first, headers=world.coordinator), 201)
    second = {"name": "Two", "requirements": {"funding": 1}}
    answer = client.post(f"{API}/practices", json=second, headers=world.coordinator)
    problem(answer, 409, "body")


def _raters(answer: Any) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    return list(dict.fromkeys(row["rater"] for row in rows))


def test_a_ratings_export_pages_by_whole_raters(client: TestClient, world: World) -> None:
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    for person in world.north_people:
        rate(client, world.north_member, round_id, person, None)
    move(client, world.north_member, round_id, "consensus")  # ratings readable from here
    url = f"{API}/rounds/{round_id}/ratings.csv"
    whole = client.get(url, headers=world.admin)
    assert whole.status_code == 200 and "link" not in whole.headers
    assert whole.headers["x-total-count"] == "4" and len(_raters(whole)) == 4
    first = client.get(url, params={"limit": 3}, headers=world.admin)
    assert len(_raters(first)) == 3 and first.headers["x-total-count"] == "4"
    following = first.headers["link"].split(">")[0].lstrip("<")
    assert 'rel="next"' in first.headers["link"] and "offset=3" in following
    second = client.get(following, headers=world.admin)
    assert _raters(first) + _raters(second) == _raters(whole) and "link" not in second.headers
    as_json = ok(
        client.get(
            f"{API}/rounds/{round_id}/ratings.json", params={"limit": 1}, headers=world.admin
        )
    )
    assert len(as_json["raters"]) == 1
    problem(client.get(url, params={"offset": 4}, headers=world.admin), 404, "query.offset")
