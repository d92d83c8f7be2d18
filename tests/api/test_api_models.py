import pytest
from fastapi.testclient import TestClient

from assessment import default_model
from tests.api.flows import API, ok, problem

KEYS = default_model().keys  # these tests read the shipped models


def test_models_are_listed_without_a_key(client: TestClient) -> None:
    body = ok(client.get(f"{API}/models"))
    assert body["total"] == len(body["items"]) >= 2
    first = body["items"][0]
    assert (first["id"], first["version"]) == ("scirocco", "2019-22")
    assert first["dimensions"] == list(KEYS)
    assert (first["scale_min"], first["scale_max"]) == (0, 5)


def test_models_paginate_and_filter(client: TestClient) -> None:
    page = ok(client.get(f"{API}/models", params={"limit": 1, "offset": 1}))
    assert (len(page["items"]), page["limit"], page["offset"]) == (1, 1, 1)
    assert (page["items"][0]["id"], page["items"][0]["version"]) == ("scirocco", "2016-19")
    only = ok(client.get(f"{API}/models", params={"model_id": "scirocco"}))
    assert [m["version"] for m in only["items"]] == ["2019-22", "2016-19"]
    assert ok(client.get(f"{API}/models", params={"model_id": "b3"}))["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"offset": -1}, "query.offset"),
    ],
)
def test_bad_pagination_is_a_problem_naming_the_parameter(
    client: TestClient, params: dict[str, int], field: str
) -> None:
    problem(client.get(f"{API}/models", params=params), 422, field)


def test_a_model_in_full_and_by_version(client: TestClient) -> None:
    model = ok(client.get(f"{API}/models/scirocco"))
    assert model["version"] == "2019-22"
    assert [d["key"] for d in model["dimensions"]] == list(KEYS)
    old = ok(client.get(f"{API}/models/scirocco", params={"version": "2016-19"}))
    assert "information_ehealth_services" in [d["key"] for d in old["dimensions"]]
    problem(client.get(f"{API}/models/nope"), 404, "path.model_id")
    problem(client.get(f"{API}/models/scirocco", params={"version": "1999"}), 404, "query.version")


def test_dimensions_with_level_descriptors(client: TestClient) -> None:
    page = ok(client.get(f"{API}/models/scirocco/dimensions", params={"limit": 5}))
    assert page["total"] == 12 and len(page["items"]) == 5
    dim = ok(client.get(f"{API}/models/scirocco/dimensions/innovation_management"))
    assert dim["number"] == 11 and set(dim["levels"]) == {"0", "1", "2", "3", "4", "5"}
    problem(client.get(f"{API}/models/scirocco/dimensions/nope"), 404, "path.key")
    problem(client.get(f"{API}/models/nope/dimensions"), 404, "path.model_id")


@pytest.mark.parametrize("model_name", ["mini"], indirect=True)
def test_the_models_directory_adds_a_model_and_names_the_default(client: TestClient) -> None:
    """TWINNING_MODELS_DIR and TWINNING_DEFAULT_MODEL: the deployment's own model is listed
    first (new rounds use it) beside the shipped ones, and served like them."""
    body = ok(client.get(f"{API}/models"))
    assert [(m["id"], m["version"]) for m in body["items"]] == [
        ("mini", "1"),
        ("scirocco", "2019-22"),
        ("scirocco", "2016-19"),
        ("procurement-readiness", "2025"),
    ]
    mini = ok(client.get(f"{API}/models/mini"))
    assert (mini["scale"], len(mini["dimensions"])) == ({"min": 1, "max": 4}, 4)
    assert ok(client.get(f"{API}/models/mini/dimensions/funding"))["levels"]["4"]
