"""The stakeholder's questionnaire: one dimension per page, saved as the person goes.

One dimension per page suits a 12-dimension questionnaire on a phone: six level descriptors
and a justification are a screenful, each page is saved on "Save and continue" (and, with
JavaScript, whenever a choice or the text changes), and the person can stop at any time and
come back from the same link to where they were. An overview lists every dimension with its
state, a review page shows all answers before "Submit". Rating ends when the round leaves
``open``; the pages then show the answers read-only and say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.deps import get_models
from app.schemas import RatingIn
from app.services.ratings import store_ratings
from app.services.submissions import submission_of, submit, unanswered, withdraw
from app.store import ensure_status, lock_round, round_model
from app.tables import AssessmentRound, RatingRow, Region, RoundStatus, Stakeholder
from app.tables_web import Submission
from app.web.errors import WebError
from app.web.language import N_
from app.web.pages.common import (
    DbSession,
    FormError,
    api_rules,
    call,
    prepare,
    redirect,
)
from app.web.pages.common import (
    Stakeholder as StakeholderSession,
)
from app.web.sessions import Viewer
from app.web.templating import language_of, render
from assessment import Dimension, MaturityModel, parse_score

router = APIRouter(
    prefix="/questionnaire", dependencies=[Depends(prepare)], include_in_schema=False
)
DONT_KNOW = "dk"
GO_TARGETS = frozenset({"next", "previous", "review", "overview", "stay"})


@dataclass(frozen=True)
class Questionnaire:
    """One stakeholder's view of one round: only their own answers, never anyone else's."""

    round: AssessmentRound
    region: Region
    stakeholder: Stakeholder
    model: MaturityModel
    answers: dict[str, RatingRow]
    submission: Submission | None

    @property
    def is_open(self) -> bool:
        return self.round.status == RoundStatus.OPEN.value

    @property
    def editable(self) -> bool:
        return self.is_open and self.submission is None

    @property
    def answered(self) -> int:
        return sum(1 for key in self.model.keys if key in self.answers)

    @property
    def dont_know(self) -> int:
        return sum(1 for row in self.answers.values() if row.score is None)

    @property
    def total(self) -> int:
        return len(self.model.keys)

    def first_unanswered(self) -> str | None:
        return next((key for key in self.model.keys if key not in self.answers), None)

    def neighbour(self, key: str, step: int) -> str | None:
        index = self.model.index(key) + step
        return self.model.keys[index] if 0 <= index < self.total else None


def load(session: Session, request: Request, viewer: Viewer) -> Questionnaire:
    round_ = session.get(AssessmentRound, viewer.round_id)
    stakeholder = session.get(Stakeholder, viewer.stakeholder_id)
    if round_ is None or stakeholder is None or stakeholder.region_id != round_.region_id:
        raise WebError(404, N_("This page does not exist."))
    region = session.get(Region, round_.region_id)
    assert region is not None and round_.id is not None and stakeholder.id is not None
    rows = session.exec(
        select(RatingRow)
        .where(RatingRow.round_id == round_.id, RatingRow.stakeholder_id == stakeholder.id)
        .order_by(col(RatingRow.id))
    ).all()
    return Questionnaire(
        round=round_,
        region=region,
        stakeholder=stakeholder,
        model=round_model(get_models(request), round_).localized(language_of(request)),
        answers={row.dimension: row for row in rows},
        submission=submission_of(session, round_.id, stakeholder.id),
    )


def _dimension(questionnaire: Questionnaire, key: str) -> Dimension:
    if key not in questionnaire.model.keys:
        raise WebError(404, N_("This page does not exist."))
    return questionnaire.model.dimension(key)


@router.get("", name="questionnaire")
def overview(request: Request, session: DbSession, viewer: StakeholderSession) -> Response:
    questionnaire = load(session, request, viewer)
    return render(
        request,
        "questionnaire/overview.html",
        {"q": questionnaire, "resume": questionnaire.first_unanswered()},
    )


@router.get("/review", name="questionnaire_review")
def review(request: Request, session: DbSession, viewer: StakeholderSession) -> Response:
    questionnaire = load(session, request, viewer)
    return render(
        request,
        "questionnaire/review.html",
        {
            "q": questionnaire,
            "missing": [k for k in questionnaire.model.keys if k not in questionnaire.answers],
            "error": None,
        },
    )


@router.post("/submit", name="questionnaire_submit")
def submit_answers(request: Request, session: DbSession, viewer: StakeholderSession) -> Response:
    round_ = call(lambda: lock_round(session, viewer.round_id, shared=True))
    try:
        with api_rules(N_("Your answers could not be submitted.")):
            submit(session, get_models(request), round_, viewer.stakeholder_id)
            session.commit()
    except FormError as exc:
        questionnaire = load(session, request, viewer)
        missing = unanswered(session, get_models(request), round_, viewer.stakeholder_id)
        return render(
            request,
            "questionnaire/review.html",
            {"q": questionnaire, "missing": missing, "error": exc},
            409,
        )
    return redirect("/questionnaire/review", "submitted")


@router.post("/withdraw", name="questionnaire_withdraw")
def withdraw_submission(
    request: Request, session: DbSession, viewer: StakeholderSession
) -> Response:
    round_ = call(lambda: lock_round(session, viewer.round_id))
    call(lambda: withdraw(session, round_, viewer.stakeholder_id))
    session.commit()
    return redirect("/questionnaire", "withdrawn")


@router.get("/{key}", name="questionnaire_dimension")
def dimension_page(
    request: Request, key: str, session: DbSession, viewer: StakeholderSession
) -> Response:
    questionnaire = load(session, request, viewer)
    dimension = _dimension(questionnaire, key)
    answer = questionnaire.answers.get(key)
    return _dimension_page(
        request,
        questionnaire,
        dimension,
        answer_level(answer),
        answer.justification if answer else "",
        None,
    )


def answer_level(answer: RatingRow | None) -> str:
    """The radio value of a stored answer: its score, "dk", or "" when not answered."""
    if answer is None:
        return ""
    return DONT_KNOW if answer.score is None else str(answer.score)


def _dimension_page(
    request: Request,
    questionnaire: Questionnaire,
    dimension: Dimension,
    level: str,
    justification: str,
    error: FormError | None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "questionnaire/dimension.html",
        {
            "q": questionnaire,
            "dimension": dimension,
            "position": questionnaire.model.index(dimension.key) + 1,
            "level": level,
            "justification": justification,
            "error": error,
            "previous": questionnaire.neighbour(dimension.key, -1),
            "next": questionnaire.neighbour(dimension.key, 1),
        },
        status,
    )


@router.post("/{key}")
def save_dimension(
    request: Request,
    key: str,
    session: DbSession,
    viewer: StakeholderSession,
    level: Annotated[str, Form(max_length=10)] = "",
    justification: Annotated[str, Form(max_length=20000)] = "",
    go: Annotated[str, Form(max_length=20)] = "next",
) -> Response:
    """Save one answer, then go where the pressed button says. With ``X-Autosave`` (the
    page's script saving as the person types) the answer is saved and a JSON status
    returned instead."""
    autosave = request.headers.get("x-autosave") == "1"
    round_ = call(lambda: lock_round(session, viewer.round_id, shared=True))
    questionnaire = load(session, request, viewer)
    dimension = _dimension(questionnaire, key)
    try:
        _save(session, questionnaire, round_, dimension.key, level.strip(), justification)
    except FormError as exc:
        if autosave:
            return JSONResponse({"saved": False, "error": exc.message}, status_code=409)
        status = 409 if not questionnaire.editable else 422
        return _dimension_page(request, questionnaire, dimension, level, justification, exc, status)
    if autosave:
        saved = load(session, request, viewer)
        return JSONResponse({"saved": True, "answered": saved.answered, "total": saved.total})
    return redirect(_after_save(questionnaire, dimension.key, go if go in GO_TARGETS else "next"))


def _save(
    session: Session,
    questionnaire: Questionnaire,
    round_: AssessmentRound,
    key: str,
    level: str,
    justification: str,
) -> None:
    if not questionnaire.is_open:
        raise FormError(N_("Rating has ended for this round: answers can no longer change."))
    if questionnaire.submission is not None:
        raise FormError(
            N_("You have submitted your answers. Withdraw the submission to change them.")
        )
    if not level:
        if justification.strip():
            raise FormError(
                N_('Choose a level, or "Don\'t know", to save your justification.'), field="level"
            )
        return  # nothing chosen, nothing written: the person skips ahead
    with api_rules():
        checked = RatingIn(
            score=None
            if level == DONT_KNOW
            else parse_score(level, questionnaire.model, ("level",)),
            justification=justification,
        )
        ensure_status(round_, RoundStatus.OPEN)
        assert round_.id is not None and questionnaire.stakeholder.id is not None
        store_ratings(
            session,
            round_.id,
            questionnaire.stakeholder.id,
            [(key, checked.score, checked.justification)],
        )


def _after_save(questionnaire: Questionnaire, key: str, go: str) -> str:
    if go == "stay":
        return f"/questionnaire/{key}"
    if go == "overview":
        return "/questionnaire"
    if go == "previous":
        target = questionnaire.neighbour(key, -1)
        return f"/questionnaire/{target}" if target else "/questionnaire"
    if go == "next":
        target = questionnaire.neighbour(key, 1)
        if target:
            return f"/questionnaire/{target}"
    return "/questionnaire/review"
