"""Steps shared by API tests: drive a round through its life cycle over HTTP.

Dimensions come from the round's own model (read over HTTP), never from a constant, so the
same tests run with the shipped 12-dimension model and with a small test model. ``scores``
are given per dimension in model order, or as one score for every dimension.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.testclient import TestClient

from assessment import MaturityModel

API = "/api/v1"
Scores = Sequence[int | None] | int | None


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
    *,
    reveal_while_open: bool = False,
) -> int:
    """A draft round of ``region`` on ``model`` (default: the deployment's default model);
    ``reveal_while_open`` lets region readers see its ratings while it is open."""
    payload: dict[str, Any] = {"label": label, "reveal_while_open": reveal_while_open}
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


def round_keys(client: TestClient, who: dict[str, str], round_id: int) -> list[str]:
    """The dimension keys of the round's model, in model order."""
    model = ok(client.get(f"{API}/rounds/{round_id}", headers=who))["model"]
    found = ok(client.get(f"{API}/models/{model['id']}", params={"version": model["version"]}))
    return [dimension["key"] for dimension in found["dimensions"]]


def per_dimension(keys: Sequence[str], scores: Scores) -> list[tuple[str, int | None]]:
    if scores is None or isinstance(scores, int):
        return [(key, scores) for key in keys]
    return list(zip(keys, scores, strict=False))


def rate(
    client: TestClient,
    who: dict[str, str],
    round_id: int,
    stakeholder: int,
    scores: Scores,
) -> list[dict[str, Any]]:
    """One stakeholder rates every dimension (or the first ``len(scores)``) in one request."""
    items = [
        {"dimension": key, "score": score, "justification": f"because {score}"}
        for key, score in per_dimension(round_keys(client, who, round_id), scores)
    ]
    stored: list[dict[str, Any]] = ok(
        client.put(
            f"{API}/rounds/{round_id}/ratings/{stakeholder}", json={"ratings": items}, headers=who
        )
    )
    return stored


def decide_all(client: TestClient, who: dict[str, str], round_id: int, scores: Scores) -> None:
    """The workshop decides every dimension of the round's model."""
    keys = round_keys(client, who, round_id)
    if not isinstance(scores, int) and scores is not None:
        assert len(scores) == len(keys), f"{len(scores)} scores for {len(keys)} dimensions"
    for key, score in per_dimension(keys, scores):
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
    scores: Scores,
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
    """A published round on ``model`` (default: the deployment's default model) rated by
    ``people[0]`` and agreed on ``scores`` by dimension key (2 where not given), with
    improvement and coaching flags."""
    round_id = new_round(client, who, region, label, model)
    values = [scores.get(key, 2) for key in round_keys(client, who, round_id)]
    move(client, who, round_id, "open")
    rate(client, who, round_id, people[0], values)
    move(client, who, round_id, "consensus")
    decide_all(client, who, round_id, values)
    for key in {*improve, *coach}:
        flags = {"for_improvement": key in improve, "for_coaching": key in coach}
        ok(client.put(f"{API}/rounds/{round_id}/flags/{key}", json=flags, headers=who))
    move(client, who, round_id, "published")
    return round_id


def member_key(client: TestClient, who: dict[str, str], region: int, name: str) -> dict[str, Any]:
    """A new member key of ``region`` (a facilitator's), as ``POST /keys`` answers it."""
    body = {"name": name, "role": "member", "region_id": region}
    created: dict[str, Any] = ok(client.post(f"{API}/keys", headers=who, json=body), 201)
    return created


def expire_checked_keys(app: Any) -> None:
    """Move the app's key cache past every entry, as ``key_cache_seconds`` passing would:
    the next request with each key looks it up again."""
    checked = app.state.key_cache
    later = time.monotonic() + checked.seconds
    checked.clock = lambda: later
