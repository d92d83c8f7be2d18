import pytest
from fastapi.testclient import TestClient

from assessment import MaturityModel
from tests.api.conftest import World
from tests.api.flows import API, move, new_round, ok, problem, rate

pytestmark = pytest.mark.any_model


@pytest.fixture
def focus(api_model: MaturityModel) -> str:
    """The dimension the workshop argues about (innovation management in SCIROCCO)."""
    return api_model.keys[-2]


@pytest.fixture
def other(api_model: MaturityModel) -> str:
    return api_model.keys[1]


@pytest.fixture
def last(api_model: MaturityModel) -> str:
    return api_model.keys[-1]


@pytest.fixture
def workshop(client: TestClient, world: World) -> int:
    """A north round in consensus, rated 1, 2 and 4 by three stakeholders."""
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    for person, score in zip(world.north_people, (1, 2, 4), strict=False):
        rate(client, world.north_member, round_id, person, score)
    move(client, world.north_member, round_id, "consensus")
    return round_id


def test_the_workshop_records_scores_and_the_profile_shows_them(
    client: TestClient,
    world: World,
    workshop: int,
    api_model: MaturityModel,
    focus: str,
    other: str,
) -> None:
    url = f"{API}/rounds/{workshop}/consensus/{focus}"
    body = ok(
        client.put(
            url, json={"score": 1, "justification": "no process"}, headers=world.north_member
        )
    )
    assert (body["dimension"], body["score"], body["justification"]) == (
        focus,
        1,
        "no process",
    )
    ok(
        client.put(
            url, json={"score": 3, "justification": "on second thought"}, headers=world.admin
        )
    )
    page = ok(client.get(f"{API}/rounds/{workshop}/consensus", headers=world.coordinator))
    assert [(c["dimension"], c["score"]) for c in page["items"]] == [(focus, 3)]
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.north_rater))
    assert profile["profile"]["model"] == {"id": api_model.id, "version": api_model.version}
    scores = {s["dimension"]: s for s in profile["profile"]["scores"]}
    assert (
        scores[focus]["score"],
        scores[focus]["source"],
    ) == (3, "workshop")
    assert (scores[other]["score"], scores[other]["source"]) == (2, "proposed")


def test_an_explicit_null_needs_a_justification(
    client: TestClient, world: World, workshop: int, other: str
) -> None:
    url = f"{API}/rounds/{workshop}/consensus/{other}"
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
    decided = next(s for s in profile["profile"]["scores"] if s["dimension"] == other)
    assert (decided["score"], decided["source"]) == (None, "workshop")


@pytest.mark.parametrize(
    ("dimension", "body", "field"),
    [
        ("other", {"score": 6}, "body.score"),
        ("nope", {"score": 1}, "path.dimension"),
        ("other", {}, "body.score"),
    ],
)
def test_bad_consensus_is_named_and_stores_nothing(
    client: TestClient,
    world: World,
    workshop: int,
    dimension: str,
    body: dict[str, object],
    field: str,
    other: str,
) -> None:
    dimension = other if dimension == "other" else dimension
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
    client: TestClient, world: World, workshop: int, who: str, other: str
) -> None:
    problem(
        client.put(
            f"{API}/rounds/{workshop}/consensus/{other}",
            json={"score": 1},
            headers=getattr(world, who),
        ),
        403,
    )
    problem(
        client.put(
            f"{API}/rounds/{workshop}/flags/{other}",
            json={"for_improvement": True},
            headers=getattr(world, who),
        ),
        403,
    )


def test_consensus_and_flags_only_in_consensus_state(
    client: TestClient, world: World, other: str
) -> None:
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    problem(
        client.put(
            f"{API}/rounds/{round_id}/consensus/{other}",
            json={"score": 1},
            headers=world.north_member,
        ),
        409,
        "path.round_id",
    )
    problem(
        client.put(
            f"{API}/rounds/{round_id}/flags/{other}",
            json={"for_coaching": True},
            headers=world.north_member,
        ),
        409,
        "path.round_id",
    )


def test_flags_mark_needs_and_offers(
    client: TestClient,
    world: World,
    workshop: int,
    api_model: MaturityModel,
    focus: str,
    other: str,
    last: str,
) -> None:
    url = f"{API}/rounds/{workshop}/flags"
    ok(
        client.put(
            f"{url}/{focus}",
            json={"for_improvement": True},
            headers=world.north_member,
        )
    )
    body = ok(client.put(f"{url}/{last}", json={"for_coaching": True}, headers=world.north_member))
    assert (body["for_improvement"], body["for_coaching"]) == (False, True)
    ok(client.put(f"{url}/{other}", json={"for_improvement": True}, headers=world.admin))
    ok(client.put(f"{url}/{other}", json={}, headers=world.admin))  # unmarked again
    page = ok(client.get(url, params={"for_improvement": True}, headers=world.north_rater))
    assert [f["dimension"] for f in page["items"]] == [focus]
    assert ok(client.get(url, headers=world.coordinator))["total"] == 3
    problem(client.put(f"{url}/nope", json={}, headers=world.admin), 422, "path.dimension")
    problem(
        client.put(f"{url}/{other}", json={"for_coaching": "often"}, headers=world.admin),
        422,
        "body.for_coaching",
    )
    problem(client.get(url, headers=world.south_member), 403)
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.admin))["profile"]
    flagged = {s["dimension"]: (s["for_improvement"], s["for_coaching"]) for s in profile["scores"]}
    assert flagged[focus] == (True, False)
    assert flagged[last] == (False, True)
    assert flagged[other] == (False, False)
    assert list(flagged) == list(api_model.keys)


