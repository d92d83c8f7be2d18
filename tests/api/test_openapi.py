"""The OpenAPI document as client generators read it: typed schemas, references that resolve,
readable operationIds, problem details where errors are documented, and examples that the
API accepts when they are sent exactly as shown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.demo import DEMO_KEYS
from app.main import app as served_app
from app.problems import PROBLEM_MEDIA_TYPE
from app.settings import Settings
from tests.api.conftest import headers, serve_settings, unlimited_settings
from tests.api.flows import API, ok

DOCUMENT = served_app.openapi()
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
ADMIN = headers(DEMO_KEYS["admin"])
TYPED = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const")


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_property_of_every_schema_has_a_type() -> None:
    untyped = {
        f"{name}.{prop}"
        for name, schema in SCHEMAS.items()
        for prop, definition in schema.get("properties", {}).items()
        if not any(key in definition for key in TYPED)
    }
    assert not untyped


def test_every_reference_resolves() -> None:
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(DOCUMENT)))
    prefix = "#/components/schemas/"
    assert all(ref.startswith(prefix) and ref[len(prefix) :] in SCHEMAS for ref in refs), refs
    radar = DOCUMENT["paths"][f"{API}/regions/{{region_id}}/radar.{{fmt}}"]["get"]
    spec = radar["responses"]["200"]["content"]["application/json"]["schema"]
    assert spec == {"$ref": prefix + "RadarSpec"}
    assert "RadarSeries" in SCHEMAS


def test_operation_ids_are_readable_and_unique() -> None:
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", name) for name in ids), ids
    assert {"listRegions", "getRadar", "createRound", "transitionRound", "putRatings"} <= set(ids)


def test_errors_are_documented_as_problem_details() -> None:
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"] == {
                    PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, f"{method} {path} {status}"
    assert "errors" in SCHEMAS["Problem"]["properties"]


def test_limit_shows_the_deployments_page_sizes(api_app: FastAPI) -> None:
    document = api_app.openapi()
    limit = next(
        p for p in document["paths"][f"{API}/regions"]["get"]["parameters"] if p["name"] == "limit"
    )
    settings: Settings = api_app.state.settings
    assert limit["schema"]["maximum"] == settings.page_max_limit
    assert limit["schema"]["default"] == settings.page_default_limit


# --- every request-body example, sent as shown ---------------------------------------------

Setup = Callable[[TestClient], dict[str, Any]]


def _open_round(client: TestClient) -> dict[str, Any]:
    """Helsingborg's 2025 round (open in the demo) and one of its stakeholders."""
    (round_,) = ok(client.get(f"{API}/rounds", params={"status": "open"}, headers=ADMIN))["items"]
    people = ok(client.get(f"{API}/regions/{round_['region_id']}/stakeholders", headers=ADMIN))
    return {
        "round_id": round_["id"],
        "stakeholder_id": people["items"][-1]["id"],
        "dimension": "funding",
    }


def _consensus_round(client: TestClient) -> dict[str, Any]:
    found = _open_round(client)
    move = {"status": "consensus"}
    ok(client.post(f"{API}/rounds/{found['round_id']}/transitions", json=move, headers=ADMIN))
    return {**found, "dimension": "innovation_management"}


def _draft_round(client: TestClient) -> dict[str, Any]:
    body = {"label": "draft for the example"}
    created = ok(client.post(f"{API}/regions/1/rounds", json=body, headers=ADMIN), 201)
    return {"round_id": created["id"]}


def _run_pair(client: TestClient) -> dict[str, Any]:
    run = ok(client.post(f"{API}/matching/runs", json={}, headers=ADMIN), 201)
    return {"run_id": run["id"], "pair_id": run["pairs"][0]["id"]}


def _practice(client: TestClient) -> dict[str, Any]:
    return {"practice_id": ok(client.get(f"{API}/practices", headers=ADMIN))["items"][0]["id"]}


def _approved_pair(client: TestClient) -> dict[str, Any]:
    """The demo has no matching run: the first run's first pair (id 1) is approved."""
    found = _run_pair(client)
    review = {"status": "approved"}
    url = f"{API}/matching/runs/{found['run_id']}/pairs/{found['pair_id']}"
    assert ok(client.patch(url, json=review, headers=ADMIN))["id"] == 1
    return {}


def _planned_twinning(client: TestClient) -> dict[str, Any]:
    """A new twinning of Norrbotten and Scotland with a participant from each, ready to run."""
    body = {"receiving_region_id": 1, "transferring_region_id": 2, "focus": ["funding"]}
    twinning_id = ok(client.post(f"{API}/twinnings", json=body, headers=ADMIN), 201)["id"]
    for side in ("receiving", "transferring"):
        person = {"name": f"{side} lead", "side": side}
        url = f"{API}/twinnings/{twinning_id}/participants"
        ok(client.post(url, json=person, headers=ADMIN), 201)
    return {"twinning_id": twinning_id}


