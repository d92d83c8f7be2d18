"""Who reaches which page: sessions from keys and from invitation links, their limits, expiry,
revocation and sign-out; over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.services.invitations import create_invitation
from app.tables import AssessmentRound, utcnow
from app.tables_web import Invitation, WebSession
from app.web.sessions import SESSION_COOKIE
from tests.api.conftest import World
from tests.api.flows import move, new_round, rate
from tests.web.pages import ORIGIN, form_token, post, sign_in


def open_round(client: TestClient, world: World) -> int:
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    return round_id


def invite(database: Database, round_id: int, stakeholder_id: int) -> str:
    with database.session(write=True) as session:
        round_ = session.get(AssessmentRound, round_id)
        assert round_ is not None
        _, token = create_invitation(session, round_, stakeholder_id, created_by=None)
        session.commit()
    return token


def test_start_page_and_sign_in_lead_each_role_home(client: TestClient, world: World) -> None:
    start = client.get("/")
    assert start.status_code == 200 and '<html lang="en">' in start.text
    assert sign_in(client, world.north_member).headers["location"] == f"/regions/{world.north}"
    assert client.get(f"/regions/{world.north}").status_code == 200
    other = TestClient(client.app)
    assert sign_in(other, world.coordinator).headers["location"] == "/coordination"
    assert other.get("/coordination").status_code == 200


def test_wrong_and_stakeholder_keys_do_not_sign_in(client: TestClient, world: World) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token
    for key in ("tw_not_a_key", world.north_rater["X-API-Key"]):
        refused = client.post(
            "/sign-in", data={"csrf_token": token.group(1), "key": key}, headers=ORIGIN
        )
        assert refused.status_code == 401
        assert SESSION_COOKIE not in client.cookies


def test_a_facilitator_reaches_only_their_own_region(client: TestClient, world: World) -> None:
    south_round = new_round(client, world.south_member, world.south)
    sign_in(client, world.north_member)
    for path in (f"/regions/{world.south}", f"/rounds/{south_round}", "/coordination"):
        assert client.get(path).status_code == 403, path
    refused = post(client, f"/regions/{world.south}/rounds", {"label": "sneaky"})
    assert refused.status_code == 403
    assert post(client, f"/rounds/{south_round}/transition", {"status": "open"}).status_code == 403
    rounds = client.get("/api/v1/rounds", headers=world.south_member).json()["items"]
    assert [(r["label"], r["status"]) for r in rounds] == [("2025", "draft")]


def test_a_stakeholders_session_reaches_only_their_own_answers(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    me, other = world.north_people[0], world.north_people[1]
    rate(client, world.north_member, round_id, other, [3] * 12)  # "because 3"
    client.get(f"/invite/{invite(database, round_id, me)}")
    assert client.get("/questionnaire").status_code == 200
    review = client.get("/questionnaire/review").text
    assert "because 3" not in review and "North clinician" not in review
    # Staff pages send it to sign in; the API knows no cookie.
    assert client.get(f"/rounds/{round_id}", follow_redirects=False).status_code == 303
    assert client.get(f"/regions/{world.north}", follow_redirects=False).status_code == 303
    assert client.get(f"/api/v1/rounds/{round_id}/ratings").status_code == 401
    saved = post(client, "/questionnaire/funding", {"level": "2", "justification": "mine"})
    assert saved.status_code == 303
    # Read back with the stakeholder's own key: while open, nobody else reads the ratings.
    stored = client.get(f"/api/v1/rounds/{round_id}/ratings", headers=world.north_rater).json()
    assert {(r["stakeholder_id"], r["dimension"]) for r in stored["items"] if r["score"] == 2} == {
        (me, "funding")
    }


def test_invitation_links_are_stored_hashed_and_shown_once(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    sign_in(client, world.north_member)
    created = post(
        client, f"/rounds/{round_id}/invitations", {"stakeholder_id": str(world.north_people[2])}
    )
    assert created.status_code == 201
    link = re.search(r'value="(http://testserver/invite/(tw_inv_[^"]+))"', created.text)
    assert link is not None
    token = link.group(2)
    assert token not in client.get(f"/rounds/{round_id}").text  # never shown again
    with database.session() as session:
        stored = session.exec(select(Invitation)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored)
    # A new link replaces the old one.
    post(client, f"/rounds/{round_id}/invitations", {"stakeholder_id": str(world.north_people[2])})
    visitor = TestClient(client.app)
    assert visitor.get(f"/invite/{token}").status_code == 404


def test_a_revoked_link_ends_its_sessions(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    token = invite(database, round_id, world.north_people[0])
    stakeholder = TestClient(client.app)
    assert stakeholder.get(f"/invite/{token}").status_code == 200
    sign_in(client, world.north_member)
    with database.session() as session:
        invitation = session.exec(select(Invitation)).one()
    revoked = post(client, f"/rounds/{round_id}/invitations/{invitation.id}/revoke")
    assert revoked.status_code == 303
    assert stakeholder.get("/questionnaire").status_code == 401
    assert stakeholder.get(f"/invite/{token}").status_code == 404


def test_an_expired_link_does_not_open(
    client: TestClient, database: Database, world: World
) -> None:
    round_id = open_round(client, world)
    token = invite(database, round_id, world.north_people[0])
    with database.session(write=True) as session:
        invitation = session.exec(select(Invitation)).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        session.add(invitation)
        session.commit()
    page = client.get(f"/invite/{token}")
    assert page.status_code == 404 and "does not work" in page.text


def test_sign_out_and_idle_expiry_end_the_session(
    client: TestClient, database: Database, world: World
) -> None:
    sign_in(client, world.north_member)
    cookie = client.cookies[SESSION_COOKIE]
    assert post(client, "/sign-out").status_code == 303
    replay = TestClient(client.app, cookies={SESSION_COOKIE: cookie})
    assert replay.get(f"/regions/{world.north}", follow_redirects=False).status_code == 303
    with database.session() as session:
        assert session.exec(select(WebSession)).all() == []

    sign_in(client, world.north_member)
    with database.session(write=True) as session:
        row = session.exec(select(WebSession)).one()
        row.last_seen_at = utcnow() - timedelta(hours=3)
        session.add(row)
        session.commit()
    expired = client.get(f"/regions/{world.north}", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"].startswith("/sign-in")


def test_a_revoked_key_ends_its_sessions(client: TestClient, world: World) -> None:
    sign_in(client, world.north_member)
    keys = client.get("/api/v1/keys", headers=world.admin).json()["items"]
    north = next(k for k in keys if k["name"] == "n")
    assert client.delete(f"/api/v1/keys/{north['id']}", headers=world.admin).status_code == 204
    assert client.get(f"/regions/{world.north}", follow_redirects=False).status_code == 303


def test_sign_in_goes_back_only_to_this_site(client: TestClient, world: World) -> None:
    for target, expected in (
        ("//evil.example/x", f"/regions/{world.north}"),
        ("https://evil.example/", f"/regions/{world.north}"),
        (f"/regions/{world.north}/profile", f"/regions/{world.north}/profile"),
    ):
        browser = TestClient(client.app)
        response = browser.post(
            "/sign-in",
            data={
                "csrf_token": form_token(browser.get("/sign-in").text),
                "key": world.north_member["X-API-Key"],
                "next": target,
            },
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert response.headers["location"] == expected
    switched = client.get("/language/sv?next=//evil.example", follow_redirects=False)
    assert switched.headers["location"] == "/"


def test_stakeholder_names_cannot_inject_markup(client: TestClient, world: World) -> None:
    sign_in(client, world.north_member)
    payload = '<script>alert("x")</script>'
    added = post(client, f"/regions/{world.north}/stakeholders", {"name": payload, "role": payload})
    assert added.status_code == 303
    page = client.get(f"/regions/{world.north}").text
    assert payload not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
