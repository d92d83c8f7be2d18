"""Radar chart endpoints: formats, negotiation, ETag/304, overlays, spread and access rules."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from assessment import MaturityModel
from tests.api.conftest import World
from tests.api.flows import (
    API,
    decide_all,
    move,
    new_round,
    ok,
    problem,
    published_round,
    rate,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
pytestmark = pytest.mark.any_model


@dataclass(frozen=True)
class Charted:
    north_old: int
    north_new: int
    south: int
    consensus: list[int]


@pytest.fixture
def charted(client: TestClient, world: World, api_model: MaturityModel) -> Charted:
    """North (private) with two published rounds, the newer rated with a spread; South
    (public) with one published round."""
    keys, lo, hi = api_model.keys, api_model.scale.min, api_model.scale.max
    span = hi - lo + 1
    north_old = published_round(
        client, world.north_member, world.north, world.north_people[:2], 1, "2022"
    )
    north_new = new_round(client, world.north_member, world.north, "2024")
    move(client, world.north_member, north_new, "open")
    for offset, person in enumerate(world.north_people):
        scores: list[int | None] = [lo + (column + offset) % span for column in range(len(keys))]
        if offset == 3:  # a citizen representative who cannot judge funding
            scores[keys.index("funding")] = None
        rate(client, world.north_member, north_new, person, scores)
    move(client, world.north_member, north_new, "consensus")
    consensus = [min(hi, lo + column % span + 1) for column in range(len(keys))]
    decide_all(client, world.north_member, north_new, consensus)
    move(client, world.north_member, north_new, "published")
    south = published_round(
        client, world.south_member, world.south, world.south_people[:1], 4, "2023"
    )
    return Charted(north_old, north_new, south, consensus)


def radar(region: int, fmt: str = "json") -> str:
    return f"{API}/regions/{region}/radar.{fmt}"


def test_json_chart_holds_the_latest_profile_and_the_spread(
    client: TestClient, world: World, charted: Charted, api_model: MaturityModel
) -> None:
    response = client.get(radar(world.north), headers=world.coordinator)
    spec = ok(response)
    assert response.headers["content-type"] == "application/json"
    assert [axis["key"] for axis in spec["axes"]["dimensions"]] == list(api_model.keys)
    band, profile = spec["series"]
    assert profile["kind"] == "profile" and profile["round_label"] == "2024"
    assert profile["values"] == [float(v) for v in charted.consensus]
    assert band["kind"] == "band" and band["spread_kind"] == "minmax" and band["raters"] == 4
    lo = api_model.scale.min
    assert (band["lower"][0], band["upper"][0]) == (lo, lo + 3)  # column 0 got lo ... lo + 3
    assert response.headers["cache-control"] == "private, no-cache"
    iqr = ok(client.get(radar(world.north), params={"spread": "iqr"}, headers=world.coordinator))
    assert iqr["series"][0]["spread_kind"] == "iqr"
    bare = ok(client.get(radar(world.north), params={"spread": "none"}, headers=world.coordinator))
    assert [s["kind"] for s in bare["series"]] == ["profile"]


def test_png_and_svg_are_drawn_from_the_same_chart(
    client: TestClient, world: World, charted: Charted, api_model: MaturityModel
) -> None:
    png = client.get(radar(world.north, "png"), headers=world.north_member)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG_SIGNATURE)
    svg = client.get(radar(world.north, "svg"), headers=world.north_member)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    text = " ".join(" ".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "North 2024" in text and api_model.dimensions[-1].name.split()[0] in text
    assert png.headers["etag"] != svg.headers["etag"].removeprefix("W/")
    assert png.headers["etag"].startswith('"')  # a PNG is sent as drawn: a strong tag
    # The SVG text is gzipped on the way out: other bytes, so its tag is weak.
    assert svg.headers["content-encoding"] == "gzip"
    assert svg.headers["etag"].startswith('W/"')


def test_if_none_match_gets_304_until_the_chart_changes(
    client: TestClient, world: World, charted: Charted
) -> None:
    first = client.get(radar(world.north, "png"), headers=world.coordinator)
    etag = first.headers["etag"]
    again = client.get(
        radar(world.north, "png"), headers={**world.coordinator, "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get(
        radar(world.north, "png"),
        headers={**world.coordinator, "If-None-Match": f'"stale", W/{etag}'},
    )
    assert listed.status_code == 304
    other = client.get(
        radar(world.north, "png"),
        params={"compare": world.south},
        headers={**world.coordinator, "If-None-Match": etag},
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_overlays_of_another_region_and_an_earlier_round(
    client: TestClient, world: World, charted: Charted, api_model: MaturityModel
) -> None:
    spec = ok(
        client.get(
            radar(world.north),
            params={
                "compare": str(world.south),
                "rounds": str(charted.north_old),
                "spread": "none",
            },
            headers=world.coordinator,
        )
    )
    labels = [s["label"] for s in spec["series"]]
    assert labels == ["North 2024", "North 2022", "South 2023"]
    assert spec["series"][1]["values"] == [1.0] * len(api_model.keys)
    assert spec["series"][2]["values"] == [4.0] * len(api_model.keys)
    older = ok(
        client.get(
            radar(world.north), params={"round_id": charted.north_old}, headers=world.coordinator
        )
    )
    assert older["series"][-1]["round_label"] == "2022"


def test_the_charts_own_round_is_not_overlaid_again(
    client: TestClient, world: World, charted: Charted
) -> None:
    """``?rounds=`` naming the chart's own round (the latest published by default) drew it
    twice ("North 2024 vs North 2022 vs North 2024"): it is refused, naming the parameter."""
    both = f"{charted.north_old},{charted.north_new}"
    body = problem(
        client.get(radar(world.north), params={"rounds": both}, headers=world.coordinator),
        422,
        "query.rounds",
    )
    assert f"round {charted.north_new} is the chart's own round" in body["detail"]
    older = {"round_id": charted.north_old, "rounds": str(charted.north_old)}
    problem(client.get(radar(world.north), params=older, headers=world.coordinator), 422)
    report = f"{API}/regions/{world.north}/report.html"
    problem(client.get(report, params={"rounds": both}, headers=world.coordinator), 422)
    spec = ok(
        client.get(
            radar(world.north),
            params={"rounds": str(charted.north_old)},
            headers=world.coordinator,
        )
    )
    assert [s["label"] for s in spec["series"] if s["kind"] == "profile"] == [
        "North 2024",
        "North 2022",
    ]


def test_content_negotiation_on_radar(client: TestClient, world: World, charted: Charted) -> None:
    url = f"{API}/regions/{world.south}/radar"
    cases = {
        "image/svg+xml": "image/svg+xml",
        "application/json": "application/json",
        "*/*": "image/png",
        "text/html, image/*;q=0.5": "image/png",
        "image/png;q=0.2, application/json;q=0.9": "application/json",
    }
    for accept, media in cases.items():
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith(media), accept
        assert "Accept" in response.headers["vary"]
    problem(client.get(url, headers={"Accept": "text/html"}), 406)


def test_public_region_chart_needs_no_key_but_its_spread_does(
    client: TestClient, world: World, charted: Charted
) -> None:
    response = client.get(radar(world.south))
    spec = ok(response)
    assert [s["kind"] for s in spec["series"]] == ["profile"]
    assert response.headers["cache-control"] == "public, no-cache"
    problem(client.get(radar(world.south), params={"spread": "minmax"}), 401)
    keyed = ok(client.get(radar(world.south), headers=world.south_member))
    assert [s["kind"] for s in keyed["series"]] == ["band", "profile"]


def test_access_rules_follow_the_profile_reads(
    client: TestClient, world: World, charted: Charted
) -> None:
    problem(client.get(radar(world.north)), 401)
    problem(client.get(radar(world.north), headers=world.south_member), 403)
    problem(
        client.get(radar(world.south), params={"compare": world.north}, headers=world.south_member),
        403,
    )
    problem(client.get(radar(world.north), headers={"X-API-Key": "tw_nope"}), 401)
    ok(client.get(radar(world.north), headers=world.north_rater))


def test_unknown_things_are_named(client: TestClient, world: World, charted: Charted) -> None:
    problem(client.get(radar(9999), headers=world.admin), 404, "path.region_id")
    problem(
        client.get(radar(world.north), params={"round_id": charted.south}, headers=world.admin),
        404,
        "query.round_id",
    )
    problem(
        client.get(radar(world.north), params={"compare": "x"}, headers=world.admin),
        422,
        "query.compare",
    )
    problem(client.get(radar(world.north, "gif"), headers=world.admin), 422)
    draft = new_round(client, world.south_member, world.south, "draft")
    problem(
        client.get(radar(world.north), params={"round_id": draft}, headers=world.admin),
        404,
        "query.round_id",
    )
    # South is public, but its unpublished rounds are not: overlaying one needs a key.
    problem(client.get(radar(world.south), params={"rounds": str(draft)}), 401)
    ok(client.get(radar(world.south), params={"rounds": str(draft)}, headers=world.south_member))


def test_region_without_published_round_is_404(client: TestClient, world: World) -> None:
    problem(client.get(radar(world.south)), 404, "path.region_id")
