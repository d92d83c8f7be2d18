from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient

from assessment import find_model
from tests.api import flows
from tests.api.conftest import World
from tests.api.flows import API, ok, problem


def publish(
    client: TestClient,
    world: World,
    region: int,
    people: Sequence[int],
    scores: dict[str, int],
    improve: Sequence[str] = (),
    coach: Sequence[str] = (),
) -> int:
    """A published round agreed on ``scores`` (2 where not given), with flags."""
    return flows.publish(client, world.admin, region, people, scores, improve, coach)


def seeds(client: TestClient, world: World) -> None:
    """North is low on innovation management and wants it; South is strong and offers it."""
    publish(
        client,
        world,
        world.north,
        world.north_people,
        {"innovation_management": 1},
        improve=["innovation_management"],
    )
    publish(
        client,
        world,
        world.south,
        world.south_people,
        {"innovation_management": 4, "funding": 3},
        improve=["population_approach"],
        coach=["innovation_management", "funding"],
    )


def test_suggestions_pair_north_with_south_on_innovation(client: TestClient, world: World) -> None:
    seeds(client, world)
    body = ok(client.get(f"{API}/matching/suggestions", headers=world.coordinator))
    assert body["model"]["id"] and body["regions"] == 2
    first = body["pairs"][0]
    assert (first["receiving_region_id"], first["transferring_region_id"]) == (
        world.north,
        world.south,
    )
    assert (first["dimension"], first["gap"], first["rank"]) == ("innovation_management", 3, 1)
    assert "South" in first["explanation"]
    # South's own need (population approach at 2) has no partner at level 3.
    assert body["without_candidates"] == [world.south]
    only = ok(
        client.get(
            f"{API}/matching/suggestions",
            params={"region_id": world.south, "min_transfer_level": 0, "coaching_flags": "ignored"},
            headers=world.admin,
        )
    )
    assert only["pairs"] == [] and only["params"]["min_transfer_level"] == 0


def test_suggestions_need_a_coordinator_and_valid_parameters(
    client: TestClient, world: World
) -> None:
    seeds(client, world)
    url = f"{API}/matching/suggestions"
    problem(client.get(url), 401)
    problem(client.get(url, headers=world.north_member), 403)
    problem(client.get(url, params={"min_gap": 0}, headers=world.coordinator), 422, "query.min_gap")
    problem(
        client.get(url, params={"similarity_dimension": "nope"}, headers=world.coordinator),
        422,
        "query.similarity_dimensions.0",
    )
    problem(
        client.get(url, params={"min_transfer_level": 9}, headers=world.coordinator),
        422,
        "query.min_transfer_level",
    )
    problem(
        client.get(url, params={"region_id": 999_999}, headers=world.coordinator),
        404,
        "query.region_id",
    )


def test_assignment_runs_are_stored_and_reviewed(client: TestClient, world: World) -> None:
    seeds(client, world)
    run = ok(
        client.post(
            f"{API}/matching/runs",
            json={"parameters": {"capacity": 1}, "capacity_overrides": {str(world.south): 2}},
            headers=world.coordinator,
        ),
        201,
    )
    assert run["parameters"]["capacity_overrides"] == {"South": 2}
    assert run["created_by"] is not None and run["regions"] == 2
    (pair,) = run["pairs"]
    assert pair["receiving_region_id"] == world.north
    assert (pair["dimension"], pair["status"], pair["reviewed_at"]) == (
        "innovation_management",
        "proposed",
        None,
    )
    assert [(u["receiving_region_id"], u["reason"]) for u in run["unmet"]] == [
        (world.south, "no_candidate")
    ]
    listing = ok(client.get(f"{API}/matching/runs", headers=world.admin))
    assert listing["total"] == 1 and listing["items"][0]["id"] == run["id"]
    url = f"{API}/matching/runs/{run['id']}/pairs/{pair['id']}"
    reviewed = ok(
        client.patch(url, json={"status": "approved", "note": "go"}, headers=world.coordinator)
    )
    assert (reviewed["status"], reviewed["note"]) == ("approved", "go")
    assert reviewed["reviewed_at"] is not None
    detail = ok(client.get(f"{API}/matching/runs/{run['id']}", headers=world.coordinator))
    assert detail["pairs"][0]["status"] == "approved"
    problem(client.patch(url, json={"status": "maybe"}, headers=world.coordinator), 422)
    problem(client.patch(url, json={"status": "rejected"}, headers=world.north_member), 403)
    other = f"{API}/matching/runs/{run['id']}/pairs/{pair['id'] + 1000}"
    problem(
        client.patch(other, json={"status": "rejected"}, headers=world.admin), 404, "path.pair_id"
    )
    problem(client.get(f"{API}/matching/runs/999999", headers=world.admin), 404, "path.run_id")


def test_bad_run_requests_name_the_field(client: TestClient, world: World) -> None:
    seeds(client, world)
    url = f"{API}/matching/runs"

    def post(body: dict[str, Any]) -> Any:
        return client.post(url, json=body, headers=world.coordinator)

    problem(post({"parameters": {"min_gap": -1}}), 422, "body.parameters.min_gap")
    problem(post({"parameters": {"bogus": 1}}), 422, "body.parameters.bogus")
    problem(post({"capacity_overrides": {"999999": 1}}), 422, "body.capacity_overrides.999999")
    problem(
        post({"parameters": {"capacity_overrides": {"South": 1}}}),
        422,
        "body.parameters.capacity_overrides",
    )
    problem(post({"model_id": "nope"}), 422, "body.model_id")
    assert ok(client.get(url, headers=world.admin))["total"] == 0


