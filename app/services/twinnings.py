"""Twinnings between rows and the library: creation with a frozen rationale, and everything
computed on reading (local conditions, the effect after re-assessment, the facts the status
rules look at, the report). The routers and the demo both create twinnings through here.
Models come from the deployment's catalog (``models``), as for rounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth import Principal
from app.problems import ApiProblem
from app.schemas_twinning import (
    TEXT_FIELDS,
    ActionOut,
    ActivityOut,
    LinkedTwinning,
    ProgrammeOut,
)
from app.services.profiles import region_names, round_profile
from app.store import current_rounds, get_or_404, published_rounds
from app.tables import AssessmentRound, Region, Role, RoundStatus, utcnow
from app.tables_matching import PAIR_FIGURES, GoodPracticeRow, MatchingPairRow, MatchingRun
from app.tables_twinning import (
    ActionRow,
    ActivityLink,
    ConditionNote,
    Twinning,
    TwinningActivity,
    TwinningParticipant,
)
from assessment import (
    AssessmentError,
    GoodPractice,
    MaturityModel,
    ModelCatalog,
    ModelRef,
    Profile,
)
from assessment.twinning import (
    ActionItem,
    ActionStatus,
    Activity,
    ActivityFormat,
    ActivityKind,
    ChallengeCategory,
    ConditionParams,
    LocalConditions,
    MatchedPair,
    MatchEvidence,
    Outcomes,
    Participant,
    ParticipantSide,
    ProgrammeEntry,
    Rationale,
    TransitionCheck,
    TwinningEffect,
    TwinningFacts,
    TwinningReport,
    TwinningStatus,
    TwinningType,
    build_twinning_report,
    check_focus,
    is_overdue,
    local_conditions,
    next_steps,
    programme_view,
    twinning_effect,
    twinning_rationale,
)

OUTCOME_FIELDS = tuple(Outcomes.model_fields)


# --- access -------------------------------------------------------------------------------


def can_read(principal: Principal, twinning: Twinning) -> bool:
    """Coordinators and admins read every twinning; members of either region read theirs."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return principal.region_id in (twinning.receiving_region_id, twinning.transferring_region_id)


def can_write(principal: Principal, twinning: Twinning) -> bool:
    """Coordinators, admins and the two regions' facilitators; a stakeholder's key reads only
    (it exists to rate, and the plan is the facilitators' to keep)."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return can_read(principal, twinning) and principal.stakeholder_id is None


def twinning_for(
    session: Session, twinning_id: int, principal: Principal, *, write: bool = False
) -> Twinning:
    """The twinning, or 404 naming ``path.twinning_id``, or 403 outside the caller's rights."""
    twinning = get_or_404(session, Twinning, twinning_id, "path.twinning_id")
    if not can_read(principal, twinning):
        raise ApiProblem(403, f"this key cannot read twinning {twinning_id}")
    if write and not can_write(principal, twinning):
        raise ApiProblem(
            403,
            f"only a coordinator, an admin or a facilitator key of the two regions may change "
            f"twinning {twinning_id}",
        )
    return twinning


def visible_to(query: SelectOfScalar[Twinning], principal: Principal) -> SelectOfScalar[Twinning]:
    """``query`` narrowed to the twinnings the key may read (all for coordinators, admins)."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return query
    return query.where(
        (Twinning.receiving_region_id == principal.region_id)
        | (Twinning.transferring_region_id == principal.region_id)
    )


def region_twinnings(session: Session, region_id: int) -> Sequence[Twinning]:
    """The twinnings a region takes part in, receiving or transferring; oldest first."""
    return session.exec(
        select(Twinning)
        .where(
            (Twinning.receiving_region_id == region_id)
            | (Twinning.transferring_region_id == region_id)
        )
        .order_by(col(Twinning.id))
    ).all()


def check_dates(start: dt.date | None, end: dt.date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise ApiProblem(422, "the end date is before the start date", field=field)


# --- creation -----------------------------------------------------------------------------


def twinning_model(models: ModelCatalog, twinning: Twinning) -> MaturityModel:
    return models.find(twinning.model_id, twinning.model_version)


def baseline_round(
    session: Session,
    region_id: int,
    model: MaturityModel,
    round_id: int | None,
    where: str,
    side: str,
) -> AssessmentRound:
    """The round a twinning starts from: ``round_id`` when given (published, of the region
    and the model), otherwise the region's current round on the model, as matching reads it
    (``current_rounds``). Errors name ``<where>.<side>_round_id`` or
    ``<where>.<side>_region_id``."""
    if round_id is None:
        current = current_rounds(published_rounds(session, region_id), model).get(region_id)
        if current is None:
            raise ApiProblem(
                409,
                f"region {region_id} has no current published round on {model.id} "
                f"{model.version} (none, or a newer version of the model superseded it): a "
                "twinning's rationale needs both regions' profiles",
                field=f"{where}.{side}_region_id",
            )
        return current
    field = f"{where}.{side}_round_id"
    round_ = get_or_404(session, AssessmentRound, round_id, field)
    if round_.region_id != region_id:
        raise ApiProblem(422, f"round {round_id} is not a round of region {region_id}", field=field)
    if round_.status != RoundStatus.PUBLISHED.value:
        raise ApiProblem(409, f"round {round_id} is {round_.status}, not published", field=field)
    _ensure_on_model(f"round {round_id}", round_.model_id, round_.model_version, model, field)
    return round_


def _ensure_on_model(
    what: str, model_id: str, version: str, model: MaturityModel, field: str
) -> None:
    """422 at ``field`` unless ``what`` (a round, a practice) is on the twinning's model."""
    if (model_id, version) != (model.id, model.version):
        raise ApiProblem(
            422,
            f"{what} is on {model_id} {version}, the twinning on {model.id} {model.version}",
            field=field,
        )


