"""Independent rating: while a round is open each rater reads only their own ratings, and
nobody reads the others' ratings or anything computed from them (statistics, proposed
scores, exports, charts, report) until rating closes at consensus, unless the round reveals
them for an open workshop. Progress (who has answered how much) stays readable."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth import Principal
from app.services.rounds import may_see_ratings
from app.tables import AssessmentRound, Role
from assessment import MaturityModel
from assessment.lifecycle import RATINGS_HIDDEN
from tests.api.conftest import World
from tests.api.flows import API, move, new_round, ok, problem, published_round, rate

pytestmark = pytest.mark.any_model


def _rated_open_round(
    client: TestClient, world: World, model: MaturityModel, *, reveal: bool = False
) -> int:
    """North's open round: the rater (people[0]) and people[1] have rated, people[1] with a
    "don't know" on the last dimension; people[2] and [3] have not started."""
    round_id = new_round(client, world.north_member, world.north, reveal_while_open=reveal)
    move(client, world.north_member, round_id, "open")
    lo = model.scale.min
    rate(client, world.north_rater, round_id, world.north_people[0], lo)
    scores: list[int | None] = [lo + 1] * len(model.keys)
    scores[-1] = None
    rate(client, world.north_member, round_id, world.north_people[1], scores)
    return round_id


def _reads(round_id: int, region: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every read that shows the round's ratings or something computed from them, with the
    field that names the round in it."""
    return {
        "ratings": (f"{API}/rounds/{round_id}/ratings", {}),
        "scores": (f"{API}/rounds/{round_id}/scores", {}),
        "profile": (f"{API}/rounds/{round_id}/profile", {}),
        "ratings.csv": (f"{API}/rounds/{round_id}/ratings.csv", {}),
        "ratings.json": (f"{API}/rounds/{round_id}/ratings.json", {}),
        "profile.csv": (f"{API}/regions/{region}/profile.csv", {"round_id": round_id}),
        "radar": (f"{API}/regions/{region}/radar.json", {"round_id": round_id}),
        "report": (f"{API}/regions/{region}/report.html", {"round_id": round_id}),
    }


FIELDS = {"profile.csv": "query.round_id", "radar": "query.round_id", "report": "query.round_id"}


