import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World
from tests.api.flows import API, KEYS, move, new_round, ok, problem, rate


@pytest.fixture
def workshop(client: TestClient, world: World) -> int:
    """A north round in consensus, rated 1, 2 and 4 by three stakeholders."""
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    for person, score in zip(world.north_people, (1, 2, 4), strict=False):
        rate(client, world.north_member, round_id, person, [score] * 12)
    move(client, world.north_member, round_id, "consensus")
    return round_id


def test_the_workshop_records_scores_and_the_profile_shows_them(
    client: TestClient, world: World, workshop: int
) -> None:
    url = f"{API}/rounds/{workshop}/consensus/innovation_management"
    body = ok(
        client.put(
            url, json={"score": 1, "justification": "no process"}, headers=world.north_member
        )
    )
    assert (body["dimension"], body["score"], body["justification"]) == (
        "innovation_management",
        1,
        "no process",
    )
    ok(
        client.put(
            url, json={"score": 3, "justification": "on second thought"}, headers=world.admin
        )
    )
    page = ok(client.get(f"{API}/rounds/{workshop}/consensus", headers=world.coordinator))
    assert [(c["dimension"], c["score"]) for c in page["items"]] == [("innovation_management", 3)]
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.north_rater))
    assert profile["profile"]["model"] == {"id": "scirocco", "version": "2019-22"}
    scores = {s["dimension"]: s for s in profile["profile"]["scores"]}
    assert (
        scores["innovation_management"]["score"],
        scores["innovation_management"]["source"],
    ) == (3, "workshop")
    assert (scores["funding"]["score"], scores["funding"]["source"]) == (2, "proposed")


def test_an_explicit_null_needs_a_justification(
    client: TestClient, world: World, workshop: int
) -> None:
    url = f"{API}/rounds/{workshop}/consensus/funding"
    problem(
        client.put(url, json={"score": None, "justification": "  "}, headers=world.north_member),
        422,
        "body.justification",
    )
    ok(
        client.put(
            url,
            json={"score": None, "justification": "nobody could judge it"},
            headers=world.north_member,
        )
    )
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.admin))
    funding = next(s for s in profile["profile"]["scores"] if s["dimension"] == "funding")
    assert (funding["score"], funding["source"]) == (None, "workshop")


@pytest.mark.parametrize(
    ("dimension", "body", "field"),
    [
        ("funding", {"score": 6}, "body.score"),
        ("nope", {"score": 1}, "path.dimension"),
        ("funding", {}, "body.score"),
    ],
)
def test_bad_consensus_is_named_and_stores_nothing(
    client: TestClient,
    world: World,
    workshop: int,
    dimension: str,
    body: dict[str, object],
    field: str,
) -> None:
    problem(
        client.put(
            f"{API}/rounds/{workshop}/consensus/{dimension}", json=body, headers=world.north_member
        ),
        422,
        field,
    )
    assert ok(client.get(f"{API}/rounds/{workshop}/consensus", headers=world.admin))["total"] == 0


@pytest.mark.parametrize("who", ["coordinator", "north_rater", "south_member"])
def test_only_admins_and_facilitators_write_consensus_and_flags(
    client: TestClient, world: World, workshop: int, who: str
) -> None:
    problem(
        client.put(
            f"{API}/rounds/{workshop}/consensus/funding",
            json={"score": 1},
            headers=getattr(world, who),
        ),
        403,
    )
    problem(
        client.put(
            f"{API}/rounds/{workshop}/flags/funding",
            json={"for_improvement": True},
            headers=getattr(world, who),
        ),
        403,
    )


def test_consensus_and_flags_only_in_consensus_state(client: TestClient, world: World) -> None:
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    problem(
        client.put(
            f"{API}/rounds/{round_id}/consensus/funding",
            json={"score": 1},
            headers=world.north_member,
        ),
        409,
        "path.round_id",
    )
    problem(
        client.put(
            f"{API}/rounds/{round_id}/flags/funding",
            json={"for_coaching": True},
            headers=world.north_member,
        ),
        409,
        "path.round_id",
    )


def test_flags_mark_needs_and_offers(client: TestClient, world: World, workshop: int) -> None:
    url = f"{API}/rounds/{workshop}/flags"
    ok(
        client.put(
            f"{url}/innovation_management",
            json={"for_improvement": True},
            headers=world.north_member,
        )
    )
    body = ok(
        client.put(
            f"{url}/capacity_building", json={"for_coaching": True}, headers=world.north_member
        )
    )
    assert (body["for_improvement"], body["for_coaching"]) == (False, True)
    ok(client.put(f"{url}/funding", json={"for_improvement": True}, headers=world.admin))
    ok(client.put(f"{url}/funding", json={}, headers=world.admin))  # unmarked again
    page = ok(client.get(url, params={"for_improvement": True}, headers=world.north_rater))
    assert [f["dimension"] for f in page["items"]] == ["innovation_management"]
    assert ok(client.get(url, headers=world.coordinator))["total"] == 3
    problem(client.put(f"{url}/nope", json={}, headers=world.admin), 422, "path.dimension")
    problem(
        client.put(f"{url}/funding", json={"for_coaching": "often"}, headers=world.admin),
        422,
        "body.for_coaching",
    )
    problem(client.get(url, headers=world.south_member), 403)
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.admin))["profile"]
    flagged = {s["dimension"]: (s["for_improvement"], s["for_coaching"]) for s in profile["scores"]}
    assert flagged["innovation_management"] == (True, False)
    assert flagged["capacity_building"] == (False, True)
    assert flagged["funding"] == (False, False)
    assert len(flagged) == len(KEYS)
