"""The twinning pages in a real browser: a facilitator opens the demo's Norrbotten-Scotland
twinning from the region page and records a study visit with the keyboard; the pages and the
report in Swedish; the coordinator's programme and starting a twinning from an approved pair.
Every page goes through ``look`` (axe-core, screenshot)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from app.demo import DEMO_KEYS
from tests.web.browser.conftest import look, sign_in

pytestmark = pytest.mark.browser
OpenContext = Callable[..., BrowserContext]
NORRBOTTEN_SCOTLAND = "Norrbotten learns innovation management from Scotland"


def test_facilitator_opens_a_twinning_and_adds_an_activity_with_the_keyboard(
    open_context: OpenContext,
) -> None:
    page = sign_in(open_context(), DEMO_KEYS["norrbotten"])
    page.goto("/regions/1")
    twinnings = page.locator("#twinnings")
    expect(twinnings).to_contain_text("Scotland")
    look(page, "facilitator-region-twinnings")
    twinnings.get_by_role("link", name=NORRBOTTEN_SCOTLAND).click()
    expect(page.locator("h1")).to_have_text(NORRBOTTEN_SCOTLAND)
    look(page, "twinning")

    title = "Follow-up call <b>with</b> NHS24"
    page.focus("#activities-title")
    page.keyboard.type(title)
    page.keyboard.press("Tab")  # the kind of activity
    page.keyboard.press("End")  # the last kind: a meeting
    # The date field's segments follow the browser's locale: set it whole.
    page.fill("#activities-date", "2025-03-04")
    page.focus("#activities-format")
    page.keyboard.press("ArrowDown")  # held digitally
    page.focus("#activities-participants")
    page.keyboard.type("Lisa Lundgren")
    page.keyboard.press("Enter")
    page.keyboard.type("Ewan Ross")
    page.focus("#activities-form button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator(".notice")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/twinnings/\d+(\?notice=saved)?#activities$"))
    row = page.locator("#activities tbody tr", has_text="Follow-up call")
    expect(row).to_contain_text(title)  # the markup is shown as text
    expect(row).to_contain_text("Meeting")
    expect(row).to_contain_text("digital")
    expect(row).to_contain_text("Lisa Lundgren, Ewan Ross")
    expect(row).to_contain_text("2025-03-04")
    look(page, "twinning-activity-added")

    # An empty note on a dimension that has none is refused beside the note, choice kept.
    page.select_option("#conditions-dimension", label="Population approach")
    page.click("#conditions-form button[type=submit]")
    expect(page.locator("#conditions-note-error")).to_contain_text("Write a note")
    expect(page.locator("#conditions-dimension option:checked")).to_have_text("Population approach")
    assert page.get_attribute("#conditions-note", "aria-invalid") == "true"
    page.click("#error-summary a")  # the summary at the top leads to the field
    expect(page).to_have_url(re.compile("#conditions-note$"))
    look(page, "twinning-form-error")


def test_twinning_pages_and_report_in_swedish(open_context: OpenContext) -> None:
    page = sign_in(open_context(locale="sv-SE"), DEMO_KEYS["helsingborg"])
    page.goto("/regions/5")
    expect(page.locator("#twinnings-heading")).to_have_text("Twinningar")
    look(page, "facilitator-region-twinnings-sv")
    page.locator("#twinnings a[href^='/twinnings/']").first.click()
    expect(page.locator("#status-heading")).to_have_text("Status")
    expect(page.locator("#actions-heading")).to_have_text("Handlingsplan")
    look(page, "twinning-sv")
    page.click("main a[href$='/report']")
    assert page.get_attribute("html", "lang") == "sv"
    look(page, "twinning-report-sv")


def test_coordinator_sees_the_programme_and_starts_a_twinning_from_a_pair(
    open_context: OpenContext,
) -> None:
    page = sign_in(open_context(), DEMO_KEYS["coordinator"])
    page.click("nav.site-nav a[href='/coordination/twinnings']")
    expect(page.locator("h1")).to_have_text("Twinning programme")
    expect(page.locator("main")).to_contain_text(NORRBOTTEN_SCOTLAND)
    look(page, "coordinator-programme")
    page.goto("/coordination/runs")
    page.click("form[action='/coordination/runs'] button")
    expect(page).to_have_url(re.compile(r"/coordination/runs/\d+"))
    pair = page.locator("li.pair").last
    pair.locator("button[value=approved]").click()
    pair = page.locator("li.pair").last
    pair.get_by_role("button", name="Start a twinning from this pair").click()
    expect(page).to_have_url(re.compile(r"/twinnings/\d+"))
    expect(page.locator(".badge").first).to_have_text("Planned")
    look(page, "twinning-started")
    page.go_back()
    page.reload()
    expect(page.locator("li.pair").last).to_contain_text("Open the twinning started from this pair")
