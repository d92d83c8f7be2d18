"""What a browser dashboard on another origin, or an intranet without a CDN, needs: CORS
with the deployment's origins, compressed JSON and SVG, and API docs served from the app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.settings import Settings
from tests.api.conftest import World, serve_settings
from tests.api.flows import API, ok, published_round

DASHBOARD = "https://dashboard.example.org"
# Middleware and static files do not touch the database: SQLite is enough.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def cors_client(api_app: FastAPI) -> Iterator[TestClient]:
    settings: Settings = api_app.state.settings
    configured = settings.model_copy(update={"cors_origins": [DASHBOARD]})
    for app in serve_settings(configured):
        yield TestClient(app)


def _preflight(client: TestClient, origin: str) -> httpx.Response:
    response: httpx.Response = client.options(
        f"{API}/regions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        },
    )
    return response


def test_a_preflight_from_an_allowed_origin_is_answered(cors_client: TestClient) -> None:
    response = _preflight(cors_client, DASHBOARD)
    assert response.status_code == 200
    allowed = response.headers
    assert allowed["access-control-allow-origin"] == DASHBOARD
    assert "x-api-key" in allowed["access-control-allow-headers"].lower()
    assert "POST" in allowed["access-control-allow-methods"]


def test_other_origins_get_no_cors_headers(cors_client: TestClient, client: TestClient) -> None:
    assert _preflight(cors_client, "https://elsewhere.example").status_code == 400
    # By default no origin is allowed.
    assert _preflight(client, DASHBOARD).status_code == 400
    answer = client.get(f"{API}/models", headers={"Origin": DASHBOARD})
    assert "access-control-allow-origin" not in answer.headers


def test_cors_responses_expose_the_etag(cors_client: TestClient) -> None:
    response = cors_client.get(f"{API}/models", headers={"Origin": DASHBOARD})
    assert response.headers["access-control-allow-origin"] == DASHBOARD
    assert "etag" in response.headers["access-control-expose-headers"].lower()


def test_json_and_svg_are_gzipped_png_is_not(client: TestClient, world: World) -> None:
    model = ok(client.get(f"{API}/models"))["items"][0]
    scores = [model["scale_min"]] * len(model["dimensions"])
    published_round(client, world.south_member, world.south, world.south_people[:1], scores)
    gzip = {"Accept-Encoding": "gzip"}
    for path, compressed in (
        (f"{API}/models/{model['id']}", True),
        (f"{API}/regions/{world.south}/radar.json", True),
        (f"{API}/regions/{world.south}/radar.svg", True),
        (f"{API}/regions/{world.south}/radar.png", False),
    ):
        response = client.get(path, headers=gzip)
        assert response.status_code == 200, response.text
        assert (response.headers.get("content-encoding") == "gzip") is compressed, path
    plain = client.get(f"{API}/models/{model['id']}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_docs_load_their_assets_from_the_app(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
        assets += re.findall(r"""url: ?["']([^"']+)["']""", html.text)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            assert client.get(asset).status_code == 200, asset
        assert "cdn" not in html.text.lower() and "https://" not in html.text


def test_a_gzipped_answer_carries_a_weak_etag_that_still_revalidates(
    client: TestClient, world: World
) -> None:
    model = ok(client.get(f"{API}/models"))["items"][0]
    scores = [model["scale_min"]] * len(model["dimensions"])
    published_round(client, world.south_member, world.south, world.south_people[:1], scores)
    path = f"{API}/regions/{world.south}/radar.svg"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    strong = plain.headers["etag"]
    assert not strong.startswith("W/")
    assert zipped.headers["etag"] == f"W/{strong}"  # other bytes, same content
    for tag in (strong, zipped.headers["etag"]):
        again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert again.status_code == 304, tag
