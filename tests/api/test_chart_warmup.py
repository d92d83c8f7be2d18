"""A worker warms the chart renderer up as it starts (issue 12): the first chart request must
not wait a second for matplotlib, and importing the app must not load it."""

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


def test_the_lifespan_warms_the_renderer_in_a_worker_thread(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the worker takes requests, and off the event loop's thread."""
    threads: list[threading.Thread] = []

    def recorded_warm_up() -> None:
        threads.append(threading.current_thread())

    monkeypatch.setattr(app.main, "warm_up", recorded_warm_up)
    service = create_app(Settings(database_url=migrated_url, chart_warm_up=True))
    with TestClient(service) as client:
        assert len(threads) == 1  # done before the first request
        assert client.get("/api/v1/health/live").status_code == 200
    assert threads[0] is not threading.main_thread()

    threads.clear()
    quiet = create_app(Settings(database_url=migrated_url, chart_warm_up=False))
    with TestClient(quiet) as client:
        assert client.get("/api/v1/health/live").status_code == 200
    assert threads == []


def test_warm_up_loads_matplotlib_and_draws(backend: str) -> None:
    warm_up()
    assert is_warm() and "matplotlib.backends.backend_agg" in sys.modules


def test_importing_the_app_does_not_load_matplotlib(backend: str) -> None:
    code = "import sys, app.main; print('matplotlib' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert found.stdout.strip() == "False"
