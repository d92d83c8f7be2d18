"""The coordinator's matching pages say why each pair is proposed and why a need has no
partner, in the reader's language (from the API's structured reasons, never its English
sentences); suggestions page through the receiving regions; a run shows the partners' load;
runs stored before reasons were kept still show; user text stays escaped."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from app.db import Database
from tests.api.conftest import AppFactory, World
from tests.api.flows import ok
from tests.api.matching_world import east_wants_innovation, seeds, store_old_run
from tests.web.pages import post, sign_in


def text_of(page: str) -> str:
    """The page's words, one space between them (tags and line breaks dropped)."""
    words = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(words))


def says(client: TestClient, path: str, language: str, *sentences: str) -> str:
    """The page in ``language`` holds every sentence; returns its words."""
    words = text_of(client.get(path, headers={"Accept-Language": language}).text)
    for sentence in sentences:
        assert sentence in words, (language, sentence)
    return words


def test_suggestions_say_why_in_each_language(client: TestClient, world: World) -> None:
    seeds(client, world)
    sign_in(client, world.coordinator)
    page = "/coordination/suggestions"
    english = says(
        client,
        page,
        "en",
        "North (level 1) could learn Innovation management from South (level 4)",
        "Gap 3 levels; similarity 0.98 over 11 other dimensions; score 0.75.",
        "North marked this dimension for improvement.",
        "South offers coaching on it.",
        "The gap is 3 levels (at least 1 needed).",
        "South is at level 4; a coach needs at least level 3.",
        "Alike on: Readiness to change (2 and 2), Structure & governance (2 and 2), "
        "Digital infrastructure (2 and 2).",
        "Different on: Funding (2 and 3).",
        "Population approach : regions offer it, but none reaches level 3: the best is at level 2",
        "Regions with a need: 1-2 of 2.",
    )
    assert "min_gap" not in english and "0.9818" not in english  # people's words and figures
    says(
        client,
        page,
        "sv",
        "North (nivå 1) kan lära sig Innovationsledning av South (nivå 4)",
        "likhet 0,98",
        "North markerade den här dimensionen för förbättring.",
        "Skillnaden är 3 nivåer (minst 1 behövs).",
        "Olika på: Finansiering (2 och 3).",
        "regioner erbjuder den, men ingen når nivå 3: den bästa är på nivå 2",
    )
    says(
        client,
        page,
        "it",
        "South offre coaching su questa dimensione.",
        "Il divario è di 3 livelli (minimo richiesto: 1).",
        "Diverse in: Finanziamento (2 e 3).",
    )


def test_suggestions_page_through_the_regions(
    client: TestClient, world: World, custom_app: AppFactory
) -> None:
    seeds(client, world)
    paged = TestClient(custom_app(page_default_limit=1, page_max_limit=1))
    sign_in(paged, world.coordinator)
    first = paged.get("/coordination/suggestions").text
    assert 'href="?offset=1" rel="next"' in first and 'rel="prev"' not in first
    assert "Regions with a need: 1-1 of 2." in text_of(first)
    assert 'id="receiver-' + str(world.north) + '"' in first
    second = paged.get("/coordination/suggestions?offset=1").text
    assert 'id="receiver-' + str(world.south) + '"' in second
    assert 'href="?offset=0" rel="prev"' in second and 'rel="next"' not in second
    assert paged.get("/coordination/suggestions?offset=-1").status_code == 404


def test_a_run_shows_reasons_load_and_full_partners(client: TestClient, world: World) -> None:
    east_wants_innovation(client, world, "East <b>")
    sign_in(client, world.coordinator)
    created = post(client, "/coordination/runs", {"capacity": "1", "min_gap": "1"})
    assert created.status_code == 303
    page = client.get(created.headers["location"]).text
    assert "East &lt;b&gt;" in page and "East <b>" not in page
    run = created.headers["location"]
    says(
        client,
        run,
        "en",
        "North learns Innovation management from South",
        "Levels 1 and 4: gap 3; similarity 0.98 over 11 other dimensions; score 0.75",
        "Why this pair",
        "The gap is 3 levels (at least 1 needed).",
        "Coaching load of the transferring regions",
        "South 1 1",
        "East <b>: Innovation management : every possible partner is fully booked: South",
    )
    says(
        client,
        run,
        "sv",
        "alla möjliga partner är fullbokade: South",
        "De överförande regionernas coachningsbelastning",
    )


def test_a_run_stored_before_reasons_shows_what_it_has(
    client: TestClient, world: World, database: Database
) -> None:
    seeds(client, world)
    run_id = store_old_run(database, world)
    sign_in(client, world.coordinator)
    words = says(
        client,
        f"/coordination/runs/{run_id}",
        "en",
        "North learns Innovation management from South",
        "South: Population approach : no region can coach it",
    )
    assert "Why this pair" not in words and "Coaching load" not in words


def test_the_pages_count_against_the_matching_rate_limit(
    client: TestClient, world: World, custom_app: AppFactory
) -> None:
    seeds(client, world)
    limited = TestClient(custom_app(rate_limit_matching="2/minute"))
    sign_in(limited, world.coordinator)
    assert limited.get("/coordination/suggestions").status_code == 200
    assert post(limited, "/coordination/runs", {"capacity": "2"}).status_code == 303
    refused = limited.get("/coordination/suggestions")
    assert refused.status_code == 429 and "retry-after" in refused.headers
    # The API counts the same key's requests in the same window.
    api = limited.get("/api/v1/matching/suggestions", headers=world.coordinator)
    assert api.status_code == 429


def test_a_run_says_how_it_treated_split_scores(client: TestClient, world: World) -> None:
    seeds(client, world)
    url = "/api/v1/matching/runs"
    runs = {
        policy: ok(client.post(url, json={"parameters": params}, headers=world.coordinator), 201)
        for policy, params in (
            ("include", {}),
            ("exclude", {"uncertain_scores": "exclude"}),
            ("down_weight", {"uncertain_scores": "down_weight", "uncertain_weight": 0.25}),
        )
    }
    sign_in(client, world.coordinator)
    page = "/coordination/runs/{}"
    says(client, page.format(runs["exclude"]["id"]), "en", "smallest gap 1 · split scores left out")
    says(client, page.format(runs["exclude"]["id"]), "sv", "oeniga poäng utesluts")
    weighted = page.format(runs["down_weight"]["id"])
    says(client, weighted, "en", "pairs on split scores weighted by 0.25")
    says(client, weighted, "sv", "par på oeniga poäng vägs med 0,25")
    says(client, weighted, "it", "coppie su punteggi divisi pesate per 0,25")
    words = says(client, page.format(runs["include"]["id"]), "en", "smallest gap 1")
    assert "split scores" not in words
