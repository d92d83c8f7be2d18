"""A real browser over the real service: Playwright drives Debian's Chromium (Playwright
cannot download its own browsers here) against ``scripts/serve.sh`` on loopback, over a
fresh SQLite database with the demo data, one server per test worker.

Every page a test visits goes through ``look``: axe-core checks it (no serious or critical
violation) and a screenshot is written to ``var/screenshots/`` for people to look at
(``make screenshots`` regenerates them; the folder is not in git).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from app.launch import LOOPBACK, free_port, start_service

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = Path(os.environ.get("TWINNING_SCREENSHOTS", ROOT / "var" / "screenshots"))
CHROMIUM = os.environ.get("TWINNING_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
_axe = Axe()
CONSOLE_ERRORS: dict[Page, list[str]] = {}


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def api(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/api/v1", headers={"X-API-Key": key}, timeout=20)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    port = free_port()
    log = folder / "serve.log"
    process = start_service(f"sqlite:///{folder / 'web.db'}", log, port=port, workers=1)
    url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the service did not start:\n" + log.read_text())
            time.sleep(0.2)
        yield Server(url, log, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (scripts/test.sh installs Debian's chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI requires it")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_context(browser: Browser, server: Server) -> Iterator[Any]:
    """``open_context(locale=..., phone=...)`` gives a fresh browser profile (no cookies);
    all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "en-GB", phone: bool = False) -> BrowserContext:
        context = browser.new_context(
            base_url=server.url, locale=locale, viewport=PHONE if phone else DESKTOP
        )
        context.set_default_timeout(15_000)
        # Whatever the Content-Security-Policy blocks (an inline style or script that slipped
        # into a template) shows up as a console error; ``look`` fails on it.
        context.on(
            "page",
            lambda page: page.on(
                "console",
                lambda message: (
                    CONSOLE_ERRORS.setdefault(page, []).append(message.text)
                    if message.type == "error"
                    else None
                ),
            ),
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def look(page: Page, name: str) -> None:
    """Check the page with axe-core and save its screenshot as ``name``.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if not page.url.split("?")[0].endswith("/report"):  # the library's self-contained page
        styled = page.eval_on_selector_all(
            "[style]", "els => els.map(e => e.outerHTML.slice(0, 80))"
        )
        assert not styled, f"{name}: inline style attributes: {styled}"
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = _axe.run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{name}: accessibility violations:\n" + "\n".join(blocking)
    errors = CONSOLE_ERRORS.pop(page, [])
    assert not errors, f"{name}: the browser reported errors: {errors}"


def sign_in(context: BrowserContext, key: str) -> Page:
    page = context.new_page()
    page.goto("/sign-in")
    page.fill("#key", key)
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_load_state()
    return page
