"""The twinning pages over HTTP (SQLite and PostgreSQL): who may open them, the forms (form
token, errors beside the field with the typed values kept, nothing stored on refusal), user
text shown as text, the status moves the page offers, starting a twinning from an approved
pair, and the report under the session."""

from __future__ import annotations

import html
from typing import Any

from fastapi.testclient import TestClient

from app.auth import issue_key
from app.db import Database
from app.tables import Region, Role
from app.web.pages.profiles import REPORT_POLICY
from tests.api.conftest import World, headers
from tests.api.flows import API, ok
from tests.api.test_twinnings_api import approved_pair, direct, seed
from tests.web.pages import ORIGIN, post, session_token, sign_in


def twinning(client: TestClient, world: World) -> dict[str, Any]:
    """North learns innovation management from South (planned, no participants yet)."""
    seed(client, world)
    return direct(client, world, title="North and South on innovation")


def activities(client: TestClient, world: World, twinning_id: int) -> list[dict[str, Any]]:
    answer = ok(client.get(f"{API}/twinnings/{twinning_id}", headers=world.coordinator))
    return answer["activities"]  # type: ignore[no-any-return]


def outsider(database: Database) -> dict[str, str]:
    """A facilitator key of a third region, in neither side of the twinning."""
    with database.session(write=True) as session:
        region = Region(name="West", country="IT", kind="region", public_profile=False)
        session.add(region)
        session.flush()
        token = issue_key(session, name="w", role=Role.MEMBER, region_id=region.id)[1]
        session.commit()
    return headers(token)


def test_both_regions_and_coordinators_open_a_twinning_others_do_not(
    client: TestClient, world: World, database: Database
) -> None:
    made = twinning(client, world)
    page = f"/twinnings/{made['id']}"
    assert client.get(page, follow_redirects=False).headers["location"].startswith("/sign-in")
    for who in (world.north_member, world.south_member, world.coordinator):
        sign_in(client, who)
        opened = client.get(page)
        assert opened.status_code == 200, opened.text
        assert "North and South on innovation" in opened.text
        assert 'action="/twinnings/{}/activities"'.format(made["id"]) in opened.text
    sign_in(client, outsider(database))
    assert client.get(page).status_code == 403
    assert client.get(f"{page}/report").status_code == 403
    assert post(client, f"{page}/activities", {"kind": "meeting", "title": "x"}).status_code == 403
    assert client.get("/twinnings/999999").status_code == 404
    assert activities(client, world, made["id"]) == []


def test_the_region_page_lists_its_twinnings_on_either_side(
    client: TestClient, world: World
) -> None:
    made = twinning(client, world)
    sign_in(client, world.north_member)
    north = client.get(f"/regions/{world.north}").text
    assert f'href="/twinnings/{made["id"]}"' in north
    assert "North learns from it" in north and "South" in north
    assert "Innovation management" in north and "Planned" in north
    sign_in(client, world.south_member)
    south = client.get(f"/regions/{world.south}").text
    assert f'href="/twinnings/{made["id"]}"' in south
    assert "South shares its experience" in south


def test_the_programme_is_the_coordinators(client: TestClient, world: World) -> None:
    made = twinning(client, world)
    sign_in(client, world.north_member)
    assert client.get("/coordination/twinnings").status_code == 403
    sign_in(client, world.coordinator)
    page = client.get("/coordination/twinnings")
    assert page.status_code == 200
    assert f'href="/twinnings/{made["id"]}"' in page.text
    assert "Not measured yet" in page.text
    assert 'href="/coordination/twinnings"' in client.get("/coordination").text  # the nav


