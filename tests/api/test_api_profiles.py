from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from app.services.profiles import round_profile
from app.tables import AssessmentRound
from assessment import MaturityModel
from tests.api.conftest import World
from tests.api.flows import API, decide_all, move, new_round, ok, problem, published_round, rate

pytestmark = pytest.mark.any_model


def test_the_region_profile_is_the_latest_published_round(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    url = f"{API}/regions/{world.north}/profile"
    problem(client.get(url, headers=world.admin), 404, "path.region_id")
    published_round(client, world.north_member, world.north, world.north_people[:2], 1, "2022")
    latest = published_round(
        client, world.north_member, world.north, world.north_people[:2], 2, "2024"
    )
    draft = new_round(client, world.north_member, world.north, "2026")
    move(client, world.north_member, draft, "open")
    body = ok(client.get(url, headers=world.coordinator))
    assert (body["round_id"], body["status"], body["profile"]["label"]) == (
        latest,
        "published",
        "2024",
    )
    assert body["profile"]["region"] == "North" and body["profile"]["overall"] == 2.0
    assert body["profile"]["model"] == {"id": api_model.id, "version": api_model.version}


def test_private_profiles_need_a_key_that_reads_the_region(
    client: TestClient, world: World
) -> None:
    round_id = published_round(client, world.north_member, world.north, world.north_people[:1], 3)
    for url in (
        f"{API}/regions/{world.north}/profile",
        f"{API}/regions/{world.north}/history",
        f"{API}/rounds/{round_id}/profile",
    ):
        problem(client.get(url), 401)
        problem(client.get(url, headers=world.south_member), 403)
        ok(client.get(url, headers=world.north_rater))
        ok(client.get(url, headers=world.coordinator))


def test_public_profiles_are_read_without_a_key(client: TestClient, world: World) -> None:
    round_id = published_round(client, world.south_member, world.south, world.south_people[:2], 4)
    assert ok(client.get(f"{API}/regions/{world.south}/profile"))["round_id"] == round_id
    assert len(ok(client.get(f"{API}/regions/{world.south}/history"))["rounds"]) == 1
    ok(client.get(f"{API}/rounds/{round_id}/profile"))
    ok(client.get(f"{API}/regions/{world.south}/profile", headers=world.north_member))
    # an unpublished round stays private even in a public region
    draft = new_round(client, world.south_member, world.south)
    problem(client.get(f"{API}/rounds/{draft}/profile"), 401)
    problem(client.get(f"{API}/rounds/{draft}/profile", headers=world.north_member), 403)
    problem(client.get(f"{API}/rounds/999/profile", headers=world.admin), 404, "path.round_id")


def test_history_is_oldest_first_with_deltas(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    people, keys, lo = world.north_people[:2], api_model.keys, api_model.scale.min
    half = len(keys) // 2
    step = [lo + 1] * half + [lo + 2] * (len(keys) - half)  # the second half improves twice
    published_round(client, world.north_member, world.north, people, lo + 1, "2020")
    published_round(client, world.north_member, world.north, people, step, "2022")
    published_round(client, world.north_member, world.north, people, [*step[:-1], lo], "2024")
    body = ok(client.get(f"{API}/regions/{world.north}/history", headers=world.admin))
    rounds = body["rounds"]
    assert [r["profile"]["label"] for r in rounds] == ["2020", "2022", "2024"]
    assert rounds[0]["change"] is None
    assert rounds[1]["change"]["improved"] == list(keys[half:])
    assert rounds[1]["change"]["unchanged"] == list(keys[:half])
    assert rounds[1]["change"]["overall_delta"] == (len(keys) - half) / len(keys)
    assert rounds[2]["change"]["declined"] == [keys[-1]]
    assert rounds[2]["change"]["unchanged"] == list(keys[:-1])
    assert (body["total"], body["offset"]) == (3, 0)
    # Pages read as the whole: a page's first change is against the round before it.
    paged = ok(
        client.get(
            f"{API}/regions/{world.north}/history",
            params={"limit": 1, "offset": 2},
            headers=world.admin,
        )
    )
    assert (paged["total"], paged["limit"], paged["offset"]) == (3, 1, 2)
    assert paged["rounds"] == rounds[2:]
    beyond = {"limit": 5, "offset": 3}
    gone = ok(
        client.get(f"{API}/regions/{world.north}/history", params=beyond, headers=world.admin)
    )
    assert gone["rounds"] == [] and gone["total"] == 3
    empty = ok(client.get(f"{API}/regions/{world.south}/history"))
    assert empty == {"region_id": world.south, "rounds": [], "total": 0, "limit": 50, "offset": 0}


def test_comparing_regions_side_by_side(client: TestClient, world: World) -> None:
    published_round(client, world.north_member, world.north, world.north_people[:1], 1)
    published_round(client, world.south_member, world.south, world.south_people[:1], 3)
    url = f"{API}/profiles/compare"
    params = {"region_id": [world.north, world.south]}
    body = ok(client.get(url, params=params, headers=world.coordinator))
    assert [p["region_id"] for p in body["profiles"]] == [world.north, world.south]
    (delta,) = body["deltas"]
    assert (delta["before_region_id"], delta["after_region_id"]) == (world.north, world.south)
    assert delta["comparison"]["overall_delta"] == 2.0
    problem(client.get(url, params=params), 401)  # north is private
    problem(client.get(url, params=params, headers=world.south_member), 403)
    problem(
        client.get(url, params={"region_id": [world.north]}, headers=world.admin),
        422,
        "query.region_id",
    )
    problem(client.get(url, headers=world.admin), 422, "query.region_id")
    problem(
        client.get(url, params={"region_id": [world.north, 999]}, headers=world.admin),
        404,
        "query.region_id",
    )


def test_comparing_needs_published_profiles(client: TestClient, world: World) -> None:
    published_round(client, world.south_member, world.south, world.south_people[:1], 3)
    problem(
        client.get(
            f"{API}/profiles/compare",
            params={"region_id": [world.south, world.north]},
            headers=world.admin,
        ),
        404,
        "query.region_id",
    )


def test_published_profiles_say_where_the_panel_was_split(
    client: TestClient,
    world: World,
    api_app: FastAPI,
    database: Database,
    api_model: MaturityModel,
) -> None:
    """Every profile read (and the profiles matching reads) tells a firm score from one that
    stands on a split panel: the first dimension was rated at both ends of the scale."""
    keys, lo, hi = api_model.keys, api_model.scale.min, api_model.scale.max
    round_id = new_round(client, world.south_member, world.south, "2025")
    move(client, world.south_member, round_id, "open")
    for index, person in enumerate(world.south_people):
        rate(client, world.south_member, round_id, person, [lo if index % 2 else hi, lo + 1])
    move(client, world.south_member, round_id, "consensus")
    decide_all(client, world.south_member, round_id, lo + 1)
    move(client, world.south_member, round_id, "published")
    published_round(client, world.north_member, world.north, world.north_people[:1], lo)

    def check(profile: dict[str, Any]) -> None:
        first, second, third = profile["scores"][:3]
        assert (first["agreement"], first["level"], first["source"]) == (
            "split",
            "uncertain",
            "workshop",
        )
        assert (second["agreement"], second["level"]) == ("agreed", second["band"])
        assert (third["agreement"], third["level"]) == ("no_data", None)  # nobody rated it

    check(ok(client.get(f"{API}/regions/{world.south}/profile"))["profile"])  # public, no key
    check(ok(client.get(f"{API}/rounds/{round_id}/profile"))["profile"])
    check(ok(client.get(f"{API}/regions/{world.south}/history"))["rounds"][-1]["profile"])
    compared = ok(
        client.get(
            f"{API}/profiles/compare",
            params={"region_id": [world.north, world.south]},
            headers=world.coordinator,
        )
    )
    check(compared["profiles"][1]["profile"])
    # The profile matching reads for the region (app.services.profiles.round_profile).
    with database.session() as session:
        round_ = session.get(AssessmentRound, round_id)
        assert round_ is not None
        profile = round_profile(session, api_app.state.models, round_)
    assert profile.by_key()[keys[0]].uncertain and not profile.by_key()[keys[1]].uncertain
    check(profile.model_dump(mode="json"))
