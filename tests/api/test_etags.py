"""ETags named before the work: 304 for unchanged answers, a new ETag for every change.

Charts, profiles, history, comparisons, profile exports and the report carry an ETag computed
from what identifies their content (rounds and their last change, region names, parameters,
language), so these tests change each input in turn and expect a new ETag, and expect 304
only while nothing changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.tables import Stakeholder
from assessment import MaturityModel
from tests.api.conftest import World
from tests.api.flows import API, decide_all, move, new_round, ok, problem, published_round, rate

pytestmark = pytest.mark.any_model


def etag_of(client: TestClient, url: str, headers: dict[str, str], **kwargs: Any) -> str:
    response = client.get(url, headers=headers, **kwargs)
    assert response.status_code == 200, response.text
    tag: str = response.headers["etag"]
    again = client.get(url, headers={**headers, "If-None-Match": tag}, **kwargs)
    assert again.status_code == 304 and again.content == b"", again.text
    assert again.headers["etag"] == tag
    return tag


def test_every_profile_read_answers_304_while_unchanged(client: TestClient, world: World) -> None:
    north = published_round(client, world.admin, world.north, world.north_people, 2)
    published_round(client, world.admin, world.south, world.south_people, 3)
    reader = world.coordinator
    urls = [
        f"{API}/rounds/{north}/profile",
        f"{API}/regions/{world.north}/profile",
        f"{API}/regions/{world.north}/history",
        f"{API}/profiles/compare?region_id={world.north}&region_id={world.south}",
        f"{API}/regions/{world.north}/profile.csv",
        f"{API}/regions/{world.north}/profile.json",
        f"{API}/regions/{world.north}/report.html",
        f"{API}/regions/{world.north}/radar.json",
        f"{API}/regions/{world.north}/radar.svg",
    ]
    tags = [etag_of(client, url, reader) for url in urls]
    assert len(set(tags)) == len(tags)
    # a conditional request is still checked for access first
    for url in urls[:3]:
        problem(client.get(url, headers={"If-None-Match": tags[0]}), 401)
        problem(client.get(url, headers={**world.south_member, "If-None-Match": tags[0]}), 403)


def test_rating_an_open_round_changes_its_charts_etag(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    # Ratings of an open round are hidden unless the round reveals them; this one does, so
    # its chart can be seen while people rate.
    round_id = new_round(client, world.admin, world.north, reveal_while_open=True)
    move(client, world.admin, round_id, "open")
    lo = api_model.scale.min
    rate(client, world.admin, round_id, world.north_people[0], lo)
    url = f"{API}/regions/{world.north}/radar.json"
    params = {"round_id": round_id}
    first = etag_of(client, url, world.coordinator, params=params)
    profile_url = f"{API}/rounds/{round_id}/profile"
    first_profile = etag_of(client, profile_url, world.coordinator)

    rate(client, world.admin, round_id, world.north_people[1], lo + 1)  # a new rating
    second = etag_of(client, url, world.coordinator, params=params)
    assert second != first
    assert etag_of(client, profile_url, world.coordinator) != first_profile
    stale = client.get(url, params=params, headers={**world.coordinator, "If-None-Match": first})
    assert stale.status_code == 200

    key = api_model.keys[0]
    ok(  # the same cell rated again, to another score
        client.put(
            f"{API}/rounds/{round_id}/ratings/{world.north_people[1]}/{key}",
            json={"score": lo + 2},
            headers=world.admin,
        )
    )
    third = etag_of(client, url, world.coordinator, params=params)
    withdrawn = client.delete(
        f"{API}/rounds/{round_id}/ratings/{world.north_people[1]}/{key}", headers=world.admin
    )
    assert withdrawn.status_code == 204
    fourth = etag_of(client, url, world.coordinator, params=params)
    assert len({first, second, third, fourth}) == 4

    move(client, world.admin, round_id, "consensus")  # the state is part of it
    fifth = etag_of(client, url, world.coordinator, params=params)
    body = {"score": lo, "justification": "agreed"}
    ok(client.put(f"{API}/rounds/{round_id}/consensus/{key}", json=body, headers=world.admin))
    sixth = etag_of(client, url, world.coordinator, params=params)
    flags = {"for_improvement": True, "for_coaching": False}
    ok(client.put(f"{API}/rounds/{round_id}/flags/{key}", json=flags, headers=world.admin))
    seventh = etag_of(client, url, world.coordinator, params=params)
    assert len({fourth, fifth, sixth, seventh}) == 4


def test_publishing_changes_the_region_profile_etag(
    client: TestClient, world: World, api_model: MaturityModel
) -> None:
    published_round(client, world.admin, world.north, world.north_people, 2, "2022")
    urls = [
        f"{API}/regions/{world.north}/profile",
        f"{API}/regions/{world.north}/history",
        f"{API}/regions/{world.north}/radar.png",
        f"{API}/regions/{world.north}/report.html",
    ]
    before = [etag_of(client, url, world.coordinator) for url in urls]
    later = new_round(client, world.admin, world.north, "2024")
    move(client, world.admin, later, "open")
    rate(client, world.admin, later, world.north_people[0], 3)
    move(client, world.admin, later, "consensus")
    decide_all(client, world.admin, later, 3)
    assert [etag_of(client, url, world.coordinator) for url in urls] == before  # not yet
    move(client, world.admin, later, "published")
    after = [etag_of(client, url, world.coordinator) for url in urls]
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_language_parameters_and_names_change_the_etag(
    client: TestClient, world: World, database: Database
) -> None:
    published_round(client, world.admin, world.north, world.north_people, 2)
    published_round(client, world.admin, world.south, world.south_people, 3)
    radar = f"{API}/regions/{world.north}/radar.svg"
    csv = f"{API}/regions/{world.north}/profile.csv"
    report = f"{API}/regions/{world.north}/report.html"
    reader = world.coordinator
    english = [etag_of(client, url, reader) for url in (radar, csv, report)]
    swedish = [etag_of(client, url, reader, params={"lang": "sv"}) for url in (radar, csv, report)]
    assert all(a != b for a, b in zip(english, swedish, strict=True))
    header = [etag_of(client, url, {**reader, "Accept-Language": "it"}) for url in (radar, csv)]
    assert header[0] not in english + swedish and header[1] not in english + swedish
    # the JSON profile has no words to translate: one ETag in every language
    json_url = f"{API}/regions/{world.north}/profile.json"
    assert etag_of(client, json_url, reader) == etag_of(
        client, json_url, reader, params={"lang": "sv"}
    )

    variants = [
        etag_of(client, radar, reader, params={"spread": "iqr"}),
        etag_of(client, radar, reader, params={"spread": "none"}),
        etag_of(client, radar, reader, params={"compare": world.south}),
        etag_of(client, radar, world.north_rater),  # same region, same rights: same chart
    ]
    assert len(set(variants[:3]) | {english[0]}) == 4 and variants[3] == english[0]
    public = etag_of(client, f"{API}/regions/{world.south}/radar.svg", {})
    keyed = etag_of(client, f"{API}/regions/{world.south}/radar.svg", world.south_member)
    assert public != keyed  # the key may see the spread

    ok(client.patch(f"{API}/regions/{world.south}", json={"name": "Sur"}, headers=world.admin))
    renamed = etag_of(client, radar, reader, params={"compare": world.south})
    assert renamed != variants[2]

    with database.session(write=True) as session:  # the report names the stakeholders
        person = session.get(Stakeholder, world.north_people[0])
        assert person is not None
        person.name = "Renamed"
        session.add(person)
        session.commit()
    assert etag_of(client, report, reader) != english[2]
    assert etag_of(client, radar, reader) == english[0]  # the chart shows no names


def test_the_region_profiles_etag_read_before_its_session(client: TestClient, world: World) -> None:
    """The region profile's ETag is read apart from the answer (plain rows, no session): it
    must still follow a rename and a newer round, answer 304 only to who may read it, and
    say 404 only to who could read the region."""
    url = f"{API}/regions/{world.north}/profile"
    # no published round yet: 404 for a reader of the region, 403/401 for the others first
    problem(client.get(url, headers=world.coordinator), 404)
    problem(client.get(url, headers=world.south_member), 403)
    problem(client.get(url), 401)
    problem(client.get(f"{API}/regions/99999/profile", headers=world.coordinator), 404)
    published_round(client, world.admin, world.north, world.north_people, 2, "2022")
    first = etag_of(client, url, world.coordinator)
    problem(client.get(url, headers={**world.south_member, "If-None-Match": first}), 403)
    ok(client.patch(f"{API}/regions/{world.north}", json={"name": "Norr"}, headers=world.admin))
    renamed = etag_of(client, url, world.coordinator)
    body = ok(client.get(url, headers=world.coordinator))
    assert renamed != first and body["profile"]["region"] == "Norr"
    later = published_round(client, world.admin, world.north, world.north_people, 3, "2024")
    newer = etag_of(client, url, world.coordinator)
    body = ok(client.get(url, headers=world.coordinator))
    assert newer not in (first, renamed) and body["round_id"] == later


def test_chart_and_report_etags_read_before_any_session_check_access_first(
    client: TestClient, world: World
) -> None:
    """Charts and reports of latest profiles name themselves from plain reads when asked
    with ``If-None-Match``: a current tag is still refused to whoever the full answer
    refuses, with the same status and field."""
    published_round(client, world.admin, world.north, world.north_people, 2)
    published_round(client, world.admin, world.south, world.south_people, 3)
    north_chart = f"{API}/regions/{world.north}/radar.svg"
    south_chart = f"{API}/regions/{world.south}/radar.svg"
    report = f"{API}/regions/{world.north}/report.html"
    tags = {
        url: etag_of(client, url, world.coordinator, params=params)
        for url, params in (
            (north_chart, {}),
            (report, {}),
            (south_chart, {"compare": world.north}),
        )
    }
    for url in (north_chart, report):
        current = {"If-None-Match": tags[url]}
        problem(client.get(url, headers=current), 401)  # North is not public
        problem(client.get(url, headers={**world.south_member, **current}), 403)
    asked = {"If-None-Match": tags[south_chart]}
    # South is public, North is not: a public caller may not overlay North, nor ask a spread
    problem(client.get(south_chart, headers=asked, params={"compare": world.north}), 401)
    refused = client.get(
        south_chart, headers={**world.south_member, **asked}, params={"compare": world.north}
    )
    problem(refused, 403)
    problem(client.get(south_chart, headers=asked, params={"spread": "minmax"}), 401)
    missing = client.get(
        south_chart, headers={**world.coordinator, **asked}, params={"compare": 99999}
    )
    problem(missing, 404, "query.compare")
    bad_language = client.get(
        north_chart,
        headers={**world.coordinator, "If-None-Match": tags[north_chart]},
        params={"lang": "xx"},
    )
    problem(bad_language, 422, "query.lang")
