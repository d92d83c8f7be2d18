"""Reading ratings from CSV or JSON files, in long form or wide form.

Long form has one row per rating: ``rater,dimension,score,justification``.
Wide form has one row per rater and one column per dimension key: ``rater,readiness_to_change,...``.
Either may have a ``rater_id`` column that keys raters apart from their names (the service's
exports have one), so alike names stay separate raters.
JSON is a list of long-form records, or an object with a ``ratings`` list.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from assessment.errors import RatingError
from assessment.model import MaturityModel
from assessment.ratings import RatingMatrix


def read_ratings(path: str | Path, model: MaturityModel) -> RatingMatrix:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RatingError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".json":
        return parse_ratings_json(text, model)
    return parse_ratings_csv(text, model)


def parse_ratings_json(text: str, model: MaturityModel) -> RatingMatrix:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RatingError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if isinstance(data, dict):
        data = data.get("ratings")
    if not isinstance(data, list):
        raise RatingError(
            "expected a list of ratings or an object with a 'ratings' list", ("ratings",)
        )
    return RatingMatrix.from_ratings(model, data)


def parse_ratings_csv(text: str, model: MaturityModel) -> RatingMatrix:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "rater" not in header:
        raise RatingError("CSV needs a 'rater' column", ("header",))
    rows = list(reader)
    if "dimension" in header:
        return RatingMatrix.from_ratings(model, rows)
    unknown = [
        name
        for name in header
        if name not in model.keys and name not in ("rater", "rater_id", "justification")
    ]
    if unknown:
        raise RatingError(
            f"unknown dimension column(s) {', '.join(unknown)}; expected {', '.join(model.keys)}",
            ("header", unknown[0]),
        )
    records = [
        {
            "rater": row["rater"],
            "rater_id": row.get("rater_id"),
            "dimension": key,
            "score": row.get(key),
        }
        for row in rows
        for key in model.keys
        if key in header
    ]
    return RatingMatrix.from_ratings(model, records)
