"""The twinning pages: the project an approved pair runs after the match, in the browser.

- a twinning's page (``/twinnings/{id}``) for both regions' members and the coordinators:
  the frozen rationale, participants, local conditions with the teams' notes, activities, the
  action plan in theory-of-change columns, outcomes and the measured change, and the report;
  forms (plain POST with the form token) move the status and add to the record;
- the programme (``/coordination/twinnings``) for coordinators: every twinning with its effect;
- "start a twinning" on an approved pair of an assignment run.

Every read and write is the API's own (``app.services.twinnings`` and the twinning routers,
called with the signed-in key's rights), so the pages and the API agree on who may do what
and on what is refused; what the library writes (rationale, conditions, effect, the words of
statuses and kinds) comes in the page's language from its report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from app.auth import Principal
from app.deps import get_models
from app.routers.twinning_actions import create_twinning_action
from app.routers.twinning_activities import create_twinning_activity
from app.routers.twinnings import (
    create_twinning,
    create_twinning_participant,
    delete_condition_note,
    get_twinning_report_html,
    put_condition_note,
    transition_twinning,
    update_twinning,
    update_twinning_outcomes,
)
from app.schemas_twinning import (
    ActionIn,
    ActivityIn,
    NoteIn,
    OutcomesUpdate,
    ParticipantIn,
    TransitionIn,
    TwinningCreate,
    TwinningUpdate,
)
from app.services.twinnings import (
    OUTCOME_FIELDS,
    can_write,
    condition_notes,
    next_moves,
    programme_of,
    rationale_of,
    region_twinnings,
    report_of,
    twinning_for,
    twinning_model,
    utc_today,
)
from app.tables import Region
from app.tables_twinning import Twinning
from app.web.errors import WebError
from app.web.language import N_
from app.web.pages.common import (
    DbSession,
    FormError,
    Models,
    Staff,
    api_rules,
    call,
    prepare,
    redirect,
)
from app.web.pages.coordinator import coordinator
from app.web.pages.profiles import REPORT_POLICY
from app.web.sessions import Viewer
from app.web.templating import language_of, render
from assessment import ModelCatalog
from assessment.i18n import localizer
from assessment.twinning import (
    ActionStatus,
    ActivityFormat,
    ActivityKind,
    ChallengeCategory,
)
from assessment.twinning.texts import label

router = APIRouter(dependencies=[Depends(prepare)], include_in_schema=False)

# What each move of the status needs, in the pages' words (the library's ``Requirement.key``).
REQUIREMENTS = {
    "participants.receiving": N_("Add at least one participant from the receiving region."),
    "participants.transferring": N_("Add at least one participant from the transferring region."),
    "activities": N_("Record at least one activity that has taken place (dated today or before)."),
    "action_plan": N_("Add at least one item to the action plan."),
    "outcomes.results_at_conclusion": N_("Write down the results at the end of the twinning."),
    "follow_up.round": N_(
        "The receiving region publishes a new assessment round, so that the change can be measured."
    ),
    "outcomes.results_after_6_or_12_months": N_(
        "Write down the results after 6 or after 12 months."
    ),
    "status": N_("This move is not possible from the current status."),
}

# The choices of the forms' lists, in the library's words.
CHOICES: Mapping[str, tuple[Any, ...]] = {
    "kind": tuple(ActivityKind),
    "format": tuple(ActivityFormat),
    "category": tuple(ChallengeCategory),
    "action_status": tuple(ActionStatus),
}


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (``prepare`` has read the form already)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


Fields = Annotated[dict[str, str], Depends(form_fields)]


@dataclass(frozen=True)
class Attempt:
    """A form the API refused: which one, the field at fault and what was typed (shown
    again as it was)."""

    form: str
    error: FormError
    values: dict[str, str] = field(default_factory=dict)

    @property
    def field(self) -> str:
        """The form field the API's error names (``body.title`` -> ``title``)."""
        parts = [p for p in (self.error.field or "").split(".") if p and not p.isdigit()]
        return next((p for p in parts if p in FORMS[self.form].fields), "")


def words(request: Request) -> Callable[[str, str], str]:
    """``label(kind, key)`` for the templates: a stored key (status, kind...) as the library
    words it in the page's language."""
    language = localizer(language_of(request))
    return lambda kind, key: label(kind, key, language)


def signed(request: Request) -> Callable[[float | None], str]:
    """A change written the reader's way with its sign (``+0,5``), a dash when there is none."""
    language = localizer(language_of(request))

    def write(value: float | None) -> str:
        text = language.format_number(value, 2, "\u2013")
        return "+" + text if value is not None and round(value, 2) > 0 else text

    return write


def _regions(session: Session, *ids: int) -> dict[int, Region]:
    return {i: region for i in ids if (region := session.get(Region, i)) is not None}


