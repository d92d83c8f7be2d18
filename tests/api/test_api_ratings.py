from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assessment import MaturityModel
from tests.api.conftest import World
from tests.api.flows import API, move, new_round, ok, problem, rate

# "funding" is a dimension of both the shipped model and the small test model.
pytestmark = pytest.mark.any_model


@pytest.fixture
def open_round(client: TestClient, world: World) -> int:
    """An open round whose ratings the admin may read back while open (what is stored is
    the subject here; hiding them is tested in test_api_independent_rating)."""
    round_id = new_round(client, world.north_member, world.north, reveal_while_open=True)
    move(client, world.north_member, round_id, "open")
    return round_id


def cell(round_id: int, stakeholder: int, dimension: str = "funding") -> str:
    return f"{API}/rounds/{round_id}/ratings/{stakeholder}/{dimension}"


def stored(
    client: TestClient, world: World, round_id: int, **params: object
) -> list[dict[str, Any]]:
    page = ok(
        client.get(
            f"{API}/rounds/{round_id}/ratings", params={"limit": 200, **params}, headers=world.admin
        )
    )
    return page["items"]  # type: ignore[no-any-return]


def test_a_stakeholder_rates_and_rerates_idempotently(
    client: TestClient, world: World, open_round: int
) -> None:
    me = world.north_people[0]
    body = ok(
        client.put(
            cell(open_round, me),
            json={"score": 2, "justification": " pilots "},
            headers=world.north_rater,
        )
    )
    assert (body["score"], body["justification"], body["stakeholder_id"]) == (2, "pilots", me)
    again = ok(
        client.put(
            cell(open_round, me),
            json={"score": 2, "justification": "pilots"},
            headers=world.north_rater,
        )
    )
    assert again["id"] == body["id"]
    changed = ok(
        client.put(
            cell(open_round, me),
            json={"score": None, "justification": "dk"},
            headers=world.north_rater,
        )
    )
    assert changed["score"] is None and changed["id"] == body["id"]
    assert [(r["dimension"], r["score"]) for r in stored(client, world, open_round)] == [
        ("funding", None)
    ]


@pytest.mark.parametrize("who", ["north_member", "admin"])
def test_facilitators_and_admins_rate_on_behalf(
    client: TestClient, world: World, open_round: int, who: str
) -> None:
    ok(
        client.put(
            cell(open_round, world.north_people[2]), json={"score": 4}, headers=getattr(world, who)
        )
    )
    assert len(stored(client, world, open_round)) == 1


@pytest.mark.parametrize(
    ("who", "person", "status"),
    [("north_rater", 1, 403), ("south_member", 0, 403), ("coordinator", 0, 403)],
)
def test_nobody_edits_ratings_outside_their_rights(
    client: TestClient, world: World, open_round: int, who: str, person: int, status: int
) -> None:
    problem(
        client.put(
            cell(open_round, world.north_people[person]),
            json={"score": 1},
            headers=getattr(world, who),
        ),
        status,
    )
    problem(client.put(cell(open_round, world.north_people[person]), json={"score": 1}), 401)
    assert stored(client, world, open_round) == []


@pytest.mark.parametrize("status", ["draft", "consensus"])
def test_ratings_are_written_only_while_open(client: TestClient, world: World, status: str) -> None:
    round_id = new_round(client, world.north_member, world.north)
    if status == "consensus":
        move(client, world.north_member, round_id, "open")
        rate(client, world.north_member, round_id, world.north_people[1], 1)
        move(client, world.north_member, round_id, "consensus")
    me = world.north_people[0]
    problem(
        client.put(cell(round_id, me), json={"score": 1}, headers=world.north_rater),
        409,
        "path.round_id",
    )
    problem(
        client.put(
            f"{API}/rounds/{round_id}/ratings/{me}",
            headers=world.north_rater,
            json={"ratings": [{"dimension": "funding", "score": 1}]},
        ),
        409,
    )
    assert stored(client, world, round_id, stakeholder_id=me) == []


@pytest.mark.parametrize(
    ("url_dimension", "body", "field"),
    [
        ("funding", {"score": 7}, "body.score"),
        ("funding", {"score": -1}, "body.score"),
        ("funding", {"score": 2.5}, "body.score"),
        ("funding", {"score": "high"}, "body.score"),
        ("funding", {"justification": "no score"}, "body.score"),
        ("funding", {"score": 1, "justification": "x" * 5001}, "body.justification"),
        ("budget", {"score": 1}, "path.dimension"),
    ],
)
def test_bad_ratings_are_named_and_store_nothing(
    client: TestClient,
    world: World,
    open_round: int,
    url_dimension: str,
    body: dict[str, object],
    field: str,
) -> None:
    me = world.north_people[0]
    ok(client.put(cell(open_round, me), json={"score": 3}, headers=world.north_rater))
    response = client.put(cell(open_round, me, url_dimension), json=body, headers=world.north_rater)
    problem(response, 422, field)
    assert [(r["dimension"], r["score"]) for r in stored(client, world, open_round)] == [
        ("funding", 3)
    ]


def test_unknown_round_and_foreign_stakeholder(
    client: TestClient, world: World, open_round: int
) -> None:
    problem(
        client.put(cell(999, world.north_people[0]), json={"score": 1}, headers=world.admin),
        404,
        "path.round_id",
    )
    problem(
        client.put(cell(open_round, world.south_people[0]), json={"score": 1}, headers=world.admin),
        404,
        "path.stakeholder_id",
    )


