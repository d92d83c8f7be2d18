"""Matching over HTTP: suggestions a page of receiving regions at a time and stored runs, both
explaining every pair (reasons, alike/different context, rounded figures) and every unmet
need (the condition that failed, with region ids beside names); budgets, bounds and the
uncertain-score policy; runs that keep what they showed. Access by role is in
``test_matching_access.py``."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from app.db import Database
from app.schemas_matching import PairOut, Suggestions
from app.services import matching as matching_service
from app.services import profiles as profiles_service
from app.tables import AssessmentRound, PublishedProfile
from assessment import MatchingParams, MaturityModel, assign_partners, find_model, suggest_partners
from tests.api import flows
from tests.api.conftest import AppFactory, World
from tests.api.flows import API, ok, problem
from tests.api.matching_world import (
    add_region,
    east_wants_innovation,
    item_of,
    seeds,
    split_round,
    store_old_run,
    suggestions,
)

RUNS = f"{API}/matching/runs"
SUGGESTIONS = f"{API}/matching/suggestions"


def publish(
    client: TestClient,
    world: World,
    region: int,
    people: list[int],
    scores: dict[str, int],
    improve: tuple[str, ...] = (),
    coach: tuple[str, ...] = (),
) -> int:
    """A published round agreed on ``scores`` (2 where not given), with flags."""
    return flows.publish(client, world.admin, region, people, scores, improve, coach)


# --- suggestions ------------------------------------------------------------------------------


def test_suggestions_explain_each_pair_and_each_unmet_need(
    client: TestClient, world: World
) -> None:
    seeds(client, world)
    body = suggestions(client, world.coordinator)
    assert body["model"]["id"] == "scirocco" and body["regions"] == 2
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)
    assert [(i["region_id"], i["region"]) for i in body["items"]] == [
        (world.north, "North"),
        (world.south, "South"),
    ]
    (pair,) = item_of(body, world.north)["pairs"]
    assert (pair["receiving_region_id"], pair["receiving"]) == (world.north, "North")
    assert (pair["transferring_region_id"], pair["transferring"]) == (world.south, "South")
    assert (pair["dimension"], pair["dimension_name"]) == (
        "innovation_management",
        "Innovation management",
    )
    assert (pair["receiving_score"], pair["transferring_score"], pair["gap"]) == (1, 4, 3)
    # Exact figures order pairs; people read them rounded.
    assert pair["similarity"] == pytest.approx(1 - 1 / 55) and pair["similarity_rounded"] == 0.98
    assert pair["score"] == pytest.approx(0.36 + 0.4 * (1 - 1 / 55))
    assert pair["score_rounded"] == 0.75
    why = pair["reasons"]
    assert (why["need"]["basis"], why["need"]["text"]) == ("flagged", "flagged for improvement")
    assert (why["offer"]["basis"], why["offer"]["policy"]) == ("flagged", "when_flagged")
    assert (why["gap"]["value"], why["gap"]["limit"], why["gap"]["margin"]) == (3, 1, 2)
    assert why["gap"]["text"] == "gap 3 >= min_gap 1"
    assert why["transfer_level"]["text"] == "transferring level 4 >= min_transfer_level 3"
    assert why["receiving_level"]["limit"] is None
    assert why["confidence"] == {
        "policy": "include",
        "receiving": "agreed",
        "transferring": "agreed",
        "weight": 1.0,
        "text": "no uncertain score",
    }
    assert [
        (c["dimension"], c["receiving_score"], c["transferring_score"]) for c in pair["alike"]
    ] == [
        ("readiness_to_change", 2, 2),
        ("structure_governance", 2, 2),
        ("digital_infrastructure", 2, 2),
    ]
    assert [
        (c["name"], c["receiving_score"], c["transferring_score"]) for c in pair["different"]
    ] == [("Funding", 2, 3)]
    assert "similarity 0.98 over 11 shared dimensions" in pair["explanation"]
    assert "Different on Funding (2 vs 3)" in pair["explanation"]
    assert item_of(body, world.north)["unmet"] == []
    # South wants population approach; North is the only other region, at 2 < 3.
    south = item_of(body, world.south)
    assert south["pairs"] == []
    (need,) = south["unmet"]
    assert (need["receiving_region_id"], need["receiving"]) == (world.south, "South")
    assert (need["dimension"], need["dimension_name"]) == (
        "population_approach",
        "Population approach",
    )
    assert (need["reason"], need["condition"], need["parameter"]) == (
        "no_candidate",
        "transfer_level",
        "min_transfer_level",
    )
    assert (need["best"], need["limit"], need["shortfall"]) == (2, 3, 1)
    assert need["message"] == (
        "offers exist but none reaches min_transfer_level 3: the best is at level 2, 1 short"
    )
    only = suggestions(
        client,
        world.admin,
        region_id=world.south,
        min_transfer_level=0,
        coaching_flags="ignored",
    )
    assert only["params"]["min_transfer_level"] == 0 and only["total"] == 1
    (south,) = only["items"]
    assert south["pairs"] == [] and south["unmet"][0]["condition"] == "gap"


def test_suggested_pairs_are_the_librarys_pairs_field_for_field(
    client: TestClient, world: World, api_app: FastAPI, api_model: MaturityModel
) -> None:
    """The pairs are shaped from the library's pairs without reading each field through
    ``getattr``: the answer must stay what every field read one by one gives, and what the
    endpoint sends."""
    east_wants_innovation(client, world)
    body = suggestions(client, world.coordinator)
    with api_app.state.database.session() as session:
        programme = matching_service.load_programme(session, api_app.state.models, api_model)
    result = suggest_partners(api_model, programme.profiles, MatchingParams())
    assert result.pairs
    sent = {
        (p["receiving"], p["transferring"], p["dimension"]): p
        for item in body["items"]
        for p in item["pairs"]
    }
    assert len(sent) == len(result.pairs)
    shaped_pairs = matching_service.pair_outs(result.pairs, programme.ids)
    for pair, shaped in zip(result.pairs, shaped_pairs, strict=True):
        one_by_one = PairOut.model_validate(
            {
                **{
                    name: getattr(pair, name)
                    for name in PairOut.model_fields
                    if hasattr(pair, name)
                },
                "receiving_region_id": programme.ids[pair.receiving],
                "transferring_region_id": programme.ids[pair.transferring],
            }
        )
        assert shaped == one_by_one
        assert shaped.model_dump_json() == one_by_one.model_dump_json()
        assert sent[(pair.receiving, pair.transferring, pair.dimension)] == shaped.model_dump(
            mode="json"
        )


def test_the_suggestions_answer_is_its_response_model_validated_byte_for_byte(
    client: TestClient, world: World
) -> None:
    """Pairs are built without validating them again (their values were validated by the
    library): the answer's bytes must be what validating the whole answer as the response
    model and writing it again gives (no value of another type, no field out of order), for
    pairs with every kind of reason (split panels, down-weighted scores, receiving levels,
    counted flags) and unmet needs."""
    east_wants_innovation(client, world)
    west = add_region(client, world, "West")
    split_round(
        client,
        world.admin,
        west.id,
        west.people,
        panel={"innovation_management": [5], "funding": [0]},
        decided={"innovation_management": 5, "funding": 0},
        improve=["funding"],
    )
    for params in (
        {},
        {"uncertain_scores": "down_weight", "max_receiving_level": 2, "top_k": 5},
        {"coaching_flags": "ignored", "min_transfer_level": 2, "similarity_dimension": "funding"},
    ):
        response = client.get(SUGGESTIONS, params=params, headers=world.coordinator)
        answer = ok(response)
        assert sum(len(item["pairs"]) for item in answer["items"]) >= 2, params
        validated = Suggestions.model_validate_json(response.content)
        assert validated.model_dump_json().encode() == response.content, params


def test_suggestions_page_through_the_receiving_regions(client: TestClient, world: World) -> None:
    """Pages run over receiving regions in name order; ``total`` counts them all, and only
    the page's regions are scored."""
    east_wants_innovation(client, world)
    first = suggestions(client, world.coordinator, limit=2)
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [i["region"] for i in first["items"]] == ["East", "North"]
    assert [p["transferring"] for p in first["items"][0]["pairs"]] == ["South"]
    second = suggestions(client, world.coordinator, limit=2, offset=2)
    assert [i["region"] for i in second["items"]] == ["South"] and second["total"] == 3
    assert suggestions(client, world.coordinator, offset=3)["items"] == []
    whole = suggestions(client, world.coordinator)
    assert whole["items"] == first["items"] + second["items"]
    one = suggestions(client, world.coordinator, region_id=world.north, limit=1)
    assert one["items"] == [item_of(whole, world.north)] and one["total"] == 1
    problem(client.get(SUGGESTIONS, params={"limit": 201}, headers=world.admin), 422, "query.limit")
    problem(
        client.get(SUGGESTIONS, params={"offset": -1}, headers=world.admin), 422, "query.offset"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_gap": 0}, "query.min_gap"),
        ({"similarity_dimension": "nope"}, "query.similarity_dimension.0"),
        ({"similarity_dimension": ["funding", "nope"]}, "query.similarity_dimension.1"),
        ({"min_transfer_level": 9}, "query.min_transfer_level"),
        ({"top_k": 0}, "query.top_k"),
        ({"top_k": 1001}, "query.top_k"),
        ({"top_k": 2**63}, "query.top_k"),
        ({"uncertain_scores": "sometimes"}, "query.uncertain_scores"),
        ({"uncertain_weight": 0}, "query.uncertain_weight"),
        ({"uncertain_weight": 1.5}, "query.uncertain_weight"),
        ({"gap_weight": "1e400"}, "query.gap_weight"),
    ],
)
def test_bad_suggestion_parameters_name_the_parameter(
    client: TestClient, world: World, params: dict[str, Any], field: str
) -> None:
    seeds(client, world)
    problem(client.get(SUGGESTIONS, params=params, headers=world.coordinator), 422, field)


