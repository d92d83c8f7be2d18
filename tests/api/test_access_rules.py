"""Access leaks and loose rules found in issue 13, each closed: 403 before 404 where the caller
could not see the thing anyway, non-public regions listed only to keys that may read them,
re-parenting, private caching of private answers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World
from tests.api.flows import API, move, new_round, ok, problem, published_round

MISSING = 99_999


def test_a_region_the_caller_cannot_manage_is_403_whatever_is_asked_inside(
    client: TestClient, world: World
) -> None:
    """`PATCH /regions/1/stakeholders/21` used to say 404 when 21 was another region's."""
    theirs = f"{API}/regions/{world.north}/stakeholders"
    rename = {"role": "manager"}
    for person in (world.south_people[0], world.north_people[0], MISSING):
        answer = client.patch(f"{theirs}/{person}", json=rename, headers=world.south_member)
        problem(answer, 403)
    region = {"kind": "region"}
    problem(client.patch(f"{API}/regions/{MISSING}", json=region, headers=world.south_member), 403)
    problem(client.get(f"{API}/regions/{MISSING}/rounds", headers=world.south_member), 403)
    problem(client.get(f"{API}/regions/{MISSING}/practices", headers=world.south_member), 403)
    # Those who could see it get the 404.
    answer = client.patch(f"{theirs}/{world.south_people[0]}", json=rename, headers=world.admin)
    problem(answer, 404, "path.stakeholder_id")
    problem(client.patch(f"{API}/regions/{MISSING}", json=region, headers=world.admin), 404)


def test_a_stakeholders_key_cannot_probe_other_stakeholders(
    client: TestClient, world: World
) -> None:
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    for person in (world.north_people[1], world.south_people[0], MISSING):
        answer = client.put(
            f"{API}/rounds/{round_id}/ratings/{person}/funding",
            json={"score": 1},
            headers=world.north_rater,
        )
        problem(answer, 403)


def test_a_facilitator_cannot_probe_keys_outside_its_region(
    client: TestClient, world: World
) -> None:
    others = ok(client.get(f"{API}/keys", params={"role": "admin"}, headers=world.admin))
    admin_key = others["items"][0]["id"]
    for key_id in (admin_key, MISSING):
        problem(client.delete(f"{API}/keys/{key_id}", headers=world.south_member), 403)
    problem(client.delete(f"{API}/keys/{MISSING}", headers=world.admin), 404, "path.key_id")


def test_a_radar_of_a_round_nobody_may_see_without_a_key_is_401_whatever_the_round(
    client: TestClient, world: World
) -> None:
    published = published_round(client, world.south_member, world.south, world.south_people, 3)
    draft = new_round(client, world.south_member, world.south, "draft")
    private = new_round(client, world.north_member, world.north)
    radar = f"{API}/regions/{world.south}/radar.json"
    ok(client.get(radar, params={"round_id": published}))
    for round_id in (draft, private, MISSING):
        problem(client.get(radar, params={"round_id": round_id}), 401)
        answer = client.get(radar, params={"round_id": round_id}, headers=world.north_member)
        problem(answer, 403)
    answer = client.get(radar, params={"round_id": MISSING}, headers=world.south_member)
    problem(answer, 404, "query.round_id")


def test_regions_are_listed_to_those_who_may_read_them(client: TestClient, world: World) -> None:
    def names(who: dict[str, str] | None) -> set[str]:
        return {r["name"] for r in ok(client.get(f"{API}/regions", headers=who))["items"]}

    assert names(None) == {"South"}
    assert names(world.south_member) == {"South"}  # North is private and not South's
    assert names(world.north_member) == {"North", "South"}
    assert names(world.north_rater) == {"North", "South"}
    assert names(world.coordinator) == names(world.admin) == {"North", "South"}
    total = ok(client.get(f"{API}/regions", headers=world.south_member))["total"]
    assert total == 1


def test_only_admins_move_a_region_under_another(client: TestClient, world: World) -> None:
    """A facilitator could put its region under a private one and so block its deletion."""
    region = f"{API}/regions/{world.north}"
    answer = client.patch(region, json={"parent_id": world.south}, headers=world.north_member)
    problem(answer, 403, "body.parent_id")
    assert ok(client.get(region, headers=world.admin))["parent_id"] is None
    ok(client.patch(region, json={"parent_id": None, "kind": "region"}, headers=world.north_member))
    moved = ok(client.patch(region, json={"parent_id": world.south}, headers=world.admin))
    assert moved["parent_id"] == world.south
    answer = client.patch(region, json={"parent_id": None}, headers=world.north_member)
    problem(answer, 403, "body.parent_id")


def test_private_answers_are_never_cached_as_public(client: TestClient, world: World) -> None:
    """A keyed report (names, justifications) of a public region was sent `public`."""
    published_round(client, world.south_member, world.south, world.south_people, 3)
    report = f"{API}/regions/{world.south}/report.html"
    keyed = client.get(report, headers=world.south_member)
    assert keyed.status_code == 200 and "because 3" in keyed.text  # the justifications
    assert keyed.headers["cache-control"].startswith("private")
    anonymous = client.get(report)
    assert anonymous.status_code == 200 and "because 3" not in anonymous.text
    assert anonymous.headers["cache-control"].startswith("public")
    radar = client.get(f"{API}/regions/{world.south}/radar.json", headers=world.south_member)
    assert radar.headers["cache-control"].startswith("private")  # it has the spread band
    listed = client.get(f"{API}/regions", headers=world.north_member)
    assert listed.headers["cache-control"] == "private, no-store"
    assert client.get(f"{API}/regions").headers["cache-control"] == "no-cache"
