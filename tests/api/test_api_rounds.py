import pytest
from fastapi.testclient import TestClient

from assessment import AgreementRule, MaturityModel
from tests.api.conftest import World
from tests.api.flows import API, decide_all, move, new_round, ok, problem, rate

pytestmark = pytest.mark.any_model

ORDER = ["draft", "open", "consensus", "published"]
LEGAL = {
    ("draft", "open"),
    ("open", "consensus"),
    ("consensus", "open"),
    ("consensus", "published"),
}


def round_in(client: TestClient, world: World, status: str) -> int:
    """A north round brought to ``status`` by the legal path."""
    round_id = new_round(client, world.north_member, world.north)
    if status == "draft":
        return round_id
    move(client, world.north_member, round_id, "open")
    if status == "open":
        return round_id
    rate(client, world.north_member, round_id, world.north_people[0], 3)
    move(client, world.north_member, round_id, "consensus")
    if status == "consensus":
        return round_id
    decide_all(client, world.north_member, round_id, 3)
    move(client, world.north_member, round_id, "published")
    return round_id


def test_a_round_starts_in_draft_with_the_default_model(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    body = ok(
        client.post(
            f"{API}/regions/{world.north}/rounds",
            json={"label": "2025"},
            headers=world.north_member,
        ),
        201,
    )
    assert body["status"] == "draft" and body["published_at"] is None
    assert body["model"] == {"id": api_model.id, "version": api_model.version}
    assert ok(client.get(f"{API}/rounds/{body['id']}", headers=world.north_rater)) == body


def test_a_round_can_use_an_older_model_version(client: TestClient, world: World) -> None:
    body = ok(
        client.post(
            f"{API}/regions/{world.north}/rounds",
            headers=world.admin,
            json={"label": "2017", "model_id": "scirocco", "model_version": "2016-19"},
        ),
        201,
    )
    assert body["model"] == {"id": "scirocco", "version": "2016-19"}
    url = f"{API}/regions/{world.north}/rounds"
    problem(
        client.post(url, json={"label": "x", "model_id": "nope"}, headers=world.admin),
        422,
        "body.model_id",
    )
    problem(
        client.post(
            url, json={"label": "x", "model_version": "no-such-version"}, headers=world.admin
        ),
        422,
        "body.model_version",
    )
    problem(client.post(url, json={"label": ""}, headers=world.admin), 422, "body.label")
    assert ok(client.get(url, headers=world.admin))["total"] == 1


@pytest.mark.parametrize("who", ["coordinator", "north_rater", "south_member"])
def test_only_admins_and_facilitators_create_rounds(
    client: TestClient, world: World, who: str
) -> None:
    url = f"{API}/regions/{world.north}/rounds"
    problem(client.post(url, json={"label": "x"}, headers=getattr(world, who)), 403)
    assert ok(client.get(url, headers=world.admin))["total"] == 0


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in ORDER for t in ORDER],
)
def test_every_transition_is_legal_or_409(
    client: TestClient, world: World, start: str, target: str
) -> None:
    round_id = round_in(client, world, start)
    if start == "open":
        rate(client, world.north_member, round_id, world.north_people[1], 2)
    if start == "consensus":
        decide_all(client, world.north_member, round_id, 2)
    response = client.post(
        f"{API}/rounds/{round_id}/transitions", json={"status": target}, headers=world.north_member
    )
    if (start, target) in LEGAL:
        assert ok(response)["status"] == target
    else:
        problem(response, 409, "body.status")
        assert ok(client.get(f"{API}/rounds/{round_id}", headers=world.admin))["status"] == start


def test_publishing_stamps_the_time(client: TestClient, world: World) -> None:
    body = ok(
        client.get(f"{API}/rounds/{round_in(client, world, 'published')}", headers=world.admin)
    )
    assert body["published_at"] is not None


def test_closing_rating_needs_a_rating(client: TestClient, world: World) -> None:
    round_id = round_in(client, world, "open")
    body = problem(
        client.post(
            f"{API}/rounds/{round_id}/transitions",
            json={"status": "consensus"},
            headers=world.admin,
        ),
        409,
        "body.status",
    )
    assert "rated" in body["detail"]


