import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, headers
from tests.api.flows import API, new_round, ok, problem

NEW = {"name": "Basque Country", "country": "ES", "kind": "region"}


def count_regions(client: TestClient, world: World) -> int:
    return int(ok(client.get(f"{API}/regions", headers=world.admin))["total"])


def test_admin_creates_a_region(client: TestClient, world: World) -> None:
    body = ok(client.post(f"{API}/regions", json=NEW, headers=world.admin), 201)
    assert body["name"] == "Basque Country" and body["public_profile"] is False
    assert body["created_at"].endswith("Z") or "+00:00" in body["created_at"]
    assert ok(client.get(f"{API}/regions/{body['id']}", headers=world.admin)) == body


@pytest.mark.parametrize("who", ["coordinator", "north_member", "north_rater"])
def test_only_admins_create_regions(client: TestClient, world: World, who: str) -> None:
    problem(client.post(f"{API}/regions", json=NEW, headers=getattr(world, who)), 403)
    assert count_regions(client, world) == 2


def test_a_missing_or_wrong_key_is_401(client: TestClient, world: World) -> None:
    missing = problem(client.post(f"{API}/regions", json=NEW), 401, "header.x-api-key")
    assert "X-API-Key" in missing["detail"]
    wrong = client.post(f"{API}/regions", json=NEW, headers=headers("tw_not_a_key"))
    problem(wrong, 401, "header.x-api-key")
    assert wrong.headers["www-authenticate"].startswith("ApiKey")
    assert count_regions(client, world) == 2


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"country": "Sweden"}, 422, "body.country"),
        ({"kind": "planet"}, 422, "body.kind"),
        ({"name": ""}, 422, "body.name"),
        ({"parent_id": 999}, 422, "body.parent_id"),
        ({"name": "North"}, 409, "body.name"),
        ({"unknown": 1}, 422, "body.unknown"),
    ],
)
def test_a_rejected_region_changes_nothing(
    client: TestClient, world: World, change: dict[str, object], status: int, field: str
) -> None:
    problem(
        client.post(f"{API}/regions", json={**NEW, **change}, headers=world.admin), status, field
    )
    assert count_regions(client, world) == 2


def test_regions_filter_and_paginate(client: TestClient, world: World) -> None:
    lund = ok(
        client.post(
            f"{API}/regions",
            headers=world.admin,
            json={
                "name": "Lund",
                "country": "SE",
                "kind": "municipality",
                "parent_id": world.north,
            },
        ),
        201,
    )

    def names(**params: object) -> list[str]:
        page = ok(client.get(f"{API}/regions", params=params, headers=world.coordinator))
        return [r["name"] for r in page["items"]]

    assert names() == ["Lund", "North", "South"]
    assert names(country="SE") == ["Lund", "North"]
    assert names(kind="municipality") == ["Lund"]
    assert names(parent_id=world.north) == ["Lund"]
    assert names(q="OUT") == ["South"]
    page = ok(
        client.get(f"{API}/regions", params={"limit": 2, "offset": 2}, headers=world.coordinator)
    )
    assert (page["total"], [r["id"] for r in page["items"]]) == (3, [world.south])
    assert lund["parent_id"] == world.north
    problem(client.get(f"{API}/regions", params={"kind": "planet"}), 422, "query.kind")


def test_without_a_key_only_public_regions_are_visible(client: TestClient, world: World) -> None:
    page = ok(client.get(f"{API}/regions"))
    assert [r["name"] for r in page["items"]] == ["South"]
    ok(client.get(f"{API}/regions/{world.south}"))
    problem(client.get(f"{API}/regions/{world.north}"), 401)
    problem(client.get(f"{API}/regions/{world.north}", headers=world.south_member), 403)
    ok(client.get(f"{API}/regions/{world.north}", headers=world.north_rater))
    problem(client.get(f"{API}/regions/999", headers=world.admin), 404, "path.region_id")


