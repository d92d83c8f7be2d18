"""Twinnings over HTTP: the project an approved pair runs after the match.

A coordinator creates a twinning from an approved pair of a matching run (or directly); its
rationale is computed then and stored as it was. The two regions' facilitators and the
coordinators keep it up to date: participants, notes on the local conditions, activities
(shared between twinnings where an event joined several), the action plan and the outcomes.
Local conditions, the effect after re-assessment, the programme view and the report are
computed when read (``assessment.twinning``; README, "Twinning after the match").

Access: coordinators and admins read and change every twinning; members of the receiving or
transferring region read theirs, and their facilitators (keys not bound to a stakeholder)
change it; stakeholders' keys read only. Others get 403, requests without a key 401.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, col, select

from app.deps import CoordinatorDep, ModelsDep, PageDep, PrincipalDep, SessionDep
from app.language import Language, language_headers
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, Page
from app.schemas_twinning import (
    ConditionsOut,
    EffectOut,
    NoteIn,
    OutcomesUpdate,
    ParticipantIn,
    ParticipantOut,
    ParticipantUpdate,
    ProgrammeOut,
    TransitionIn,
    TwinningCreate,
    TwinningDetail,
    TwinningOut,
    TwinningUpdate,
)
from app.services.twinnings import (
    NewTwinning,
    Profiles,
    action_item,
    action_out,
    actions_of,
    activities_of,
    activity_out,
    apply_changes,
    check_dates,
    condition_notes,
    conditions_of,
    effect_of,
    facts_of,
    linked_twinnings,
    matching_pair,
    next_moves,
    outcomes_of,
    participants_of,
    patch_changes,
    practice_row,
    programme_of,
    rationale_of,
    report_of,
    save,
    store_twinning,
    twinning_for,
    twinning_model,
    utc_today,
    visible_to,
)
from app.store import resolve_model
from app.tables_twinning import (
    ActivityLink,
    ConditionNote,
    Twinning,
    TwinningParticipant,
)
from app.text import name_key
from assessment import AssessmentError, ModelCatalog, ModelRef
from assessment.twinning import (
    ConditionParams,
    Outcomes,
    ParticipantSide,
    TwinningReport,
    TwinningStatus,
    TwinningType,
    check_focus,
    check_transition,
    render_twinning_report,
    summarise_plan,
)

router = APIRouter(
    route_class=ApiRoute, tags=["twinnings"], responses=problem_responses(400, 401, 403, 404, 422)
)


# --- helpers --------------------------------------------------------------------------------


def _twinning_out(row: Twinning) -> TwinningOut:
    return TwinningOut.model_validate(
        {
            **row.model_dump(exclude={"model_id", "model_version", "rationale"}),
            "model": ModelRef(id=row.model_id, version=row.model_version),
        }
    )


def _conditions_out(
    session: Session,
    profiles: Profiles,
    twinning: Twinning,
    params: ConditionParams | None = None,
) -> ConditionsOut:
    assert twinning.id is not None
    return ConditionsOut(
        twinning_id=twinning.id,
        conditions=conditions_of(session, profiles, twinning, params),
        conditions_note=twinning.conditions_note,
        notes=condition_notes(session, twinning.id),
    )


def _effect_out(profiles: Profiles, twinning: Twinning) -> EffectOut:
    assert twinning.id is not None
    found = effect_of(profiles, twinning)
    return EffectOut(
        twinning_id=twinning.id,
        baseline_round_id=twinning.receiving_round_id,
        follow_up_round_id=found.follow_up_round_id,
        effect=found.effect,
    )


def _detail(session: Session, models: ModelCatalog, twinning: Twinning) -> TwinningDetail:
    today = utc_today()
    profiles = Profiles(session, models)
    actions = actions_of(session, twinning.id)
    return TwinningDetail(
        **_twinning_out(twinning).model_dump(),
        rationale=rationale_of(twinning),
        conditions=_conditions_out(session, profiles, twinning),
        participants=[
            ParticipantOut.model_validate(p) for p in participants_of(session, twinning.id)
        ],
        activities=[activity_out(session, a) for a in activities_of(session, twinning.id)],
        action_plan=[action_out(row, today) for row in actions],
        action_summary=summarise_plan(
            twinning_model(models, twinning), [action_item(row) for row in actions], today
        ),
        outcomes=outcomes_of(twinning),
        effect=_effect_out(profiles, twinning),
        next_steps=list(next_moves(session, models, twinning, today)),
    )


# --- twinnings ------------------------------------------------------------------------------


@router.get(
    "/twinnings/programme",
    response_model=ProgrammeOut,
    summary="Programme view: every twinning with its measured effect (coordinator or admin)",
)
def get_twinning_programme(
    _: CoordinatorDep,
    session: SessionDep,
    models: ModelsDep,
    model_id: str | None = Query(None, description="only twinnings on this model"),
    status: TwinningStatus | None = None,
) -> ProgrammeOut:
    """For a dashboard: counts by status and type, how many receiving regions re-assessed,
    the verdicts on their focus dimensions and the mean changes, per twinning and per focus
    dimension."""
    return programme_of(session, models, model_id, status)


@router.post(
    "/twinnings",
    response_model=TwinningDetail,
    status_code=201,
    summary="Start a twinning from an approved pair, or directly (coordinator or admin)",
    responses=problem_responses(409),
)
def create_twinning(
    body: TwinningCreate,
    principal: CoordinatorDep,
    session: SessionDep,
    models: ModelsDep,
) -> TwinningDetail:
    """The rationale is computed now from both regions' baseline rounds (by default their
    latest published rounds on the model) and stored as it is. From a pair: 409 unless the
    pair is approved and no twinning uses it yet."""
    pair = None
    if body.matching_pair_id is not None:
        pair, run = matching_pair(session, body.matching_pair_id, "body.matching_pair_id")
        for name, given, expected in (
            ("receiving_region_id", body.receiving_region_id, pair.receiving_region_id),
            ("transferring_region_id", body.transferring_region_id, pair.transferring_region_id),
            ("model_id", body.model_id, run.model_id),
            ("model_version", body.model_version, run.model_version),
        ):
            if given is not None and given != expected:
                raise ApiProblem(
                    422, f"the pair gives {name} {expected}, not {given}", field=f"body.{name}"
                )
        model = resolve_model(models, run.model_id, run.model_version, "body.matching_pair_id")
        focus = body.focus or [pair.dimension]
        if pair.dimension not in focus:
            raise ApiProblem(
                422,
                f"the focus must include the pair's dimension {pair.dimension!r}",
                field="body.focus",
            )
        receiving, transferring = pair.receiving_region_id, pair.transferring_region_id
    else:
        if body.receiving_region_id is None:
            raise ApiProblem(
                422, "give a matching_pair_id, or both regions", field="body.receiving_region_id"
            )
        if body.transferring_region_id is None:
            raise ApiProblem(
                422, "give a matching_pair_id, or both regions", field="body.transferring_region_id"
            )
        if not body.focus:
            raise ApiProblem(422, "give at least one focus dimension", field="body.focus")
        model = resolve_model(models, body.model_id, body.model_version, "body.model_id")
        focus = body.focus
        receiving, transferring = body.receiving_region_id, body.transferring_region_id
    kind = body.type or (TwinningType.TRANSFER if len(focus) == 1 else TwinningType.COACHING)
    twinning = store_twinning(
        session,
        models,
        NewTwinning(
            receiving_region_id=receiving,
            transferring_region_id=transferring,
            model=model,
            focus=focus,
            type=kind,
            title=body.title,
            aim=body.aim,
            practice_id=body.practice_id,
            pair=pair,
            receiving_round_id=body.receiving_round_id,
            transferring_round_id=body.transferring_round_id,
            start_date=body.start_date,
            end_date=body.end_date,
            created_by=principal.key_id,
        ),
    )
    session.commit()
    return _detail(session, models, twinning)


@router.get("/twinnings", response_model=Page[TwinningOut], summary="Twinnings the key may read")
def list_twinnings(
    principal: PrincipalDep,
    session: SessionDep,
    params: PageDep,
    status: TwinningStatus | None = None,
    region_id: Id | None = Query(None, description="receiving or transferring region"),
    model_id: str | None = None,
    type: TwinningType | None = None,
) -> Page[TwinningOut]:
    """Coordinators and admins see all, members their regions' twinnings; oldest first."""
    query = visible_to(select(Twinning).order_by(col(Twinning.id)), principal)
    if status is not None:
        query = query.where(Twinning.status == status.value)
    if region_id is not None:
        query = query.where(
            (Twinning.receiving_region_id == region_id)
            | (Twinning.transferring_region_id == region_id)
        )
    if model_id is not None:
        query = query.where(Twinning.model_id == model_id)
    if type is not None:
        query = query.where(Twinning.type == type.value)
    page = paginate(session, query, params)
    return Page[TwinningOut](
        items=[_twinning_out(row) for row in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/twinnings/{twinning_id}",
    response_model=TwinningDetail,
    summary="A twinning with its rationale, conditions, plan, outcomes and effect",
)
def get_twinning(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> TwinningDetail:
    return _detail(session, models, twinning_for(session, twinning_id, principal))


@router.patch(
    "/twinnings/{twinning_id}",
    response_model=TwinningDetail,
    summary="Change the title, aim, type, practice, dates or the conditions note",
)
def update_twinning(
    twinning_id: Id,
    body: TwinningUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> TwinningDetail:
    """Regions, focus, baseline and rationale are fixed at creation."""
    twinning = twinning_for(session, twinning_id, principal, write=True)
    changes = patch_changes(body, "title", "type")
    if "type" in changes:
        try:
            check_focus(twinning_model(models, twinning), changes["type"], twinning.focus)
        except AssessmentError as exc:
            raise ApiProblem(
                422, f"{exc.message} (the focus is {', '.join(twinning.focus)})", field="body.type"
            ) from None
    if changes.get("practice_id") is not None:
        model = twinning_model(models, twinning)
        practice_row(session, changes["practice_id"], model, "body.practice_id")
    check_dates(
        changes.get("start_date", twinning.start_date),
        changes.get("end_date", twinning.end_date),
        "body.end_date",
    )
    apply_changes(twinning, changes)
    save(session, twinning)
    return _detail(session, models, twinning)


@router.delete(
    "/twinnings/{twinning_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a planned twinning (coordinator or admin)",
    responses=problem_responses(409),
)
def delete_twinning(
    twinning_id: Id,
    principal: CoordinatorDep,
    session: SessionDep,
) -> Response:
    """Only while planned: a twinning that ran is part of the programme's record. Activities
    no other twinning shares go with it."""
    twinning = twinning_for(session, twinning_id, principal, write=True)
    if twinning.status != TwinningStatus.PLANNED.value:
        raise ApiProblem(
            409,
            f"twinning {twinning_id} is {twinning.status}; only planned twinnings are deleted",
            field="path.twinning_id",
        )
    activities = activities_of(session, twinning_id)
    for row in (*participants_of(session, twinning_id), *actions_of(session, twinning_id)):
        session.delete(row)
    for note in session.exec(
        select(ConditionNote).where(ConditionNote.twinning_id == twinning_id)
    ).all():
        session.delete(note)
    for link in session.exec(
        select(ActivityLink).where(ActivityLink.twinning_id == twinning_id)
    ).all():
        session.delete(link)
    session.flush()
    for activity in activities:
        if not linked_twinnings(session, activity.id):
            session.delete(activity)
    session.delete(twinning)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/twinnings/{twinning_id}/transitions",
    response_model=TwinningDetail,
    summary="Move a twinning: planned -> running -> concluded -> followed_up",
    responses=problem_responses(409),
)
def transition_twinning(
    twinning_id: Id,
    body: TransitionIn,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> TwinningDetail:
    """``running`` needs participants from both regions (the start date defaults to today);
    ``concluded`` an activity held, an action plan and the results at conclusion (the end
    date defaults to today); ``followed_up`` a later published round of the receiving region
    and the results after 6 or 12 months. ``concluded -> running`` reopens. Anything else, or
    a move whose needs are not met, is 409 listing what is missing."""
    twinning = twinning_for(session, twinning_id, principal, write=True)
    today = utc_today()
    current = TwinningStatus(twinning.status)
    facts = facts_of(session, Profiles(session, models), twinning, today)
    check = check_transition(current, body.status, facts)
    if not check.allowed:
        missing = "; ".join(r.message for r in check.missing)
        raise ApiProblem(
            409,
            f"twinning {twinning_id} cannot move from {current.value} to "
            f"{body.status.value}: {missing}",
            field="body.status",
        )
    if body.status is TwinningStatus.RUNNING and twinning.start_date is None:
        twinning.start_date = today
    if body.status is TwinningStatus.CONCLUDED and twinning.end_date is None:
        twinning.end_date = max(today, twinning.start_date or today)
    twinning.status = body.status.value
    save(session, twinning)
    return _detail(session, models, twinning)


# --- participants ---------------------------------------------------------------------------


def _check_participant_name(session: Session, twinning_id: int, name: str, own: int | None) -> None:
    """One person once per twinning: names are compared by ``name_key`` (any case, spacing
    or Unicode form)."""
    clash = session.exec(
        select(TwinningParticipant).where(
            TwinningParticipant.twinning_id == twinning_id,
            TwinningParticipant.name_key == name_key(name),
        )
    ).first()
    if clash is not None and clash.id != own:
        raise ApiProblem(
            409, f"{clash.name!r} takes part in this twinning already", field="body.name"
        )


def _participant(session: Session, twinning: Twinning, participant_id: int) -> TwinningParticipant:
    row = session.get(TwinningParticipant, participant_id)
    if row is None or row.twinning_id != twinning.id:
        raise ApiProblem(
            404,
            f"twinning {twinning.id} has no participant {participant_id}",
            field="path.participant_id",
        )
    return row


@router.get(
    "/twinnings/{twinning_id}/participants",
    response_model=Page[ParticipantOut],
    summary="People taking part, from both regions and outside",
)
def list_twinning_participants(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    params: PageDep,
    side: ParticipantSide | None = None,
) -> Page[TwinningParticipant]:
    twinning_for(session, twinning_id, principal)
    query = select(TwinningParticipant).where(TwinningParticipant.twinning_id == twinning_id)
    if side is not None:
        query = query.where(TwinningParticipant.side == side.value)
    return paginate(session, query.order_by(col(TwinningParticipant.id)), params)


@router.post(
    "/twinnings/{twinning_id}/participants",
    response_model=ParticipantOut,
    status_code=201,
    summary="Add a participant (no account needed)",
    responses=problem_responses(409),
)
def create_twinning_participant(
    twinning_id: Id,
    body: ParticipantIn,
    principal: PrincipalDep,
    session: SessionDep,
) -> TwinningParticipant:
    twinning_for(session, twinning_id, principal, write=True)
    _check_participant_name(session, twinning_id, body.name, None)
    row = TwinningParticipant(twinning_id=twinning_id, **body.model_dump(mode="json"))
    save(session, row)
    return row


@router.patch(
    "/twinnings/{twinning_id}/participants/{participant_id}",
    response_model=ParticipantOut,
    summary="Change a participant",
    responses=problem_responses(409),
)
def update_twinning_participant(
    twinning_id: Id,
    participant_id: Id,
    body: ParticipantUpdate,
    principal: PrincipalDep,
    session: SessionDep,
) -> TwinningParticipant:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    row = _participant(session, twinning, participant_id)
    if body.name is not None:
        _check_participant_name(session, twinning_id, body.name, participant_id)
    apply_changes(row, patch_changes(body, "name", "side"))
    save(session, row)
    return row


@router.delete(
    "/twinnings/{twinning_id}/participants/{participant_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a participant",
)
def delete_twinning_participant(
    twinning_id: Id,
    participant_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    session.delete(_participant(session, twinning, participant_id))
    session.commit()
    return Response(status_code=204)


# --- local conditions -----------------------------------------------------------------------


@router.get(
    "/twinnings/{twinning_id}/conditions",
    response_model=ConditionsOut,
    summary="Local conditions for adoption in the receiving region, with the teams' notes",
)
def get_twinning_conditions(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    behind_threshold: int | None = Query(
        None, description="points behind that count as well behind (default 2)"
    ),
    requirement_weight: float | None = Query(
        None, description="weight of a point short of the practice's requirement (default 2)"
    ),
) -> ConditionsOut:
    """Computed from the baseline rounds and the attached good practice (README, "Local
    conditions for adoption")."""
    twinning = twinning_for(session, twinning_id, principal)
    given = {"behind_threshold": behind_threshold, "requirement_weight": requirement_weight}
    try:
        params = ConditionParams(**{k: v for k, v in given.items() if v is not None})
    except AssessmentError as exc:
        raise exc.within("query") from None
    return _conditions_out(session, Profiles(session, models), twinning, params)


def _note(
    session: Session, models: ModelCatalog, twinning: Twinning, dimension: str
) -> ConditionNote | None:
    """The teams' note on ``dimension`` (a dimension of the twinning's model, else 422)."""
    twinning_model(models, twinning).index(dimension, ("path", "dimension"))
    return session.exec(
        select(ConditionNote).where(
            ConditionNote.twinning_id == twinning.id, ConditionNote.dimension == dimension
        )
    ).first()


@router.put(
    "/twinnings/{twinning_id}/conditions/{dimension}",
    response_model=ConditionsOut,
    summary="Set the teams' note on one dimension of the local conditions",
)
def put_condition_note(
    twinning_id: Id,
    dimension: str,
    body: NoteIn,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> ConditionsOut:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    row = _note(session, models, twinning, dimension) or ConditionNote(
        twinning_id=twinning_id, dimension=dimension, note=""
    )
    row.note = body.note
    save(session, row)
    return _conditions_out(session, Profiles(session, models), twinning)


@router.delete(
    "/twinnings/{twinning_id}/conditions/{dimension}",
    response_model=ConditionsOut,
    summary="Remove the note on one dimension",
)
def delete_condition_note(
    twinning_id: Id,
    dimension: str,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> ConditionsOut:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    row = _note(session, models, twinning, dimension)
    if row is None:
        raise ApiProblem(404, f"no note on {dimension!r}", field="path.dimension")
    session.delete(row)
    session.commit()
    return _conditions_out(session, Profiles(session, models), twinning)


# --- outcomes, effect, report ---------------------------------------------------------------


@router.get(
    "/twinnings/{twinning_id}/outcomes",
    response_model=Outcomes,
    summary="Expected and achieved results, deviations, lessons learned, sustainability",
)
def get_twinning_outcomes(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> Outcomes:
    return outcomes_of(twinning_for(session, twinning_id, principal))


@router.patch(
    "/twinnings/{twinning_id}/outcomes",
    response_model=Outcomes,
    summary="Record outcomes (fields left out keep their text; null clears one)",
)
def update_twinning_outcomes(
    twinning_id: Id,
    body: OutcomesUpdate,
    principal: PrincipalDep,
    session: SessionDep,
) -> Outcomes:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    apply_changes(twinning, patch_changes(body))
    save(session, twinning)
    return outcomes_of(twinning)


@router.get(
    "/twinnings/{twinning_id}/effect",
    response_model=EffectOut,
    summary="The receiving region's change on the focus and overall since the baseline",
)
def get_twinning_effect(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> EffectOut:
    """From the receiving region's latest round on the twinning's model published after the
    baseline round; ``effect`` is null until there is one."""
    twinning = twinning_for(session, twinning_id, principal)
    return _effect_out(Profiles(session, models), twinning)


REPORT_HEADERS = ("X-API-Key",)
"""What else a report answer varies with: the key (the report is private to its readers)."""


def _report_headers(language: str) -> dict[str, str]:
    """Private (never in a shared cache), revalidated, in ``language``."""
    return {"Cache-Control": "private, no-cache", **language_headers(language, REPORT_HEADERS)}


@router.get(
    "/twinnings/{twinning_id}/report.json",
    response_model=TwinningReport,
    summary="The twinning report as JSON (the HTML report's content)",
)
def get_twinning_report(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    language: Language,  # after the key: an unknown key is 401 whatever ?lang= says
    response: Response,
) -> TwinningReport:
    """Texts (dimension and level names, descriptors, sentences) in the asked language
    (``Accept-Language`` or ``?lang=``); keys (statuses, verdicts, dimension keys) as stored."""
    twinning = twinning_for(session, twinning_id, principal)
    response.headers.update(_report_headers(language))
    return report_of(session, models, twinning, utc_today(), language)


@router.get(
    "/twinnings/{twinning_id}/report.html",
    summary="The twinning report as one self-contained HTML page (print it to PDF)",
    response_class=Response,
    responses={200: {"description": "Self-contained HTML page", "content": {"text/html": {}}}},
)
def get_twinning_report_html(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    language: Language,  # after the key: an unknown key is 401 whatever ?lang= says
) -> Response:
    """In the asked language (``Accept-Language`` or ``?lang=``): headings, labels, numbers
    and dates the reader's way, the model's texts from its translation; what the teams wrote
    stays as they wrote it."""
    twinning = twinning_for(session, twinning_id, principal)
    report = report_of(session, models, twinning, utc_today(), language)
    return Response(
        render_twinning_report(report),
        media_type="text/html; charset=utf-8",
        headers=_report_headers(language),
    )
