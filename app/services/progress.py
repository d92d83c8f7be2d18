"""How far a round's rating has come, without revealing any score.

The facilitator's progress board and the API's ``GET /rounds/{id}/progress`` both read
``round_progress``: who has answered how many dimensions, how many of those were "don't
know", when they last changed something and whether they submitted; per dimension, how many
answers it has. Scores stay out of it, so progress can be followed while the round is open
without anchoring anyone (see ``app.services.rounds.may_see_ratings``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field
from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, col, select

from app.schemas import UtcDatetime
from app.store import round_model
from app.tables import AssessmentRound, RatingRow, Stakeholder
from app.tables_web import Submission
from assessment import ModelCatalog


class StakeholderProgress(BaseModel):
    stakeholder_id: int
    name: str
    role: str
    answered: int = Field(description="dimensions with an answer (a score or don't know)")
    dont_know: int = Field(description="answers that are don't know")
    last_change: UtcDatetime | None = Field(description="when an answer last changed")
    submitted_at: UtcDatetime | None = Field(
        description="when the stakeholder submitted (declared their answers complete)"
    )

    @computed_field(description="dimensions given a score")  # type: ignore[prop-decorator]
    @property
    def rated(self) -> int:
        return self.answered - self.dont_know


class DimensionProgress(BaseModel):
    dimension: str
    answered: int = Field(description="stakeholders who answered (a score or don't know)")
    dont_know: int


class RoundProgress(BaseModel):
    round_id: int
    dimensions_total: int = Field(description="dimensions of the round's model")
    stakeholders: list[StakeholderProgress] = Field(
        description="every stakeholder of the region (those yet to start too), in the order "
        "they were added; a stakeholder's own key sees its own line only"
    )
    dimensions: list[DimensionProgress] = Field(description="in model order")

    @property
    def submitted(self) -> int:
        return sum(1 for s in self.stakeholders if s.submitted_at is not None)

    def of(self, stakeholder_id: int) -> StakeholderProgress | None:
        return next((s for s in self.stakeholders if s.stakeholder_id == stakeholder_id), None)


def round_progress(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    stakeholder_id: int | None = None,
) -> RoundProgress:
    """Progress of every stakeholder of the round's region (those who have not started too),
    in the order they were added, and of every dimension of the round's model; with
    ``stakeholder_id``, of that stakeholder's own answers only (what a rater may see)."""
    assert round_.id is not None
    keys = round_model(models, round_).keys
    dont_know = func.sum(case((col(RatingRow.score).is_(None), 1), else_=0))
    ratings: list[ColumnElement[bool]] = [
        col(RatingRow.round_id) == round_.id,
        col(RatingRow.dimension).in_(keys),
    ]
    people = select(Stakeholder).where(Stakeholder.region_id == round_.region_id)
    submissions = select(Submission.stakeholder_id, Submission.submitted_at).where(
        Submission.round_id == round_.id
    )
    if stakeholder_id is not None:
        ratings.append(col(RatingRow.stakeholder_id) == stakeholder_id)
        people = people.where(col(Stakeholder.id) == stakeholder_id)
        submissions = submissions.where(Submission.stakeholder_id == stakeholder_id)
    per_person = {
        person: (int(answered), int(unknown or 0), changed)
        for person, answered, unknown, changed in session.exec(
            select(
                RatingRow.stakeholder_id,
                func.count(col(RatingRow.id)),
                dont_know,
                func.max(RatingRow.updated_at),
            )
            .where(*ratings)
            .group_by(col(RatingRow.stakeholder_id))
        ).all()
    }
    per_dimension = {
        dimension: (int(answered), int(unknown or 0))
        for dimension, answered, unknown in session.exec(
            select(RatingRow.dimension, func.count(col(RatingRow.id)), dont_know)
            .where(*ratings)
            .group_by(col(RatingRow.dimension))
        ).all()
    }
    submitted = dict(session.exec(submissions).all())
    stakeholders = []
    for person in session.exec(people.order_by(col(Stakeholder.id))).all():
        assert person.id is not None
        answered, unknown, changed = per_person.get(person.id, (0, 0, None))
        stakeholders.append(
            StakeholderProgress(
                stakeholder_id=person.id,
                name=person.name,
                role=person.role,
                answered=answered,
                dont_know=unknown,
                last_change=changed,
                submitted_at=submitted.get(person.id),
            )
        )
    return RoundProgress(
        round_id=round_.id,
        dimensions_total=len(keys),
        stakeholders=stakeholders,
        dimensions=[
            DimensionProgress(
                dimension=key,
                answered=per_dimension.get(key, (0, 0))[0],
                dont_know=per_dimension.get(key, (0, 0))[1],
            )
            for key in keys
        ],
    )
