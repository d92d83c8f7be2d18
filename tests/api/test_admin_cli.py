"""``twinning admin``: keys managed from the command line against the configured database,
the token printed once and working over HTTP at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.db import Database
from tests.api.conftest import World, headers
from tests.api.flows import API, expire_checked_keys, ok, problem

# The commands run the same code on every database; SQLite keeps them quick.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def configured(migrated_url: str, database: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TWINNING_DATABASE_URL", migrated_url)
    return migrated_url


def _token(out: str) -> str:
    lines = out.strip().splitlines()
    assert "shown only now" in lines[-2]
    return lines[-1]


def test_create_list_and_revoke_a_key(
    configured: str, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "create-key", "--role", "admin", "--name", "Operations"]) == 0
    token = _token(capsys.readouterr().out)
    me = ok(client.get(f"{API}/keys/me", headers=headers(token)))
    assert (me["role"], me["name"]) == ("admin", "Operations")
    ok(
        client.post(
            f"{API}/regions", json={"name": "Nord", "country": "NO"}, headers=headers(token)
        ),
        201,
    )

    assert main(["admin", "list-keys"]) == 0
    listed = capsys.readouterr().out
    assert "Operations" in listed and me["prefix"] in listed and token not in listed

    assert main(["admin", "revoke-key", str(me["id"])]) == 0
    assert "revoked" in capsys.readouterr().out
    # The running service checked the key a moment ago and keeps it key_cache_seconds at
    # most; once that has passed, the key is looked up again and refused.
    ok(client.get(f"{API}/keys/me", headers=headers(token)))
    expire_checked_keys(client.app)
    problem(client.get(f"{API}/keys/me", headers=headers(token)), 401)
    main(["admin", "list-keys"])
    assert "Operations" not in capsys.readouterr().out
    main(["admin", "list-keys", "--all"])
    assert "Operations" in capsys.readouterr().out


def test_member_keys_name_their_region(
    configured: str, world: World, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["admin", "create-key", "--role", "member", "--region-id", str(world.north)]
    assert main([*args, "--stakeholder-id", str(world.north_people[1])]) == 0
    rater = headers(_token(capsys.readouterr().out))
    assert (
        ok(client.get(f"{API}/keys/me", headers=rater))["stakeholder_id"] == world.north_people[1]
    )

    assert main(["admin", "create-key", "--role", "member"]) == 2
    assert "needs a region_id" in capsys.readouterr().err
    assert main([*args, "--stakeholder-id", str(world.south_people[0])]) == 2
    assert "does not belong" in capsys.readouterr().err
    assert main(["admin", "revoke-key", "999999"]) == 2
    assert "no key with id 999999" in capsys.readouterr().err


def test_an_unmigrated_database_is_explained(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    backend: str,
) -> None:
    monkeypatch.setenv("TWINNING_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["admin", "list-keys"]) == 1
    assert "alembic upgrade head" in capsys.readouterr().err


def test_the_installed_command_offers_admin(configured: str, client: TestClient) -> None:
    twinning = Path(sys.executable).parent / "twinning"
    result = subprocess.run(
        [str(twinning), "admin", "create-key", "--role", "coordinator"],
        env={**os.environ, "TWINNING_DATABASE_URL": configured},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    me = ok(client.get(f"{API}/keys/me", headers=headers(_token(result.stdout))))
    assert me["role"] == "coordinator"
