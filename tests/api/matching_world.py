"""Programmes for the matching tests, built over HTTP on top of conftest's ``world``.

North (private) is low on innovation management (1) and flags it for improvement; South
(public) is strong there (4) and offers it, with funding (3); both stand at 2 elsewhere
(``seeds``). ``east_wants_innovation`` adds a third region competing for South;
``add_region`` adds regions with a facilitator key; ``split_round`` publishes a round whose
panel was split on some dimensions (the profile then says ``agreement: split``);
``store_old_run`` writes a run as stored before its reasons were kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app.db import Database
from app.tables_matching import MatchingPairRow, MatchingRun, MatchingRunRegion
from tests.api import flows
from tests.api.conftest import World, headers
from tests.api.flows import API, ok


def seeds(client: TestClient, world: World) -> None:
    """North wants innovation management, South offers it (and funding)."""
    flows.publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {"innovation_management": 1},
        improve=["innovation_management"],
    )
    flows.publish(
        client,
        world.admin,
        world.south,
        world.south_people,
        {"innovation_management": 4, "funding": 3},
        improve=["population_approach"],
        coach=["innovation_management", "funding"],
    )


@dataclass(frozen=True)
class Added:
    id: int
    people: list[int]
    member: dict[str, str]  # its facilitator's key


def add_region(client: TestClient, world: World, name: str) -> Added:
    """A new region with one stakeholder and a facilitator key."""
    region = {"name": name, "country": "SE", "kind": "region"}
    region_id = ok(client.post(f"{API}/regions", json=region, headers=world.admin), 201)["id"]
    person = {"name": f"{name} lead", "role": "manager"}
    url = f"{API}/regions/{region_id}/stakeholders"
    person_id = ok(client.post(url, json=person, headers=world.admin), 201)["id"]
    key = {"name": f"{name} facilitator", "role": "member", "region_id": region_id}
    token = ok(client.post(f"{API}/keys", json=key, headers=world.admin), 201)["token"]
    return Added(id=region_id, people=[person_id], member=headers(token))


def east_wants_innovation(client: TestClient, world: World, name: str = "East") -> Added:
    """``seeds``, and East also wants innovation management, from level 2: with South
    coaching one need only, North (the larger gap) gets South and East is left out."""
    seeds(client, world)
    east = add_region(client, world, name)
    flows.publish(
        client,
        world.admin,
        east.id,
        east.people,
        {"innovation_management": 2},
        improve=["innovation_management"],
    )
    return east


def store_old_run(database: Database, world: World) -> int:
    """A run as stored before migration 0008: a North <- South pair without reasons, an
    unmet need of South without a condition, no load."""
    with database.session(write=True) as session:
        run = MatchingRun(
            model_id="scirocco",
            model_version="2019-22",
            parameters={"min_gap": 1.0, "capacity": 2, "capacity_overrides": {}},
            regions=2,
            needs=2,
            total_score=0.7527272727272727,
            unmet=[
                {
                    "receiving": "South",
                    "dimension": "population_approach",
                    "reason": "no_candidate",
                    "candidates": 0,
                    "message": "no region can coach it",
                    "receiving_region_id": world.south,
                }
            ],
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        session.add(
            MatchingPairRow(
                run_id=run.id,
                receiving_region_id=world.north,
                transferring_region_id=world.south,
                dimension="innovation_management",
                receiving_score=1,
                transferring_score=4,
                gap=3,
                similarity=0.9818181818181818,
                shared_context=11,
                score=0.7527272727272727,
                rank=1,
                explanation="North (1) learns Innovation management from South (4)",
            )
        )
        session.add_all(
            MatchingRunRegion(run_id=run.id, region_id=r) for r in (world.north, world.south)
        )
        session.commit()
        return run.id


def split_round(
    client: TestClient,
    who: dict[str, str],
    region: int,
    people: Sequence[int],
    panel: Mapping[str, Sequence[int]],
    decided: Mapping[str, int],
    improve: Sequence[str] = (),
    coach: Sequence[str] = (),
) -> int:
    """A published round where ``people`` rated ``panel[key]`` (one score each; 2 on the
    other dimensions) and the workshop decided ``decided`` (2 elsewhere)."""
    round_id = flows.new_round(client, who, region)
    keys = flows.round_keys(client, who, round_id)
    flows.move(client, who, round_id, "open")
    for index, person in enumerate(people):
        scores = [panel[key][index] if key in panel else 2 for key in keys]
        flows.rate(client, who, round_id, person, scores)
    flows.move(client, who, round_id, "consensus")
    flows.decide_all(client, who, round_id, [decided.get(key, 2) for key in keys])
    for key in {*improve, *coach}:
        flags = {"for_improvement": key in improve, "for_coaching": key in coach}
        ok(client.put(f"{API}/rounds/{round_id}/flags/{key}", json=flags, headers=who))
    flows.move(client, who, round_id, "published")
    return round_id


def suggestions(client: TestClient, who: dict[str, str], **params: Any) -> dict[str, Any]:
    """GET /matching/suggestions with these query parameters (must succeed)."""
    body: dict[str, Any] = ok(client.get(f"{API}/matching/suggestions", params=params, headers=who))
    return body


def item_of(body: dict[str, Any], region_id: int) -> dict[str, Any]:
    """The receiving region's entry of a suggestions page."""
    (found,) = [item for item in body["items"] if item["region_id"] == region_id]
    return found  # type: ignore[no-any-return]
