"""The coordinator's matching pages say why each pair is proposed and why a need has no
partner, in the reader's language (from the API's structured reasons, never its English
sentences); suggestions page through the receiving regions; a run shows the partners' load;
runs stored before reasons were kept still show; user text stays escaped."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from app.db import Database
from app.settings import Settings
from app.tables_matching import MatchingPairRow, MatchingRun, MatchingRunRegion
from tests.api import flows
from tests.api.conftest import World, serve_settings
from tests.api.matching_world import add_region, seeds
from tests.web.pages import post, sign_in


def text_of(page: str) -> str:
    """The page's words, one space between them (tags and line breaks dropped)."""
    words = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(words))


def test_suggestions_say_why_in_each_language(client: TestClient, world: World) -> None:
    seeds(client, world)
    sign_in(client, world.coordinator)
    english = text_of(client.get("/coordination/suggestions").text)
    for sentence in (
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
    ):
        assert sentence in english, sentence
    assert "min_gap" not in english and "0.9818" not in english  # people's words and figures
    swedish = text_of(
        client.get("/coordination/suggestions", headers={"Accept-Language": "sv"}).text
    )
    for sentence in (
        "North (nivå 1) kan lära sig Innovationsledning av South (nivå 4)",
        "likhet 0,98",
        "North markerade den här dimensionen för förbättring.",
        "Skillnaden är 3 nivåer (minst 1 behövs).",
        "Olika på: Finansiering (2 och 3).",
        "regioner erbjuder den, men ingen når nivå 3: den bästa är på nivå 2",
    ):
        assert sentence in swedish, sentence
    italian = text_of(
        client.get("/coordination/suggestions", headers={"Accept-Language": "it"}).text
    )
    for sentence in (
        "South offre coaching su questa dimensione.",
        "Il divario è di 3 livelli (minimo richiesto: 1).",
        "Diverse in: Finanziamento (2 e 3).",
    ):
        assert sentence in italian, sentence


def test_suggestions_page_through_the_regions(
    client: TestClient, world: World, migrated_url: str
) -> None:
    seeds(client, world)
    apps = serve_settings(
        Settings(database_url=migrated_url, page_default_limit=1, page_max_limit=1)
    )
    paged = TestClient(next(apps))
    try:
        sign_in(paged, world.coordinator)
        first = paged.get("/coordination/suggestions").text
        assert 'href="?offset=1" rel="next"' in first and 'rel="prev"' not in first
        assert "Regions with a need: 1-1 of 2." in text_of(first)
        assert 'id="receiver-' + str(world.north) + '"' in first
        second = paged.get("/coordination/suggestions?offset=1").text
        assert 'id="receiver-' + str(world.south) + '"' in second
        assert 'href="?offset=0" rel="prev"' in second and 'rel="next"' not in second
        assert paged.get("/coordination/suggestions?offset=-1").status_code == 404
    finally:
        for _ in apps:
            pass


def test_a_run_shows_reasons_load_and_full_partners(client: TestClient, world: World) -> None:
    seeds(client, world)
    east = add_region(client, world, "East <b>")
    flows.publish(
        client,
        world.admin,
        east.id,
        east.people,
        {"innovation_management": 2},
        improve=["innovation_management"],
    )
    sign_in(client, world.coordinator)
    created = post(client, "/coordination/runs", {"capacity": "1", "min_gap": "1"})
    assert created.status_code == 303
    page = client.get(created.headers["location"]).text
    assert "East &lt;b&gt;" in page and "East <b>" not in page
    words = text_of(page)
    for sentence in (
        "North learns Innovation management from South",
        "Levels 1 and 4: gap 3; similarity 0.98 over 11 other dimensions; score 0.75",
        "Why this pair",
        "The gap is 3 levels (at least 1 needed).",
        "Coaching load of the transferring regions",
        "South 1 1",
        "East <b>: Innovation management : every possible partner is fully booked: South",
    ):
        assert sentence in words, sentence
    swedish = text_of(
        client.get(created.headers["location"], headers={"Accept-Language": "sv"}).text
    )
    assert "alla möjliga partner är fullbokade: South" in swedish
    assert "De överförande regionernas coachningsbelastning" in swedish


def test_a_run_stored_before_reasons_shows_what_it_has(
    client: TestClient, world: World, database: Database
) -> None:
    seeds(client, world)
    with database.session(write=True) as session:
        run = MatchingRun(
            model_id="scirocco",
            model_version="2019-22",
            parameters={"min_gap": 1.0, "capacity": 2},
            regions=2,
            needs=2,
            total_score=0.75,
            unmet=[
                {
                    "receiving": "South",
                    "dimension": "population_approach",
                    "reason": "no_candidate",
                    "candidates": 0,
                    "message": "no region can coach it",
                    "receiving_region_id": world.south,
                }
            ],
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        session.add(
            MatchingPairRow(
                run_id=run.id,
                receiving_region_id=world.north,
                transferring_region_id=world.south,
                dimension="innovation_management",
                receiving_score=1,
                transferring_score=4,
                gap=3,
                similarity=0.98,
                shared_context=11,
                score=0.75,
                rank=1,
                explanation="North learns from South",
            )
        )
        session.add(MatchingRunRegion(run_id=run.id, region_id=world.north))
        session.commit()
        run_id = run.id
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/runs/{run_id}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "North learns Innovation management from South" in words
    assert "Why this pair" not in words and "Coaching load" not in words
    assert "South: Population approach : no region can coach it" in words
