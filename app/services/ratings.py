"""Writing a stakeholder's ratings, for the API's PUTs and the web questionnaire alike."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from app.store import upsert_rows
from app.tables import RatingRow, utcnow


def store_ratings(
    session: Session,
    round_id: int,
    stakeholder_id: int,
    cells: Sequence[tuple[str, int | None, str]],
) -> list[RatingRow]:
    """Upsert checked ``(dimension, score, justification)`` cells (score None is "don't
    know") with one timestamp, in one statement, and commit them together; the rows as
    stored. The caller has locked the round while it is open and validated each cell
    against the round's model."""
    stamp = utcnow()
    stored = upsert_rows(
        session,
        RatingRow,
        ("round_id", "stakeholder_id", "dimension"),
        [
            {
                "round_id": round_id,
                "stakeholder_id": stakeholder_id,
                "dimension": dimension,
                "score": score,
                "justification": justification.strip(),
                "updated_at": stamp,
            }
            for dimension, score, justification in cells
        ],
    )
    session.commit()
    return stored
