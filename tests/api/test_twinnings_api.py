"""Twinnings over HTTP (SQLite and PostgreSQL): creation from an approved pair or directly,
the frozen rationale, local conditions, activities shared between twinnings, the action plan,
the status life cycle, the effect after re-assessment, the programme view, the report, and
who may do what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app.db import Database
from app.demo import DEMO_KEYS, load_demo
from assessment import find_model
from tests.api.conftest import World, headers
from tests.api.flows import API, ok, problem, publish

TODAY = dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Pair:
    """North (receiving) and South (transferring), published on the default model."""

    north_round: int
    south_round: int


def seed(client: TestClient, world: World) -> Pair:
    """North is low on innovation management and flags it; South is strong and offers it.
    Both score 3 on readiness to change (a condition in place); South leads by 2 on
    governance and funding (conditions to build) and by 1 on digital infrastructure."""
    north = publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {
            "innovation_management": 1,
            "readiness_to_change": 3,
            "digital_infrastructure": 3,
            "capacity_building": 4,
        },
        improve=["innovation_management"],
        label="2022",
    )
    south = publish(
        client,
        world.admin,
        world.south,
        world.south_people,
        {
            "innovation_management": 4,
            "readiness_to_change": 3,
            "structure_governance": 4,
            "funding": 4,
            "digital_infrastructure": 4,
        },
        coach=["innovation_management"],
        label="2023",
    )
    return Pair(north, south)


def direct(client: TestClient, world: World, **extra: Any) -> dict[str, Any]:
    """A twinning North <- South on innovation management, created by the coordinator."""
    body = {
        "receiving_region_id": world.north,
        "transferring_region_id": world.south,
        "focus": ["innovation_management"],
        **extra,
    }
    return ok(client.post(f"{API}/twinnings", json=body, headers=world.coordinator), 201)  # type: ignore[no-any-return]


def approved_pair(client: TestClient, world: World) -> dict[str, Any]:
    run = ok(client.post(f"{API}/matching/runs", json={}, headers=world.coordinator), 201)
    pair: dict[str, Any] = run["pairs"][0]
    assert (pair["receiving_region_id"], pair["dimension"]) == (
        world.north,
        "innovation_management",
    )
    return pair


def test_a_twinning_starts_from_an_approved_pair_only(client: TestClient, world: World) -> None:
    seed(client, world)
    pair = approved_pair(client, world)
    create = {"matching_pair_id": pair["id"], "aim": "Formalise innovation"}
    problem(
        client.post(f"{API}/twinnings", json=create, headers=world.coordinator),
        409,
        "body.matching_pair_id",
    )
    review = {"status": "approved"}
    ok(
        client.patch(
            f"{API}/matching/runs/{pair['run_id']}/pairs/{pair['id']}",
            json=review,
            headers=world.coordinator,
        )
    )
    twinning = ok(client.post(f"{API}/twinnings", json=create, headers=world.coordinator), 201)
    assert twinning["status"] == "planned" and twinning["type"] == "transfer"
    assert (twinning["receiving_region_id"], twinning["transferring_region_id"]) == (
        world.north,
        world.south,
    )
    assert twinning["focus"] == ["innovation_management"]
    assert twinning["matching_pair_id"] == pair["id"]
    assert twinning["title"] == "North and South: Innovation management"
    focus = twinning["rationale"]["focus"][0]
    assert (focus["receiving"]["score"], focus["transferring"]["score"], focus["gap"]) == (1, 4, 3)
    assert focus["receiving"]["band"] == "initial" and focus["transferring"]["flagged"]
    assert (focus["receiving"]["agreement"], focus["receiving"]["level"]) == ("agreed", "initial")
    assert focus["transferring"]["level_name"] == "Progressing"
    assert focus["receiving"]["justification"] == "agreed on 1"
    assert focus["receiving"]["descriptor"]  # the model's words for level 1
    match = focus["match"]
    assert (match["source"], match["run_id"], match["pair_id"]) == (
        "matching_run",
        pair["run_id"],
        pair["id"],
    )
    assert match["pair"]["explanation"] == pair["explanation"]
    again = client.post(f"{API}/twinnings", json=create, headers=world.coordinator)
    assert "already" in problem(again, 409, "body.matching_pair_id")["detail"]
    contradicts = {"matching_pair_id": pair["id"], "receiving_region_id": world.south}
    problem(
        client.post(f"{API}/twinnings", json=contradicts, headers=world.coordinator),
        422,
        "body.receiving_region_id",
    )


def test_the_rationale_stays_frozen_and_the_effect_follows_reassessment(
    client: TestClient, world: World
) -> None:
    seed(client, world)
    twinning = direct(client, world)
    tid = twinning["id"]
    assert twinning["effect"]["effect"] is None
    assert twinning["rationale"]["focus"][0]["match"]["source"] == "matching_rule"
    later = publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {"innovation_management": 3, "readiness_to_change": 3, "funding": 3},
        label="2024",
    )
    again = ok(client.get(f"{API}/twinnings/{tid}", headers=world.coordinator))
    assert again["rationale"] == twinning["rationale"]  # history is not rewritten
    effect = ok(client.get(f"{API}/twinnings/{tid}/effect", headers=world.north_member))
    assert effect["follow_up_round_id"] == later
    assert effect["baseline_round_id"] == twinning["receiving_round_id"]
    change = effect["effect"]
    assert change["focus"] == [
        {
            "dimension": "innovation_management",
            "name": "Innovation management",
            "before": 1,
            "after": 3,
            "delta": 2,
        }
    ]
    assert change["verdict"] == "improved" and change["focus_delta"] == 2
    assert change["overall_delta"] == change["comparison"]["overall_delta"]
    programme = ok(client.get(f"{API}/twinnings/programme", headers=world.coordinator))
    view = programme["view"]
    assert programme["twinning_ids"] == [tid]
    assert (view["total"], view["measured"], view["verdicts"]["improved"]) == (1, 1, 1)
    assert view["by_status"]["planned"] == 1
    assert view["by_dimension"][0]["mean_delta"] == 2
    problem(client.get(f"{API}/twinnings/programme", headers=world.north_member), 403)


def test_direct_creation_checks_every_field_and_stores_nothing_when_wrong(
    client: TestClient, world: World
) -> None:
    pair = seed(client, world)

    def rejected(status: int, field: str, **body: Any) -> None:
        sent = {
            "receiving_region_id": world.north,
            "transferring_region_id": world.south,
            "focus": ["innovation_management"],
            **body,
        }
        sent = {k: v for k, v in sent.items() if v is not None}
        problem(
            client.post(f"{API}/twinnings", json=sent, headers=world.coordinator), status, field
        )

    rejected(422, "body.receiving_region_id", receiving_region_id=None)
    rejected(422, "body.transferring_region_id", transferring_region_id=world.north)
    rejected(404, "body.transferring_region_id", transferring_region_id=99999)
    rejected(422, "body.focus", focus=[])
    rejected(422, "body.focus.1", focus=["funding", "nowhere"], type="coaching")
    rejected(422, "body.focus.1", focus=["funding", "funding"], type="coaching")
    rejected(422, "body.focus", focus=["funding", "population_approach"], type="transfer")
    rejected(422, "body.model_id", model_id="nope")
    rejected(422, "body.end_date", start_date="2025-02-01", end_date="2025-01-31")
    rejected(422, "body.receiving_round_id", receiving_round_id=pair.south_round)
    rejected(404, "body.practice_id", practice_id=4242)
    rejected(422, "body.type", type="friendship")
    draft = ok(
        client.post(
            f"{API}/regions/{world.north}/rounds", json={"label": "x"}, headers=world.admin
        ),
        201,
    )
    rejected(409, "body.receiving_round_id", receiving_round_id=draft["id"])
    old = ok(
        client.post(
            f"{API}/regions/{world.north}/rounds",
            json={"label": "old", "model_version": "2016-19"},
            headers=world.admin,
        ),
        201,
    )
    rejected(409, "body.receiving_region_id", model_version="2016-19")
    assert old["model"]["version"] == "2016-19"
    practice = ok(
        client.post(
            f"{API}/practices",
            json={
                "name": "Old practice",
                "model_version": "2016-19",
                "requirements": {"funding": 2},
            },
            headers=world.coordinator,
        ),
        201,
    )
    rejected(422, "body.practice_id", practice_id=practice["id"])
    problem(
        client.post(
            f"{API}/twinnings",
            json={"receiving_region_id": world.north, "transferring_region_id": world.south},
            headers=world.coordinator,
        ),
        422,
        "body.focus",
    )
    listing = ok(client.get(f"{API}/twinnings", headers=world.admin))
    assert listing["total"] == 0
    # Several focus dimensions default to coaching; a gap below 1 has no matching pair.
    coaching = direct(client, world, focus=["readiness_to_change", "innovation_management"])
    assert coaching["type"] == "coaching"
    assert [f["dimension"] for f in coaching["rationale"]["focus"]] == [
        "readiness_to_change",
        "innovation_management",
    ]
    level = coaching["rationale"]["focus"][0]
    assert level["gap"] == 0 and level["match"] is None


def test_who_may_read_and_change_a_twinning(client: TestClient, world: World) -> None:
    seed(client, world)
    tid = direct(client, world)["id"]
    other = ok(
        client.post(
            f"{API}/regions",
            json={"name": "West", "country": "PT"},
            headers=world.admin,
        ),
        201,
    )
    key = ok(
        client.post(
            f"{API}/keys",
            json={"name": "west", "role": "member", "region_id": other["id"]},
            headers=world.admin,
        ),
        201,
    )
    west = headers(key["token"])
    url = f"{API}/twinnings/{tid}"
    change = {"aim": "learn together"}
    problem(client.get(url), 401, "header.x-api-key")
    problem(client.patch(url, json=change), 401)
    problem(client.get(url, headers=west), 403)
    problem(client.patch(url, json=change, headers=west), 403)
    assert ok(client.get(f"{API}/twinnings", headers=west))["total"] == 0
    for facilitator in (world.north_member, world.south_member, world.coordinator):
        assert ok(client.patch(url, json=change, headers=facilitator))["aim"] == "learn together"
        assert ok(client.get(f"{API}/twinnings", headers=facilitator))["total"] == 1
    # A stakeholder's key reads its region's twinning but does not change it.
    assert ok(client.get(url, headers=world.north_rater))["id"] == tid
    problem(client.patch(url, json=change, headers=world.north_rater), 403)
    problem(
        client.post(
            f"{API}/twinnings/{tid}/participants",
            json={"name": "X", "side": "receiving"},
            headers=world.north_rater,
        ),
        403,
    )
    # Only coordinators and admins start or delete twinnings.
    body = {
        "receiving_region_id": world.north,
        "transferring_region_id": world.south,
        "focus": ["funding"],
    }
    problem(client.post(f"{API}/twinnings", json=body, headers=world.north_member), 403)
    problem(client.delete(url, headers=world.north_member), 403)
    problem(
        client.get(f"{API}/twinnings/99999", headers=world.coordinator), 404, "path.twinning_id"
    )


def test_local_conditions_weigh_the_practice_and_carry_notes(
    client: TestClient, world: World
) -> None:
    seed(client, world)
    practice = ok(
        client.post(
            f"{API}/practices",
            json={
                "name": "Innovation hub",
                "transferring_region_id": world.south,
                "requirements": {
                    "innovation_management": 3,
                    "funding": 3,
                    "breadth_of_ambition": 3,
                },
            },
            headers=world.coordinator,
        ),
        201,
    )
    twinning = direct(client, world, practice_id=practice["id"])
    tid = twinning["id"]
    conditions = twinning["conditions"]["conditions"]
    assert [c["dimension"] for c in conditions["in_place"]] == [
        "readiness_to_change",
        "process_coordination",
        "removal_of_inhibitors",
        "population_approach",
        "citizen_empowerment",
        "evaluation_methods",
        "capacity_building",
    ]
    # Funding: behind by 2 and 1 short of the practice (2 + 2 x 1); breadth of ambition is
    # level with South but 1 short of the practice (0 + 2 x 1); governance only behind by 2,
    # ranked after breadth of ambition, whose tie is broken by the practice's gap.
    built = [(c["dimension"], c["priority"]) for c in conditions["to_build"]]
    assert built == [
        ("funding", 4.0),
        ("breadth_of_ambition", 2.0),
        ("structure_governance", 2.0),
    ]
    assert [c["dimension"] for c in conditions["minor_gaps"]] == ["digital_infrastructure"]
    assert conditions["practice"] == "Innovation hub" and conditions["focus"] == [
        "innovation_management"
    ]
    funding = conditions["to_build"][0]
    assert (funding["receiving"]["score"], funding["transferring"]["score"]) == (2, 4)
    assert funding["receiving"]["justification"] == "agreed on 2"
    assert (funding["required"], funding["practice_gap"]) == (3, 1)
    url = f"{API}/twinnings/{tid}/conditions"
    note = {"note": "No dedicated innovation funding; incentives needed"}
    body = ok(client.put(f"{url}/funding", json=note, headers=world.north_member))
    assert body["notes"] == {"funding": note["note"]}
    ok(client.put(f"{url}/funding", json={"note": "changed"}, headers=world.south_member))
    loose = ok(client.get(url, params={"behind_threshold": 1}, headers=world.north_rater))
    assert loose["notes"] == {"funding": "changed"}
    assert "digital_infrastructure" in [c["dimension"] for c in loose["conditions"]["to_build"]]
    problem(
        client.get(url, params={"behind_threshold": 0}, headers=world.admin),
        422,
        "query.behind_threshold",
    )
    problem(client.put(f"{url}/nowhere", json=note, headers=world.admin), 422, "path.dimension")
    problem(client.put(f"{url}/funding", json={"note": ""}, headers=world.admin), 422, "body.note")
    assert ok(client.delete(f"{url}/funding", headers=world.admin))["notes"] == {}
    problem(client.delete(f"{url}/funding", headers=world.admin), 404, "path.dimension")
    detached = ok(
        client.patch(f"{API}/twinnings/{tid}", json={"practice_id": None}, headers=world.admin)
    )
    assert detached["practice_id"] is None
    assert detached["conditions"]["conditions"]["practice"] is None
    assert [c["dimension"] for c in detached["conditions"]["conditions"]["to_build"]] == [
        "structure_governance",
        "funding",
    ]


def test_an_activity_may_join_several_twinnings(client: TestClient, world: World) -> None:
    seed(client, world)
    first = direct(client, world)["id"]
    second = direct(client, world, focus=["funding"])["id"]
    event = {
        "kind": "knowledge_sharing",
        "title": "Digital knowledge-sharing event",
        "date": "2024-11-25",
        "format": "digital",
        "host": "RISE",
        "participants": ["North", "South", "Guests from East"],
    }
    created = ok(
        client.post(f"{API}/twinnings/{first}/activities", json=event, headers=world.north_member),
        201,
    )
    aid = created["id"]
    assert [t["id"] for t in created["twinnings"]] == [first]
    joined = ok(client.put(f"{API}/twinnings/{second}/activities/{aid}", headers=world.admin))
    assert [t["id"] for t in joined["twinnings"]] == [first, second]
    ok(client.put(f"{API}/twinnings/{second}/activities/{aid}", headers=world.admin))  # twice
    listed = ok(client.get(f"{API}/twinnings/{second}/activities", headers=world.south_member))
    assert [a["id"] for a in listed["items"]] == [aid] and listed["total"] == 1
    patched = ok(
        client.patch(
            f"{API}/activities/{aid}",
            json={"outcomes": "Shared challenges", "notes": None},
            headers=world.south_member,
        )
    )
    assert (patched["outcomes"], patched["notes"]) == ("Shared challenges", "")
    report = ok(client.get(f"{API}/twinnings/{first}/report.json", headers=world.admin))
    assert report["activities"][0]["shared_with"] == [
        ok(client.get(f"{API}/twinnings/{second}", headers=world.admin))["title"]
    ]
    problem(
        client.patch(f"{API}/activities/{aid}", json={"title": None}, headers=world.admin),
        422,
        "body.title",
    )
    problem(
        client.post(
            f"{API}/twinnings/{first}/activities",
            json={**event, "format": "carrier pigeon"},
            headers=world.admin,
        ),
        422,
        "body.format",
    )
    assert ok(client.get(f"{API}/activities/{aid}", headers=world.north_rater))["id"] == aid
    problem(
        client.patch(f"{API}/activities/{aid}", json={"host": "x"}, headers=world.north_rater), 403
    )
    ok(client.delete(f"{API}/twinnings/{first}/activities/{aid}", headers=world.admin), 204)
    assert [
        t["id"] for t in ok(client.get(f"{API}/activities/{aid}", headers=world.admin))["twinnings"]
    ] == [second]
    problem(
        client.delete(f"{API}/twinnings/{first}/activities/{aid}", headers=world.admin),
        404,
        "path.activity_id",
    )
    ok(client.delete(f"{API}/twinnings/{second}/activities/{aid}", headers=world.admin), 204)
    problem(client.get(f"{API}/activities/{aid}", headers=world.admin), 404, "path.activity_id")


def test_the_action_plan_follows_the_theory_of_change(client: TestClient, world: World) -> None:
    seed(client, world)
    tid = direct(client, world)["id"]
    url = f"{API}/twinnings/{tid}/actions"
    item = {
        "title": "Data sharing between health and social care",
        "category": "it",
        "dimension": "digital_infrastructure",
        "current_situation": "Separate records",
        "desired_situation": "Shared data for integrated care",
        "outcomes": "Innovations can use joint data",
        "activities": "Legal analysis; pilot of a shared record",
        "resources": "IT architect, lawyer",
        "owner": "Regional CIO",
        "due_date": "2020-06-30",
    }
    created = ok(client.post(url, json=item, headers=world.north_member), 201)
    assert created["status"] == "planned" and created["overdue"] is True
    assert created["current_situation"] == "Separate records"
    second = ok(
        client.post(
            url, json={"title": "Mandates", "category": "organisation"}, headers=world.admin
        ),
        201,
    )
    assert second["dimension"] is None and second["overdue"] is False
    problem(client.post(url, json={"title": "Vague"}, headers=world.admin), 422, "body.category")
    problem(
        client.post(url, json={"title": "X", "dimension": "nowhere"}, headers=world.admin),
        422,
        "body.dimension",
    )
    problem(
        client.post(url, json={"title": "X", "category": "weather"}, headers=world.admin),
        422,
        "body.category",
    )
    done = ok(
        client.patch(f"{url}/{created['id']}", json={"status": "done"}, headers=world.south_member)
    )
    assert done["status"] == "done" and done["overdue"] is False
    problem(
        client.patch(f"{url}/{second['id']}", json={"category": None}, headers=world.admin),
        422,
        "body.category",
    )
    problem(
        client.patch(f"{url}/{second['id']}", json={"status": None}, headers=world.admin),
        422,
        "body.status",
    )
    cleared = ok(client.patch(f"{url}/{created['id']}", json={"owner": None}, headers=world.admin))
    assert cleared["owner"] == ""
    listing = ok(client.get(url, params={"status": "done"}, headers=world.north_rater))
    assert [i["id"] for i in listing["items"]] == [created["id"]]
    detail = ok(client.get(f"{API}/twinnings/{tid}", headers=world.admin))
    summary = detail["action_summary"]
    assert (summary["total"], summary["by_status"]["done"], summary["overdue"]) == (2, 1, 0)
    assert [a["area"] for a in summary["by_area"]] == [
        "IT / Digital infrastructure",
        "Organisation",
    ]
    ok(client.delete(f"{url}/{second['id']}", headers=world.admin), 204)
    problem(client.get(f"{url}/{second['id']}", headers=world.admin), 404, "path.action_id")
    other = direct(client, world, focus=["funding"])["id"]
    problem(
        client.get(f"{API}/twinnings/{other}/actions/{created['id']}", headers=world.admin),
        404,
        "path.action_id",
    )


def test_the_status_moves_only_when_its_needs_are_met(client: TestClient, world: World) -> None:
    seed(client, world)
    tid = direct(client, world)["id"]
    url = f"{API}/twinnings/{tid}"

    def move(status: str, who: dict[str, str] = world.north_member) -> Any:
        return client.post(f"{url}/transitions", json={"status": status}, headers=who)

    assert "cannot move from planned to concluded" in problem(move("concluded"), 409)["detail"]
    refused = problem(move("running"), 409, "body.status")
    assert "receiving region" in refused["detail"] and "transferring" in refused["detail"]
    steps = ok(client.get(url, headers=world.admin))["next_steps"]
    assert [s["target"] for s in steps] == ["running"]
    assert [r["met"] for r in steps[0]["requirements"]] == [False, False]
    for side, name in (("receiving", "Lisa"), ("transferring", "Fiona"), ("external", "RISE")):
        ok(
            client.post(
                f"{url}/participants",
                json={"name": name, "role": "lead", "side": side},
                headers=world.south_member,
            ),
            201,
        )
    running = ok(move("running"))
    assert running["status"] == "running" and running["start_date"] == TODAY.isoformat()
    refused = problem(move("concluded"), 409, "body.status")["detail"]
    assert "activity" in refused and "action plan" in refused and "results" in refused
    ok(
        client.post(
            f"{url}/activities",
            json={"kind": "study_visit", "title": "Visit", "date": "2099-01-01"},
            headers=world.admin,
        ),
        201,
    )
    ok(
        client.post(
            f"{url}/actions",
            json={"title": "Roadmap", "category": "organisation"},
            headers=world.admin,
        ),
        201,
    )
    ok(
        client.patch(
            f"{url}/outcomes", json={"results_at_conclusion": "A plan"}, headers=world.admin
        )
    )
    assert "activity held" in problem(move("concluded"), 409)["detail"]  # only a future one
    ok(
        client.post(
            f"{url}/activities",
            json={"kind": "workshop", "title": "Workshop", "date": "2024-01-28"},
            headers=world.admin,
        ),
        201,
    )
    concluded = ok(move("concluded"))
    assert concluded["end_date"] == TODAY.isoformat()
    assert [s["target"] for s in concluded["next_steps"]] == ["followed_up", "running"]
    refused = problem(move("followed_up"), 409)["detail"]
    assert "later published round" in refused and "6 or after 12 months" in refused
    publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {"innovation_management": 2},
        label="2026",
    )
    outcomes = ok(
        client.patch(
            f"{url}/outcomes",
            json={"results_after_6_months": "Roadmap adopted", "deviations": None},
            headers=world.north_member,
        )
    )
    assert outcomes["results_at_conclusion"] == "A plan" and outcomes["deviations"] == ""
    assert ok(move("followed_up"))["status"] == "followed_up"
    problem(move("running"), 409)
    problem(client.delete(url, headers=world.admin), 409, "path.twinning_id")
    problem(move("concluded", world.north_rater), 403)


def test_participants_are_listed_changed_and_removed(client: TestClient, world: World) -> None:
    seed(client, world)
    tid = direct(client, world)["id"]
    url = f"{API}/twinnings/{tid}/participants"
    lisa = ok(
        client.post(
            url,
            json={"name": "Lisa", "role": "coordinator", "side": "receiving"},
            headers=world.admin,
        ),
        201,
    )
    ok(
        client.post(
            url,
            json={"name": "Ann", "side": "external", "organisation": "RISE"},
            headers=world.admin,
        ),
        201,
    )
    assert [
        p["name"]
        for p in ok(client.get(url, params={"side": "external"}, headers=world.admin))["items"]
    ] == ["Ann"]
    changed = ok(
        client.patch(
            f"{url}/{lisa['id']}", json={"role": None, "side": "transferring"}, headers=world.admin
        )
    )
    assert (changed["role"], changed["side"]) == ("", "transferring")
    problem(
        client.patch(f"{url}/{lisa['id']}", json={"name": None}, headers=world.admin),
        422,
        "body.name",
    )
    problem(
        client.post(url, json={"name": "X", "side": "nobody"}, headers=world.admin),
        422,
        "body.side",
    )
    ok(client.delete(f"{url}/{lisa['id']}", headers=world.admin), 204)
    problem(client.delete(f"{url}/{lisa['id']}", headers=world.admin), 404, "path.participant_id")


def test_the_report_is_one_escaped_page_and_its_json(client: TestClient, world: World) -> None:
    seed(client, world)
    twinning = direct(
        client,
        world,
        title="North <script>alert(1)</script> & South",
        aim="Learn how South <b>formalised</b> innovation",
    )
    url = f"{API}/twinnings/{twinning['id']}"
    ok(
        client.post(
            f"{url}/participants",
            json={"name": "Ola <img src=x>", "side": "receiving"},
            headers=world.admin,
        ),
        201,
    )
    ok(
        client.patch(
            f"{url}/outcomes", json={"worked_well": "Mixed groups\n\nHomework"}, headers=world.admin
        )
    )
    response = client.get(f"{url}/report.html", headers=world.north_member)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<script>" not in html and "<img src=x>" not in html
    assert "North &lt;script&gt;alert(1)&lt;/script&gt; &amp; South" in html
    assert "<svg" in html  # inline; nothing is fetched from elsewhere
    assert not any(tag in html for tag in ("<link", ' src="', 'href="http', "@import"))
    for heading in (
        "Partners",
        "Aim",
        "Rationale",
        "Local conditions",
        "Activities",
        "Action plan",
        "Results",
        "Deviations",
        "Lessons learned",
        "Sustainability",
        "Measured change after re-assessment",
    ):
        assert heading in html
    assert "<p>Mixed groups</p><p>Homework</p>" in html
    report = ok(client.get(f"{url}/report.json", headers=world.south_member))
    assert report["title"] == twinning["title"] and report["effect"] is None
    assert [s["label"] for s in report["radar"]["series"]] == ["North 2022", "South 2023"]
    assert report["rationale"] == twinning["rationale"]
    assert report["participants"] == [
        {"name": "Ola <img src=x>", "role": "", "side": "receiving", "organisation": ""}
    ]
    assert report["outcomes"]["worked_well"] == "Mixed groups\n\nHomework"
    publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {"innovation_management": 2},
        label="2024",
    )
    report = ok(client.get(f"{url}/report.json", headers=world.admin))
    assert [s["label"] for s in report["radar"]["series"]] == [
        "North 2022",
        "South 2023",
        "North 2024",
    ]
    assert report["effect"]["verdict"] == "improved"
    problem(client.get(f"{url}/report.html"), 401)


def test_the_report_speaks_the_readers_language(client: TestClient, world: World) -> None:
    """Accept-Language or ?lang= choose the report's language; the twinning's stored
    rationale stays as it was written (in the model's language)."""
    seed(client, world)
    twinning = direct(client, world, aim="Lära av South")
    url = f"{API}/twinnings/{twinning['id']}"
    swedish = {**world.north_member, "Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}
    response = client.get(f"{url}/report.html", headers=swedish)
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "sv"
    assert "Accept-Language" in response.headers["vary"]
    assert "private" in response.headers["cache-control"]
    html = response.text
    assert '<html lang="sv">' in html
    for text in ("Twinningrapport", "Parter", "Motivering", "Lokala förutsättningar för införande"):
        assert text in html
    assert "Innovationsledning" in html and "Lära av South" in html  # model text, user text
    assert "Rationale" not in html and "Local conditions" not in html
    report = ok(client.get(f"{url}/report.json", params={"lang": "it"}, headers=world.admin))
    assert report["language"] == "it"
    focus = report["rationale"]["focus"][0]
    italian = find_model("scirocco").localized("it").dimension("innovation_management")
    assert focus["name"] == italian.name and focus["receiving"]["descriptor"] == italian.levels[1]
    assert focus["receiving"]["score"] == twinning["rationale"]["focus"][0]["receiving"]["score"]
    assert " impara da " in report["rationale"]["summary"]
    assert report["conditions"]["in_place"][0]["name"] == "Disponibilità al cambiamento"
    stored = ok(client.get(url, headers=world.admin))["rationale"]
    assert stored == twinning["rationale"] and stored["focus"][0]["name"] == "Innovation management"
    problem(client.get(f"{url}/report.html", params={"lang": "xx-"}, headers=world.admin), 422)
    problem(
        client.get(f"{url}/report.html", params={"lang": "fi"}, headers=world.admin),
        422,
        "query.lang",
    )
    problem(client.get(f"{url}/report.json", params={"lang": "sv"}, headers=headers("tw_x")), 401)


def test_a_planned_twinning_can_be_deleted_with_its_own_activities(
    client: TestClient, world: World
) -> None:
    seed(client, world)
    first = direct(client, world)["id"]
    second = direct(client, world, focus=["funding"])["id"]
    own = ok(
        client.post(
            f"{API}/twinnings/{first}/activities",
            json={"kind": "webinar", "title": "A"},
            headers=world.admin,
        ),
        201,
    )["id"]
    shared = ok(
        client.post(
            f"{API}/twinnings/{first}/activities",
            json={"kind": "webinar", "title": "B"},
            headers=world.admin,
        ),
        201,
    )["id"]
    ok(client.put(f"{API}/twinnings/{second}/activities/{shared}", headers=world.admin))
    ok(
        client.post(
            f"{API}/twinnings/{first}/actions",
            json={"title": "T", "category": "legal"},
            headers=world.admin,
        ),
        201,
    )
    ok(
        client.put(
            f"{API}/twinnings/{first}/conditions/funding", json={"note": "n"}, headers=world.admin
        )
    )
    ok(client.delete(f"{API}/twinnings/{first}", headers=world.coordinator), 204)
    problem(client.get(f"{API}/twinnings/{first}", headers=world.admin), 404)
    problem(client.get(f"{API}/activities/{own}", headers=world.admin), 404)
    assert ok(client.get(f"{API}/activities/{shared}", headers=world.admin))["twinnings"] == [
        {
            "id": second,
            "title": ok(client.get(f"{API}/twinnings/{second}", headers=world.admin))["title"],
        }
    ]


PROCUREMENT = find_model("procurement-readiness")


def test_municipalities_assess_match_and_twin_on_the_procurement_model(
    client: TestClient, world: World
) -> None:
    """The second model runs through the same engine: rounds, scores, matching, twinning."""
    north = publish(
        client,
        world.admin,
        world.north,
        world.north_people,
        {"pilot_for_procurement": 1, "market_dialogue": 1},
        improve=["pilot_for_procurement"],
        model=PROCUREMENT,
        label="Procurement 2024",
    )
    publish(
        client,
        world.admin,
        world.south,
        world.south_people,
        {"pilot_for_procurement": 4, "market_dialogue": 3},
        coach=["pilot_for_procurement"],
        model=PROCUREMENT,
        label="Procurement 2024",
    )
    # A later SCIROCCO round does not take North out of procurement matching.
    publish(client, world.admin, world.north, world.north_people, {}, label="SCIROCCO 2025")
    scores = ok(client.get(f"{API}/rounds/{north}/scores", headers=world.north_member))
    assert scores["model"] == {"id": PROCUREMENT.id, "version": PROCUREMENT.version}
    assert [d["dimension"] for d in scores["dimensions"]] == list(PROCUREMENT.keys)
    model = {"model_id": PROCUREMENT.id}
    suggestions = ok(
        client.get(f"{API}/matching/suggestions", params=model, headers=world.coordinator)
    )
    assert suggestions["regions"] == 2
    first = suggestions["items"][0]["pairs"][0]
    assert (first["receiving"], first["transferring"], first["dimension"]) == (
        "North",
        "South",
        "pilot_for_procurement",
    )
    run = ok(client.post(f"{API}/matching/runs", json=model, headers=world.coordinator), 201)
    (pair,) = [p for p in run["pairs"] if p["dimension"] == "pilot_for_procurement"]
    ok(
        client.patch(
            f"{API}/matching/runs/{run['id']}/pairs/{pair['id']}",
            json={"status": "approved"},
            headers=world.coordinator,
        )
    )
    twinning = ok(
        client.post(
            f"{API}/twinnings",
            json={"matching_pair_id": pair["id"], "type": "exchange"},
            headers=world.coordinator,
        ),
        201,
    )
    assert twinning["model"] == {"id": PROCUREMENT.id, "version": PROCUREMENT.version}
    assert twinning["receiving_round_id"] == north
    focus = twinning["rationale"]["focus"][0]
    assert (focus["name"], focus["gap"]) == ("Pilots designed for procurement", 3)
    assert (
        focus["transferring"]["descriptor"]
        == PROCUREMENT.dimension("pilot_for_procurement").levels[4]
    )
    to_build = twinning["conditions"]["conditions"]["to_build"]
    assert [c["dimension"] for c in to_build] == ["market_dialogue"]
    actions = f"{API}/twinnings/{twinning['id']}/actions"
    item = {"title": "Dialogue before tenders", "dimension": "market_dialogue"}
    ok(client.post(actions, json=item, headers=world.south_member), 201)
    scirocco_item = {"title": "X", "dimension": "innovation_management"}
    problem(client.post(actions, json=scirocco_item, headers=world.admin), 422, "body.dimension")
    html = client.get(f"{API}/twinnings/{twinning['id']}/report.html", headers=world.admin).text
    assert "Innovation Procurement Readiness" in html and "Pilots designed for procurement" in html


def test_the_demo_holds_the_seeds_twinnings(client: TestClient, database: Database) -> None:
    with database.session(write=True) as session:
        load_demo(session)
    coordinator = headers(DEMO_KEYS["coordinator"])
    listing = ok(client.get(f"{API}/twinnings", headers=coordinator))["items"]
    titles = [t["title"] for t in listing]
    assert titles == [
        "Norrbotten learns innovation management from Scotland",
        "Lund and Helsingborg: from pilot to procurement and implementation",
        "Höganäs and Lidingö: organising for innovation procurement",
    ]
    norrbotten = ok(client.get(f"{API}/twinnings/{listing[0]['id']}", headers=coordinator))
    focus = norrbotten["rationale"]["focus"][0]
    assert (focus["receiving"]["round_label"], focus["receiving"]["score"]) == ("2022", 1)
    in_place = norrbotten["conditions"]["conditions"]["in_place"]
    assert [c["dimension"] for c in in_place] == ["readiness_to_change"]
    assert in_place[0]["receiving"]["score"] == in_place[0]["transferring"]["score"] == 3
    assert "Mandates" in norrbotten["conditions"]["notes"]["structure_governance"]
    assert [a["kind"] for a in norrbotten["activities"]] == ["study_visit"]
    assert norrbotten["effect"]["effect"]["verdict"] == "improved"
    lund = ok(
        client.get(f"{API}/twinnings/{listing[1]['id']}", headers=headers(DEMO_KEYS["helsingborg"]))
    )
    assert lund["model"]["id"] == "procurement-readiness"
    kinds = [a["kind"] for a in lund["activities"]]
    assert kinds.count("workshop") == 2 and kinds.count("knowledge_sharing") == 2
    shared = [a for a in lund["activities"] if len(a["twinnings"]) > 1]
    assert {t["id"] for a in shared for t in a["twinnings"]} == {listing[1]["id"], listing[2]["id"]}
    assert len(lund["action_plan"]) == 6 and lund["effect"]["effect"]["verdict"] == "improved"
    programme = ok(client.get(f"{API}/twinnings/programme", headers=coordinator))["view"]
    assert (programme["total"], programme["measured"]) == (3, 2)
    for twinning in listing:
        page = client.get(f"{API}/twinnings/{twinning['id']}/report.html", headers=coordinator)
        assert page.status_code == 200 and twinning["title"] in page.text
