"""A worker keeps a key it checked for ``key_cache_seconds``: a keyed request then costs no
lookup, and what that trades (a key ended elsewhere works that long at most) stays bounded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import guard
from app.auth import Principal, principal_by_hash
from app.db import Database
from app.keycache import KeyCache
from app.tables import Role
from tests.api.conftest import AppFactory, World, headers
from tests.api.flows import API, expire_checked_keys, member_key, ok, problem


def _count_key_reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times the guard looks a key up in the database from now on."""
    reads = 0

    def counted(database: Database, key_hash: str) -> Principal | None:
        nonlocal reads
        reads += 1
        return principal_by_hash(database, key_hash)

    monkeypatch.setattr(guard, "principal_by_hash", counted)
    return lambda: reads


def _regions_read(app: FastAPI, who: dict[str, str], times: int) -> None:
    client = TestClient(app)
    for _ in range(times):
        ok(client.get(f"{API}/regions", headers=who))


def test_a_checked_key_is_not_looked_up_again_until_it_expires(
    custom_app: AppFactory, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, reads = custom_app(key_cache_seconds=30), _count_key_reads(monkeypatch)
    _regions_read(app, world.coordinator, 5)
    assert reads() == 1
    expire_checked_keys(app)
    _regions_read(app, world.coordinator, 1)
    assert reads() == 2


def test_no_cache_looks_every_key_up(
    custom_app: AppFactory, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, reads = custom_app(key_cache_seconds=0), _count_key_reads(monkeypatch)
    _regions_read(app, world.coordinator, 3)
    assert reads() == 3 and len(app.state.key_cache) == 0


def test_unknown_keys_are_never_kept_and_each_counts_as_a_failure(
    custom_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = custom_app(rate_limit_failed_keys="3/minute")
    client, reads = TestClient(app), _count_key_reads(monkeypatch)
    wrong = headers("tw_" + "x" * 43)
    for _ in range(3):
        problem(client.get(f"{API}/regions", headers=wrong), 401, "header.x-api-key")
    assert reads() == 3 and len(app.state.key_cache) == 0
    problem(client.get(f"{API}/regions", headers=wrong), 429)


def test_a_key_revoked_in_another_worker_works_here_until_its_entry_expires(
    custom_app: AppFactory, world: World
) -> None:
    """Two apps over one database stand for two workers: a revocation through one clears
    its own cache at once; the other refuses the key once its entry has expired."""
    here, there = TestClient(custom_app()), TestClient(custom_app())
    created = member_key(here, world.admin, world.north, "short-lived")
    token = headers(created["token"])
    ok(here.get(f"{API}/keys/me", headers=token))
    ok(there.get(f"{API}/keys/me", headers=token))
    ok(there.delete(f"{API}/keys/{created['id']}", headers=world.admin), 204)
    problem(there.get(f"{API}/keys/me", headers=token), 401)
    ok(here.get(f"{API}/keys/me", headers=token))  # checked a moment ago: still kept here
    expire_checked_keys(here.app)
    problem(here.get(f"{API}/keys/me", headers=token), 401)


def test_deleting_a_region_ends_its_keys_at_once(client: TestClient, world: World) -> None:
    region = ok(
        client.post(f"{API}/regions", json={"name": "Brief", "country": "SE"}, headers=world.admin),
        201,
    )
    token = headers(member_key(client, world.admin, region["id"], "brief")["token"])
    ok(client.get(f"{API}/keys/me", headers=token))
    ok(client.delete(f"{API}/regions/{region['id']}", headers=world.admin), 204)
    problem(client.get(f"{API}/keys/me", headers=token), 401)


def test_the_cache_keeps_the_most_recently_used_keys() -> None:
    now = [0.0]
    cache = KeyCache(seconds=10, size=2, clock=lambda: now[0])
    callers = {name: Principal(key_id=i, role=Role.ADMIN) for i, name in enumerate("abc")}
    cache.put("a", callers["a"])
    cache.put("b", callers["b"])
    assert cache.get("a") == callers["a"]  # a is now the most recent
    cache.put("c", callers["c"])
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (callers["a"], None, callers["c"])
    now[0] = 10.0
    assert cache.get("a") is None and len(cache) == 1
    cache.clear()
    assert len(cache) == 0
