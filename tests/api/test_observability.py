"""What operators see (issue 10: logs and metrics) and what every answer carries (issue 13:
security headers, no key material or user text in logs)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from alembic import command
from app.db import Database
from app.logs import JsonFormatter, safe_error_message
from app.main import create_app
from app.routing import ApiRoute
from tests.api.conftest import World, alembic_config, unlimited_settings
from tests.api.flows import API, move, new_round, ok, problem


@pytest.fixture
def fresh_app(migrated_url: str, database: Database) -> Iterator[FastAPI]:
    app = create_app(unlimited_settings(migrated_url))
    yield app
    app.state.database.dispose()


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record)) for record in caplog.records if record.name == logger
    ]


def test_every_answer_carries_the_security_headers_and_a_request_id(
    client: TestClient,
) -> None:
    answers = [
        client.get(f"{API}/models"),
        client.get(f"{API}/nowhere"),  # a problem
        client.get(f"{API}/health/live"),
        client.get("/openapi.json"),
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src" not in policy
        assert len(answer.headers["x-request-id"]) == 32
    metrics = client.get("/metrics")  # outside the API: the pages' defaults, as strict
    assert metrics.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in metrics.headers["content-security-policy"]
    docs = client.get("/docs").headers["content-security-policy"]
    assert "script-src 'self'" in docs  # Swagger UI runs from this origin


def test_a_sane_request_id_is_kept_and_any_other_replaced(client: TestClient) -> None:
    kept = client.get(f"{API}/models", headers={"X-Request-ID": "trace-42.a:b_c"})
    assert kept.headers["x-request-id"] == "trace-42.a:b_c"
    for bad in ("x" * 65, "has space", 'quote"d'):
        answer = client.get(f"{API}/models", headers={"X-Request-ID": bad})
        assert answer.headers["x-request-id"] != bad


def test_the_access_log_has_the_route_and_key_id_never_the_key_or_user_text(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    secret = "our budget is secret"
    cell = f"{API}/rounds/{round_id}/ratings/{world.north_people[0]}/funding"
    ok(client.put(cell, json={"score": 1, "justification": secret}, headers=world.north_member))
    client.get(f"{API}/regions", params={"q": "hidden search"}, headers=world.admin)
    client.get(f"{API}/regions", headers={"X-API-Key": "tw_wrong_key"})
    lines = _lines(caplog, "app.access")
    text = json.dumps(lines)
    for leak in (secret, "hidden search", "tw_wrong_key", world.admin["X-API-Key"]):
        assert leak not in text
    put = next(line for line in lines if line["method"] == "PUT")
    assert put["route"] == f"{API}/rounds/{{round_id}}/ratings/{{stakeholder_id}}/{{dimension}}"
    assert put["status"] == 200 and isinstance(put["key_id"], int)
    assert {"request_id", "duration_ms", "client"} <= set(put)
    refused = lines[-1]
    assert refused["status"] == 401 and refused["key_id"] is None


def test_an_unhandled_error_is_a_500_problem_logged_once_with_its_request_id(
    fresh_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    fresh_app.router.add_api_route(f"{API}/broken", broken, route_class_override=ApiRoute)
    answer = TestClient(fresh_app, raise_server_exceptions=False).get(f"{API}/broken")
    body = problem(answer, 500)
    request_id = answer.headers["x-request-id"]
    assert request_id in body["detail"]
    (error,) = _lines(caplog, "app.errors")
    assert error["request_id"] == request_id and error["level"] == "error"
    assert error["error"]["type"] == "builtins.RuntimeError"
    assert any("broken" in frame for frame in error["error"]["stack"])


def test_database_errors_are_logged_without_their_values() -> None:
    orig = Exception(
        'duplicate key value violates unique constraint "uq_regions_name_key"\n'
        "DETAIL:  Key (name_key)=(secret name) already exists."
    )
    error = IntegrityError("INSERT INTO regions (name) VALUES (%(name)s)", {"name": "x"}, orig)
    message = safe_error_message(error)
    assert "secret name" not in message and "uq_regions_name_key" in message
    assert "%(name)s" in message


def test_metrics_count_requests_by_route_template_and_show_the_pool(
    client: TestClient, world: World
) -> None:
    for _ in range(2):
        ok(client.get(f"{API}/regions/{world.south}", headers=world.admin))
    problem(client.get(f"{API}/regions/99999", headers=world.admin), 404)
    text = client.get("/metrics").text
    counted = (
        'twinning_http_requests_total{method="GET",route="/api/v1/regions/{region_id}",'
        'status="200"}'
    )
    assert counted in text
    assert 'route="/api/v1/regions/{region_id}",status="404"' in text
    assert "twinning_http_request_duration_seconds_bucket" in text
    for gauge in ("db_connections_open", "db_connections_in_use", "http_requests_in_progress"):
        assert f"twinning_{gauge}" in text
    assert str(world.south) + "}" not in text  # ids never become labels


def test_liveness_needs_no_database_and_readiness_needs_a_current_one(
    empty_database_url: str,
) -> None:
    app = create_app(unlimited_settings(empty_database_url))
    try:
        client = TestClient(app)
        assert ok(client.get(f"{API}/health/live")) == {"status": "ok"}
        problem(client.get(f"{API}/health/ready"), 503)  # nothing migrated yet
        command.upgrade(alembic_config(empty_database_url), "head")
        ready = ok(client.get(f"{API}/health/ready"))
        assert ready["status"] == "ready" and ready["schema_revision"]
        assert ok(client.get(f"{API}/health"))["status"] == "ok"  # as documented
    finally:
        app.state.database.dispose()
    unreachable = create_app(unlimited_settings("sqlite:////nonexistent-dir/x/never.db"))
    assert ok(TestClient(unreachable).get(f"{API}/health/live"))["status"] == "ok"


def test_health_is_503_when_the_database_does_not_answer() -> None:
    nobody = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # a port nothing listens on
    app = create_app(unlimited_settings(nobody))
    try:
        client = TestClient(app)
        for who in ({}, {"X-API-Key": "tw_" + "x" * 43}):  # the key is looked up first
            response = client.get(f"{API}/health", headers=who)
            problem(response, 503)
            assert int(response.headers["retry-after"]) > 0
    finally:
        app.state.database.dispose()