def pair_evidence(session: Session, pair: MatchingPairRow) -> MatchEvidence:
    """The stored pair of a matching run, as the rationale keeps it."""
    names = region_names(session, (pair.receiving_region_id, pair.transferring_region_id))
    proposal = MatchedPair(
        receiving=names[pair.receiving_region_id],
        transferring=names[pair.transferring_region_id],
        **{figure: getattr(pair, figure) for figure in PAIR_FIGURES},
    )
    return MatchEvidence(source="matching_run", run_id=pair.run_id, pair_id=pair.id, pair=proposal)


def practice_row(
    session: Session, practice_id: int, model: MaturityModel, field: str
) -> GoodPracticeRow:
    row = get_or_404(session, GoodPracticeRow, practice_id, field)
    _ensure_on_model(f"practice {practice_id}", row.model_id, row.model_version, model, field)
    return row


@dataclass
class NewTwinning:
    """What a twinning is created from (the request, or the demo)."""

    receiving_region_id: int
    transferring_region_id: int
    model: MaturityModel
    focus: Sequence[str]
    type: TwinningType
    title: str | None = None
    aim: str = ""
    practice_id: int | None = None
    pair: MatchingPairRow | None = None
    receiving_round_id: int | None = None
    transferring_round_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    created_by: int | None = None
    where: str = "body"


def store_twinning(session: Session, models: ModelCatalog, new: NewTwinning) -> Twinning:
    """Check the request against the stored rounds, compute the rationale and store it.

    Errors name the request fields (``body.focus.1``, ``body.receiving_round_id``...).
    """
    here = new.where
    if new.receiving_region_id == new.transferring_region_id:
        raise ApiProblem(
            422, "a region cannot twin with itself", field=f"{here}.transferring_region_id"
        )
    get_or_404(session, Region, new.receiving_region_id, f"{here}.receiving_region_id")
    get_or_404(session, Region, new.transferring_region_id, f"{here}.transferring_region_id")
    model = new.model
    try:
        focus = check_focus(model, new.type, new.focus)
    except AssessmentError as exc:
        raise exc.within(here) from None
    check_dates(new.start_date, new.end_date, f"{here}.end_date")
    if new.practice_id is not None:
        practice_row(session, new.practice_id, model, f"{here}.practice_id")
    if new.pair is not None:
        _ensure_pair_free(session, new.pair, f"{here}.matching_pair_id")
    receiving_round = baseline_round(
        session, new.receiving_region_id, model, new.receiving_round_id, here, "receiving"
    )
    transferring_round = baseline_round(
        session, new.transferring_region_id, model, new.transferring_round_id, here, "transferring"
    )
    receiving = round_profile(session, models, receiving_round)
    transferring = round_profile(session, models, transferring_round)
    evidence = {}
    if new.pair is not None:
        evidence[new.pair.dimension] = pair_evidence(session, new.pair)
    rationale = twinning_rationale(model, receiving, transferring, focus, evidence=evidence)
    names = ", ".join(model.dimension(key).name for key in focus)
    title = new.title or f"{receiving.region} and {transferring.region}: {names}"
    twinning = Twinning(
        title=title[:200],
        aim=new.aim,
        type=new.type.value,
        model_id=model.id,
        model_version=model.version,
        receiving_region_id=new.receiving_region_id,
        transferring_region_id=new.transferring_region_id,
        receiving_round_id=receiving_round.id or 0,
        transferring_round_id=transferring_round.id or 0,
        focus=list(focus),
        practice_id=new.practice_id,
        matching_pair_id=None if new.pair is None else new.pair.id,
        rationale=rationale.model_dump(mode="json"),
        start_date=new.start_date,
        end_date=new.end_date,
        created_by=new.created_by,
    )
    session.add(twinning)
    session.flush()
    return twinning