def test_a_facilitator_changes_its_region(client: TestClient, world: World) -> None:
    body = ok(
        client.patch(
            f"{API}/regions/{world.north}",
            json={"public_profile": True},
            headers=world.north_member,
        )
    )
    assert body["public_profile"] is True and body["name"] == "North"
    for who in (world.north_rater, world.south_member, world.coordinator):
        problem(client.patch(f"{API}/regions/{world.north}", json={"name": "X"}, headers=who), 403)
    assert ok(client.get(f"{API}/regions/{world.north}"))["name"] == "North"


def test_region_updates_are_validated(client: TestClient, world: World) -> None:
    url = f"{API}/regions/{world.north}"
    child = ok(
        client.post(f"{API}/regions", headers=world.admin, json={**NEW, "parent_id": world.north}),
        201,
    )
    problem(
        client.patch(url, json={"parent_id": child["id"]}, headers=world.admin),
        422,
        "body.parent_id",
    )
    problem(
        client.patch(url, json={"parent_id": world.north}, headers=world.admin),
        422,
        "body.parent_id",
    )
    problem(client.patch(url, json={"name": None}, headers=world.admin), 422, "body.name")
    problem(client.patch(url, json={"name": "South"}, headers=world.admin), 409, "body.name")
    ok(client.patch(url, json={"parent_id": world.south, "name": "North"}, headers=world.admin))


def test_deleting_regions(client: TestClient, world: World) -> None:
    problem(client.delete(f"{API}/regions/{world.south}", headers=world.south_member), 403)
    new_round(client, world.north_member, world.north)
    problem(
        client.delete(f"{API}/regions/{world.north}", headers=world.admin), 409, "path.region_id"
    )
    child = ok(
        client.post(f"{API}/regions", headers=world.admin, json={**NEW, "parent_id": world.south}),
        201,
    )
    problem(client.delete(f"{API}/regions/{world.south}", headers=world.admin), 409)
    ok(client.delete(f"{API}/regions/{child['id']}", headers=world.admin), 204)
    ok(client.delete(f"{API}/regions/{world.south}", headers=world.admin), 204)
    problem(client.get(f"{API}/regions/{world.south}", headers=world.admin), 404)
    # its keys went with it
    problem(client.get(f"{API}/keys/me", headers=world.south_member), 401)


def test_stakeholders_of_a_region(client: TestClient, world: World) -> None:
    url = f"{API}/regions/{world.north}/stakeholders"
    page = ok(client.get(url, headers=world.north_rater))
    assert page["total"] == 4 and page["items"][0]["name"] == "North manager"
    assert [
        s["role"]
        for s in ok(client.get(url, params={"role": "IT"}, headers=world.coordinator))["items"]
    ] == ["IT"]
    problem(client.get(url, headers=world.south_member), 403)
    problem(client.get(url), 401)
    problem(client.get(f"{API}/regions/999/stakeholders", headers=world.admin), 404)


def test_facilitators_add_and_change_stakeholders(client: TestClient, world: World) -> None:
    url = f"{API}/regions/{world.north}/stakeholders"
    new = {"name": "Anna Lind", "role": "procurement"}
    created = ok(client.post(url, json=new, headers=world.north_member), 201)
    assert created["region_id"] == world.north
    problem(client.post(url, json=new, headers=world.north_member), 409, "body.name")
    problem(client.post(url, json={"name": "B", "role": ""}, headers=world.admin), 422, "body.role")
    for who in (world.north_rater, world.south_member, world.coordinator):
        problem(client.post(url, json={"name": "C", "role": "IT"}, headers=who), 403)
    changed = ok(
        client.patch(f"{url}/{created['id']}", json={"role": "manager"}, headers=world.north_member)
    )
    assert changed["role"] == "manager" and changed["name"] == "Anna Lind"
    problem(
        client.patch(f"{url}/{created['id']}", json={"name": "North IT"}, headers=world.admin),
        409,
        "body.name",
    )
    problem(
        client.patch(
            f"{API}/regions/{world.south}/stakeholders/{created['id']}",
            json={"role": "x"},
            headers=world.admin,
        ),
        404,
        "path.stakeholder_id",
    )
    problem(
        client.patch(f"{url}/{created['id']}", json={"role": "x"}, headers=world.north_rater), 403
    )
    assert ok(client.get(url, headers=world.admin))["total"] == 5
