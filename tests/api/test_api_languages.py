"""The API speaks the reader's language: Accept-Language (or ?lang=) in, Content-Language out."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from assessment import default_model, find_model
from tests.api.conftest import World
from tests.api.flows import API, ok, problem, published_round

SWEDISH = default_model().localized("sv")
ITALIAN = default_model().localized("it")
ENGLISH = default_model()


def spoken(response: Response, language: str) -> None:
    """The answer names its language and tells caches that it depends on Accept-Language."""
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == language
    assert "Accept-Language" in [part.strip() for part in response.headers["vary"].split(",")]


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        (None, "en"),
        ("sv", "sv"),
        ("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7", "sv"),
        ("it-IT", "it"),
        ("en;q=0.5, it;q=0.9", "it"),  # quality, not order
        ("de-DE, fr;q=0.8", "en"),  # unsupported: English
        ("en;q=0, *", "sv"),
        ("nonsense;q=x", "en"),  # a header is never an error
    ],
)
def test_models_are_listed_in_the_negotiated_language(
    client: TestClient, accept: str | None, language: str
) -> None:
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = client.get(f"{API}/models", headers=headers)
    spoken(response, language)
    first = response.json()["items"][0]
    assert first["name"] == ENGLISH.localized(language).name
    assert first["languages"] == ["en", "it", "sv"]
    assert first["dimensions"] == list(ENGLISH.keys)  # keys never change with the language


def test_a_model_in_swedish_has_every_text_in_swedish(client: TestClient) -> None:
    response = client.get(f"{API}/models/scirocco", headers={"Accept-Language": "sv-SE"})
    spoken(response, "sv")
    model = response.json()
    assert model["language"] == "sv" and "translations" not in model
    assert model["name"] == SWEDISH.name
    assert [b["name"] for b in model["bands"]] == ["Inledande", "Under utveckling", "Optimerande"]
    for sent, expected in zip(model["dimensions"], SWEDISH.dimensions, strict=True):
        assert sent["key"] == expected.key and sent["name"] == expected.name
        assert sent["description"] == expected.description
        assert {int(k): v for k, v in sent["levels"].items()} == expected.levels
        assert "translations" not in sent
    older = client.get(
        f"{API}/models/scirocco", params={"version": "2016-19"}, headers={"Accept-Language": "it"}
    )
    spoken(older, "it")
    names = [d["name"] for d in older.json()["dimensions"]]
    assert names == [d.name for d in find_model("scirocco", "2016-19").localized("it").dimensions]
    assert "Informazione e servizi eHealth" in names


def test_dimensions_follow_the_language(client: TestClient) -> None:
    page = client.get(f"{API}/models/scirocco/dimensions", headers={"Accept-Language": "it"})
    spoken(page, "it")
    assert [d["name"] for d in page.json()["items"]] == [d.name for d in ITALIAN.dimensions][:12]
    one = client.get(
        f"{API}/models/scirocco/dimensions/innovation_management",
        headers={"Accept-Language": "sv"},
    )
    spoken(one, "sv")
    assert one.json()["name"] == "Innovationsledning"
    assert one.json()["levels"]["3"] == SWEDISH.dimension("innovation_management").levels[3]
    english = client.get(f"{API}/models/scirocco/dimensions/innovation_management")
    spoken(english, "en")
    assert english.json()["name"] == "Innovation management"


def test_lang_parameter_overrides_the_header_and_must_be_offered(client: TestClient) -> None:
    response = client.get(
        f"{API}/models/scirocco", params={"lang": "it"}, headers={"Accept-Language": "sv"}
    )
    spoken(response, "it")
    assert response.json()["name"] == ITALIAN.name
    spoken(client.get(f"{API}/models", params={"lang": "sv-SE"}), "sv")
    body = problem(client.get(f"{API}/models", params={"lang": "fr"}), 422, "query.lang")
    assert "not offered" in body["detail"]
    problem(client.get(f"{API}/models/scirocco", params={"lang": "!!"}), 422, "query.lang")
    problem(client.get(f"{API}/models/scirocco/dimensions", params={"lang": "qq"}), 422)


def test_radar_labels_follow_the_language_and_etags_differ(
    client: TestClient, world: World
) -> None:
    published_round(client, world.south_member, world.south, world.south_people[:1], [4] * 12)
    url = f"{API}/regions/{world.south}/radar"
    english = client.get(f"{url}.json")
    swedish = client.get(f"{url}.json", headers={"Accept-Language": "sv"})
    spoken(english, "en")
    spoken(swedish, "sv")
    # (the gzip and CORS middleware add Accept-Encoding and Origin)
    vary = [part.strip() for part in swedish.headers["vary"].split(",")]
    assert vary[:3] == ["X-API-Key", "Accept", "Accept-Language"]
    assert [a["name"] for a in swedish.json()["axes"]["dimensions"]] == [
        d.name for d in SWEDISH.dimensions
    ]
    assert swedish.json()["model_name"] == SWEDISH.name
    assert swedish.json()["axes"]["bands"][0]["name"] == "Inledande"
    assert swedish.json()["series"][0]["values"] == english.json()["series"][0]["values"]
    assert swedish.headers["etag"] != english.headers["etag"]

    for fmt in ("png", "svg"):
        tags = {
            language: client.get(f"{url}.{fmt}", params={"lang": language}).headers["etag"]
            for language in ("en", "sv", "it")
        }
        assert len(set(tags.values())) == 3, fmt
        # A cached English image is not valid for a Swedish reader.
        again = client.get(
            f"{url}.{fmt}", headers={"If-None-Match": tags["en"], "Accept-Language": "sv"}
        )
        spoken(again, "sv")
        assert again.headers["etag"] == tags["sv"]
        same = client.get(
            f"{url}.{fmt}", headers={"If-None-Match": tags["it"], "Accept-Language": "it-IT"}
        )
        assert same.status_code == 304 and same.headers["content-language"] == "it"
    svg = client.get(f"{url}.svg", headers={"Accept-Language": "it"}).text
    assert "Gestione" in svg and "Innovation management" not in svg  # wrapped on two lines
    negotiated = client.get(url, headers={"Accept": "image/svg+xml", "Accept-Language": "sv"})
    spoken(negotiated, "sv")
    assert "Innovationsledning" in negotiated.text


def test_report_and_profile_csv_follow_the_language(client: TestClient, world: World) -> None:
    published_round(client, world.south_member, world.south, world.south_people[:2], [3] * 12)
    report = client.get(
        f"{API}/regions/{world.south}/report.html", headers={"Accept-Language": "it"}
    )
    spoken(report, "it")
    assert "Empowerment dei cittadini" in report.text and ITALIAN.name in report.text
    csv_response = client.get(
        f"{API}/regions/{world.south}/profile.csv", headers={"Accept-Language": "sv"}
    )
    spoken(csv_response, "sv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert [r["dimension_name"] for r in rows] == [d.name for d in SWEDISH.dimensions]
    assert [r["dimension"] for r in rows] == list(ENGLISH.keys)
    document = ok(client.get(f"{API}/regions/{world.south}/profile.json"))
    assert "content-language" not in client.get(f"{API}/regions/{world.south}/profile.json").headers
    assert document["model"] == {"id": ENGLISH.id, "version": ENGLISH.version}