def test_bulk_submission_stores_all_and_returns_them(
    client: TestClient, world: World, open_round: int, api_model: MaturityModel
) -> None:
    me, keys, scale = world.north_people[0], api_model.keys, api_model.scale
    span = scale.max - scale.min + 1
    scores = [None if c == len(keys) // 2 else scale.min + c % span for c in range(len(keys))]
    body = rate(client, world.north_rater, open_round, me, scores)
    assert [(r["dimension"], r["score"]) for r in body] == list(zip(keys, scores, strict=True))
    rate(client, world.north_rater, open_round, me, [scale.max])  # only the first one changes
    rows = stored(client, world, open_round, stakeholder_id=me)
    assert [r["score"] for r in rows] == [scale.max, *scores[1:]]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"dimension": "funding", "score": 9}, "body.ratings.3.score"),
        ({"dimension": "nope", "score": 1}, "body.ratings.3.dimension"),
        ({"dimension": "the first", "score": 1}, "body.ratings.3.dimension"),  # a repeat
        ({"dimension": "funding"}, "body.ratings.3.score"),
    ],
)
def test_one_bad_item_rejects_the_whole_bulk_request(
    client: TestClient,
    world: World,
    open_round: int,
    bad: dict[str, object],
    field: str,
    api_model: MaturityModel,
) -> None:
    me = world.north_people[0]
    rate(client, world.north_rater, open_round, me, 1)
    if bad["dimension"] == "the first":
        bad = {**bad, "dimension": api_model.keys[0]}
    others = [key for key in api_model.keys if key != "funding"][:3]
    items = [{"dimension": key, "score": 4} for key in others] + [bad]
    problem(
        client.put(
            f"{API}/rounds/{open_round}/ratings/{me}",
            json={"ratings": items},
            headers=world.north_rater,
        ),
        422,
        field,
    )
    assert {r["score"] for r in stored(client, world, open_round)} == {1}
    problem(
        client.put(
            f"{API}/rounds/{open_round}/ratings/{me}",
            json={"ratings": []},
            headers=world.north_rater,
        ),
        422,
        "body.ratings",
    )


def test_listing_filters_and_paginates(
    client: TestClient, world: World, open_round: int, api_model: MaturityModel
) -> None:
    for person in world.north_people[:3]:
        rate(client, world.north_member, open_round, person, 2)
    total = 3 * len(api_model.keys)
    assert len(stored(client, world, open_round)) == total
    funding = stored(client, world, open_round, dimension="funding")
    assert [r["stakeholder_id"] for r in funding] == world.north_people[:3]
    page = ok(
        client.get(
            f"{API}/rounds/{open_round}/ratings",
            params={"limit": 5, "offset": total - 1},
            headers=world.north_rater,
        )
    )
    assert (page["total"], len(page["items"])) == (total, 1)
    problem(client.get(f"{API}/rounds/{open_round}/ratings", headers=world.south_member), 403)


def test_withdrawing_a_rating(client: TestClient, world: World, open_round: int) -> None:
    me = world.north_people[0]
    ok(client.put(cell(open_round, me), json={"score": 3}, headers=world.north_rater))
    problem(client.delete(cell(open_round, me), headers=world.south_member), 403)
    ok(client.delete(cell(open_round, me), headers=world.north_rater), 204)
    problem(client.delete(cell(open_round, me), headers=world.north_rater), 404, "path.dimension")
    assert stored(client, world, open_round) == []


def test_concurrent_submissions_lose_nothing(
    api_app: FastAPI, client: TestClient, world: World, api_model: MaturityModel
) -> None:
    """Every stakeholder of two regions submits at once, in bulk and cell by cell, with
    several clients hammering one shared cell too: every write lands, none fails."""
    keys, lo = api_model.keys, api_model.scale.min
    span = api_model.scale.max - lo + 1

    def score(index: int, column: int) -> int:
        return lo + (index + column) % span

    rounds = {}
    for region, member in ((world.north, world.north_member), (world.south, world.south_member)):
        rounds[region] = new_round(client, member, region, reveal_while_open=True)
        move(client, member, rounds[region], "open")
    jobs: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
    for region, people, member in (
        (world.north, world.north_people, world.north_member),
        (world.south, world.south_people, world.south_member),
    ):
        for index, person in enumerate(people):
            if index % 2:
                items = [{"dimension": k, "score": score(index, c)} for c, k in enumerate(keys)]
                jobs.append(
                    (
                        "PUT",
                        f"{API}/rounds/{rounds[region]}/ratings/{person}",
                        {"ratings": items},
                        member,
                    )
                )
            else:
                jobs += [
                    ("PUT", cell(rounds[region], person, key), {"score": score(index, c)}, member)
                    for c, key in enumerate(keys)
                ]
    shared = cell(rounds[world.north], world.north_people[0], keys[0])
    jobs += [
        ("PUT", shared, {"score": lo, "justification": f"writer {n}"}, world.north_member)
        for n in range(8)
    ]

    def send(job: tuple[str, str, dict[str, Any], dict[str, str]]) -> int:
        method, url, body, who = job
        own = TestClient(api_app)  # one client per thread, like separate users
        status: int = own.request(method, url, json=body, headers=who).status_code
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(send, jobs))
    assert set(statuses) == {200}
    for region, people in ((world.north, world.north_people), (world.south, world.south_people)):
        rows = stored(client, world, rounds[region])
        assert len(rows) == len(people) * len(keys)
        for index, person in enumerate(people):
            mine = {r["dimension"]: r["score"] for r in rows if r["stakeholder_id"] == person}
            assert mine == {k: score(index, c) for c, k in enumerate(keys)}