def test_forms_need_the_token_and_a_refused_form_keeps_what_was_typed(
    client: TestClient, world: World
) -> None:
    made = twinning(client, world)
    path = f"/twinnings/{made['id']}/activities"
    sign_in(client, world.north_member)
    fields = {"kind": "study_visit", "title": "Visit", "host": "South council"}
    refused = client.post(path, data=fields, headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 403
    wrong = {**fields, "csrf_token": "guess"}
    assert client.post(path, data=wrong, headers=ORIGIN).status_code == 403
    assert activities(client, world, made["id"]) == []

    untitled = post(client, path, {**fields, "title": "  ", "host": "<i>South</i> council"})
    assert untitled.status_code == 422
    assert 'id="activities-title-error"' in untitled.text  # beside the field at fault
    assert 'aria-describedby="activities-title-hint activities-title-error"' in untitled.text
    assert 'value="&lt;i&gt;South&lt;/i&gt; council"' in untitled.text  # kept, as text
    assert '<option value="study_visit" selected>' in untitled.text

    undated = post(client, path, {**fields, "date": "2025-02-30"})
    assert undated.status_code == 422
    assert 'id="activities-date-error"' in undated.text and 'value="2025-02-30"' in undated.text
    assert activities(client, world, made["id"]) == []

    added = post(client, path, {**fields, "date": "2025-02-03", "participants": "Ann\n\nBo\n"})
    assert added.status_code == 303
    assert added.headers["location"] == f"/twinnings/{made['id']}?notice=saved#activities"
    [stored] = activities(client, world, made["id"])
    assert (stored["title"], stored["date"], stored["participants"]) == (
        "Visit",
        "2025-02-03",
        ["Ann", "Bo"],
    )
    assert "South council" in client.get(f"/twinnings/{made['id']}").text


def test_user_text_is_shown_as_text(client: TestClient, world: World) -> None:
    made = twinning(client, world)
    script = "<script>alert(1)</script>"
    page = f"/twinnings/{made['id']}"
    sign_in(client, world.south_member)
    saved = post(client, f"{page}/conditions", {"dimension": "funding", "note": script})
    assert saved.status_code == 303
    whole = post(client, f"{page}/conditions", {"dimension": "", "note": f"All: {script}"})
    assert whole.status_code == 303
    action = {"title": script, "dimension": "funding", "status": "planned", "owner": script}
    assert post(client, f"{page}/actions", action).status_code == 303
    shown = client.get(page).text
    assert script not in shown
    assert shown.count(html.escape(script, quote=False)) >= 4  # note, whole, title, owner
    conditions = ok(client.get(f"{API}/twinnings/{made['id']}", headers=world.coordinator))
    assert conditions["conditions"]["notes"] == {"funding": script}
    assert conditions["conditions_note"] == f"All: {script}"
    removed = post(client, f"{page}/conditions", {"dimension": "funding", "note": ""})
    assert removed.status_code == 303
    nothing = post(client, f"{page}/conditions", {"dimension": "funding", "note": ""})
    assert nothing.status_code == 422 and 'id="conditions-note-error"' in nothing.text


def test_an_action_on_an_unknown_dimension_is_refused_beside_the_field(
    client: TestClient, world: World
) -> None:
    made = twinning(client, world)
    sign_in(client, world.north_member)
    bad = {"title": "Mandates", "dimension": "no_such_dimension", "status": "planned"}
    refused = post(client, f"/twinnings/{made['id']}/actions", bad)
    assert refused.status_code == 422
    assert 'id="actions-dimension-error"' in refused.text and 'value="Mandates"' in refused.text
    detail = ok(client.get(f"{API}/twinnings/{made['id']}", headers=world.coordinator))
    assert detail["action_plan"] == []


def test_the_page_offers_the_moves_the_rules_allow(client: TestClient, world: World) -> None:
    made = twinning(client, world)
    page = f"/twinnings/{made['id']}"
    sign_in(client, world.north_member)
    planned = client.get(page).text
    assert 'name="status" value="running"' not in planned  # no participants yet
    assert "Add at least one participant from the receiving region." in planned
    early = post(client, f"{page}/status", {"status": "running"})
    assert early.status_code == 409 and "The status could not be changed." in early.text
    skipping = post(client, f"{page}/status", {"status": "concluded"})
    assert skipping.status_code == 409
    for name, side in (("Ann", "receiving"), ("Bo", "transferring")):
        person = {"name": name, "side": side, "role": "lead"}
        assert post(client, f"{page}/participants", person).status_code == 303
    ready = client.get(page).text
    assert 'name="status" value="running"' in ready
    assert post(client, f"{page}/status", {"status": "running"}).status_code == 303
    detail = ok(client.get(f"{API}/twinnings/{made['id']}", headers=world.coordinator))
    assert detail["status"] == "running" and detail["start_date"] is not None
    results = {"results_at_conclusion": "Mandates agreed", "worked_well": "Visits"}
    assert post(client, f"{page}/outcomes", results).status_code == 303
    outcomes = ok(client.get(f"{API}/twinnings/{made['id']}/outcomes", headers=world.coordinator))
    assert outcomes["results_at_conclusion"] == "Mandates agreed"
    assert outcomes["worked_well"] == "Visits"

    held = {"kind": "workshop", "title": "Kick-off", "date": "2025-02-03", "format": "digital"}
    assert post(client, f"{page}/activities", held).status_code == 303
    plan = {"title": "Mandates", "dimension": "funding", "status": "planned"}
    assert post(client, f"{page}/actions", plan).status_code == 303
    assert "Move to: Concluded" in client.get(page).text
    assert post(client, f"{page}/status", {"status": "concluded"}).status_code == 303
    concluded = client.get(page).text
    assert "Reopen: back to Running" in concluded and "Move to: Running" not in concluded


def test_a_coordinator_starts_a_twinning_from_an_approved_pair(
    client: TestClient, world: World
) -> None:
    seed(client, world)
    pair = approved_pair(client, world)
    run_page = f"/coordination/runs/{pair['run_id']}"
    start = f"{run_page}/pairs/{pair['id']}/twinning"
    sign_in(client, world.coordinator)
    assert f'action="{start}"' not in client.get(run_page).text  # proposed, not approved
    assert post(client, start).status_code == 422  # the API's 409: not approved
    review = f"{API}/matching/runs/{pair['run_id']}/pairs/{pair['id']}"
    ok(client.patch(review, json={"status": "approved"}, headers=world.coordinator))
    assert f'action="{start}"' in client.get(run_page).text
    sign_in(client, world.north_member)
    assert post(client, start).status_code == 403
    sign_in(client, world.coordinator)
    started = post(client, start)
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.endswith("?notice=twinning_started")
    opened = client.get(location).text
    assert "The twinning is started" in opened and "Planned" in opened
    listed = ok(client.get(f"{API}/twinnings", headers=world.coordinator))["items"]
    assert [t["matching_pair_id"] for t in listed] == [pair["id"]]
    after = client.get(run_page).text
    assert f'action="{start}"' not in after and location.split("?")[0] in after
    again = post(client, start)
    assert again.status_code == 422 and "already" in again.text


def test_the_report_opens_under_the_session_in_the_pages_language(
    client: TestClient, world: World
) -> None:
    made = twinning(client, world)
    sign_in(client, world.south_member)
    report = client.get(
        f"/twinnings/{made['id']}/report", headers={"Accept-Language": "sv-SE,sv;q=0.9"}
    )
    assert report.status_code == 200
    assert '<html lang="sv">' in report.text and "Twinningrapport" in report.text
    assert report.headers["content-security-policy"] == REPORT_POLICY
    assert report.headers["cache-control"] == "no-store"
    italian = client.get(f"/twinnings/{made['id']}", headers={"Accept-Language": "it"}).text
    assert "Gemellaggio" in italian and "Pianificato" in italian
    assert session_token(client)  # still signed in


def test_an_unknown_form_is_not_found(client: TestClient, world: World) -> None:
    made = twinning(client, world)
    sign_in(client, world.north_member)
    assert post(client, f"/twinnings/{made['id']}/rationale", {}).status_code == 404
