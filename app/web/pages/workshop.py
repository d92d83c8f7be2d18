"""The consensus workshop: per dimension the stakeholders' spread and justifications, the
proposed score pre-filled, and the group's decision with its justification and flags; then
publishing.

The page is what the facilitator puts on the wall while the group talks it through, one
dimension at a time: each dimension is saved on its own (a decision is recorded only when the
group took it), and "Publish" is refused until every dimension has one, as the API refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.deps import get_models
from app.schemas import ConsensusIn
from app.services.profiles import round_results
from app.services.rounds import record_consensus, set_flags
from app.store import consensus_rows, flag_rows, lock_round, round_model
from app.tables import AssessmentRound, RatingRow, Region, RoundStatus, Stakeholder
from app.web.errors import WebError
from app.web.language import N_
from app.web.pages.common import (
    DbSession,
    FormError,
    Models,
    Staff,
    api_rules,
    prepare,
    redirect,
)
from app.web.pages.facilitator import managed_round
from app.web.templating import language_of, render
from assessment import Dimension, DimensionStats, ModelCatalog, parse_score

router = APIRouter(dependencies=[Depends(prepare)], include_in_schema=False)
NOT_SCORED = "none"


@dataclass(frozen=True)
class Answer:
    name: str
    role: str
    score: int | None
    justification: str


@dataclass
class WorkshopItem:
    dimension: Dimension
    number: int
    stats: DimensionStats | None
    proposed: int | None  # the score the profile would carry now: decided, else from the median
    decided: bool
    score: str  # the form's pre-filled choice: a scale point, "none", or ""
    justification: str
    for_improvement: bool
    for_coaching: bool
    answers: list[Answer] = field(default_factory=list)

    def distribution(self) -> list[tuple[int, int]]:
        """How many stakeholders chose each level, lowest first (the spread at a glance)."""
        chosen = [a.score for a in self.answers if a.score is not None]
        return [(level, chosen.count(level)) for level in sorted(self.dimension.levels)]

    @property
    def dont_know(self) -> int:
        return sum(1 for a in self.answers if a.score is None)


def workshop_items(
    session: Session, models: ModelCatalog, round_: AssessmentRound, language: str
) -> list[WorkshopItem]:
    model = round_model(models, round_).localized(language)
    results = round_results(session, models, [round_])[0]
    group, profile = results.group, results.profile
    stats = group.by_key() if group is not None else {}
    scores = profile.by_key()
    decided = {row.dimension: row for row in consensus_rows(session, round_.id)}
    flags = {row.dimension: row for row in flag_rows(session, round_.id)}
    items = {
        dim.key: WorkshopItem(
            dimension=dim,
            number=index + 1,
            stats=stats.get(dim.key),
            proposed=scores[dim.key].score if dim.key in scores else None,
            decided=dim.key in decided,
            score=_choice(
                decided[dim.key].score if dim.key in decided else scores[dim.key].score,
                dim.key in decided,
            ),
            justification=decided[dim.key].justification if dim.key in decided else "",
            for_improvement=bool(flags.get(dim.key) and flags[dim.key].for_improvement),
            for_coaching=bool(flags.get(dim.key) and flags[dim.key].for_coaching),
        )
        for index, dim in enumerate(model.dimensions)
    }
    rows = session.exec(
        select(Stakeholder, RatingRow)
        .join(RatingRow, col(RatingRow.stakeholder_id) == Stakeholder.id)
        .where(RatingRow.round_id == round_.id)
        .order_by(col(Stakeholder.id))
    ).all()
    for person, rating in rows:
        if rating.dimension in items:
            items[rating.dimension].answers.append(
                Answer(person.name, person.role, rating.score, rating.justification)
            )
    return list(items.values())


def _choice(score: int | None, decided: bool) -> str:
    if score is None:
        return NOT_SCORED if decided else ""
    return str(score)


def workshop_page(
    request: Request,
    session: Session,
    round_: AssessmentRound,
    region: Region,
    *,
    error: FormError | None = None,
    error_key: str | None = None,
    status: int = 200,
) -> Response:
    language = language_of(request)
    models = get_models(request)
    items = workshop_items(session, models, round_, language)
    bands = round_model(models, round_).localized(language).effective_bands
    return render(
        request,
        "facilitator/workshop.html",
        {
            "region": region,
            "round": round_,
            "items": items,
            "decided": sum(1 for item in items if item.decided),
            "band_names": {band.key: band.name for band in bands},
            "editable": round_.status == RoundStatus.CONSENSUS.value,
            "error": error,
            "error_key": error_key,
        },
        status,
    )


@router.get("/rounds/{round_id}/workshop", name="workshop")
def workshop(request: Request, round_id: int, session: DbSession, viewer: Staff) -> Response:
    round_, region = managed_round(session, viewer, round_id)
    if round_.status not in (RoundStatus.CONSENSUS.value, RoundStatus.PUBLISHED.value):
        raise WebError(409, N_("The workshop opens when rating is closed."), "")
    return workshop_page(request, session, round_, region)


@router.post("/rounds/{round_id}/workshop/{dimension}", name="decide")
def decide(
    request: Request,
    round_id: int,
    dimension: str,
    session: DbSession,
    models: Models,
    viewer: Staff,
    score: Annotated[str, Form(max_length=10)] = "",
    justification: Annotated[str, Form(max_length=20000)] = "",
    for_improvement: Annotated[bool, Form()] = False,
    for_coaching: Annotated[bool, Form()] = False,
) -> Response:
    """Record the group's score (or that it cannot score the dimension) and the flags."""
    round_, region = managed_round(session, viewer, round_id)
    try:
        with api_rules(N_("The decision could not be saved.")):
            if not score:
                raise FormError(
                    N_('Choose the agreed level, or "Cannot be scored".'), field="score"
                )
            # A form sends text: the level is parsed here, as the questionnaire does.
            model = round_model(models, round_)
            value = None if score == NOT_SCORED else parse_score(score, model, ("score",))
            body = ConsensusIn.model_validate({"score": value, "justification": justification})
            locked = lock_round(session, round_id)
            record_consensus(session, models, locked, dimension, body.score, body.justification)
            set_flags(
                session,
                models,
                locked,
                dimension,
                for_improvement=for_improvement,
                for_coaching=for_coaching,
            )
            session.commit()  # the decision and its flags together
    except FormError as exc:
        session.rollback()
        return workshop_page(
            request, session, round_, region, error=exc, error_key=dimension, status=422
        )
    return redirect(f"/rounds/{round_id}/workshop", "saved", f"dimension-{dimension}")
