"""A schemathesis fuzz pass over every operation of the published OpenAPI schema.

The hand-written API tests check the behaviour we thought of; this pass checks the contract
the schema makes to clients on inputs nobody thought of: no request earns a 5xx, every answer
has a documented status code, content type and body shape, and every 4xx is RFC 9457
``application/problem+json``. It runs against the real app over a migrated database holding
the demo data, as the demo admin, so requests get past authentication into validation and
the handlers; a second pass without a key and with an unknown one checks that nothing is
writable without a valid key and that an unknown key is turned away before anything else.

The admin pass runs on SQLite and PostgreSQL (the ``backend`` fixture): the databases
disagree exactly where fuzzing pokes, e.g. PostgreSQL's ``integer`` ids stop at 2**31 - 1
and SQLite's at 2**63 - 1, so a SQLite-only pass would miss what users of a PostgreSQL
deployment hit; PostgreSQL adds about a quarter to the run time.

Generation is derandomized (the same cases on every run, so CI is not flaky) and bounded
(about a dozen cases per operation and caller). Each operation of the admin pass gets its
own copy of the demo database, cloned from one migrated template per backend, so fuzzed
writes (deleted regions, published rounds) never leak into another operation and the outcome
does not depend on how pytest-xdist spreads operations over workers. (conftest's ``api_app``
database is emptied between tests, not recreated: PostgreSQL ids would drift away from the
demo's, which the generated ids aim at.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app.auth import API_KEY_HEADER_NAME
from app.demo import DEMO_KEYS
from app.main import app as served_app
from app.problems import PROBLEM_MEDIA_TYPE
from assessment import default_model
from tests.api.conftest import serve_settings, unlimited_settings

SEED = 20250611
MODEL = default_model()
# Fuzzed ids mostly miss; drawing integers from the demo's id range half of the time lets
# cases reach existing regions, stakeholders, rounds and keys, and drawing strings from the
# model's keys lets them reach real dimensions.
DEMO_VALUES = {
    "ids": {"values": list(range(25))},
    "model_words": {"values": [MODEL.id, MODEL.version, *MODEL.keys]},
}
# Checks chosen one by one (schemathesis' defaults include more):
# - positive_data_acceptance is left out: the schema cannot say that a member key needs a
#   region_id or that a score must fit the model's scale, so schema-valid data earns
#   legitimate 422s (and 404/409s for absent or finished things);
# - ignored_auth is left out: public reads (models, public regions and their published
#   profiles) deliberately answer without a key; the keyless pass below checks auth instead;
# - the stateful checks (use_after_free, ensure_resource_availability, object-level
#   authorization) need schemathesis' stateful phase, which a per-operation pass has not,
#   and unsupported_method judges only coverage-phase cases (see fuzz_schema).
CHECKS: list[Callable[..., bool | None]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
]


def fuzz_schema(max_examples: int) -> OpenApiSchema:
    """The app's schema (no database touched) with deterministic, bounded generation.

    The schema's own examples run first, then ``max_examples`` generated cases, valid and
    invalid. The coverage phase (every boundary and type mutation of every parameter) is
    off: it costs some 40 cases per operation, doubling the run, and the fuzzing phase
    reaches the same failures here (Hypothesis favours extreme integers and broken bodies).
    """
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "dictionaries": DEMO_VALUES,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                # A failure is reported as found: shrinking it would multiply the run time.
                "no-shrink": True,
                # Keys are sent by the tests, not generated.
                "with-security-parameters": False,
                "dictionaries": {
                    "integer": {"dictionary": "ids", "probability": 0.5},
                    "string": {"dictionary": "model_words", "probability": 0.3},
                },
            },
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    )
    return schemathesis.openapi.from_dict(copy.deepcopy(served_app.openapi()), config=config)


ADMIN_SCHEMA = fuzz_schema(10)
KEYLESS_SCHEMA = fuzz_schema(5)
ADMIN = {API_KEY_HEADER_NAME: DEMO_KEYS["admin"]}
KEYLESS = {"no key": {}, "unknown key": {API_KEY_HEADER_NAME: "tw_no_such_key"}}


def problem_details(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """Every 4xx is RFC 9457 problem details; a 401 says how to authenticate."""
    if not 400 <= response.status_code < 500:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == PROBLEM_MEDIA_TYPE, f"a {response.status_code} sent {content_type!r}"
    body = response.json()
    assert body["status"] == response.status_code, body
    assert {"type", "title", "detail", "instance", "errors"} <= set(body), body
    if response.status_code == 401:
        assert "www-authenticate" in response.headers


@pytest.fixture(scope="session")
def shared_demo_app(_clone_demo: Callable[[], str]) -> Iterator[FastAPI]:
    """The app over one copy of the demo database, for callers that cannot change it."""
    yield from serve_settings(unlimited_settings(_clone_demo()))


@ADMIN_SCHEMA.parametrize()
# One database per operation, shared by its cases on purpose: they run in a fixed order.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_admin_requests_get_documented_answers(case: Case[Any], fresh_demo_app: FastAPI) -> None:
    response = case.call(app=fresh_demo_app, headers=ADMIN)
    case.validate_response(response, checks=CHECKS, additional_checks=[problem_details])


# Who may do what is decided in Python before any dialect-specific SQL runs, and the admin
# pass drives the handlers' SQL on both backends: one backend is enough here.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@KEYLESS_SCHEMA.parametrize()
def test_requests_without_a_valid_key_change_nothing(
    case: Case[Any], shared_demo_app: FastAPI
) -> None:
    for caller, headers in KEYLESS.items():
        response = case.call(app=shared_demo_app, headers=headers)
        case.validate_response(response, checks=CHECKS, additional_checks=[problem_details])
        status = response.status_code
        if case.method.upper() != "GET":
            # The key is checked before the body is read: no write gets further without one.
            assert status == 401, f"{case.method} with {caller} answered {status}"
        if caller == "unknown key":
            assert status == 401, f"{status}: {response.text}"
