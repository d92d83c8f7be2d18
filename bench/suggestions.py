"""Matching suggestions for 500 regions: stored profiles against re-scoring every region.

A seeded database holds 500 regions with five stakeholders each and a published round (one
in five has an earlier one too), rated on every dimension, decided by a workshop, flagged for
improvement and coaching, and published through the round service (which stores the results).
``GET /matching/suggestions`` then runs in process (the app over that database, a coordinator
key) two ways in the same run:

- **stored**: the service as it is: every region's latest profile loaded, as stored at
  publishing, in one query;
- **rebuilt (before)**: the same endpoint with the profile loader the service had before
  (kept below as the reference): every region's latest round read and re-scored from its
  ratings, four to five queries per region.

Both must give the same suggestions. The service keeps stored profiles parsed between
requests, so "stored" is a repeated request and "stored, first read" one with nothing parsed
yet (the kept profiles dropped before it). The loaders alone are timed too, both ways (the
rest of the request, matching and writing the pairs, is the same code). The cases alternate,
``BENCH_SUGGESTIONS_REPEATS`` (default 5) times; the figures are medians and the ratios are
taken per repetition. SQLite
always; PostgreSQL when one is available (``bench/_databases.py``).
Run with ``python -m bench suggestions``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any
from unittest.mock import patch

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

import app.services.matching as matching_service
from app.auth import issue_key
from app.db import Database
from app.main import create_app
from app.services.profiles import forget_parsed_profiles
from app.services.rounds import move_round, start_round
from app.settings import Settings
from app.store import current_rounds
from app.tables import (
    AssessmentRound,
    ConsensusRow,
    FlagRow,
    RatingRow,
    Region,
    Role,
    RoundStatus,
    Stakeholder,
    utcnow,
)
from assessment import (
    MaturityModel,
    ModelCatalog,
    Profile,
    RatingMatrix,
    build_profile,
    default_model,
    score_group,
)
from bench._databases import each_database, region_with_people
from bench._timing import interleaved, ratio

REGIONS = 500
PEOPLE = 5
REPEATS = int(os.environ.get("BENCH_SUGGESTIONS_REPEATS", "5"))


def _publish_round(
    session: Session,
    models: ModelCatalog,
    model: MaturityModel,
    region: Region,
    people: Sequence[int],
    label: str,
    rng: random.Random,
) -> None:
    """A round rated by everyone, decided on most dimensions (null on one), flagged, and
    published through the round service."""
    assert region.id is not None
    round_ = start_round(session, region.id, label, model)
    base = [rng.randint(0, 5) for _ in model.keys]
    stamp = utcnow()
    session.execute(
        sa.insert(RatingRow),
        [
            {
                "round_id": round_.id,
                "stakeholder_id": person,
                "dimension": key,
                "score": None if rng.random() < 0.05 else max(0, min(5, b + rng.randint(-1, 1))),
                "justification": "as seen from here",
                "updated_at": stamp,
            }
            for person in people
            for key, b in zip(model.keys, base, strict=True)
        ],
    )
    unscored = rng.randrange(len(model.keys))
    session.execute(
        sa.insert(ConsensusRow),
        [
            {
                "round_id": round_.id,
                "dimension": key,
                "score": None if c == unscored else b,
                "justification": "agreed",
                "updated_at": stamp,
            }
            for c, (key, b) in enumerate(zip(model.keys, base, strict=True))
        ],
    )
    weak = sorted(model.keys, key=lambda k: base[model.keys.index(k)])
    needs, offers = set(weak[: rng.randint(1, 3)]), set(weak[-rng.randint(1, 3) :])
    session.execute(
        sa.insert(FlagRow),
        [
            {
                "round_id": round_.id,
                "dimension": key,
                "for_improvement": key in needs,
                "for_coaching": key in offers,
            }
            for key in needs | offers
        ],
    )
    round_.status = RoundStatus.CONSENSUS.value
    move_round(session, models, round_, RoundStatus.PUBLISHED)


def seed(url: str, models: ModelCatalog, model: MaturityModel) -> str:
    """``REGIONS`` regions with published rounds; a coordinator's token."""
    rng = random.Random(500)
    database = Database(url)
    with database.session(write=True) as session:
        for n in range(REGIONS):
            region, ids = region_with_people(session, f"Region {n:03d}", PEOPLE)
            labels = ["2022", "2024"] if n % 5 == 0 else ["2024"]
            for label in labels:
                _publish_round(session, models, model, region, ids, label, rng)
        _, token = issue_key(session, name="bench", role=Role.COORDINATOR)
        session.commit()
    database.dispose()
    return token


# --- the reference: the profile loader as the service had it before --------------------------