def test_suggestions_of_a_region_without_a_profile_are_404(
    client: TestClient, world: World
) -> None:
    seeds(client, world)
    east = add_region(client, world, "East")
    for region in (east.id, 999_999):
        problem(
            client.get(SUGGESTIONS, params={"region_id": region}, headers=world.coordinator),
            404,
            "query.region_id",
        )


def test_suggestions_show_renames_new_publications_and_results_stored_again(
    client: TestClient, world: World, api_app: FastAPI, api_model: MaturityModel
) -> None:
    """Matching keeps stored profiles parsed between requests; whatever changes what a region
    shows must show in the next suggestions: its new name, its new round, its results stored
    again (as the migration that fills them for old rounds does)."""
    seeds(client, world)
    database: Database = api_app.state.database

    def programme() -> matching_service.Programme:
        with database.session() as session:
            return matching_service.load_programme(session, api_app.state.models, api_model)

    first, again = programme(), programme()
    assert [p.region for p in first.profiles] == ["North", "South"]
    assert all(a is b for a, b in zip(first.profiles, again.profiles, strict=True))  # kept
    profiles_service.forget_parsed_profiles()
    parsed_again = programme()
    assert parsed_again.profiles == first.profiles
    assert not any(a is b for a, b in zip(first.profiles, parsed_again.profiles, strict=True))
    (pair,) = north(client, world)["pairs"]
    assert (pair["transferring"], pair["transferring_score"]) == ("South", 4)

    ok(
        client.patch(
            f"{API}/regions/{world.south}", json={"name": "Southland"}, headers=world.admin
        )
    )
    (pair,) = north(client, world)["pairs"]
    assert pair["transferring"] == "Southland" and "from Southland (4)" in pair["explanation"]
    assert [p.region for p in programme().profiles] == ["North", "Southland"]

    flows.publish(
        client,
        world.admin,
        world.south,
        world.south_people,
        {"innovation_management": 5},
        coach=["innovation_management"],
        label="2026",
    )
    (pair,) = north(client, world)["pairs"]
    assert (pair["transferring_score"], pair["gap"]) == (5, 4)

    with database.session(write=True) as session:
        (stored,) = session.exec(
            select(PublishedProfile)
            .join(AssessmentRound, col(AssessmentRound.id) == PublishedProfile.round_id)
            .where(AssessmentRound.region_id == world.north)
        ).all()
        profile = dict(stored.profile)
        profile["scores"] = [
            {**score, "score": 0} if score["dimension"] == "innovation_management" else score
            for score in profile["scores"]
        ]
        stored.profile = profile
        session.add(stored)
        session.commit()
    (pair,) = north(client, world)["pairs"]
    assert (pair["receiving_score"], pair["gap"]) == (0, 5)