# --- a region's twinnings (the facilitator's region page) ----------------------------------


@dataclass(frozen=True)
class TwinningLine:
    """One twinning as a region's list shows it."""

    twinning: Twinning
    role: str  # "receiving" or "transferring": the region's side
    partner: str
    focus: list[str]  # dimension names in the page's language


def twinning_lines(request: Request, session: Session, region_id: int) -> list[TwinningLine]:
    """The region's twinnings, receiving or transferring, with the partner's name and the
    focus dimensions' names in the page's language."""
    models = get_models(request)
    language = language_of(request)
    lines = []
    for row in region_twinnings(session, region_id):
        rationale = rationale_of(row)
        model = twinning_model(models, row).localized(language)
        receiving = row.receiving_region_id == region_id
        lines.append(
            TwinningLine(
                twinning=row,
                role="receiving" if receiving else "transferring",
                partner=rationale.transferring_region if receiving else rationale.receiving_region,
                focus=[model.dimension(key).name for key in row.focus],
            )
        )
    return lines


def region_context(request: Request, session: Session, region_id: int) -> dict[str, Any]:
    """What the region page's "Twinnings" section needs."""
    return {"twinnings": twinning_lines(request, session, region_id), "label": words(request)}


# --- the programme --------------------------------------------------------------------------


@router.get("/coordination/twinnings", name="programme")
def programme(request: Request, session: DbSession, models: Models, viewer: Staff) -> Response:
    """Every twinning with its status and the change measured after re-assessment."""
    coordinator(viewer)
    language = language_of(request)
    result = programme_of(session, models)
    names: dict[tuple[str, str], str] = {}
    for entry in result.view.twinnings:
        model = models.find(entry.model.id, entry.model.version).localized(language)
        for key in entry.focus:
            names[(entry.model.id, key)] = model.dimension(key).name
    for item in result.view.by_dimension:
        if (item.model_id, item.dimension) not in names:
            names[(item.model_id, item.dimension)] = item.dimension
    return render(
        request,
        "twinning/programme.html",
        {"view": result.view, "names": names, "label": words(request), "signed": signed(request)},
    )


@router.post("/coordination/runs/{run_id}/pairs/{pair_id}/twinning", name="start_twinning")
def start(
    request: Request,
    run_id: int,
    pair_id: int,
    session: DbSession,
    models: Models,
    viewer: Staff,
) -> Response:
    """Start a twinning from an approved pair (its rationale is computed and frozen now)."""
    coordinator(viewer)
    with api_rules(N_("The twinning could not be started.")):
        body = TwinningCreate(matching_pair_id=pair_id)
        created = create_twinning(body, viewer.staff, session, models)
    return redirect(f"/twinnings/{created.id}", "twinning_started")


# --- a twinning's page ----------------------------------------------------------------------


def _twinning_page(
    request: Request,
    session: Session,
    models: ModelCatalog,
    viewer: Viewer,
    twinning: Twinning,
    attempt: Attempt | None = None,
    status: int = 200,
) -> Response:
    assert twinning.id is not None
    language = language_of(request)
    today = utc_today()
    writable = can_write(viewer.staff, twinning)
    model = twinning_model(models, twinning).localized(language)
    say = words(request)
    return render(
        request,
        "twinning/twinning.html",
        {
            "twinning": twinning,
            "report": report_of(session, models, twinning, today, language),
            "model": model,
            "regions": _regions(
                session, twinning.receiving_region_id, twinning.transferring_region_id
            ),
            "notes": condition_notes(session, twinning.id),
            "writable": writable,
            "moves": next_moves(session, models, twinning, today) if writable else (),
            "requirements": REQUIREMENTS,
            "attempt": attempt,
            "label": say,
            "signed": signed(request),
            "choices": {
                kind: [(key.value, say(kind, key.value)) for key in keys]
                for kind, keys in CHOICES.items()
            },
            "dimensions": [(d.key, d.name) for d in model.dimensions],
            "context_dimensions": [
                (d.key, d.name) for d in model.dimensions if d.key not in twinning.focus
            ],
        },
        status,
    )


@router.get("/twinnings/{twinning_id}", name="twinning")
def twinning_page(
    request: Request, twinning_id: int, session: DbSession, models: Models, viewer: Staff
) -> Response:
    twinning = call(lambda: twinning_for(session, twinning_id, viewer.staff))
    return _twinning_page(request, session, models, viewer, twinning)