def matching_pair(
    session: Session, pair_id: int, field: str
) -> tuple[MatchingPairRow, MatchingRun]:
    """A stored pair of a matching run, with its run."""
    pair = get_or_404(session, MatchingPairRow, pair_id, field)
    return pair, get_or_404(session, MatchingRun, pair.run_id, field)


def twinnings_by_pair(session: Session, pair_ids: Sequence[int]) -> dict[int, int]:
    """Which of the pairs a twinning started from: pair id -> twinning id."""
    rows = session.exec(
        select(Twinning.matching_pair_id, Twinning.id).where(
            col(Twinning.matching_pair_id).in_(pair_ids)
        )
    ).all()
    return {pair: twinning for pair, twinning in rows if pair is not None and twinning is not None}


def _ensure_pair_free(session: Session, pair: MatchingPairRow, field: str) -> None:
    """A twinning starts from a pair a coordinator approved, and only one from each."""
    if pair.status != "approved":
        raise ApiProblem(
            409,
            f"pair {pair.id} is {pair.status}: a twinning starts from an approved pair",
            field=field,
        )
    taken = session.exec(select(Twinning.id).where(Twinning.matching_pair_id == pair.id)).first()
    if taken is not None:
        raise ApiProblem(
            409, f"twinning {taken} was created from pair {pair.id} already", field=field
        )


# --- computed on reading ------------------------------------------------------------------


class Profiles:
    """Round profiles read once per request (programme views read many twinnings), and the
    twinnings' models from the deployment's catalog."""

    def __init__(self, session: Session, models: ModelCatalog) -> None:
        self.session = session
        self.models = models
        self._profiles: dict[int, Profile] = {}
        self._published: dict[int, Sequence[AssessmentRound]] = {}

    def of(self, round_id: int) -> Profile:
        if round_id not in self._profiles:
            round_ = get_or_404(self.session, AssessmentRound, round_id, "round_id")
            self._profiles[round_id] = round_profile(self.session, self.models, round_)
        return self._profiles[round_id]

    def follow_up_round(self, twinning: Twinning) -> AssessmentRound | None:
        """The receiving region's latest published round on the twinning's model (any of its
        versions) published after the baseline round; None before there is one."""
        region = twinning.receiving_region_id
        if region not in self._published:
            self._published[region] = published_rounds(self.session, region)
        rounds = self._published[region]
        ids = [r.id for r in rounds]
        if twinning.receiving_round_id not in ids:
            return None
        later = rounds[ids.index(twinning.receiving_round_id) + 1 :]
        later = [r for r in later if r.model_id == twinning.model_id]
        return later[-1] if later else None


def rationale_of(twinning: Twinning) -> Rationale:
    return Rationale.model_validate(twinning.rationale)


def practice_of(session: Session, twinning: Twinning) -> tuple[GoodPractice | None, str | None]:
    """The attached practice as the library's object, and the name of its region."""
    if twinning.practice_id is None:
        return None, None
    row = session.get(GoodPracticeRow, twinning.practice_id)
    if row is None:
        return None, None
    region = session.get(Region, row.transferring_region_id) if row.transferring_region_id else None
    practice = GoodPractice(
        id=str(row.id),
        name=row.name,
        description=row.description,
        transferring_region=region.name if region else None,
        requirements=row.requirements,
    )
    return practice, practice.transferring_region


def conditions_of(
    session: Session,
    profiles: Profiles,
    twinning: Twinning,
    params: ConditionParams | None = None,
) -> LocalConditions:
    practice, _ = practice_of(session, twinning)
    return local_conditions(
        twinning_model(profiles.models, twinning),
        profiles.of(twinning.receiving_round_id),
        profiles.of(twinning.transferring_round_id),
        twinning.focus,
        practice=practice,
        params=params,
    )