def test_the_whole_workshop_in_one_call_is_all_or_nothing(
    client: TestClient, world: World, workshop: int, api_model: MaturityModel
) -> None:
    url = f"{API}/rounds/{workshop}/consensus"
    keys, hi = api_model.keys, api_model.scale.max
    items: list[dict[str, object]] = [
        {"dimension": keys[0], "score": 2, "justification": "agreed"},
        {"dimension": keys[1], "score": None, "justification": "nobody could judge it"},
        {"dimension": keys[2], "score": 1},
    ]
    for bad, field in (
        ({"dimension": keys[3], "score": hi + 1}, "body.items.3.score"),
        ({"dimension": keys[3], "score": "high"}, "body.items.3.score"),
        ({"dimension": keys[3], "score": None}, "body.items.3.justification"),
        ({"dimension": "budget", "score": 1}, "body.items.3.dimension"),
        ({"dimension": keys[0], "score": 1}, "body.items.3.dimension"),
    ):
        problem(
            client.put(url, json={"items": [*items, bad]}, headers=world.north_member), 422, field
        )
        assert ok(client.get(url, headers=world.admin))["total"] == 0
    problem(client.put(url, json={"items": []}, headers=world.north_member), 422, "body.items")
    problem(client.put(url, json={"items": items}, headers=world.north_rater), 403)
    rows = ok(client.put(url, json={"items": items}, headers=world.north_member))
    assert [(r["dimension"], r["score"]) for r in rows] == [
        (keys[0], 2),
        (keys[1], None),
        (keys[2], 1),
    ]
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.north_member))
    by_key = {s["dimension"]: s for s in profile["profile"]["scores"]}
    assert by_key[keys[1]]["source"] == "workshop" and by_key[keys[1]]["score"] is None
    move(client, world.north_member, workshop, "open")
    problem(client.put(url, json={"items": items}, headers=world.north_member), 409)


def test_accepting_the_proposed_scores(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    """Two dimensions split (ratings at both ends of the scale), the others agreed: the call
    decides the agreed ones with their proposals and leaves the split ones to discuss."""
    keys, lo, hi = api_model.keys, api_model.scale.min, api_model.scale.max
    round_id = new_round(client, world.north_member, world.north)
    move(client, world.north_member, round_id, "open")
    for index, person in enumerate(world.north_people):
        extreme = lo if index % 2 else hi
        rate(client, world.north_member, round_id, person, [extreme, extreme, *[lo + 1] * 99])
    move(client, world.north_member, round_id, "consensus")
    url = f"{API}/rounds/{round_id}/consensus/accept-proposed"
    problem(client.post(url, json={}, headers=world.north_rater), 403)
    decided = {"score": lo, "justification": "argued down"}
    ok(
        client.put(
            f"{API}/rounds/{round_id}/consensus/{keys[2]}", json=decided, headers=world.admin
        )
    )
    body = ok(client.post(url, json={}, headers=world.north_member))
    assert body["split"] == list(keys[:2]) and body["unrated"] == []
    assert body["accepted"] == list(keys[3:])
    scores = {row["dimension"]: row["score"] for row in body["consensus"]}
    assert scores == {keys[2]: lo, **{key: lo + 1 for key in keys[3:]}}
    problem(
        client.post(
            f"{API}/rounds/{round_id}/transitions",
            json={"status": "published"},
            headers=world.north_member,
        ),
        409,
    )
    rest = ok(
        client.post(
            url,
            json={"include_split": True, "justification": "accepted as proposed"},
            headers=world.north_member,
        )
    )
    assert rest["accepted"] == list(keys[:2])
    assert {row["justification"] for row in rest["consensus"][-2:]} == {"accepted as proposed"}
    move(client, world.north_member, round_id, "published")
    problem(client.post(url, json={}, headers=world.north_member), 409, "path.round_id")


def test_flags_of_several_dimensions_in_one_call(
    client: TestClient, world: World, workshop: int, api_model: MaturityModel
) -> None:
    url = f"{API}/rounds/{workshop}/flags"
    keys = api_model.keys
    items = [
        {"dimension": keys[0], "for_improvement": True},
        {"dimension": keys[1], "for_coaching": True},
    ]
    bad = [*items, {"dimension": "budget", "for_coaching": True}]
    problem(
        client.put(url, json={"items": bad}, headers=world.north_member),
        422,
        "body.items.2.dimension",
    )
    assert ok(client.get(url, headers=world.admin))["total"] == 0
    problem(client.put(url, json={"items": items}, headers=world.south_member), 403)
    rows = ok(client.put(url, json={"items": items}, headers=world.north_member))
    assert [(r["dimension"], r["for_improvement"], r["for_coaching"]) for r in rows] == [
        (keys[0], True, False),
        (keys[1], False, True),
    ]
    profile = ok(client.get(f"{API}/rounds/{workshop}/profile", headers=world.north_member))
    by_key = {s["dimension"]: s for s in profile["profile"]["scores"]}
    assert by_key[keys[0]]["for_improvement"] and by_key[keys[1]]["for_coaching"]
