"""A worker warms the chart renderer up as it starts, in the background (issue 12): the first
chart request must not wait a second for matplotlib, and the start must not wait either."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from fastapi.testclient import TestClient

import app.main
from app.main import create_app
from app.settings import Settings
from assessment.chart_render import is_warm, warm_up
from tests.api.conftest import ROOT

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_the_lifespan_warms_the_renderer_in_a_thread(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    done = threading.Event()

    def slow_warm_up() -> None:
        started.append(threading.current_thread().name)
        done.wait(5)  # still warming while the app answers

    monkeypatch.setattr(app.main, "warm_up", slow_warm_up)
    service = create_app(Settings(database_url=migrated_url))
    with TestClient(service) as client:
        assert client.get("/api/v1/health").status_code == 200
        done.set()
    assert started == ["chart-warm-up"]

    started.clear()
    quiet = create_app(Settings(database_url=migrated_url, chart_warmup=False))
    with TestClient(quiet) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert started == []


def test_warm_up_loads_matplotlib_and_draws(backend: str) -> None:
    warm_up()
    assert is_warm() and "matplotlib.backends.backend_agg" in sys.modules


def test_importing_the_app_does_not_load_matplotlib(backend: str) -> None:
    code = "import sys, app.main; print('matplotlib' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert found.stdout.strip() == "False"