def test_good_practices_crud_and_region_feasibility(client: TestClient, world: World) -> None:
    seeds(client, world)
    url = f"{API}/practices"
    easy = ok(
        client.post(
            url,
            json={"name": "Shared learning", "requirements": {"capacity_building": 2}},
            headers=world.coordinator,
        ),
        201,
    )
    hard = ok(
        client.post(
            url,
            json={
                "name": "Innovation procurement",
                "description": "from pilot to procurement",
                "transferring_region_id": world.south,
                "requirements": {"innovation_management": 3, "funding": 3},
            },
            headers=world.admin,
        ),
        201,
    )
    assert hard["model_id"] and hard["requirements"]["innovation_management"] == 3
    problem(
        client.post(url, json={"name": "X", "requirements": {"zeta": 1}}, headers=world.admin),
        422,
        "body.requirements.zeta",
    )
    problem(
        client.post(url, json={"name": "X", "requirements": {"funding": 7}}, headers=world.admin),
        422,
        "body.requirements.funding",
    )
    problem(
        client.post(
            url,
            json={"name": "X", "transferring_region_id": 999999, "requirements": {"funding": 1}},
            headers=world.admin,
        ),
        422,
        "body.transferring_region_id",
    )
    problem(
        client.post(
            url,
            json={"name": "Shared learning", "requirements": {"funding": 1}},
            headers=world.admin,
        ),
        409,
        "body.name",
    )
    problem(client.get(url, headers=world.north_member), 403)
    listing = ok(
        client.get(url, params={"transferring_region_id": world.south}, headers=world.admin)
    )
    assert [p["id"] for p in listing["items"]] == [hard["id"]]

    report = ok(client.get(f"{API}/regions/{world.north}/practices", headers=world.north_member))
    practices = report["report"]["practices"]
    assert [(p["practice_id"], p["feasible"], p["total_gap"]) for p in practices] == [
        (str(easy["id"]), True, 0),
        (str(hard["id"]), False, 3),  # innovation 1 -> 3, funding 2 -> 3
    ]
    assert practices[1]["transferring_region"] == str(world.south)
    problem(client.get(f"{API}/regions/{world.north}/practices", headers=world.south_member), 403)

    changed = ok(
        client.patch(
            f"{url}/{hard['id']}",
            json={"requirements": {"innovation_management": 1}},
            headers=world.coordinator,
        )
    )
    assert changed["requirements"] == {"innovation_management": 1}
    problem(
        client.patch(f"{url}/{hard['id']}", json={"name": None}, headers=world.admin),
        422,
        "body.name",
    )
    report = ok(client.get(f"{API}/regions/{world.north}/practices", headers=world.admin))
    assert all(p["feasible"] for p in report["report"]["practices"])
    assert client.delete(f"{url}/{easy['id']}", headers=world.admin).status_code == 204
    problem(client.get(f"{url}/{easy['id']}", headers=world.admin), 404, "path.practice_id")


def test_region_without_published_round_has_no_practice_report(
    client: TestClient, world: World
) -> None:
    problem(
        client.get(f"{API}/regions/{world.north}/practices", headers=world.admin),
        404,
        "path.region_id",
    )


def test_region_practices_read_the_current_round_on_the_practices_model(
    client: TestClient, world: World
) -> None:
    """A newer round on another model does not hide a region's practices (Helsingborg's
    procurement round beside its SCIROCCO one); a newer version of the same model supersedes
    the older version."""
    scirocco = publish(client, world, world.north, world.north_people, {"funding": 3})
    procurement_model = find_model("procurement-readiness")
    procurement = flows.publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {"market_dialogue": 1},
        model=procurement_model,
        label="2025 procurement",
    )
    practices = f"{API}/practices"
    funding = {"name": "Funded scale-up", "requirements": {"funding": 3}}
    ok(client.post(practices, json=funding, headers=world.admin), 201)
    dialogue = {
        "name": "Market dialogue before tenders",
        "model_id": procurement_model.id,
        "requirements": {"market_dialogue": 2},
    }
    ok(client.post(practices, json=dialogue, headers=world.admin), 201)
    url = f"{API}/regions/{world.north}/practices"

    default = ok(client.get(url, headers=world.north_member))
    assert default["round_id"] == scirocco
    assert [p["name"] for p in default["report"]["practices"]] == ["Funded scale-up"]
    assert default["report"]["practices"][0]["feasible"]
    other = ok(client.get(url, params={"model_id": procurement_model.id}, headers=world.admin))
    assert other["round_id"] == procurement
    (found,) = other["report"]["practices"]
    assert (found["name"], found["feasible"], found["total_gap"]) == (dialogue["name"], False, 1)

    older = find_model("scirocco", "2016-19")
    flows.publish(
        client, world.admin, world.north, world.north_people, {}, model=older, label="2026"
    )
    problem(client.get(url, headers=world.admin), 404, "query.model_version")
    again = ok(client.get(url, params={"model_version": "2016-19"}, headers=world.admin))
    assert again["report"]["practices"] == []  # no practice is on 2016-19
    problem(client.get(url, params={"model_id": "nope"}, headers=world.admin), 422)
    problem(
        client.get(f"{API}/regions/{world.south}/practices", headers=world.admin),
        404,
        "path.region_id",
    )