def _first_of(collection: str, twinning_id: int, key: str) -> Setup:
    def setup(client: TestClient) -> dict[str, Any]:
        url = f"{API}/twinnings/{twinning_id}/{collection}"
        first = ok(client.get(url, headers=ADMIN))["items"][0]["id"]
        return {"twinning_id": twinning_id, key: first}

    return setup


NO_PATH: Setup = lambda client: {}  # noqa: E731
# The demo database (`make run`) is where the documentation's examples are meant to be sent:
# region 1 is Norrbotten, stakeholder 2 one of its people, region 2 Scotland.
SETUPS: dict[str, Setup] = {
    "createRegion": NO_PATH,
    "updateRegion": lambda client: {"region_id": 1},
    "createStakeholder": lambda client: {"region_id": 1},
    "updateStakeholder": lambda client: {"region_id": 1, "stakeholder_id": 1},
    "createRound": lambda client: {"region_id": 1},
    "updateRound": _open_round,
    "transitionRound": _draft_round,
    "putRating": _open_round,
    "putRatings": _open_round,
    "putConsensus": _consensus_round,
    "putConsensusBulk": _consensus_round,
    "acceptProposedScores": _consensus_round,
    "putFlags": _consensus_round,
    "putFlagsBulk": _consensus_round,
    "createKey": NO_PATH,
    "createRun": NO_PATH,
    "reviewPair": _run_pair,
    "createPractice": NO_PATH,
    "updatePractice": _practice,
    # Twinnings 1 Norrbotten-Scotland (followed up), 2 Lund-Helsingborg (concluded), 3
    # Höganäs-Lidingö (running).
    "createTwinning": _approved_pair,
    "updateTwinning": lambda client: {"twinning_id": 3},
    "transitionTwinning": _planned_twinning,
    "createTwinningParticipant": lambda client: {"twinning_id": 1},
    "updateTwinningParticipant": _first_of("participants", 1, "participant_id"),
    "putConditionNote": lambda client: {"twinning_id": 1, "dimension": "funding"},
    "updateTwinningOutcomes": lambda client: {"twinning_id": 3},
    "createTwinningActivity": lambda client: {"twinning_id": 2},
    "updateActivity": lambda client: {"activity_id": 1},
    "createTwinningAction": lambda client: {"twinning_id": 2},
    "updateTwinningAction": _first_of("actions", 2, "action_id"),
}


def _examples() -> list[Any]:
    cases = []
    for path, method, operation in operations():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        schema = SCHEMAS[body["schema"]["$ref"].rsplit("/", 1)[-1]]
        success = next(status for status in operation["responses"] if status.startswith("2"))
        for index, example in enumerate(schema.get("examples", [])):
            cases.append(
                pytest.param(
                    operation["operationId"],
                    method,
                    path,
                    example,
                    int(success),
                    id=f"{operation['operationId']}-{index}",
                )
            )
    return cases


def test_the_examples_cover_every_operation_with_a_body() -> None:
    with_body = {
        operation["operationId"] for _, _, operation in operations() if "requestBody" in operation
    }
    assert with_body == {case.values[0] for case in _examples()}
    assert with_body <= set(SETUPS), "add a setup for each new operation with a body"


@pytest.fixture
def demo_client(_clone_demo: Callable[[], str]) -> Iterator[TestClient]:
    for app in serve_settings(unlimited_settings(_clone_demo())):
        yield TestClient(app)


# Whether an example is valid does not depend on the database: SQLite is enough.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("operation_id", "method", "path", "example", "status"), _examples())
def test_every_documented_example_is_accepted_as_shown(
    demo_client: TestClient,
    operation_id: str,
    method: str,
    path: str,
    example: Any,
    status: int,
) -> None:
    url = path.format(**SETUPS[operation_id](demo_client))
    response = demo_client.request(method.upper(), url, json=example, headers=ADMIN)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_dont_know_example_is_stored_as_dont_know(demo_client: TestClient) -> None:
    """Issue 9: the documented "don't know" example once lost its ``"score": null`` and was
    rejected as sent. It keeps the null, and sent as shown it stores a don't know."""
    operation = DOCUMENT["paths"][
        f"{API}/rounds/{{round_id}}/ratings/{{stakeholder_id}}/{{dimension}}"
    ]
    ref = operation["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    examples = SCHEMAS[ref.rsplit("/", 1)[-1]]["examples"]
    (dont_know,) = [e for e in examples if e["justification"].startswith("don't know")]
    assert "score" in dont_know and dont_know["score"] is None
    where = _open_round(demo_client)
    url = f"{API}/rounds/{where['round_id']}/ratings/{where['stakeholder_id']}/funding"
    stored = ok(demo_client.put(url, json=dont_know, headers=ADMIN))
    assert (stored["score"], stored["justification"]) == (None, dont_know["justification"])
