"""A worker keeps a key it checked for ``key_cache_seconds``: a keyed request then costs no
lookup, and what that trades (a key ended elsewhere works that long at most) stays bounded."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app import guard
from app.auth import Principal, principal_by_hash
from app.db import Database
from app.keycache import KeyCache
from app.tables import Role
from tests.api.conftest import AppFactory, World, headers
from tests.api.flows import API, ok, problem


def _count_key_reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times the guard looks a key up in the database from now on."""
    reads = 0

    def counted(database: Database, key_hash: str) -> Principal | None:
        nonlocal reads
        reads += 1
        return principal_by_hash(database, key_hash)

    monkeypatch.setattr(guard, "principal_by_hash", counted)
    return lambda: reads


def test_a_checked_key_is_not_looked_up_again_until_it_expires(
    custom_app: AppFactory, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = custom_app(key_cache_seconds=30)
    client, reads = TestClient(app), _count_key_reads(monkeypatch)
    for _ in range(5):
        ok(client.get(f"{API}/regions", headers=world.coordinator))
    assert reads() == 1
    checked: KeyCache = app.state.key_cache
    later = time.monotonic() + 31
    checked.clock = lambda: later
    ok(client.get(f"{API}/regions", headers=world.coordinator))
    assert reads() == 2


def test_no_cache_looks_every_key_up(
    custom_app: AppFactory, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = custom_app(key_cache_seconds=0)
    client, reads = TestClient(app), _count_key_reads(monkeypatch)
    for _ in range(3):
        ok(client.get(f"{API}/regions", headers=world.coordinator))
    assert reads() == 3
    assert len(app.state.key_cache) == 0


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
    created = ok(
        here.post(
            f"{API}/keys",
            headers=world.admin,
            json={"name": "short-lived", "role": "member", "region_id": world.north},
        ),
        201,
    )
    token = headers(created["token"])
    ok(here.get(f"{API}/keys/me", headers=token))
    ok(there.get(f"{API}/keys/me", headers=token))
    ok(there.delete(f"{API}/keys/{created['id']}", headers=world.admin), 204)
    problem(there.get(f"{API}/keys/me", headers=token), 401)
    ok(here.get(f"{API}/keys/me", headers=token))  # checked a moment ago: still kept here
    checked: KeyCache = here.app.state.key_cache  # type: ignore[attr-defined]
    later = time.monotonic() + checked.seconds
    checked.clock = lambda: later
    problem(here.get(f"{API}/keys/me", headers=token), 401)


def test_deleting_a_region_ends_its_keys_at_once(client: TestClient, world: World) -> None:
    region = ok(
        client.post(f"{API}/regions", json={"name": "Brief", "country": "SE"}, headers=world.admin),
        201,
    )
    created = ok(
        client.post(
            f"{API}/keys",
            headers=world.admin,
            json={"name": "brief", "role": "member", "region_id": region["id"]},
        ),
        201,
    )
    token = headers(created["token"])
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
