"""Scoring one round of 5,000 raters through the API, against the raw floor.

The floor is what no service can beat: the round's rows (stakeholder, dimension, score) read
with the database driver on an open connection, put in a matrix with numpy and scored with
the library's statistics. The API case is ``GET /rounds/{id}/scores`` in process (the app
over the same database, an admin key): key check, round lookup, the store's read and checks,
the statistics and the JSON. The reference is the path this service took before, kept here
for the comparison: ORM rows joined with stakeholder names and one validated record per
rating (``RatingMatrix.from_ratings``).

The cases run interleaved (floor, API, reference, floor, ...) so that load from other jobs
hits them alike; medians of ``BENCH_SCORES_REPEATS`` (default 7) runs, and the ratio of each
run to the floor of the same repetition. The API's answer is checked against the floor's.
SQLite always; PostgreSQL when one is available (see ``bench/_databases.py``).
Run with ``python -m bench scores``.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
from collections.abc import Callable
from contextlib import closing
from functools import partial
from typing import Any

import numpy as np
import psycopg
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from app.auth import issue_key
from app.db import Database
from app.main import create_app
from app.settings import Settings
from app.tables import AssessmentRound, RatingRow, Region, Role, RoundStatus, Stakeholder, utcnow
from app.text import name_key
from assessment import GroupScores, MaturityModel, RatingMatrix, default_model, score_group
from bench._databases import each_database
from bench._timing import interleaved, ratio

RATERS = 5_000
FLOOR = "floor (driver + numpy)"
DONT_KNOW = 0.05
REPEATS = int(os.environ.get("BENCH_SCORES_REPEATS", "7"))


def seed(url: str, model: MaturityModel) -> tuple[int, str]:
    """One region, ``RATERS`` stakeholders who rated every dimension of one round (5% don't
    know) now in consensus; the round id and an admin token."""
    rng = random.Random(12)
    database = Database(url)
    with database.session(write=True) as session:
        region = Region(name="Big panel", country="SE", kind="region")
        session.add(region)
        session.flush()
        # A bulk insert skips the ORM's events, so the name key is given here.
        names = [f"Stakeholder {i}" for i in range(RATERS)]
        people = [
            {"region_id": region.id, "name": name, "name_key": name_key(name), "role": "clinician"}
            for name in names
        ]
        session.execute(sa.insert(Stakeholder), people)
        ids = session.exec(select(Stakeholder.id).where(Stakeholder.region_id == region.id)).all()
        round_ = AssessmentRound(
            region_id=region.id,  # type: ignore[arg-type]
            label="2025",
            model_id=model.id,
            model_version=model.version,
            status=RoundStatus.CONSENSUS.value,
        )
        session.add(round_)
        session.flush()
        stamp = utcnow()
        rows = [
            {
                "round_id": round_.id,
                "stakeholder_id": person,
                "dimension": key,
                "score": None if rng.random() < DONT_KNOW else rng.randint(0, 5),
                "justification": f"as seen from ward {(person or 0) % 40}",
                "updated_at": stamp,
            }
            for person in ids
            for key in model.keys
        ]
        session.execute(sa.insert(RatingRow), rows)
        _, token = issue_key(session, name="bench", role=Role.ADMIN)
        session.commit()
        assert round_.id is not None
        round_id = round_.id
    database.dispose()
    return round_id, token


def driver_connection(url: str) -> Any:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite3.connect(str(parsed.database))
    return psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    )


def floor(connection: Any, url: str, model: MaturityModel, round_id: int) -> GroupScores:
    """Driver rows -> numpy matrix -> the library's statistics, nothing else."""
    marker = "?" if make_url(url).get_backend_name() == "sqlite" else "%s"
    cursor = connection.cursor()
    cursor.execute(
        f"SELECT stakeholder_id, dimension, score FROM ratings WHERE round_id = {marker}",
        (round_id,),
    )
    raters, dimensions, scores = zip(*cursor.fetchall(), strict=True)
    cursor.close()
    _, rows = np.unique(np.asarray(raters), return_inverse=True)
    columns = {key: c for c, key in enumerate(model.keys)}
    values = np.full((rows.max() + 1, len(model.keys)), np.nan)
    values[rows, [columns[d] for d in dimensions]] = np.array(scores, dtype=np.float64)
    return score_group(RatingMatrix.from_array(model, values))


def reference(database: Database, model: MaturityModel, round_id: int) -> GroupScores:
    """The service's path before: ORM rows with names, one validated record per rating."""
    with Session(database.engine) as session:
        rows = session.exec(
            select(Stakeholder.name, RatingRow.dimension, RatingRow.score, RatingRow.justification)
            .join(Stakeholder, col(Stakeholder.id) == RatingRow.stakeholder_id)
            .where(RatingRow.round_id == round_id)
            .order_by(col(Stakeholder.id), col(RatingRow.id))
        ).all()
        records = [
            {"rater": name, "dimension": d, "score": s, "justification": why}
            for name, d, s, why in rows
        ]
        return score_group(RatingMatrix.from_ratings(model, records))


def measure(label: str, url: str, *, model: MaturityModel) -> None:
    round_id, token = seed(url, model)
    # No access log: its line per request would bury the results (the service's default
    # writes it to stdout), and a line costs microseconds against these requests.
    app = create_app(Settings(database_url=url, access_log=False))
    client = TestClient(app)
    path = f"/api/v1/rounds/{round_id}/scores"
    headers = {"X-API-Key": token}
    reference_db = Database(url)

    with closing(driver_connection(url)) as connection:
        expected = floor(connection, url, model, round_id).model_dump(mode="json")

        def api() -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.text
            assert response.json() == expected, "the API and the floor disagree"

        cases: dict[str, Callable[[], object]] = {
            FLOOR: lambda: floor(connection, url, model, round_id),
            "API /scores": api,
            "reference (before)": lambda: reference(reference_db, model, round_id),
        }
        for action in cases.values():  # warm-up: imports, connections, caches
            action()
        times = interleaved(cases, REPEATS)
    reference_db.dispose()
    app.state.database.dispose()
    print(f"  {label}: {RATERS:,} raters x {len(model.keys)} dimensions")
    for name, runs in times.items():
        against = ratio(times, name, FLOOR)
        print(f"    {name:<24}{statistics.median(runs) * 1e3:10.1f} ms   {against:5.2f}x the floor")


def main() -> None:
    model = default_model()
    print(
        f"scores: one round of {RATERS:,} raters ({DONT_KNOW:.0%} don't know), median of "
        f"{REPEATS} interleaved runs; ratios to the floor of the same run"
    )
    each_database(partial(measure, model=model))