def test_nobody_reads_an_open_rounds_ratings_or_what_comes_of_them(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = _rated_open_round(client, world, api_model)
    for who in ("admin", "coordinator", "north_member", "north_rater"):
        for name, (url, params) in _reads(round_id, world.north).items():
            if who == "north_rater" and name == "ratings":
                continue  # a rater lists their own (below)
            body = problem(
                client.get(url, params=params, headers=getattr(world, who)),
                403,
                FIELDS.get(name, "path.round_id"),
            )
            assert body["detail"] == f"round {round_id}: {RATINGS_HIDDEN}", (who, name)
    # An open round cannot be overlaid on a published one's chart either.
    published_round(client, world.north_member, world.north, world.north_people[:1], 2, "2022")
    problem(
        client.get(
            f"{API}/regions/{world.north}/radar.json",
            params={"rounds": str(round_id)},
            headers=world.admin,
        ),
        403,
        "query.rounds",
    )
    # Other regions' keys get the usual 403 of the region, keyless callers 401.
    problem(client.get(f"{API}/rounds/{round_id}/ratings", headers=world.south_member), 403)
    problem(client.get(f"{API}/rounds/{round_id}/profile"), 401)


def test_a_rater_reads_only_their_own_ratings_while_open(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = _rated_open_round(client, world, api_model)
    me, other = world.north_people[0], world.north_people[1]
    url = f"{API}/rounds/{round_id}/ratings"
    mine = ok(client.get(url, params={"limit": 100}, headers=world.north_rater))
    assert mine["total"] == len(api_model.keys)
    assert {r["stakeholder_id"] for r in mine["items"]} == {me}
    filtered = ok(client.get(url, params={"stakeholder_id": me}, headers=world.north_rater))
    assert filtered["total"] == len(api_model.keys)
    problem(client.get(url, params={"stakeholder_id": other}, headers=world.north_rater), 403)
    # The facilitator rating on someone's behalf gets back only what it sent.
    sent = [{"dimension": api_model.keys[0], "score": api_model.scale.max}]
    back = ok(client.put(f"{url}/{other}", json={"ratings": sent}, headers=world.north_member))
    assert [(r["dimension"], r["score"]) for r in back] == [
        (api_model.keys[0], api_model.scale.max)
    ]
    # The rater's own bulk call returns all of their ratings.
    own = ok(client.put(f"{url}/{me}", json={"ratings": sent}, headers=world.north_rater))
    assert len(own) == len(api_model.keys)


def test_everything_opens_at_consensus(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = _rated_open_round(client, world, api_model)
    move(client, world.north_member, round_id, "consensus")
    for who in ("admin", "coordinator", "north_member", "north_rater"):
        for name, (url, params) in _reads(round_id, world.north).items():
            response = client.get(url, params=params, headers=getattr(world, who))
            assert response.status_code == 200, (who, name, response.text)
    everyone = ok(client.get(f"{API}/rounds/{round_id}/ratings", headers=world.north_rater))
    assert everyone["total"] == 2 * len(api_model.keys)
    # Reopening rating hides them again.
    move(client, world.north_member, round_id, "open")
    problem(client.get(f"{API}/rounds/{round_id}/scores", headers=world.admin), 403)


def test_a_round_may_reveal_its_ratings_for_an_open_workshop(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = _rated_open_round(client, world, api_model, reveal=True)
    assert ok(client.get(f"{API}/rounds/{round_id}", headers=world.north_rater))[
        "reveal_while_open"
    ]
    for name, (url, params) in _reads(round_id, world.north).items():
        response = client.get(url, params=params, headers=world.north_member)
        assert response.status_code == 200, (name, response.text)
    listed = ok(client.get(f"{API}/rounds/{round_id}/ratings", headers=world.north_rater))
    assert listed["total"] == 2 * len(api_model.keys)
    # The facilitator turns it off while open: hidden again; a rater may not change it.
    patch = f"{API}/rounds/{round_id}"
    problem(client.patch(patch, json={"reveal_while_open": False}, headers=world.north_rater), 403)
    off = ok(client.patch(patch, json={"reveal_while_open": False}, headers=world.north_member))
    assert off["reveal_while_open"] is False and off["label"] == "2025"
    problem(client.get(f"{API}/rounds/{round_id}/scores", headers=world.north_member), 403)
    ok(client.patch(patch, json={"reveal_while_open": True}, headers=world.north_member))
    ok(client.get(f"{API}/rounds/{round_id}/scores", headers=world.north_member))
    # After rating closed the choice is history (409); the label may still change.
    move(client, world.north_member, round_id, "consensus")
    problem(
        client.patch(patch, json={"reveal_while_open": False}, headers=world.north_member),
        409,
        "path.round_id",
    )
    relabelled = ok(client.patch(patch, json={"label": "2025 b"}, headers=world.north_member))
    assert relabelled["label"] == "2025 b" and relabelled["reveal_while_open"] is True


def test_progress_shows_who_answered_how_much_without_scores(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = _rated_open_round(client, world, api_model)
    url = f"{API}/rounds/{round_id}/progress"
    n = len(api_model.keys)
    for who in ("admin", "coordinator", "north_member"):
        body = ok(client.get(url, headers=getattr(world, who)))
        assert body["round_id"] == round_id and body["dimensions_total"] == n
        lines = {line["stakeholder_id"]: line for line in body["stakeholders"]}
        assert list(lines) == world.north_people
        first, second, idle = (lines[p] for p in world.north_people[:3])
        assert (first["answered"], first["dont_know"], first["rated"]) == (n, 0, n)
        assert (second["answered"], second["dont_know"], second["rated"]) == (n, 1, n - 1)
        assert (idle["answered"], idle["last_change"]) == (0, None)
        assert second["name"] == "North clinician" and second["role"] == "clinician"
        assert first["last_change"] is not None and first["last_change"].endswith(("Z", "+00:00"))
        dims = {d["dimension"]: d for d in body["dimensions"]}
        assert list(dims) == list(api_model.keys)
        assert (dims[api_model.keys[0]]["answered"], dims[api_model.keys[0]]["dont_know"]) == (2, 0)
        assert (dims[api_model.keys[-1]]["answered"], dims[api_model.keys[-1]]["dont_know"]) == (
            2,
            1,
        )
        assert "score" not in str(body)
    mine = ok(client.get(url, headers=world.north_rater))
    assert [line["stakeholder_id"] for line in mine["stakeholders"]] == world.north_people[:1]
    assert {d["answered"] for d in mine["dimensions"]} == {1}
    problem(client.get(url, headers=world.south_member), 403)
    problem(client.get(url), 401)
    problem(client.get(f"{API}/rounds/999999/progress", headers=world.admin), 404, "path.round_id")


def test_the_rule_is_one_function_of_the_round_service() -> None:
    """``may_see_ratings`` answers for every route; here it is asked directly."""
    north = 1
    rater = Principal(key_id=1, role=Role.MEMBER, region_id=north, stakeholder_id=7)
    admin = Principal(key_id=2, role=Role.ADMIN)
    open_round = AssessmentRound(
        region_id=north, label="x", model_id="m", model_version="v", status="open"
    )
    assert not may_see_ratings(admin, open_round)
    assert not may_see_ratings(rater, open_round)
    assert may_see_ratings(rater, open_round, stakeholder_id=7)
    assert not may_see_ratings(rater, open_round, stakeholder_id=8)
    assert not may_see_ratings(None, open_round, stakeholder_id=7)
    open_round.reveal_while_open = True
    assert may_see_ratings(admin, open_round) and may_see_ratings(rater, open_round)
    for status in ("draft", "consensus", "published"):
        closed = AssessmentRound(
            region_id=north, label="x", model_id="m", model_version="v", status=status
        )
        assert may_see_ratings(admin, closed) and may_see_ratings(None, closed)
