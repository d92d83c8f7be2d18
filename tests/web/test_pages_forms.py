"""Forms of the pages over HTTP (SQLite and PostgreSQL): CSRF and origin checks, security
headers, the questionnaire's saving, submitting and closing, the progress board and the
workshop; every refused request changes nothing."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.services.progress import round_progress
from app.tables import AssessmentRound, RatingRow
from assessment import default_model
from tests.api.conftest import World
from tests.api.flows import move, rate
from tests.web.pages import ORIGIN, form_token, post, session_token, sign_in
from tests.web.test_pages_access import invite, open_round

KEYS = default_model().keys


def stakeholder_count(client: TestClient, world: World) -> int:
    listed = client.get(f"/api/v1/regions/{world.north}/stakeholders", headers=world.north_member)
    return int(listed.json()["total"])


def test_forms_need_the_sessions_token_and_this_sites_origin(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.north_member)
    token = session_token(client)
    path = f"/regions/{world.north}/stakeholders"
    fields = {"name": "Ann", "role": "IT"}
    before = stakeholder_count(client, world)
    attempts = [
        ({**fields}, ORIGIN),  # no token
        ({**fields, "csrf_token": "guess"}, ORIGIN),  # a wrong token
        ({**fields, "csrf_token": token}, {"Origin": "https://evil.example"}),
        ({**fields, "csrf_token": token}, {"Referer": "https://evil.example/page"}),
        ({**fields, "csrf_token": token}, {}),  # neither Origin nor Referer
    ]
    for data, headers in attempts:
        refused = client.post(path, data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403, (data, headers)
        assert "text/html" in refused.headers["content-type"]
    assert stakeholder_count(client, world) == before
    referer = {"Referer": f"http://testserver/regions/{world.north}"}
    accepted = client.post(
        path, data={**fields, "csrf_token": token}, headers=referer, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert stakeholder_count(client, world) == before + 1


def test_pages_carry_security_headers_and_the_api_keeps_its_own(client: TestClient) -> None:
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    assert "style=" not in page.text and "<script>" not in page.text  # nothing inline
    css = client.get("/static/web.css")
    assert css.status_code == 200 and "content-security-policy" in css.headers
    api = client.get("/api/v1/models").headers["content-security-policy"]
    assert api != policy and "script-src" not in api  # data answers: no scripts at all


def test_session_cookie_is_httponly_and_samesite(client: TestClient, world: World) -> None:
    cookie = sign_in(client, world.north_member).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http here; https sets Secure


def test_the_language_follows_the_browser_and_the_choice(client: TestClient) -> None:
    swedish = client.get("/", headers={"Accept-Language": "sv-SE,en;q=0.5"}).text
    assert '<html lang="sv">' in swedish and "Logga in" in swedish and "Sign in" not in swedish
    assert '<html lang="it">' in client.get("/", headers={"Accept-Language": "de, it;q=0.8"}).text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fi"}).text
    client.get("/language/it")
    italian = client.get("/", headers={"Accept-Language": "sv"}).text
    assert '<html lang="it">' in italian and "Accedi" in italian


def test_questionnaire_saves_resumes_submits_and_ends_with_the_round(
    api_app: FastAPI, client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    me = world.north_people[0]
    client.get(f"/invite/{invite(database, round_id, me)}")
    first = post(client, f"/questionnaire/{KEYS[0]}", {"level": "3", "justification": "plan"})
    assert first.headers["location"] == f"/questionnaire/{KEYS[1]}"
    dont_know = post(client, f"/questionnaire/{KEYS[1]}", {"level": "dk", "go": "review"})
    assert dont_know.headers["location"] == "/questionnaire/review"
    bare = post(client, f"/questionnaire/{KEYS[2]}", {"justification": "no level chosen"})
    assert bare.status_code == 422
    off_scale = post(client, f"/questionnaire/{KEYS[2]}", {"level": "9"})
    assert off_scale.status_code == 422
    page = client.get(f"/questionnaire/{KEYS[0]}").text
    assert 'value="3" checked' in page and ">plan</textarea>" in page
    assert "2 of 12 dimensions answered" in client.get("/questionnaire").text

    early = post(client, "/questionnaire/submit")
    assert early.status_code == 409  # ten dimensions still unanswered
    for key in KEYS[2:]:
        post(client, f"/questionnaire/{key}", {"level": "1"})
    assert post(client, "/questionnaire/submit").headers["location"].endswith("notice=submitted")
    locked = post(client, f"/questionnaire/{KEYS[0]}", {"level": "5"})
    assert locked.status_code == 409

    with database.session() as session:
        round_ = session.get(AssessmentRound, round_id)
        assert round_ is not None
        progress = round_progress(session, api_app.state.models, round_)
    mine = progress.of(me)
    assert mine is not None and mine.submitted_at is not None
    assert (mine.answered, mine.dont_know, mine.rated) == (12, 1, 11)
    assert progress.submitted == 1
    assert [d.answered for d in progress.dimensions] == [1] * 12
    others = [p for p in progress.stakeholders if p.stakeholder_id != me]
    assert all(p.answered == 0 and p.last_change is None for p in others)

    assert post(client, "/questionnaire/withdraw").status_code == 303
    assert post(client, f"/questionnaire/{KEYS[0]}", {"level": "4"}).status_code == 303
    move(client, world.north_member, round_id, "consensus")
    closed = post(client, f"/questionnaire/{KEYS[0]}", {"level": "5"})
    assert closed.status_code == 409 and "Rating has ended" in closed.text
    assert "Rating has ended" in client.get("/questionnaire").text
    with database.session() as session:
        scores = session.exec(
            select(RatingRow.score).where(
                RatingRow.round_id == round_id, RatingRow.dimension == KEYS[0]
            )
        ).all()
    assert scores == [4]


def test_autosave_answers_with_json(client: TestClient, database: Database, world: World) -> None:
    round_id = open_round(client, world)
    client.get(f"/invite/{invite(database, round_id, world.north_people[1])}")
    saved = client.post(
        f"/questionnaire/{KEYS[3]}",
        data={"csrf_token": session_token(client), "level": "2", "go": "stay"},
        headers={**ORIGIN, "X-Autosave": "1"},
    )
    assert saved.json() == {"saved": True, "answered": 1, "total": 12}


def test_progress_board_shows_counts_never_scores(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    rate(client, world.north_member, round_id, world.north_people[0], [4, None, 2])
    sign_in(client, world.north_member)
    board = client.get(f"/rounds/{round_id}").text
    assert "3 of 12" in board and "because 4" not in board and "because None" not in board


def test_workshop_records_decisions_and_publishes(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    payload = "<img src=x onerror=alert(1)>"
    for person in world.north_people[:3]:
        rate(client, world.north_member, round_id, person, [2] * 12)
    with database.session(write=True) as session:
        row = session.exec(select(RatingRow)).first()
        assert row is not None
        row.justification = payload
        session.add(row)
        session.commit()
    sign_in(client, world.north_member)
    assert client.get(f"/rounds/{round_id}/workshop").status_code == 409  # still rating
    assert (
        post(client, f"/rounds/{round_id}/transition", {"status": "consensus"}).status_code == 303
    )
    page = client.get(f"/rounds/{round_id}/workshop").text
    assert payload not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'id="score-funding-2" name="score" value="2" checked' in page  # proposed, pre-filled
    early = post(client, f"/rounds/{round_id}/transition", {"status": "published"})
    assert early.status_code == 409
    no_reason = post(client, f"/rounds/{round_id}/workshop/funding", {"score": "none"})
    assert no_reason.status_code == 422
    for key in KEYS:
        fields = {"score": "3", "justification": f"agreed {key}"}
        if key == "funding":
            fields["for_improvement"] = "true"
        assert post(client, f"/rounds/{round_id}/workshop/{key}", fields).status_code == 303
    published = post(client, f"/rounds/{round_id}/transition", {"status": "published"})
    assert published.headers["location"].startswith(f"/regions/{world.north}/profile")
    profile = client.get(f"/api/v1/rounds/{round_id}/profile", headers=world.north_member).json()
    funding = next(s for s in profile["profile"]["scores"] if s["dimension"] == "funding")
    assert (funding["score"], funding["source"], funding["for_improvement"]) == (
        3,
        "workshop",
        True,
    )
    assert "<svg" in client.get(f"/regions/{world.north}/profile").text
    report = client.get(f"/regions/{world.north}/report")
    assert report.status_code == 200
    assert "script-src" not in report.headers["content-security-policy"]


def test_over_https_the_session_cookie_is_secure(client: TestClient, world: World) -> None:
    secure = TestClient(client.app, base_url="https://testserver")
    response = secure.post(
        "/sign-in",
        data={
            "csrf_token": form_token(secure.get("/sign-in").text),
            "key": world.north_member["X-API-Key"],
        },
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "; secure" in response.headers["set-cookie"].lower()


def test_malformed_requests_get_pages_not_json(client: TestClient, world: World) -> None:
    sign_in(client, world.north_member)
    missing = client.get("/rounds/not-a-number")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    bad_form = post(client, "/rounds/1/invitations", {"stakeholder_id": "many"})
    assert bad_form.status_code == 422 and "text/html" in bad_form.headers["content-type"]
    api = client.get("/api/v1/rounds/not-a-number", headers=world.north_member)
    assert api.headers["content-type"] == "application/problem+json"


def test_text_no_database_can_store_is_refused_with_its_field(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    client.get(f"/invite/{invite(database, round_id, world.north_people[2])}")
    refused = post(client, f"/questionnaire/{KEYS[0]}", {"level": "2", "justification": "a\x00b"})
    assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]
    assert "justification contains the NUL character" in refused.text
    with database.session() as session:
        stored = session.exec(select(RatingRow).where(RatingRow.round_id == round_id)).all()
    assert stored == []

    staff = TestClient(client.app)
    sign_in(staff, world.north_member)
    before = stakeholder_count(staff, world)
    named = post(staff, f"/regions/{world.north}/stakeholders", {"name": "A\x00n", "role": "IT"})
    assert named.status_code == 422 and "name contains the NUL character" in named.text
    assert stakeholder_count(staff, world) == before