def test_a_programme_larger_than_the_kept_profiles_is_parsed_on_each_read(
    client: TestClient,
    world: World,
    api_app: FastAPI,
    api_model: MaturityModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kept in order, a programme larger than the bound would evict each profile before its
    next use: it is parsed on each read instead, and reads the same."""
    seeds(client, world)
    monkeypatch.setattr(profiles_service, "PARSED_PROFILES", 1)
    with api_app.state.database.session() as session:
        first, again = (
            matching_service.load_programme(session, api_app.state.models, api_model)
            for _ in range(2)
        )
    assert first.profiles == again.profiles and len(first.profiles) == 2
    assert not any(a is b for a, b in zip(first.profiles, again.profiles, strict=True))


# --- confidence: split panels -----------------------------------------------------------------


def north(client: TestClient, world: World, **params: Any) -> dict[str, Any]:
    """North's entry of the coordinator's suggestions with these parameters."""
    return item_of(suggestions(client, world.coordinator, **params), world.north)


def split_seeds(client: TestClient, world: World) -> None:
    """North as in ``seeds``; South offers innovation management at 4, but its panel was
    split there (0, 0, 5, 5)."""
    publish(
        client,
        world,
        world.north,
        world.north_people,
        {"innovation_management": 1},
        ("innovation_management",),
    )
    split_round(
        client,
        world.admin,
        world.south,
        world.south_people,
        panel={"innovation_management": [0, 0, 5, 5]},
        decided={"innovation_management": 4},
        coach=["innovation_management"],
    )


def test_split_panels_are_included_excluded_or_down_weighted_in_suggestions(
    client: TestClient, world: World
) -> None:
    split_seeds(client, world)
    profile = ok(client.get(f"{API}/regions/{world.south}/profile"))
    (innovation,) = [
        s for s in profile["profile"]["scores"] if s["dimension"] == "innovation_management"
    ]
    assert innovation["agreement"] == "split"

    (included,) = north(client, world)["pairs"]
    assert included["reasons"]["confidence"]["transferring"] == "split"
    assert included["reasons"]["confidence"]["weight"] == 1
    excluded = north(client, world, uncertain_scores="exclude")
    assert excluded["pairs"] == []
    (need,) = excluded["unmet"]
    assert (need["condition"], need["parameter"], need["policy"]) == (
        "uncertain_offers",
        "uncertain_scores",
        "exclude",
    )
    (halved,) = north(client, world, uncertain_scores="down_weight")["pairs"]
    assert halved["score"] == pytest.approx(included["score"] * 0.5)
    assert halved["reasons"]["confidence"]["weight"] == 0.5
    assert "score x0.5 (uncertain_scores=down_weight)" in halved["explanation"]
    (quarter,) = north(client, world, uncertain_scores="down_weight", uncertain_weight=0.25)[
        "pairs"
    ]
    assert quarter["score"] == pytest.approx(included["score"] * 0.25)


def test_a_split_need_is_excluded_or_down_weighted(client: TestClient, world: World) -> None:
    """North's own panel was split on the dimension it wants to improve (0, 0, 3, 3)."""
    split_round(
        client,
        world.admin,
        world.north,
        world.north_people,
        panel={"innovation_management": [0, 0, 3, 3]},
        decided={"innovation_management": 1},
        improve=["innovation_management"],
    )
    publish(
        client,
        world,
        world.south,
        world.south_people,
        {"innovation_management": 4},
        coach=("innovation_management",),
    )

    (included,) = north(client, world)["pairs"]
    assert included["reasons"]["confidence"]["receiving"] == "split"
    excluded = north(client, world, uncertain_scores="exclude")
    assert excluded["pairs"] == []
    assert [(u["dimension"], u["condition"], u["reason"]) for u in excluded["unmet"]] == [
        ("innovation_management", "uncertain_need", "uncertain")
    ]
    (halved,) = north(client, world, uncertain_scores="down_weight")["pairs"]
    assert halved["score"] == pytest.approx(included["score"] / 2)


def test_split_panels_in_runs(client: TestClient, world: World) -> None:
    split_seeds(client, world)

    def run(**parameters: Any) -> dict[str, Any]:
        body = {"parameters": parameters}
        return ok(client.post(RUNS, json=body, headers=world.coordinator), 201)  # type: ignore[no-any-return]

    included = run()
    assert [p["reasons"]["confidence"]["transferring"] for p in included["pairs"]] == ["split"]
    excluded = run(uncertain_scores="exclude")
    assert excluded["pairs"] == [] and excluded["total_score"] == 0
    north = [u for u in excluded["unmet"] if u["receiving_region_id"] == world.north]
    assert [u["condition"] for u in north] == ["uncertain_offers"]
    weighted = run(uncertain_scores="down_weight", uncertain_weight=0.5)
    assert weighted["total_score"] == pytest.approx(included["total_score"] / 2)
    assert weighted["parameters"]["uncertain_scores"] == "down_weight"
    problem(
        client.post(RUNS, json={"parameters": {"uncertain_weight": 0}}, headers=world.admin),
        422,
        "body.parameters.uncertain_weight",
    )


# --- runs -------------------------------------------------------------------------------------


def test_runs_store_pairs_with_reasons_unmet_conditions_and_load(
    client: TestClient, world: World
) -> None:
    east = east_wants_innovation(client, world).id
    body = {"parameters": {"capacity": 1}, "capacity_overrides": {str(world.south): 1}}
    run = ok(client.post(RUNS, json=body, headers=world.coordinator), 201)
    assert run["parameters"]["capacity_overrides"] == {"South": 1}
    assert run["created_by"] is not None and run["regions"] == 3 and run["region_view"] is None
    assert run["total_score_rounded"] == round(run["total_score"], 2)
    (pair,) = run["pairs"]
    assert (pair["receiving_region_id"], pair["receiving"]) == (world.north, "North")
    assert (pair["transferring_region_id"], pair["transferring"]) == (world.south, "South")
    assert (pair["dimension_name"], pair["status"], pair["reviewed_at"]) == (
        "Innovation management",
        "proposed",
        None,
    )
    assert pair["similarity_rounded"] == 0.98 and pair["score_rounded"] == 0.75
    assert pair["reasons"]["gap"]["text"] == "gap 3 >= min_gap 1"
    assert [c["dimension"] for c in pair["alike"]][:1] == ["readiness_to_change"]
    assert pair["rank"] == 1
    assert run["load"] == [
        {"region_id": world.south, "region": "South", "capacity": 1, "assigned": 1}
    ]
    unmet = {(u["receiving_region_id"], u["dimension"]): u for u in run["unmet"]}
    full = unmet[(east, "innovation_management")]
    assert (full["receiving"], full["reason"], full["condition"]) == (
        "East",
        "capacity",
        "capacity",
    )
    assert (full["full_partners"], full["full_partner_ids"]) == (["South"], [world.south])
    assert full["candidates"] == 1
    assert full["message"] == "all 1 allowed transferring regions are at capacity: South"
    assert unmet[(world.south, "population_approach")]["condition"] == "transfer_level"

    stored = ok(client.get(f"{RUNS}/{run['id']}", headers=world.coordinator))
    assert stored == run
    listing = ok(client.get(RUNS, headers=world.admin))
    assert listing["total"] == 1 and listing["items"][0]["id"] == run["id"]
    assert listing["items"][0]["total_score_rounded"] == run["total_score_rounded"]


def test_a_run_keeps_what_it_showed_after_regions_reassess_and_rename(
    client: TestClient, world: World
) -> None:
    seeds(client, world)
    run = ok(client.post(RUNS, json={}, headers=world.coordinator), 201)
    # South re-assesses (now 5 on innovation, 4 on funding) and is renamed.
    publish(
        client,
        world,
        world.south,
        world.south_people,
        {"innovation_management": 5, "funding": 4},
        coach=("innovation_management",),
    )
    ok(
        client.patch(
            f"{API}/regions/{world.south}", json={"name": "Southland"}, headers=world.admin
        )
    )
    later = ok(client.get(f"{RUNS}/{run['id']}", headers=world.coordinator))
    (before,), (after,) = run["pairs"], later["pairs"]
    assert after["transferring"] == "Southland"  # names are current ...
    for field in (
        "transferring_score",
        "gap",
        "score",
        "reasons",
        "alike",
        "different",
        "explanation",
    ):
        assert after[field] == before[field], field  # ... what the run computed is kept
    fresh = north(client, world)["pairs"][0]
    assert (fresh["transferring_score"], fresh["gap"]) == (5, 4)


def test_review_a_pair(client: TestClient, world: World) -> None:
    seeds(client, world)
    run = ok(client.post(RUNS, json={}, headers=world.coordinator), 201)
    (pair,) = run["pairs"]
    url = f"{RUNS}/{run['id']}/pairs/{pair['id']}"
    reviewed = ok(
        client.patch(url, json={"status": "approved", "note": "go"}, headers=world.coordinator)
    )
    assert (reviewed["status"], reviewed["note"]) == ("approved", "go")
    assert reviewed["reviewed_at"] is not None and reviewed["reasons"] == pair["reasons"]
    assert reviewed["transferring"] == "South"
    detail = ok(client.get(f"{RUNS}/{run['id']}", headers=world.coordinator))
    assert detail["pairs"][0]["status"] == "approved"
    problem(client.patch(url, json={"status": "maybe"}, headers=world.coordinator), 422)
    other = f"{RUNS}/{run['id']}/pairs/{pair['id'] + 1000}"
    problem(
        client.patch(other, json={"status": "rejected"}, headers=world.admin), 404, "path.pair_id"
    )
    problem(client.get(f"{RUNS}/999999", headers=world.admin), 404, "path.run_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"parameters": {"min_gap": -1}}, "body.parameters.min_gap"),
        ({"parameters": {"bogus": 1}}, "body.parameters.bogus"),
        (
            {"parameters": {"similarity_dimensions": ["funding", "nope"]}},
            "body.parameters.similarity_dimensions.1",
        ),
        ({"parameters": {"capacity": 2**63}}, "body.parameters.capacity"),
        ({"parameters": {"capacity": 100_001}}, "body.parameters.capacity"),
        ({"parameters": {"capacity": 0}}, "body.parameters.capacity"),
        ({"capacity_overrides": {"999999": 1}}, "body.capacity_overrides.999999"),
        ({"capacity_overrides": {"SOUTH": 2**63}}, "body.capacity_overrides.SOUTH"),
        ({"capacity_overrides": {"SOUTH": -1}}, "body.capacity_overrides.SOUTH"),
        ({"capacity_overrides": {"2147483648": 1}}, "body.capacity_overrides.2147483648.[key]"),
        (
            {"parameters": {"capacity_overrides": {"South": 1}}},
            "body.parameters.capacity_overrides",
        ),
        ({"model_id": "nope"}, "body.model_id"),
    ],
)
def test_bad_run_requests_name_the_field_and_store_nothing(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    seeds(client, world)
    for key, value in list(body.get("capacity_overrides", {}).items()):
        if key == "SOUTH":
            body = {"capacity_overrides": {str(world.south): value}}
            field = f"body.capacity_overrides.{world.south}"
    problem(client.post(RUNS, json=body, headers=world.coordinator), 422, field)
    assert ok(client.get(RUNS, headers=world.admin))["total"] == 0


# --- bounded work -----------------------------------------------------------------------------


def test_work_over_the_budget_is_refused_naming_the_parameter(
    client: TestClient, world: World, custom_app: AppFactory
) -> None:
    east_wants_innovation(client, world)
    small = TestClient(custom_app(matching_max_suggestions=1, matching_max_pairs=1))
    # Two receiving regions with a partner x top_k 1 = 2 suggestions > 1 ...
    refused = problem(
        small.get(SUGGESTIONS, params={"top_k": 1}, headers=world.coordinator), 422, "query.top_k"
    )
    assert "budget" in refused["detail"]
    # ... but a page of one region fits: a dashboard pages through.
    page = ok(small.get(SUGGESTIONS, params={"top_k": 1, "limit": 1}, headers=world.coordinator))
    assert page["total"] == 3 and [i["region"] for i in page["items"]] == ["East"]
    # Two allowed pairs (North and East from South) > max_pairs 1.
    refused = problem(
        small.post(RUNS, json={}, headers=world.coordinator),
        422,
        "body.parameters.improvement_flags",
    )
    assert "budget" in refused["detail"]
    assert ok(client.get(RUNS, headers=world.admin))["total"] == 0


def test_assignment_graph_over_the_budget_names_capacity(
    client: TestClient, world: World, custom_app: AppFactory
) -> None:
    east_wants_innovation(client, world)
    small = TestClient(custom_app(matching_max_assignment_edges=3))
    refused = problem(
        small.post(RUNS, json={}, headers=world.coordinator), 422, "body.parameters.capacity"
    )
    assert "edges" in refused["detail"]
    body = {"parameters": {"capacity": 1}}
    ok(small.post(RUNS, json=body, headers=world.coordinator), 201)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_run_computes_without_holding_the_write_lock(
    client: TestClient, world: World, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the assignment computes, another connection can write at once (a stakeholder
    rating elsewhere is not kept waiting for a large programme's run)."""
    seeds(client, world)
    path = make_url(migrated_url).database
    assert path is not None
    real = assign_partners
    wrote: list[str] = []

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        with closing(sqlite3.connect(path, timeout=0.2, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE regions SET public_profile = public_profile")
            other.execute("COMMIT")
        wrote.append("written")
        return real(*args, **kwargs)

    monkeypatch.setattr(matching_service, "assign_partners", meanwhile)
    ok(client.post(RUNS, json={}, headers=world.coordinator), 201)
    assert wrote == ["written"]


# --- runs stored before reasons were kept -----------------------------------------------------


def test_runs_stored_before_reasons_read_with_what_they_have(
    client: TestClient, world: World, database: Database
) -> None:
    seeds(client, world)
    run_id = store_old_run(database, world)
    old = ok(client.get(f"{RUNS}/{run_id}", headers=world.coordinator))
    assert old["load"] is None and old["total_score_rounded"] == 0.75
    assert old["parameters"]["uncertain_scores"] == "include"  # the behaviour before it existed
    (pair,) = old["pairs"]
    assert (pair["reasons"], pair["alike"], pair["different"]) == (None, [], [])
    assert pair["dimension_name"] == "Innovation management"  # from the run's model
    assert (pair["similarity_rounded"], pair["score_rounded"]) == (0.98, 0.75)
    assert pair["explanation"] == "North (1) learns Innovation management from South (4)"
    (need,) = old["unmet"]
    assert (need["reason"], need["condition"], need["message"]) == (
        "no_candidate",
        None,
        "no region can coach it",
    )
    assert (need["receiving"], need["dimension_name"]) == ("South", "Population approach")
    assert ok(client.get(RUNS, headers=world.south_member))["total"] == 1


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
