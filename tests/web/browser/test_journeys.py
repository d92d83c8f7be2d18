"""Journeys through the pages in a real browser, as the people using them would go.

Each test uses its own part of the demo data (Helsingborg's open round for stakeholders, a
new Norrbotten round for the facilitator, the coordinator's own run), so they run in any
order on one server.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.demo import DEMO_INVITATIONS, DEMO_KEYS
from assessment import default_model
from tests.web.browser.conftest import Server, look, sign_in

pytestmark = pytest.mark.browser
KEYS = default_model().keys
OpenContext = Callable[..., BrowserContext]


def answer(page: Page, level: str, why: str) -> None:
    """On a questionnaire page: choose a level (or "dk") and say why, then save and go on."""
    page.check(f"#level-{level}")
    page.fill("#justification", why)
    page.click("button[name=go][value=next]")
    page.wait_for_load_state()


def helsingborg_round(server: Server) -> int:
    with server.api(DEMO_KEYS["helsingborg"]) as api:
        rounds = api.get("/rounds", params={"status": "open"}).json()["items"]
    return int(rounds[0]["id"])


def test_stakeholder_rates_in_swedish_leaves_comes_back_and_submits(
    open_context: OpenContext, server: Server
) -> None:
    link = f"/invite/{DEMO_INVITATIONS['Hanna Falk']}"
    first = open_context(locale="sv-SE", phone=True).new_page()
    first.goto(link)
    expect(first).to_have_url(re.compile(r"/questionnaire$"))
    assert first.get_attribute("html", "lang") == "sv"  # from the browser's Accept-Language
    expect(first.locator("h1")).to_have_text("Hej Hanna Falk")
    look(first, "questionnaire-overview-sv")
    first.click("main a.button")
    expect(first).to_have_url(re.compile(f"/questionnaire/{KEYS[0]}$"))
    look(first, "questionnaire-dimension-sv")
    for index, key in enumerate(KEYS[:6]):
        expect(first).to_have_url(re.compile(f"/questionnaire/{key}$"))
        answer(first, "dk" if index == 2 else str(index % 6), f"Hanna om {key} <b>fet</b>")
    first.context.close()  # she leaves; her answers are saved

    again = open_context(locale="sv-SE", phone=True).new_page()
    again.goto(link)
    expect(again.locator("#progress-text")).to_contain_text("6")
    again.click("main a.button")  # continue where she left off
    expect(again).to_have_url(re.compile(f"/questionnaire/{KEYS[6]}$"))
    for key in KEYS[6:]:
        answer(again, "3", f"Hanna om {key}")
    expect(again).to_have_url(re.compile("/questionnaire/review$"))
    look(again, "questionnaire-review-sv")
    assert "<b>fet</b>" in again.inner_text("main")  # shown as text, never as markup
    again.click("form[action='/questionnaire/submit'] button")
    expect(again.locator(".notice")).to_have_text("Tack! Dina svar är inskickade.")
    look(again, "questionnaire-submitted-sv")

    with server.api(DEMO_KEYS["helsingborg"]) as api:
        people = api.get("/regions/5/stakeholders").json()["items"]
        hanna = next(p["id"] for p in people if p["name"] == "Hanna Falk")
        round_id = helsingborg_round(server)
        progress = api.get(f"/rounds/{round_id}/progress").json()
        line = next(s for s in progress["stakeholders"] if s["stakeholder_id"] == hanna)
        assert (line["answered"], line["dont_know"]) == (12, 1) and line["submitted_at"]
        # The scores stay hidden while rating is open: reveal them to check, then hide again.
        reveal = f"/rounds/{round_id}"
        assert api.patch(reveal, json={"reveal_while_open": True}).status_code == 200
        stored = api.get(f"/rounds/{round_id}/ratings", params={"stakeholder_id": hanna}).json()[
            "items"
        ]
        assert api.patch(reveal, json={"reveal_while_open": False}).status_code == 200
    assert len(stored) == 12
    assert [r["score"] for r in stored if r["dimension"] == KEYS[2]] == [None]  # don't know
    assert {r["score"] for r in stored if r["dimension"] == KEYS[1]} == {1}


@pytest.mark.parametrize("locale", ["en-GB", "it-IT"])
def test_questionnaire_in_each_language(
    open_context: OpenContext, server: Server, locale: str
) -> None:
    page = open_context(locale=locale, phone=True).new_page()
    page.goto(f"/invite/{DEMO_INVITATIONS['Nils Dahl']}")
    language = locale[:2]
    assert page.get_attribute("html", "lang") == language
    look(page, f"questionnaire-overview-{language}")
    page.goto(f"/questionnaire/{KEYS[4]}")
    look(page, f"questionnaire-dimension-{language}")
    page.goto("/questionnaire/review")
    look(page, f"questionnaire-review-{language}")


def test_language_choice_is_remembered(open_context: OpenContext) -> None:
    page = open_context(locale="en-GB").new_page()
    page.goto("/")
    page.click("nav.languages a[hreflang=it]")
    assert page.get_attribute("html", "lang") == "it"
    page.goto("/sign-in")
    assert page.get_attribute("html", "lang") == "it"
    look(page, "sign-in-it")


def test_a_stakeholders_link_opens_only_their_own_answers(
    open_context: OpenContext, server: Server
) -> None:
    per = open_context().new_page()
    per.goto(f"/invite/{DEMO_INVITATIONS['Per Wallin']}")
    per.goto("/questionnaire/review")
    mine = per.inner_text("main")
    sofia = open_context().new_page()
    sofia.goto(f"/invite/{DEMO_INVITATIONS['Sofia Ahl']}")
    sofia.goto("/questionnaire/review")
    hers = sofia.inner_text("main")
    assert "As manager" in mine and "As clinician" not in mine
    assert "As clinician" in hers and "As manager" not in hers
    # Nothing else opens with a stakeholder's session: not the round's pages, not the API.
    per.goto(f"/rounds/{helsingborg_round(server)}")
    expect(per).to_have_url(re.compile("/sign-in"))
    response = per.request.get(f"/api/v1/rounds/{helsingborg_round(server)}/ratings")
    assert response.status == 401


def test_a_form_posted_without_the_csrf_token_is_refused(
    open_context: OpenContext, server: Server
) -> None:
    page = open_context().new_page()
    page.goto(f"/invite/{DEMO_INVITATIONS['Sofia Ahl']}")
    page.goto(f"/questionnaire/{KEYS[0]}")
    before = page.input_value("#justification")
    status = page.evaluate(
        """async (key) => (await fetch('/questionnaire/' + key, {method: 'POST',
            body: new URLSearchParams({level: '0', justification: 'forged'})})).status""",
        KEYS[0],
    )
    assert status == 403
    page.reload()
    assert page.input_value("#justification") == before
    look(page, "questionnaire-dimension-en-readonly-or-open")


def test_invitation_tokens_stay_out_of_the_access_log(server: Server) -> None:
    token = DEMO_INVITATIONS["Nils Dahl"]
    opened = httpx.get(f"{server.url}/invite/{token}", follow_redirects=False)
    assert opened.status_code == 303
    deadline = time.monotonic() + 5
    while '"route": "/invite/' not in server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    # The access log names the route template, never the path that holds the token.
    access_log = [line for line in server.output().splitlines() if '"app.access"' in line]
    assert any('"route": "/invite/{token}"' in line for line in access_log), access_log[-3:]
    output = server.output()
    assert not any(secret in output for secret in DEMO_INVITATIONS.values())


def test_facilitator_watches_progress_closes_rating_runs_the_workshop_and_publishes(
    open_context: OpenContext, server: Server
) -> None:
    page = sign_in(open_context(), DEMO_KEYS["norrbotten"])
    expect(page).to_have_url(re.compile(r"/regions/1$"))
    look(page, "facilitator-region")
    page.fill("#round-label", "2026")
    page.click("form[action='/regions/1/rounds'] button")
    expect(page).to_have_url(re.compile(r"/rounds/\d+"))
    round_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    for person in range(2):  # links for the first two stakeholders
        page.locator("form[action$='/invitations'] button").nth(person).click()
        look(page, "facilitator-new-link")
        assert "/invite/tw_inv_" in page.input_value("#new-link-url")
    page.click("form[action$='/transition'] button")
    expect(page.locator(".notice")).to_be_visible()

    with server.api(DEMO_KEYS["norrbotten"]) as api:
        people = [p["id"] for p in api.get("/regions/1/stakeholders").json()["items"]]
        for offset, person in enumerate(people[:3]):
            items = [
                {"dimension": k, "score": (i + offset) % 4 + 1, "justification": f"secret {i}"}
                for i, k in enumerate(KEYS)
            ]
            assert api.put(f"/rounds/{round_id}/ratings/{person}", json={"ratings": items})
    page.reload()
    board = page.inner_text("#progress-section")
    assert "12" in board and "secret" not in board  # progress, never the scores
    look(page, "facilitator-progress")

    page.click("form[action$='/transition'] button:has-text('Close')")
    page.click("main a.button[href$='/workshop']")
    look(page, "facilitator-workshop")
    first = KEYS[0]
    page.check(f"#score-{first}-4")
    page.fill(f"#justification-{first}", "The group agreed: <script>alert(1)</script>")
    page.check(f"#improve-{first}")
    page.click(f"#dimension-{first} button[type=submit]")
    for key in KEYS[1:]:
        page.click(f"#dimension-{key} button[type=submit]")  # confirm the proposed level
    expect(page.locator("#decided-text")).to_contain_text("12")
    page.click("#publish-heading ~ form button")
    expect(page).to_have_url(re.compile(r"/regions/1/profile"))
    look(page, "facilitator-profile")
    assert page.locator("svg.radar-svg").count() == 1
    page.goto(f"/rounds/{round_id}/workshop")
    assert "<script>alert(1)</script>" in page.inner_text(f"#dimension-{first}")
    look(page, "facilitator-workshop-published")


def test_coordinator_compares_regions_and_approves_a_pair(open_context: OpenContext) -> None:
    page = sign_in(open_context(), DEMO_KEYS["coordinator"])
    expect(page).to_have_url(re.compile("/coordination$"))
    look(page, "coordinator-regions")
    page.goto("/coordination/suggestions")
    expect(page.locator("main")).to_contain_text("Scotland")
    reasons = page.locator("details.reasons").first
    reasons.locator("summary").click()
    expect(reasons).to_contain_text("marked this dimension for improvement")
    expect(reasons).to_contain_text("Alike on:")
    look(page, "coordinator-suggestions")
    page.goto("/coordination/runs")
    look(page, "coordinator-runs")
    page.click("form[action='/coordination/runs'] button")
    expect(page).to_have_url(re.compile(r"/coordination/runs/\d+"))
    pair = page.locator("li.pair").first
    pair.locator("textarea").fill("Kick-off in spring; <b>Scotland</b> agreed.")
    pair.locator("button[value=approved]").click()
    expect(page.locator(".notice")).to_be_visible()
    pair = page.locator("li.pair").first
    expect(pair.locator(".badge")).to_have_text(re.compile("Approved"))
    pair.locator("details.reasons summary").click()
    expect(pair.locator("details.reasons")).to_contain_text("a coach needs at least level 3")
    expect(page.locator("main")).to_contain_text("Coaching load of the transferring regions")
    assert pair.locator("textarea").input_value() == "Kick-off in spring; <b>Scotland</b> agreed."
    look(page, "coordinator-run")
    page.goto("/regions/1/profile")
    look(page, "coordinator-region-profile")
    page.click("main a[href*='/report']")
    expect(page.locator("h1")).to_contain_text("Norrbotten")
    look(page, "report")


def test_public_and_error_pages(open_context: OpenContext) -> None:
    page = open_context().new_page()
    page.goto("/")
    look(page, "start")
    page.goto("/sign-in")
    look(page, "sign-in")
    page.goto("/invite/tw_inv_not_a_real_link")
    expect(page.locator("h1")).to_be_visible()
    look(page, "invitation-invalid")
    page.goto("/questionnaire")
    look(page, "invitation-required")
    page.goto("/no/such/page")
    look(page, "not-found")
