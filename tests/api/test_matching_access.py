"""Who reads which matching results, per role: coordinators and admins everything; a region's
keys (facilitator and stakeholder) the suggestions for their region and the part of each run
that involves their region; computing runs and reviewing pairs stay with coordinators and
admins. Twinnings follow the same rule (``test_twinnings_api.py`` covers them in full)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World
from tests.api.flows import API, ok, problem
from tests.api.matching_world import Added, add_region, east_wants_innovation, suggestions

RUNS = f"{API}/matching/runs"
SUGGESTIONS = f"{API}/matching/suggestions"


def programme(client: TestClient, world: World) -> tuple[Added, Added, dict[str, Any]]:
    """North and East want innovation management, South coaches one need (North's); West
    has no profile. Returns East, West and the coordinator's run."""
    east = east_wants_innovation(client, world)
    west = add_region(client, world, "West")
    body = {"capacity_overrides": {str(world.south): 1}}
    run: dict[str, Any] = ok(client.post(RUNS, json=body, headers=world.coordinator), 201)
    return east, west, run


def test_coordinators_and_admins_read_whole_runs(client: TestClient, world: World) -> None:
    east, _, run = programme(client, world)
    for who in (world.coordinator, world.admin):
        whole = ok(client.get(f"{RUNS}/{run['id']}", headers=who))
        assert whole == run and whole["region_view"] is None
        assert {u["receiving_region_id"] for u in whole["unmet"]} == {world.south, east.id}
        assert whole["parameters"]["capacity_overrides"] == {"South": 1}
    problem(client.get(RUNS), 401)
    problem(client.get(f"{RUNS}/{run['id']}"), 401)


def test_a_regions_keys_read_the_part_of_a_run_that_involves_it(
    client: TestClient, world: World
) -> None:
    east, _, run = programme(client, world)
    (pair,) = run["pairs"]
    url = f"{RUNS}/{run['id']}"

    # North receives: its pair, no unmet need, no load line (it coaches nothing).
    for who in (world.north_member, world.north_rater):
        listing = ok(client.get(RUNS, headers=who))
        assert listing["total"] == 1 and listing["items"][0]["region_view"] == world.north
        north = ok(client.get(url, headers=who))
        assert north["region_view"] == world.north
        assert [p["id"] for p in north["pairs"]] == [pair["id"]]
        assert north["pairs"][0]["reasons"] == pair["reasons"]
        assert (north["unmet"], north["load"]) == ([], [])
        # Other regions' capacity overrides (by name) are not shown.
        assert north["parameters"]["capacity_overrides"] == {}

    # South transfers: the same pair, its own unmet need and its load line.
    south = ok(client.get(url, headers=world.south_member))
    assert [p["id"] for p in south["pairs"]] == [pair["id"]]
    assert [(u["receiving_region_id"], u["dimension"]) for u in south["unmet"]] == [
        (world.south, "population_approach")
    ]
    assert south["load"] == [
        {"region_id": world.south, "region": "South", "capacity": 1, "assigned": 1}
    ]

    # East was matched but left out: why, with the full partner named.
    left_out = ok(client.get(url, headers=east.member))
    assert left_out["pairs"] == [] and left_out["load"] == []
    (need,) = left_out["unmet"]
    assert (need["condition"], need["full_partner_ids"]) == ("capacity", [world.south])


def test_a_region_the_run_did_not_match_reads_nothing_of_it(
    client: TestClient, world: World
) -> None:
    _, west, run = programme(client, world)
    assert ok(client.get(RUNS, headers=west.member))["total"] == 0
    problem(client.get(f"{RUNS}/{run['id']}", headers=west.member), 403)
    problem(client.get(f"{RUNS}/999999", headers=west.member), 404, "path.run_id")


@pytest.mark.parametrize("who", ["north_member", "north_rater", "south_member"])
def test_only_coordinators_and_admins_compute_runs_and_review_pairs(
    client: TestClient, world: World, who: str
) -> None:
    _, _, run = programme(client, world)
    key = getattr(world, who)
    problem(client.post(RUNS, json={}, headers=key), 403)
    (pair,) = run["pairs"]
    review = f"{RUNS}/{run['id']}/pairs/{pair['id']}"
    problem(client.patch(review, json={"status": "approved"}, headers=key), 403)
    assert ok(client.get(f"{RUNS}/{run['id']}", headers=world.admin))["pairs"][0]["status"] == (
        "proposed"
    )
    assert ok(client.get(RUNS, headers=world.admin))["total"] == 1


def test_a_regions_keys_read_their_own_suggestions(client: TestClient, world: World) -> None:
    east, west, _ = programme(client, world)
    everyone = suggestions(client, world.coordinator)
    assert [item["region"] for item in everyone["items"]] == ["East", "North", "South"]
    for who in (world.north_member, world.north_rater):
        mine = suggestions(client, who)  # their region by default
        assert [item["region_id"] for item in mine["items"]] == [world.north]
        assert mine["total"] == 1
        assert mine["items"] == suggestions(client, who, region_id=world.north)["items"]
        assert mine["items"][0] == everyone["items"][1]
        problem(
            client.get(SUGGESTIONS, params={"region_id": world.south}, headers=who),
            403,
            "query.region_id",
        )
    assert [i["region_id"] for i in suggestions(client, east.member)["items"]] == [east.id]
    # West has no published profile: nothing to suggest yet.
    problem(client.get(SUGGESTIONS, headers=west.member), 404, "query.region_id")
    problem(client.get(SUGGESTIONS), 401)
    assert suggestions(client, world.admin, region_id=east.id)["total"] == 1