def _rebuilt_profile(session: Session, model: MaturityModel, round_: AssessmentRound) -> Profile:
    """A round's profile re-scored from its rows, one validated record per rating."""
    region = session.get(Region, round_.region_id)
    flags = session.exec(select(FlagRow).where(FlagRow.round_id == round_.id)).all()
    rows = session.exec(
        select(Stakeholder.name, RatingRow.dimension, RatingRow.score, RatingRow.justification)
        .join(Stakeholder, col(Stakeholder.id) == RatingRow.stakeholder_id)
        .where(RatingRow.round_id == round_.id)
        .order_by(col(Stakeholder.id), col(RatingRow.id))
    ).all()
    records = [
        {"rater": name, "dimension": d, "score": s, "justification": why}
        for name, d, s, why in rows
    ]
    group = score_group(RatingMatrix.from_ratings(model, records)) if records else None
    decided = session.exec(select(ConsensusRow).where(ConsensusRow.round_id == round_.id)).all()
    return build_profile(
        model,
        group=group,
        workshop={row.dimension: (row.score, row.justification) for row in decided},
        improvement=[row.dimension for row in flags if row.for_improvement],
        coaching=[row.dimension for row in flags if row.for_coaching],
        region=region.name if region else "",
        label=round_.label,
    )


def rebuilt_programme(
    session: Session, models: ModelCatalog, model: MaturityModel
) -> matching_service.Programme:
    """Every region's current round on ``model`` (``current_rounds``), re-scored: the loader
    before stored results."""
    rounds = session.exec(
        select(AssessmentRound)
        .where(AssessmentRound.status == RoundStatus.PUBLISHED.value)
        .order_by(
            col(AssessmentRound.region_id),
            col(AssessmentRound.published_at),
            col(AssessmentRound.id),
        )
    ).all()
    current = current_rounds(rounds, model)
    chosen = [current[rid] for rid in sorted(current)]
    profiles = [_rebuilt_profile(session, model, r) for r in chosen]
    ids = {p.region: r.region_id for p, r in zip(profiles, chosen, strict=True)}
    return matching_service.Programme(model=model, profiles=profiles, ids=ids)


# --- the run ---------------------------------------------------------------------------------


def measure(label: str, url: str, *, model: MaturityModel) -> None:
    # No access log: its line per request would bury the results (the service's default
    # writes it to stdout), and a line costs microseconds against these requests.
    # One page holds every receiving region, as the service answered before it paginated.
    # The key's matching rate limit would stop a run of more than a few repetitions.
    settings = Settings(
        database_url=url,
        access_log=False,
        page_max_limit=REGIONS,
        rate_limit_matching="1000/minute",
    )
    app = create_app(settings)
    models: ModelCatalog = app.state.models
    started = time.perf_counter()
    token = seed(url, models, model)
    seeded = time.perf_counter() - started
    client = TestClient(app)
    headers = {"X-API-Key": token}

    def ask() -> Any:
        """The answer's bytes: parsing 3 MB of JSON is the client's work, not the service's,
        so only the check below parses it."""
        response = client.get(
            "/api/v1/matching/suggestions", params={"limit": REGIONS}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.content

    def rebuilt() -> Any:
        with patch.object(matching_service, "load_programme", rebuilt_programme):
            return ask()

    answer = ask()  # also the warm-up
    assert answer == rebuilt(), "stored and rebuilt profiles give other suggestions"
    parsed = json.loads(answer)
    regions, pairs = parsed["regions"], sum(len(item["pairs"]) for item in parsed["items"])
    del answer, parsed  # not kept alive (and traversed by every collection) while timing
    session = app.state.database.session()

    def load(loader: Callable[[Session, ModelCatalog, MaturityModel], object]) -> object:
        return loader(session, models, model)

    def first_read(action: Callable[[], Any]) -> Any:
        forget_parsed_profiles()
        return action()

    cases: dict[str, Callable[[], Any]] = {
        "stored": ask,
        "stored, first read": partial(first_read, ask),
        "rebuilt (before)": rebuilt,
        "stored profiles": partial(load, matching_service.load_programme),
        "stored profiles, first read": partial(
            first_read, partial(load, matching_service.load_programme)
        ),
        "rebuilt profiles": partial(load, rebuilt_programme),
    }
    # The rebuild leaves garbage (and long-lived objects) whose full collection would fall
    # in whichever request comes next: collected before each run, each case pays for its own.
    times = interleaved(cases, REPEATS, collect_first=True)
    session.close()
    app.state.database.dispose()

    print(f"  {label}: {regions} regions, {pairs:,} suggested pairs (seeded in {seeded:.0f} s)")
    for title, new, old in (
        ("GET /matching/suggestions", "stored", "rebuilt (before)"),
        ("  first read", "stored, first read", "rebuilt (before)"),
        ("loading the profiles alone", "stored profiles", "rebuilt profiles"),
        ("  first read", "stored profiles, first read", "rebuilt profiles"),
    ):
        print(
            f"    {title:<28} stored {statistics.median(times[new]) * 1e3:8.1f} ms   rebuilt "
            f"{statistics.median(times[old]) * 1e3:8.1f} ms   {ratio(times, old, new):5.1f}x faster"
        )


def main() -> None:
    model = default_model()
    print(
        f"suggestions: GET /matching/suggestions over {REGIONS} regions ({PEOPLE} raters each), "
        f"median of {REPEATS} alternating runs"
    )
    each_database(partial(measure, model=model))