@router.get("/twinnings/{twinning_id}/report", name="twinning_report")
def report(
    request: Request, twinning_id: int, session: DbSession, models: Models, viewer: Staff
) -> Response:
    """The library's twinning report (self-contained, printable) in the page's language, as
    the API serves it."""
    response = call(
        lambda: get_twinning_report_html(
            twinning_id, viewer.staff, session, models, language_of(request)
        )
    )
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def _or_none(values: dict[str, str], *names: str) -> dict[str, Any]:
    """The fields with their edges trimmed; the empty ``names`` left out (the API's default)."""
    trimmed = {name: value.strip() for name, value in values.items()}
    return {k: v for k, v in trimmed.items() if v or k not in names}


# Each form calls one of the API's operations with the signed-in key's rights:
# ``(twinning id, the form's values, key, session, models)``.
Operation = Callable[[int, dict[str, str], Principal, Session, ModelCatalog], object]


def _move(tid: int, values: dict[str, str], key: Principal, s: Session, m: ModelCatalog) -> object:
    return transition_twinning(tid, TransitionIn.model_validate(values), key, s, m)


def _participant(
    tid: int, values: dict[str, str], key: Principal, s: Session, m: ModelCatalog
) -> object:
    body = ParticipantIn.model_validate(_or_none(values, "side"))
    return create_twinning_participant(tid, body, key, s)


def _note(tid: int, values: dict[str, str], key: Principal, s: Session, m: ModelCatalog) -> object:
    """The note on the conditions as a whole (no dimension chosen) or on one dimension; an
    empty note removes a dimension's note."""
    dimension, note = values["dimension"], values["note"].strip()
    if not dimension:
        return update_twinning(tid, TwinningUpdate(conditions_note=note), key, s, m)
    if note:
        return put_condition_note(tid, dimension, NoteIn(note=note), key, s, m)
    if dimension in condition_notes(s, tid):
        return delete_condition_note(tid, dimension, key, s, m)
    raise FormError(
        N_("Write a note, or choose a dimension that has a note to remove."), "", "body.note"
    )


def _activity(
    tid: int, values: dict[str, str], key: Principal, s: Session, m: ModelCatalog
) -> object:
    given = _or_none(values, "kind", "date", "format")
    given["participants"] = [
        line.strip() for line in values["participants"].splitlines() if line.strip()
    ]
    return create_twinning_activity(tid, ActivityIn.model_validate(given), key, s)


def _action(
    tid: int, values: dict[str, str], key: Principal, s: Session, m: ModelCatalog
) -> object:
    body = ActionIn.model_validate(_or_none(values, "category", "dimension", "due_date", "status"))
    return create_twinning_action(tid, body, key, s, m)


def _outcomes(
    tid: int, values: dict[str, str], key: Principal, s: Session, m: ModelCatalog
) -> object:
    body = OutcomesUpdate.model_validate({k: v.strip() for k, v in values.items()})
    return update_twinning_outcomes(tid, body, key, s)


@dataclass(frozen=True)
class TwinningForm:
    """A form of the twinning page: its fields (the API's request body's, where there is
    one), the heading of its error, the operation, and the status of a refusal."""

    fields: tuple[str, ...]
    message: str
    save: Operation
    refused: int = 422


# Keyed by the path the form posts to, which is also the id of its section on the page.
FORMS: Mapping[str, TwinningForm] = {
    "status": TwinningForm(("status",), N_("The status could not be changed."), _move, 409),
    "participants": TwinningForm(
        tuple(ParticipantIn.model_fields), N_("The participant could not be added."), _participant
    ),
    "conditions": TwinningForm(("dimension", "note"), N_("The note could not be saved."), _note),
    "activities": TwinningForm(
        tuple(ActivityIn.model_fields), N_("The activity could not be added."), _activity
    ),
    "actions": TwinningForm(
        tuple(ActionIn.model_fields), N_("The action could not be added."), _action
    ),
    "outcomes": TwinningForm(OUTCOME_FIELDS, N_("The results could not be saved."), _outcomes),
}


@router.post("/twinnings/{twinning_id}/{part}", name="twinning_form")
def submit(
    request: Request,
    twinning_id: int,
    part: str,
    session: DbSession,
    models: Models,
    viewer: Staff,
    fields: Fields,
) -> Response:
    """Run the form's operation; on refusal show the page again with the error beside the
    field and the values as typed, else back to the form's section."""
    form = FORMS.get(part)
    if form is None:
        raise WebError(404, N_("This page does not exist."))
    values = {name: fields.get(name, "") for name in form.fields}
    call(lambda: twinning_for(session, twinning_id, viewer.staff, write=True))
    try:
        with api_rules(form.message):
            form.save(twinning_id, values, viewer.staff, session, models)
    except FormError as exc:
        session.rollback()
        twinning = call(lambda: twinning_for(session, twinning_id, viewer.staff))
        attempt = Attempt(part, exc, values)
        return _twinning_page(request, session, models, viewer, twinning, attempt, form.refused)
    return redirect(f"/twinnings/{twinning_id}", "saved", part)
