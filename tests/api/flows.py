"""Steps shared by API tests: drive a round through its life cycle over HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.testclient import TestClient

from assessment import MaturityModel, default_model

API = "/api/v1"
KEYS = default_model().keys


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem of this status, naming ``field`` when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= set(body)
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def new_round(
    client: TestClient,
    who: dict[str, str],
    region: int,
    label: str = "2025",
    model: MaturityModel | None = None,
) -> int:
    payload: dict[str, Any] = {"label": label}
    if model is not None:
        payload |= {"model_id": model.id, "model_version": model.version}
    body = ok(client.post(f"{API}/regions/{region}/rounds", json=payload, headers=who), 201)
    return int(body["id"])


def move(client: TestClient, who: dict[str, str], round_id: int, *statuses: str) -> None:
    for status in statuses:
        ok(
            client.post(
                f"{API}/rounds/{round_id}/transitions", json={"status": status}, headers=who
            )
        )


def rate(
    client: TestClient,
    who: dict[str, str],
    round_id: int,
    stakeholder: int,
    scores: Sequence[int | None],
    keys: Sequence[str] = KEYS,
) -> list[dict[str, Any]]:
    items = [
        {"dimension": key, "score": score, "justification": f"because {score}"}
        for key, score in zip(keys, scores, strict=False)
    ]
    stored: list[dict[str, Any]] = ok(
        client.put(
            f"{API}/rounds/{round_id}/ratings/{stakeholder}", json={"ratings": items}, headers=who
        )
    )
    return stored


def decide_all(
    client: TestClient,
    who: dict[str, str],
    round_id: int,
    scores: Sequence[int | None],
    keys: Sequence[str] = KEYS,
) -> None:
    for key, score in zip(keys, scores, strict=True):
        ok(
            client.put(
                f"{API}/rounds/{round_id}/consensus/{key}",
                json={"score": score, "justification": f"agreed on {score}"},
                headers=who,
            )
        )


def published_round(
    client: TestClient,
    who: dict[str, str],
    region: int,
    people: Sequence[int],
    scores: Sequence[int],
    label: str = "2025",
) -> int:
    """A round rated by ``people`` (all giving ``scores``), agreed on ``scores``, published."""
    round_id = new_round(client, who, region, label)
    move(client, who, round_id, "open")
    for person in people:
        rate(client, who, round_id, person, scores)
    move(client, who, round_id, "consensus")
    decide_all(client, who, round_id, scores)
    move(client, who, round_id, "published")
    return round_id


def publish(
    client: TestClient,
    who: dict[str, str],
    region: int,
    people: Sequence[int],
    scores: Mapping[str, int],
    improve: Sequence[str] = (),
    coach: Sequence[str] = (),
    *,
    model: MaturityModel | None = None,
    label: str = "2025",
) -> int:
    """A published round on ``model`` (default: the default model) rated by ``people[0]`` and
    agreed on ``scores`` (2 where not given), with improvement and coaching flags."""
    keys = (model or default_model()).keys
    values = [scores.get(key, 2) for key in keys]
    round_id = new_round(client, who, region, label, model)
    move(client, who, round_id, "open")
    rate(client, who, round_id, people[0], values, keys)
    move(client, who, round_id, "consensus")
    decide_all(client, who, round_id, values, keys)
    for key in {*improve, *coach}:
        flags = {"for_improvement": key in improve, "for_coaching": key in coach}
        ok(client.put(f"{API}/rounds/{round_id}/flags/{key}", json=flags, headers=who))
    move(client, who, round_id, "published")
    return round_id
