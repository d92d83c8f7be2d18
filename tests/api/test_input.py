"""Input that cannot be stored or that would blur identities (issue 13): NUL bytes and lone
surrogates, offsets past any table, scores that are not JSON integers, and names that differ
only by case, spacing or Unicode form, or that hide control and bidirectional characters."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import app as served_app
from tests.api.conftest import World
from tests.api.flows import API, move, new_round, ok, problem
from tests.api.test_twinnings_api import direct, seed

LISTS = sorted(
    path
    for path, item in served_app.openapi()["paths"].items()
    if any(p["name"] == "offset" for p in item.get("get", {}).get("parameters", []))
)


def _names(client: TestClient, world: World, path: str) -> set[str]:
    return {item["name"] for item in ok(client.get(path, headers=world.admin))["items"]}


# --- text no database can hold -------------------------------------------------------------


def test_nul_in_a_query_is_422_without_a_key(client: TestClient) -> None:
    problem(client.get(f"{API}/regions", params={"q": "\x00"}), 422, "query.q")
    problem(client.get(f"{API}/models", params={"model_id": "a\x00b"}), 422, "query.model_id")


def test_nul_in_a_path_is_422(client: TestClient, world: World) -> None:
    round_id = new_round(client, world.north_member, world.north)
    person = world.north_people[0]
    answer = client.put(
        f"{API}/rounds/{round_id}/ratings/{person}/fund%00ing",
        json={"score": 1},
        headers=world.north_member,
    )
    problem(answer, 422, "path.dimension")


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "lone surrogate"])
def test_unstorable_text_in_a_body_is_422_and_stores_nothing(
    client: TestClient, world: World, bad: str
) -> None:
    # json.dumps escapes both, so the body is valid JSON that decodes to the bad string.
    body = json.dumps({"name": f"Atlantis{bad}", "country": "SE"})
    answer = client.post(
        f"{API}/regions",
        content=body,
        headers={**world.admin, "Content-Type": "application/json"},
    )
    problem(answer, 422, "body.name")
    round_id = new_round(client, world.north_member, world.north, reveal_while_open=True)
    move(client, world.north_member, round_id, "open")
    items = [{"dimension": "x", "score": None, "justification": f"why{bad}"}]
    answer = client.put(
        f"{API}/rounds/{round_id}/ratings/{world.north_people[0]}",
        content=json.dumps({"ratings": items}),
        headers={**world.north_member, "Content-Type": "application/json"},
    )
    problem(answer, 422, "body.ratings.0.justification")
    assert _names(client, world, f"{API}/regions") == {"North", "South"}
    stored = ok(client.get(f"{API}/rounds/{round_id}/ratings", headers=world.admin))
    assert stored["items"] == []


@pytest.mark.parametrize("path", LISTS)
def test_an_offset_past_any_table_is_422_on_every_list(
    client: TestClient, world: World, path: str
) -> None:
    url = API + path.removeprefix(API).format_map(_Ones())
    answer = client.get(url, params={"offset": 2**63}, headers=world.admin)
    problem(answer, 422, "query.offset")


class _Ones(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "1" if key != "model_id" else "scirocco"


def test_the_lists_checked_are_all_of_them() -> None:
    assert len(LISTS) >= 12 and f"{API}/regions" in LISTS and f"{API}/matching/runs" in LISTS


# --- scores are integers of the scale ------------------------------------------------------


@pytest.mark.parametrize("score", [True, "3", "2.0", 2.0, 2.5], ids=repr)
def test_scores_must_be_json_integers(client: TestClient, world: World, score: Any) -> None:
    round_id = new_round(client, world.north_member, world.north, reveal_while_open=True)
    move(client, world.north_member, round_id, "open")
    person = world.north_people[0]
    cell = f"{API}/rounds/{round_id}/ratings/{person}/funding"
    problem(client.put(cell, json={"score": score}, headers=world.north_member), 422, "body.score")
    bulk = {"ratings": [{"dimension": "funding", "score": score}]}
    answer = client.put(
        f"{API}/rounds/{round_id}/ratings/{person}", json=bulk, headers=world.north_member
    )
    problem(answer, 422, "body.ratings.0.score")
    practice = {"name": "P", "requirements": {"funding": score}}
    answer = client.post(f"{API}/practices", json=practice, headers=world.coordinator)
    problem(answer, 422, "body.requirements.funding")
    assert ok(client.get(f"{API}/rounds/{round_id}/ratings", headers=world.admin))["items"] == []
    ok(client.put(cell, json={"score": 2}, headers=world.north_member))


# --- names -----------------------------------------------------------------------------------

DECOMPOSED = unicodedata.normalize("NFD", "Skåne")


def test_region_names_are_trimmed_normalised_and_unique_in_any_case(
    client: TestClient, world: World
) -> None:
    created = ok(
        client.post(
            f"{API}/regions",
            json={"name": f"  {DECOMPOSED}\u00a0", "country": "SE"},
            headers=world.admin,
        ),
        201,
    )
    assert created["name"] == "Skåne" and unicodedata.is_normalized("NFC", created["name"])
    for same in ("skåne", "SKÅNE", DECOMPOSED, " Skåne ", "Ｓｋåｎｅ"):
        answer = client.post(
            f"{API}/regions", json={"name": same, "country": "SE"}, headers=world.admin
        )
        assert "Skåne" in problem(answer, 409, "body.name")["detail"]
    answer = client.patch(
        f"{API}/regions/{world.north}", json={"name": "SOUTH"}, headers=world.admin
    )
    problem(answer, 409, "body.name")
    ok(client.patch(f"{API}/regions/{world.north}", json={"name": "NORTH"}, headers=world.admin))


@pytest.mark.parametrize(
    "name",
    ["   ", "\t", "Anna\nLind", "Anna\u202eLind", "Anna\u2066Lind", "Anna\u200fLind", "A\u2028B"],
    ids=["blank", "tab", "newline", "RLO", "LRI", "RLM", "line separator"],
)
def test_names_with_control_or_bidi_characters_are_422(
    client: TestClient, world: World, name: str
) -> None:
    region = {"name": name, "country": "SE"}
    problem(client.post(f"{API}/regions", json=region, headers=world.admin), 422, "body.name")
    person = {"name": name, "role": "clinician"}
    answer = client.post(
        f"{API}/regions/{world.north}/stakeholders", json=person, headers=world.north_member
    )
    problem(answer, 422, "body.name")
    key = {"name": name, "role": "coordinator"}
    problem(client.post(f"{API}/keys", json=key, headers=world.admin), 422, "body.name")
    answer = client.post(
        f"{API}/regions/{world.north}/rounds", json={"label": name}, headers=world.north_member
    )
    problem(answer, 422, "body.label")
    practice = {"name": name, "requirements": {"funding": 1}}
    answer = client.post(f"{API}/practices", json=practice, headers=world.coordinator)
    problem(answer, 422, "body.name")


def test_stakeholder_names_are_unique_in_their_region_in_any_case(
    client: TestClient, world: World
) -> None:
    """Names differing only by surrounding spaces once broke a round's statistics: the
    library strips names, so two raters became one."""
    people = f"{API}/regions/{world.north}/stakeholders"
    ok(
        client.post(
            people, json={"name": " Anna Lind ", "role": " IT "}, headers=world.north_member
        ),
        201,
    )
    for same in ("Anna Lind", "anna  lind", "ANNA LIND\t".strip()):
        answer = client.post(people, json={"name": same, "role": "IT"}, headers=world.north_member)
        problem(answer, 409, "body.name")
    ok(
        client.post(
            f"{API}/regions/{world.south}/stakeholders",
            json={"name": "Anna Lind", "role": "IT"},
            headers=world.south_member,
        ),
        201,
    )
    names = _names(client, world, people)
    assert "Anna Lind" in names and len(names) == len(world.north_people) + 1


def test_practice_names_are_unique_in_any_case(client: TestClient, world: World) -> None:
    first = {"name": "Innovation Pathway", "requirements": {"funding": 2}}
    ok(client.post(f"{API}/practices", json=first, headers=world.coordinator), 201)
    again = {"name": "innovation  PATHWAY ", "requirements": {"funding": 1}}
    answer = client.post(f"{API}/practices", json=again, headers=world.coordinator)
    problem(answer, 409, "body.name")


def test_twinning_participants_are_unique_in_their_twinning_and_titles_clean(
    client: TestClient, world: World
) -> None:
    seed(client, world)
    tid = direct(client, world)["id"]
    url = f"{API}/twinnings/{tid}/participants"
    lisa = {"name": " Lisa  Lundgren ", "side": "receiving"}
    created = ok(client.post(url, json=lisa, headers=world.admin), 201)
    assert created["name"] == "Lisa  Lundgren"
    again = {"name": "lisa lundgren", "side": "external"}
    problem(client.post(url, json=again, headers=world.admin), 409, "body.name")
    other = direct(client, world, title="Second")["id"]
    ok(client.post(f"{API}/twinnings/{other}/participants", json=again, headers=world.admin), 201)
    activity = {"kind": "workshop", "title": "Kick\u202eoff"}
    answer = client.post(f"{API}/twinnings/{tid}/activities", json=activity, headers=world.admin)
    problem(answer, 422, "body.title")
