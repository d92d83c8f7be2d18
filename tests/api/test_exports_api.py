"""Export endpoints: ratings and profile as CSV/JSON, and the one-page HTML report."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from assessment import MaturityModel
from assessment.ratings_io import parse_ratings_csv, parse_ratings_json
from tests.api.conftest import World
from tests.api.flows import (
    API,
    decide_all,
    move,
    new_round,
    ok,
    problem,
    published_round,
    rate,
)

pytestmark = pytest.mark.any_model


def rated_round(client: TestClient, world: World, model: MaturityModel) -> int:
    round_id = new_round(client, world.north_member, world.north, "2024")
    move(client, world.north_member, round_id, "open")
    lo, span = model.scale.min, model.scale.max - model.scale.min + 1
    for offset, person in enumerate(world.north_people[:3]):
        scores = [lo + (c + offset) % span for c in range(len(model.keys))]
        rate(client, world.north_member, round_id, person, scores)
    citizen = {"dimension": model.keys[0], "score": None, "justification": "=1+1 <script>"}
    ok(
        client.put(
            f"{API}/rounds/{round_id}/ratings/{world.north_people[3]}",
            json={"ratings": [citizen]},
            headers=world.north_member,
        )
    )
    move(client, world.north_member, round_id, "consensus")  # the ratings open
    return round_id


def test_ratings_csv_and_json_read_back_to_the_round(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = rated_round(client, world, api_model)
    response = client.get(f"{API}/rounds/{round_id}/ratings.csv", headers=world.north_rater)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="round-{round_id}-ratings.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["rater_id", "rater", "dimension", "score", "justification"]
    citizen = next(r for r in rows if r["rater"] == "North citizen representative")
    assert citizen["score"] == "" and citizen["justification"] == "'=1+1 <script>"
    assert citizen["rater_id"] == str(world.north_people[3])
    matrix = parse_ratings_csv(response.text, api_model)
    assert matrix.raters == tuple(str(person) for person in world.north_people)
    assert matrix.display_names[:3] == ("North manager", "North clinician", "North IT")
    lo = api_model.scale.min
    assert [int(v) for v in matrix.values[1][:3]] == [lo + 1, lo + 2, lo + 3]

    document = ok(client.get(f"{API}/rounds/{round_id}/ratings.json", headers=world.coordinator))
    assert document["model"] == {"id": api_model.id, "version": api_model.version}
    back = parse_ratings_json(
        client.get(f"{API}/rounds/{round_id}/ratings.json", headers=world.admin).text, api_model
    )
    cell = (str(world.north_people[3]), api_model.keys[0])
    assert back.justifications[cell] == "=1+1 <script>"
    assert back.raters == matrix.raters and back.display_names == matrix.display_names
    assert document["rater_ids"] == list(matrix.raters)
    assert document["raters"] == list(matrix.display_names)


def test_ratings_export_needs_a_key_of_the_region(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = rated_round(client, world, api_model)
    problem(client.get(f"{API}/rounds/{round_id}/ratings.csv"), 401)
    problem(client.get(f"{API}/rounds/{round_id}/ratings.csv", headers=world.south_member), 403)
    problem(
        client.get(f"{API}/rounds/9999/ratings.json", headers=world.admin), 404, "path.round_id"
    )
    problem(client.get(f"{API}/rounds/{round_id}/ratings.xlsx", headers=world.admin), 422)
    empty = new_round(client, world.north_member, world.north, "empty")
    problem(
        client.get(f"{API}/rounds/{empty}/ratings.csv", headers=world.admin), 409, "path.round_id"
    )


def test_profile_csv_and_json(client: TestClient, world: World, api_model: MaturityModel) -> None:
    round_id = published_round(
        client, world.south_member, world.south, world.south_people[:2], 3, "2023"
    )
    response = client.get(f"{API}/regions/{world.south}/profile.csv")  # public: no key needed
    assert response.status_code == 200, response.text
    assert (
        f"region-{world.south}-round-{round_id}-profile.csv"
        in (response.headers["content-disposition"])
    )
    assert response.headers["cache-control"] == "public, no-cache"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0])[:2] == ["model_id", "model_version"]
    assert [r["dimension"] for r in rows] == list(api_model.keys)
    assert {r["score"] for r in rows} == {"3"} and rows[0]["region"] == "South"
    assert rows[0]["dimension_name"] == api_model.dimensions[0].name
    document = ok(client.get(f"{API}/regions/{world.south}/profile.json"))
    assert document["model"]["id"] == api_model.id and document["label"] == "2023"
    assert [s["score"] for s in document["scores"]] == [3] * len(api_model.keys)


def test_profile_export_follows_the_profile_rules(client: TestClient, world: World) -> None:
    published_round(client, world.north_member, world.north, world.north_people[:1], 2)
    problem(client.get(f"{API}/regions/{world.north}/profile.csv"), 401)
    problem(
        client.get(f"{API}/regions/{world.north}/profile.json", headers=world.south_member), 403
    )
    ok(client.get(f"{API}/regions/{world.north}/profile.json", headers=world.north_rater))
    problem(client.get(f"{API}/regions/{world.south}/profile.csv"), 404, "path.region_id")
    draft = new_round(client, world.north_member, world.north, "draft")
    by_round = client.get(
        f"{API}/regions/{world.north}/profile.csv",
        params={"round_id": draft},
        headers=world.north_member,
    )
    assert by_round.status_code == 200 and "draft" in by_round.text


def test_report_shows_ratings_to_keys_and_escapes_user_text(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = rated_round(client, world, api_model)
    decide_all(client, world.north_member, round_id, 2)
    move(client, world.north_member, round_id, "published")
    response = client.get(f"{API}/regions/{world.north}/report.html", headers=world.coordinator)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert "North: maturity self-assessment" in html and "round 2024" in html
    assert "North citizen representative" in html and "=1+1 &lt;script&gt;" in html
    assert "<script" not in html
    assert "median" in html and "Raters: 4" in html


def test_public_report_without_a_key_leaves_out_the_ratings(
    client: TestClient, world: World
) -> None:
    published_round(client, world.south_member, world.south, world.south_people[:2], 4)
    html = client.get(f"{API}/regions/{world.south}/report.html").text
    assert "South: maturity self-assessment" in html
    assert "South manager" not in html and "Raters:" not in html
    assert "because 4" not in html  # stakeholders' justifications need a key
    keyed = client.get(f"{API}/regions/{world.south}/report.html", headers=world.south_member)
    assert "South manager" in keyed.text and "because 4" in keyed.text
    problem(client.get(f"{API}/regions/{world.north}/report.html"), 401)