def condition_notes(session: Session, twinning_id: int) -> dict[str, str]:
    rows = session.exec(
        select(ConditionNote)
        .where(ConditionNote.twinning_id == twinning_id)
        .order_by(col(ConditionNote.id))
    ).all()
    return {row.dimension: row.note for row in rows}


@dataclass(frozen=True)
class Effect:
    follow_up_round_id: int | None
    effect: TwinningEffect | None


def effect_of(profiles: Profiles, twinning: Twinning) -> Effect:
    later = profiles.follow_up_round(twinning)
    if later is None or later.id is None:
        return Effect(None, None)
    effect = twinning_effect(
        twinning_model(profiles.models, twinning),
        profiles.of(twinning.receiving_round_id),
        profiles.of(later.id),
        twinning.focus,
    )
    return Effect(later.id, effect)


def participants_of(session: Session, twinning_id: int | None) -> Sequence[TwinningParticipant]:
    return session.exec(
        select(TwinningParticipant)
        .where(TwinningParticipant.twinning_id == twinning_id)
        .order_by(col(TwinningParticipant.id))
    ).all()


def activities_of(session: Session, twinning_id: int | None) -> Sequence[TwinningActivity]:
    """Activities linked to the twinning, by date (undated last), then id."""
    rows = session.exec(
        select(TwinningActivity)
        .join(ActivityLink, col(ActivityLink.activity_id) == TwinningActivity.id)
        .where(ActivityLink.twinning_id == twinning_id)
        .order_by(col(TwinningActivity.id))
    ).all()
    return sorted(rows, key=lambda a: (a.date is None, a.date or dt.date.min, a.id or 0))


def linked_twinnings(session: Session, activity_id: int | None) -> Sequence[Twinning]:
    return session.exec(
        select(Twinning)
        .join(ActivityLink, col(ActivityLink.twinning_id) == Twinning.id)
        .where(ActivityLink.activity_id == activity_id)
        .order_by(col(Twinning.id))
    ).all()


def actions_of(session: Session, twinning_id: int | None) -> Sequence[ActionRow]:
    return session.exec(
        select(ActionRow).where(ActionRow.twinning_id == twinning_id).order_by(col(ActionRow.id))
    ).all()


def action_item(row: ActionRow) -> ActionItem:
    return ActionItem(
        title=row.title,
        category=ChallengeCategory(row.category) if row.category else None,
        dimension=row.dimension,
        current_situation=row.current_situation,
        desired_situation=row.desired_situation,
        outcomes=row.outcomes,
        activities=row.activities,
        resources=row.resources,
        owner=row.owner,
        due_date=row.due_date,
        status=ActionStatus(row.status),
    )


def outcomes_of(twinning: Twinning) -> Outcomes:
    return Outcomes(**{name: getattr(twinning, name) for name in OUTCOME_FIELDS})


def facts_of(
    session: Session, profiles: Profiles, twinning: Twinning, today: dt.date
) -> TwinningFacts:
    """What the status rules need to know, counted from the records."""
    people = participants_of(session, twinning.id)
    return TwinningFacts(
        receiving_participants=sum(p.side == ParticipantSide.RECEIVING for p in people),
        transferring_participants=sum(p.side == ParticipantSide.TRANSFERRING for p in people),
        activities_held=sum(
            a.date is not None and a.date <= today for a in activities_of(session, twinning.id)
        ),
        action_items=len(actions_of(session, twinning.id)),
        results_at_conclusion=bool(twinning.results_at_conclusion.strip()),
        follow_up_round=profiles.follow_up_round(twinning) is not None,
        results_after_6_or_12_months=bool(
            twinning.results_after_6_months.strip() or twinning.results_after_12_months.strip()
        ),
    )


def next_moves(
    session: Session, models: ModelCatalog, twinning: Twinning, today: dt.date
) -> tuple[TransitionCheck, ...]:
    """Every status the twinning may move to from where it is, with what each move needs."""
    facts = facts_of(session, Profiles(session, models), twinning, today)
    return next_steps(TwinningStatus(twinning.status), facts)


