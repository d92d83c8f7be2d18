"""A stakeholder's "submit": the questionnaire is complete and the answers are final unless
the stakeholder withdraws the submission while rating is still open.

Submitting needs an answer for every dimension of the round's model: a score or "don't
know" (which is an answer, never a zero). The stamp is what the facilitator's progress board
shows as "submitted", so the workshop knows whom it is still waiting for.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from app.problems import ApiProblem
from app.store import ensure_status, round_model
from app.tables import AssessmentRound, RatingRow, RoundStatus, utcnow
from app.tables_web import Submission
from assessment import ModelCatalog


def submission_of(session: Session, round_id: int, stakeholder_id: int) -> Submission | None:
    return session.exec(
        select(Submission).where(
            Submission.round_id == round_id, Submission.stakeholder_id == stakeholder_id
        )
    ).first()


def unanswered(
    session: Session, models: ModelCatalog, round_: AssessmentRound, stakeholder_id: int
) -> list[str]:
    """Dimensions of the round's model the stakeholder has not answered yet, in model order."""
    answered = set(
        session.exec(
            select(RatingRow.dimension).where(
                RatingRow.round_id == round_.id, RatingRow.stakeholder_id == stakeholder_id
            )
        ).all()
    )
    return [key for key in round_model(models, round_).keys if key not in answered]


def submit(
    session: Session, models: ModelCatalog, round_: AssessmentRound, stakeholder_id: int
) -> datetime:
    """Stamp the stakeholder's ratings as submitted (the round must be open and locked by the
    caller, and every dimension answered); returns the stamp. The caller commits."""
    assert round_.id is not None
    ensure_status(round_, RoundStatus.OPEN)
    missing = unanswered(session, models, round_, stakeholder_id)
    if missing:
        raise ApiProblem(
            409,
            f"answer every dimension (a score or don't know) first; missing: {', '.join(missing)}",
            field="path.stakeholder_id",
        )
    existing = submission_of(session, round_.id, stakeholder_id)
    if existing is not None:
        return existing.submitted_at
    stamp = utcnow()
    session.add(Submission(round_id=round_.id, stakeholder_id=stakeholder_id, submitted_at=stamp))
    return stamp


def withdraw(session: Session, round_: AssessmentRound, stakeholder_id: int) -> None:
    """Take a submission back to change answers, while the round is open. The caller commits."""
    assert round_.id is not None
    ensure_status(round_, RoundStatus.OPEN)
    existing = submission_of(session, round_.id, stakeholder_id)
    if existing is not None:
        session.delete(existing)
