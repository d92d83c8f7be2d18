"""Steps shared by API tests: drive a round through its life cycle over HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient

from assessment import default_model

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


def new_round(client: TestClient, who: dict[str, str], region: int, label: str = "2025") -> int:
    body = ok(
        client.post(f"{API}/regions/{region}/rounds", json={"label": label}, headers=who), 201
    )
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
) -> list[dict[str, Any]]:
    items = [
        {"dimension": key, "score": score, "justification": f"because {score}"}
        for key, score in zip(KEYS, scores, strict=False)
    ]
    return ok(
        client.put(
            f"{API}/rounds/{round_id}/ratings/{stakeholder}", json={"ratings": items}, headers=who
        )
    )


def decide_all(
    client: TestClient, who: dict[str, str], round_id: int, scores: Sequence[int | None]
) -> None:
    for key, score in zip(KEYS, scores, strict=True):
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
