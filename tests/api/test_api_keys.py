import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.auth import API_KEY_HEADER_NAME, find_principal
from app.db import Database
from app.tables import ApiKey, Region
from app.text import name_key
from tests.api.conftest import World, headers
from tests.api.flows import API, member_key, ok, problem


def test_admin_creates_keys_shown_once_and_stored_hashed(
    client: TestClient, world: World, database: Database
) -> None:
    body = ok(
        client.post(f"{API}/keys", json={"name": "C2", "role": "coordinator"}, headers=world.admin),
        201,
    )
    token = body["token"]
    assert token.startswith("tw_") and body["prefix"] == token[:10]
    me = ok(client.get(f"{API}/keys/me", headers=headers(token)))
    assert (me["id"], me["role"], "token" not in me) == (body["id"], "coordinator", True)
    listed = ok(client.get(f"{API}/keys", params={"role": "coordinator"}, headers=world.admin))
    assert all("token" not in key for key in listed["items"]) and listed["total"] == 2
    with database.session() as session:
        row = session.exec(select(ApiKey).where(ApiKey.id == body["id"])).one()
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest() != token


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "member"}, "body.region_id"),
        ({"role": "coordinator", "region_id": 1}, "body.region_id"),
        ({"role": "owner"}, "body.role"),
    ],
)
def test_key_bindings_are_checked(
    client: TestClient, world: World, body: dict[str, object], field: str
) -> None:
    problem(client.post(f"{API}/keys", json={"name": "k", **body}, headers=world.admin), 422, field)
    assert ok(client.get(f"{API}/keys", headers=world.admin))["total"] == 5


def test_a_stakeholder_key_must_match_its_region(client: TestClient, world: World) -> None:
    body = {
        "name": "k",
        "role": "member",
        "region_id": world.north,
        "stakeholder_id": world.south_people[0],
    }
    problem(client.post(f"{API}/keys", json=body, headers=world.admin), 422, "body.stakeholder_id")
    problem(
        client.post(f"{API}/keys", json={**body, "region_id": 999}, headers=world.admin),
        404,
        "body.region_id",
    )


def test_facilitators_create_member_keys_of_their_region_only(
    client: TestClient, world: World
) -> None:
    mine = {
        "name": "rater",
        "role": "member",
        "region_id": world.north,
        "stakeholder_id": world.north_people[1],
    }
    token = ok(client.post(f"{API}/keys", json=mine, headers=world.north_member), 201)["token"]
    assert (
        ok(client.get(f"{API}/keys/me", headers=headers(token)))["stakeholder_id"]
        == (world.north_people[1])
    )
    problem(
        client.post(
            f"{API}/keys",
            json={**mine, "region_id": world.south, "stakeholder_id": None},
            headers=world.north_member,
        ),
        403,
    )
    problem(
        client.post(f"{API}/keys", json={"name": "x", "role": "admin"}, headers=world.north_member),
        403,
    )
    problem(client.post(f"{API}/keys", json=mine, headers=world.north_rater), 403)
    problem(client.post(f"{API}/keys", json=mine, headers=world.coordinator), 403)
    for who in (world.coordinator, world.north_member):
        problem(client.get(f"{API}/keys", headers=who), 403)


def test_revoked_keys_stop_working(client: TestClient, world: World) -> None:
    created = member_key(client, world.admin, world.north, "tmp")
    ok(client.get(f"{API}/keys/me", headers=headers(created["token"])))  # checked: now kept
    problem(client.delete(f"{API}/keys/{created['id']}", headers=world.south_member), 403)
    ok(client.delete(f"{API}/keys/{created['id']}", headers=world.north_member), 204)
    problem(client.get(f"{API}/keys/me", headers=headers(created["token"])), 401)
    ok(client.delete(f"{API}/keys/{created['id']}", headers=world.admin), 204)  # idempotent
    revoked = ok(client.get(f"{API}/keys", params={"revoked": True}, headers=world.admin))
    assert [k["id"] for k in revoked["items"]] == [created["id"]]
    assert revoked["items"][0]["revoked_at"] is not None
    assert (
        ok(client.get(f"{API}/keys", params={"revoked": False}, headers=world.admin))["total"] == 5
    )
    problem(client.delete(f"{API}/keys/999", headers=world.admin), 404, "path.key_id")


def test_a_key_revokes_itself_but_not_an_admin(client: TestClient, world: World) -> None:
    me = ok(client.get(f"{API}/keys/me", headers=world.coordinator))
    admin = ok(client.get(f"{API}/keys/me", headers=world.admin))
    problem(client.delete(f"{API}/keys/{admin['id']}", headers=world.coordinator), 403)
    problem(client.delete(f"{API}/keys/{admin['id']}", headers=world.north_member), 403)
    ok(client.delete(f"{API}/keys/{me['id']}", headers=world.coordinator), 204)
    problem(client.get(f"{API}/regions", headers=world.coordinator), 401)
    problem(client.get(f"{API}/keys/me"), 401)


def test_the_key_lookup_hands_its_connection_back_transactional(
    migrated_url: str, database: Database, world: World
) -> None:
    """The lookup reads outside a transaction on PostgreSQL; the connection must go back to
    the pool as it came, or the next request on it would commit each statement at once."""
    single = Database(migrated_url, pool_size=1, max_overflow=0)  # the lookup's connection next
    try:
        assert find_principal(single, world.admin[API_KEY_HEADER_NAME]) is not None
        name = "Never stored"
        with single.session(write=True) as session:
            session.add(Region(name=name, name_key=name_key(name), country="SE", kind="region"))
            session.flush()
            session.rollback()
        with single.session() as session:
            assert session.exec(select(Region).where(Region.name == name)).first() is None
    finally:
        single.dispose()