def test_publishing_needs_every_dimension_decided(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = round_in(client, world, "consensus")
    decide_all(client, world.north_member, round_id, 2)
    other = round_in(client, world, "consensus")
    for key in api_model.keys[:-1]:
        ok(
            client.put(
                f"{API}/rounds/{other}/consensus/{key}",
                json={"score": 2},
                headers=world.north_member,
            )
        )
    body = problem(
        client.post(
            f"{API}/rounds/{other}/transitions",
            json={"status": "published"},
            headers=world.north_member,
        ),
        409,
    )
    assert api_model.keys[-1] in body["detail"]
    move(client, world.north_member, round_id, "published")


@pytest.mark.parametrize("who", ["coordinator", "north_rater", "south_member"])
def test_only_admins_and_facilitators_move_rounds(
    client: TestClient, world: World, who: str
) -> None:
    round_id = round_in(client, world, "draft")
    problem(
        client.post(
            f"{API}/rounds/{round_id}/transitions",
            json={"status": "open"},
            headers=getattr(world, who),
        ),
        403,
    )
    problem(
        client.post(
            f"{API}/rounds/{round_id}/transitions", json={"status": "opened"}, headers=world.admin
        ),
        422,
        "body.status",
    )
    problem(
        client.post(f"{API}/rounds/999/transitions", json={"status": "open"}, headers=world.admin),
        404,
        "path.round_id",
    )


def test_listing_rounds(client: TestClient, world: World) -> None:
    draft = round_in(client, world, "draft")
    opened = round_in(client, world, "open")
    south = new_round(client, world.south_member, world.south)

    def ids(url: str, who: dict[str, str], **params: object) -> list[int]:
        return [r["id"] for r in ok(client.get(url, params=params, headers=who))["items"]]

    assert ids(f"{API}/rounds", world.coordinator) == [draft, opened, south]
    assert ids(f"{API}/rounds", world.north_rater) == [draft, opened]
    assert ids(f"{API}/rounds", world.south_member, region_id=world.north) == []
    assert ids(f"{API}/rounds", world.admin, status="open") == [opened]
    region_url = f"{API}/regions/{world.north}/rounds"
    assert ids(region_url, world.north_rater, status="draft") == [draft]
    assert ids(region_url, world.admin, limit=1, offset=1) == [opened]
    problem(client.get(region_url, headers=world.south_member), 403)
    problem(
        client.get(region_url, params={"status": "closed"}, headers=world.admin),
        422,
        "query.status",
    )
    problem(client.get(f"{API}/rounds/{draft}", headers=world.south_member), 403)
    problem(client.get(f"{API}/rounds/{draft}"), 401)


def test_relabel_and_delete(client: TestClient, world: World) -> None:
    draft = round_in(client, world, "draft")
    assert (
        ok(
            client.patch(
                f"{API}/rounds/{draft}", json={"label": "Spring"}, headers=world.north_member
            )
        )["label"]
        == "Spring"
    )
    problem(
        client.patch(f"{API}/rounds/{draft}", json={"label": "x"}, headers=world.north_rater), 403
    )
    published = round_in(client, world, "published")
    problem(
        client.patch(f"{API}/rounds/{published}", json={"label": "x"}, headers=world.admin),
        409,
        "path.round_id",
    )
    opened = round_in(client, world, "open")
    problem(client.delete(f"{API}/rounds/{opened}", headers=world.admin), 409)
    problem(client.delete(f"{API}/rounds/{draft}", headers=world.south_member), 403)
    ok(client.delete(f"{API}/rounds/{draft}", headers=world.north_member), 204)
    problem(client.get(f"{API}/rounds/{draft}", headers=world.admin), 404, "path.round_id")


def test_round_scores_are_the_library_statistics(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    round_id = round_in(client, world, "open")
    url = f"{API}/rounds/{round_id}/scores"
    lo = api_model.scale.min
    for person, score in zip(world.north_people, [lo, lo + 1, lo + 3, None], strict=True):
        rate(client, world.north_member, round_id, person, score)
    move(client, world.north_member, round_id, "consensus")
    body = ok(client.get(url, headers=world.coordinator))
    assert body["model"] == {"id": api_model.id, "version": api_model.version}
    assert body["raters"] == 4 and body["rule"] == AgreementRule().model_dump(mode="json")
    assert [d["dimension"] for d in body["dimensions"]] == list(api_model.keys)
    first = body["dimensions"][0]
    assert (first["n"], first["dont_know"], first["median"], first["min"], first["max"]) == (
        3,
        1,
        lo + 1,
        lo,
        lo + 3,
    )
    assert first["outside_band"] == 1 and first["agreement"] == "agreed"
    assert first["band"] == api_model.effective_bands[0].key
    # The Delphi statistics: 1 of 3 at the median, 2 of 3 within a point of it; one rating
    # outside does not split 3 raters (a third of them, but never fewer than 2).
    assert first["share_at_median"] == pytest.approx(1 / 3)
    assert first["share_in_agreement"] == pytest.approx(2 / 3)
    assert (first["split_at"], first["level"]) == (2, first["band"])
    lone = ok(client.get(url, params={"split_minimum": 1}, headers=world.admin))
    assert lone["rule"]["split_minimum"] == 1
    assert (lone["dimensions"][0]["agreement"], lone["dimensions"][0]["level"]) == (
        "split",
        "uncertain",
    )
    shared = ok(client.get(url, params={"split_share": 0.5}, headers=world.admin))
    assert shared["dimensions"][0]["split_at"] == 2
    halves = ok(client.get(url, params={"half_median_level": "down"}, headers=world.admin))
    assert halves["rule"]["half_median_level"] == "down"
    strict = ok(
        client.get(url, params={"band_width": 1, "split_threshold": 1}, headers=world.north_rater)
    )
    assert strict["dimensions"][0]["agreement"] == "split"
    assert strict["rule"] == AgreementRule(band_width=1, split_threshold=1).model_dump(mode="json")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"band_width": 0}, "query.band_width"),
        ({"band_width": "wide"}, "query.band_width"),
        ({"split_threshold": 0}, "query.split_threshold"),
        ({"split_threshold": 1.5}, "query.split_threshold"),
        ({"split_share": 0}, "query.split_share"),
        ({"split_share": 1.5}, "query.split_share"),
        ({"split_minimum": 0}, "query.split_minimum"),
        ({"half_median_level": "sideways"}, "query.half_median_level"),
    ],
)
def test_bad_agreement_parameters_are_named(
    client: TestClient, world: World, params: dict[str, object], field: str
) -> None:
    round_id = round_in(client, world, "consensus")
    problem(
        client.get(f"{API}/rounds/{round_id}/scores", params=params, headers=world.admin),
        422,
        field,
    )


def test_scores_need_ratings_and_rights(client: TestClient, world: World) -> None:
    problem(
        client.get(f"{API}/rounds/{round_in(client, world, 'draft')}/scores", headers=world.admin),
        409,
    )
    round_id = round_in(client, world, "open")
    problem(client.get(f"{API}/rounds/{round_id}/scores", headers=world.south_member), 403)
    problem(client.get(f"{API}/rounds/{round_id}/scores"), 401)
