"""Revalidations answered before FastAPI (``app.revalidation``): the same ``304`` as the
handlers give, and everything else left to the handlers, which answer as they always have."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World
from tests.api.flows import API, ok, problem, published_round

CACHING = ("etag", "cache-control", "vary", "content-language")


@pytest.fixture
def published(client: TestClient, world: World) -> int:
    """North's earlier round (2022; its latest is 2024) and South's."""
    earlier = published_round(client, world.admin, world.north, world.north_people, 2, "2022")
    published_round(client, world.admin, world.south, world.south_people, 3)
    published_round(client, world.admin, world.north, world.north_people, 3, "2024")
    return earlier


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("profile", {}),
        ("radar.svg", {}),
        ("radar.png", {"spread": "iqr", "compare": "2", "rounds": ""}),
        ("radar.json", {"lang": "sv"}),
        ("report.html", {"compare": "2"}),
    ],
)
def test_a_current_tag_gets_the_304_the_handler_would_give(
    client: TestClient, world: World, published: int, path: str, query: dict[str, str]
) -> None:
    url = f"{API}/regions/{world.north}/{path}"
    query = {key: str(world.south) if key == "compare" else value for key, value in query.items()}
    full = client.get(url, headers=world.coordinator, params=query)
    assert full.status_code == 200, full.text
    current = {**world.coordinator, "If-None-Match": full.headers["etag"]}
    again = client.get(url, headers=current, params=query)
    assert again.status_code == 304 and again.content == b""
    # A parameter this layer does not read (on the profile) or reads twice (a chart's lang)
    # leaves the request to the handler, which names the same content: its own 304.
    deferred: dict[str, str | list[str]] = {**query, "lang": [query.get("lang", "en")] * 2}
    if path == "profile":
        deferred = {"unread": "1"}
    handled = client.get(url, headers=current, params=deferred)
    assert handled.status_code == 304
    for name in CACHING:
        assert again.headers.get(name) == handled.headers.get(name), name
    assert again.headers["etag"] == full.headers["etag"]
    assert again.headers["x-request-id"] and again.headers["x-content-type-options"] == "nosniff"
    stale = client.get(url, headers={**world.coordinator, "If-None-Match": 'W/"old"'}, params=query)
    assert stale.status_code == 200 and stale.headers["etag"] == full.headers["etag"]


def test_what_the_handlers_read_otherwise_is_left_to_them(
    client: TestClient, world: World, published: int
) -> None:
    chart = f"{API}/regions/{world.north}/radar.svg"
    tag = client.get(chart, headers=world.coordinator).headers["etag"]
    current = {**world.coordinator, "If-None-Match": tag}
    # a chosen (earlier) round is not a chart of latest profiles: the handler names it
    chosen = client.get(chart, headers=current, params={"round_id": published})
    assert chosen.status_code == 200 and chosen.headers["etag"] != tag
    problem(client.get(chart, headers=current, params={"spread": "wide"}), 422, "query.spread")
    problem(client.get(chart, headers=current, params={"note": "a\x00b"}), 422, "query.note")
    problem(client.get(chart, headers=current, params={"lang": "xx"}), 422, "query.lang")
    problem(client.get(chart, headers=current, params={"compare": "x"}), 422, "query.compare")
    problem(client.get(f"{API}/regions/0/radar.svg", headers=current), 422, "path.region_id")
    problem(client.get(f"{API}/regions/99999/profile", headers=current), 404, "path.region_id")
    problem(client.get(chart, headers={"If-None-Match": tag}), 401)
    # the same spread twice is what FastAPI makes of it: still this chart, still current
    twice = client.get(f"{chart}?spread=minmax&spread=minmax", headers=current)
    assert twice.status_code == 304
    ok(client.get(f"{API}/regions/{world.north}/profile", headers=world.coordinator))
