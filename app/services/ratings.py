"""Writing a stakeholder's ratings, for the API's PUTs and the web questionnaire alike."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from app.store import upsert
from app.tables import RatingRow, utcnow


def store_ratings(
    session: Session,
    round_id: int,
    stakeholder_id: int,
    cells: Sequence[tuple[str, int | None, str]],
) -> None:
    """Upsert checked ``(dimension, score, justification)`` cells (score None is "don't
    know") with one timestamp, and commit them together. The caller has locked the round
    while it is open and validated each cell against the round's model."""
    stamp = utcnow()
    for dimension, score, justification in cells:
        upsert(
            session,
            RatingRow,
            {"round_id": round_id, "stakeholder_id": stakeholder_id, "dimension": dimension},
            {"score": score, "justification": justification.strip(), "updated_at": stamp},
        )
    session.commit()
