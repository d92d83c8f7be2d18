"""The demo's published admin key never reaches a real deployment (issue 13)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.auth import issue_key
from app.db import Database
from app.demo import DEMO_KEYS, DemoRefused, load_demo, main
from app.tables import Region, Role
from tests.api.conftest import ROOT, headers
from tests.api.flows import API, problem


def _regions(database: Database) -> int:
    with database.session() as session:
        return session.exec(select(func.count()).select_from(Region)).one()


def test_the_demo_refuses_a_database_with_regions_of_its_own(
    client: TestClient, database: Database
) -> None:
    with database.session(write=True) as session:
        session.add(Region(name="Real region", country="SE", kind="region"))
        session.commit()
    with database.session(write=True) as session, pytest.raises(DemoRefused, match="empty"):
        load_demo(session)
    assert _regions(database) == 1
    problem(client.get(f"{API}/keys/me", headers=headers(DEMO_KEYS["admin"])), 401)


def test_the_demo_refuses_a_database_with_only_a_first_admin_key(database: Database) -> None:
    """A deployment's first step is `twinning admin create-key`: no region yet, but real."""
    with database.session(write=True) as session:
        issue_key(session, name="Operations", role=Role.ADMIN)
        session.commit()
    with database.session(write=True) as session, pytest.raises(DemoRefused):
        load_demo(session)
    assert _regions(database) == 0


def test_the_demo_command_stops_with_a_message(
    migrated_url: str,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with database.session(write=True) as session:
        session.add(Region(name="Real region", country="SE", kind="region"))
        session.commit()
    monkeypatch.setenv("TWINNING_DATABASE_URL", migrated_url)
    with pytest.raises(SystemExit) as stopped:
        main(["--print-keys"])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert "demo not loaded" in captured.err and "tw_demo" not in captured.out + captured.err
    assert _regions(database) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_production_example_loads_the_demo(backend: str) -> None:
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Running in production") :]
    production = production[: production.index("\n## ", 1)]
    examples = "\n".join(re.findall(r"```sh\n(.*?)```", production, flags=re.DOTALL))
    assert "docker run" in examples
    assert "TWINNING_LOAD_DEMO" not in examples
    serve = (ROOT / "scripts" / "serve.sh").read_text()
    assert "--print-keys" not in serve
    assert "--print-keys" in (ROOT / "Makefile").read_text()
