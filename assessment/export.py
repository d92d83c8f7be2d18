"""A round's ratings and a region's profile as CSV and JSON files for people and other tools.

The ratings CSV is the long form that :mod:`assessment.ratings_io` reads back
(``rater,dimension,score,justification``; "don't know" is an empty score), so an export can be
edited and re-imported. Raters are shown by name; when a matrix keys them apart from their
names (the service keys them by stakeholder id), a ``rater_id`` column (JSON: ``rater_id``)
carries the key, so two people with alike names stay two raters when read back.

JSON documents carry the model id and version; profile CSVs carry them in their first two
columns, since a CSV has no other safe place for them.

Spreadsheet formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and some also after a tab or carriage return) as a formula, and rater names and
justifications are free text typed by anyone. Every text cell that starts with one of those
characters is therefore written with a leading single quote (``'=SUM(A1)``), which spreadsheets
show as text. Numbers are written as numbers and are never prefixed. The quote stays in the
file, so such a cell re-imports with the quote; the JSON exports are never altered.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from assessment.model import MaturityModel
from assessment.profile import Profile
from assessment.ratings import RatingMatrix

RATINGS_CSV_COLUMNS = ("rater", "dimension", "score", "justification")
KEYED_RATINGS_CSV_COLUMNS = ("rater_id", *RATINGS_CSV_COLUMNS)
PROFILE_CSV_COLUMNS = (
    "model_id",
    "model_version",
    "region",
    "label",
    "dimension",
    "dimension_name",
    "score",
    "source",
    "band",
    "for_improvement",
    "for_coaching",
    "justification",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula (see the module docstring)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def ratings_document(matrix: RatingMatrix) -> dict[str, Any]:
    """Every cell of a round, "don't know" as null; ``parse_ratings_json`` reads it back.

    ``raters`` lists the names; a matrix with rater keys adds ``rater_ids`` (same order) and
    a ``rater_id`` on every rating."""
    keyed = bool(matrix.names)
    ratings = []
    for rating in matrix.ratings():
        record: dict[str, Any] = {"rater_id": rating.rater} if keyed else {}
        record |= {
            "rater": rating.name or rating.rater,
            "dimension": rating.dimension,
            "score": rating.score,
            "justification": rating.justification,
        }
        ratings.append(record)
    ids = {"rater_ids": list(matrix.raters)} if keyed else {}
    return {
        "model": matrix.model.ref.model_dump(mode="json"),
        "raters": list(matrix.display_names),
        **ids,
        "ratings": ratings,
    }


def ratings_to_json(matrix: RatingMatrix) -> str:
    return _json(ratings_document(matrix))


def ratings_to_csv(matrix: RatingMatrix) -> str:
    """Long form, one row per rater and dimension; ``parse_ratings_csv`` reads it back.
    A matrix with rater keys gets a first column ``rater_id``."""
    keyed = bool(matrix.names)
    rows = [
        (
            *((r.rater,) if keyed else ()),
            r.name or r.rater,
            r.dimension,
            "" if r.score is None else r.score,
            r.justification,
        )
        for r in matrix.ratings()
    ]
    return _csv(KEYED_RATINGS_CSV_COLUMNS if keyed else RATINGS_CSV_COLUMNS, rows)


def profile_document(profile: Profile) -> dict[str, Any]:
    """The profile as JSON-ready data, stamped with its model id and version."""
    return profile.model_dump(mode="json")


def profile_to_json(profile: Profile) -> str:
    return _json(profile_document(profile))


def profile_to_csv(profile: Profile, model: MaturityModel | None = None) -> str:
    """One row per dimension; ``dimension_name`` is filled in when the model is given."""
    names = {d.key: d.name for d in model.dimensions} if model is not None else {}
    return _csv(
        PROFILE_CSV_COLUMNS,
        (
            (
                profile.model.id,
                profile.model.version,
                profile.region,
                profile.label,
                s.dimension,
                names.get(s.dimension, ""),
                "" if s.score is None else s.score,
                s.source,
                s.band or "",
                str(s.for_improvement).lower(),
                str(s.for_coaching).lower(),
                s.justification,
            )
            for s in profile.scores
        ),
    )