def programme_of(
    session: Session,
    models: ModelCatalog,
    model_id: str | None = None,
    status: TwinningStatus | None = None,
) -> ProgrammeOut:
    """Every twinning (on ``model_id``, in ``status``) with the effect measured after its
    receiving region re-assessed, and the programme's totals."""
    query = select(Twinning).order_by(col(Twinning.id))
    if model_id is not None:
        query = query.where(Twinning.model_id == model_id)
    if status is not None:
        query = query.where(Twinning.status == status.value)
    profiles = Profiles(session, models)
    entries = []
    for row in session.exec(query).all():
        rationale = rationale_of(row)
        entries.append(
            ProgrammeEntry(
                id=row.id or 0,
                title=row.title,
                receiving=rationale.receiving_region,
                transferring=rationale.transferring_region,
                type=TwinningType(row.type),
                status=TwinningStatus(row.status),
                model=ModelRef(id=row.model_id, version=row.model_version),
                focus=tuple(row.focus),
                effect=effect_of(profiles, row).effect,
            )
        )
    return ProgrammeOut(view=programme_view(entries), twinning_ids=[e.id for e in entries])


def activity_record(session: Session, row: TwinningActivity, twinning_id: int | None) -> Activity:
    others = [t.title for t in linked_twinnings(session, row.id) if t.id != twinning_id]
    return Activity(
        kind=ActivityKind(row.kind),
        title=row.title,
        date=row.date,
        format=ActivityFormat(row.format),
        host=row.host,
        location=row.location,
        participants=tuple(row.participants),
        notes=row.notes,
        outcomes=row.outcomes,
        shared_with=tuple(others),
    )


def report_of(
    session: Session,
    models: ModelCatalog,
    twinning: Twinning,
    today: dt.date,
    language: str | None = None,
) -> TwinningReport:
    """The report of a twinning, in ``language`` (default: the model's own)."""
    profiles = Profiles(session, models)
    model = twinning_model(models, twinning)
    practice, practice_region = practice_of(session, twinning)
    later = profiles.follow_up_round(twinning)
    return build_twinning_report(
        model,
        title=twinning.title,
        aim=twinning.aim,
        type=TwinningType(twinning.type),
        status=TwinningStatus(twinning.status),
        rationale=rationale_of(twinning),
        receiving=profiles.of(twinning.receiving_round_id),
        transferring=profiles.of(twinning.transferring_round_id),
        follow_up=None if later is None or later.id is None else profiles.of(later.id),
        practice=practice,
        practice_region=practice_region,
        participants=[
            Participant(
                name=p.name, role=p.role, side=ParticipantSide(p.side), organisation=p.organisation
            )
            for p in participants_of(session, twinning.id)
        ],
        activities=[
            activity_record(session, a, twinning.id) for a in activities_of(session, twinning.id)
        ],
        action_plan=[action_item(row) for row in actions_of(session, twinning.id)],
        outcomes=outcomes_of(twinning),
        conditions_note=twinning.conditions_note,
        condition_notes=condition_notes(session, twinning.id or 0),
        start_date=twinning.start_date,
        end_date=twinning.end_date,
        today=today,
        language=language,
    )


# --- request helpers shared by the twinning routers ---------------------------------------


def utc_today() -> dt.date:
    """Today in UTC: due dates and held activities are judged against it."""
    return dt.datetime.now(dt.UTC).date()


def activity_out(session: Session, row: TwinningActivity) -> ActivityOut:
    return ActivityOut.model_validate(
        {
            **row.model_dump(),
            "twinnings": [
                LinkedTwinning(id=t.id or 0, title=t.title)
                for t in linked_twinnings(session, row.id)
            ],
        }
    )


def action_out(row: ActionRow, today: dt.date) -> ActionOut:
    return ActionOut.model_validate(
        {**row.model_dump(), "overdue": is_overdue(action_item(row), today)}
    )


def save(session: Session, *rows: Any) -> None:
    """Stamp ``updated_at`` where rows have one, and commit."""
    for row in rows:
        if hasattr(row, "updated_at"):
            row.updated_at = utcnow()
        session.add(row)
    session.commit()


def patch_changes(body: BaseModel, *required: str) -> dict[str, Any]:
    """The fields a PATCH sent: null is refused for ``required`` ones (422 naming the field)
    and clears free text (stored as "") and lists."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is not None:
            continue
        if name in required:
            raise ApiProblem(422, f"{name} cannot be null", field=f"body.{name}")
        if name in TEXT_FIELDS:
            changes[name] = ""
        elif name == "participants":
            changes[name] = []
    return changes


def apply_changes(row: Any, changes: dict[str, Any]) -> None:
    """Set the fields on the row, enums as their values."""
    for name, value in changes.items():
        setattr(row, name, value.value if hasattr(value, "value") else value)
