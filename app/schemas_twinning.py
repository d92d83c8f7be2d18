"""Request and response bodies of the twinning endpoints (``app.routers.twinnings``).

Computed parts are the library's own models (``Rationale``, ``LocalConditions``,
``TwinningEffect``, ``ProgrammeView``, ``TwinningReport``...), so the API cannot drift from
what ``assessment.twinning`` computes.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import Id, UtcDatetime, _Out
from app.text import Name
from assessment import ModelRef
from assessment.twinning import (
    ActionPlanSummary,
    ActionStatus,
    ActivityFormat,
    ActivityKind,
    ChallengeCategory,
    LocalConditions,
    Outcomes,
    ParticipantSide,
    ProgrammeView,
    Rationale,
    TransitionCheck,
    TwinningEffect,
    TwinningStatus,
    TwinningType,
)

Text = Field(default="", max_length=20_000)
ShortText = Field(default="", max_length=200)
# Free-text fields a PATCH may clear with null (they are stored as "").
TEXT_FIELDS = frozenset(
    {
        "aim",
        "conditions_note",
        "role",
        "organisation",
        "host",
        "location",
        "notes",
        "outcomes",
        "current_situation",
        "desired_situation",
        "activities",
        "resources",
        "owner",
        *Outcomes.model_fields,
    }
)


class TwinningCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"matching_pair_id": 1, "aim": "Formalise our innovation process"},
                {
                    "receiving_region_id": 1,
                    "transferring_region_id": 2,
                    "focus": ["innovation_management"],
                    "type": "transfer",
                    "title": "Norrbotten learns innovation management from Scotland",
                },
            ]
        },
    )

    matching_pair_id: Id | None = Field(
        default=None,
        description="an approved pair of a matching run; it gives the regions, the model and "
        "the focus dimension",
    )
    receiving_region_id: Id | None = None
    transferring_region_id: Id | None = None
    model_id: str | None = Field(default=None, description="default: the shipped default model")
    model_version: str | None = None
    focus: list[str] | None = Field(
        default=None, max_length=50, description="dimension keys; a pair's dimension by default"
    )
    type: TwinningType | None = Field(
        default=None, description="default: transfer for one focus dimension, else coaching"
    )
    title: Name | None = None
    aim: str = Text
    practice_id: Id | None = Field(default=None, description="the good practice transferred")
    receiving_round_id: Id | None = Field(
        default=None, description="baseline round; default the latest published on the model"
    )
    transferring_round_id: Id | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class TwinningUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "end_date": "2025-06-30",
                    "conditions_note": "Both councils have mandated a procurement lead",
                }
            ]
        },
    )

    title: Name | None = None
    aim: str | None = Field(default=None, max_length=20_000)
    type: TwinningType | None = None
    practice_id: Id | None = Field(default=None, description="null detaches the practice")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    conditions_note: str | None = Field(default=None, max_length=20_000)


class TwinningOut(_Out):
    id: int
    title: str
    aim: str
    type: TwinningType
    status: TwinningStatus
    model: ModelRef
    receiving_region_id: Id
    transferring_region_id: Id
    receiving_round_id: Id
    transferring_round_id: Id
    focus: list[str]
    practice_id: Id | None
    matching_pair_id: Id | None
    start_date: dt.date | None
    end_date: dt.date | None
    conditions_note: str
    created_by: int | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ParticipantIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Lisa Lundgren", "role": "coordinator", "side": "receiving"}]
        },
    )

    name: Name
    role: str = Field(default="", max_length=100)
    side: ParticipantSide
    organisation: str = ShortText


class ParticipantUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "lead"}]})

    name: Name | None = None
    role: str | None = Field(default=None, max_length=100)
    side: ParticipantSide | None = None
    organisation: str | None = Field(default=None, max_length=200)


class ParticipantOut(_Out):
    id: int
    twinning_id: Id
    name: str
    role: str
    side: ParticipantSide
    organisation: str


class ActivityIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "workshop",
                    "title": "Workshop 1: challenges before a pilot",
                    "date": "2024-11-07",
                    "format": "in_person",
                    "host": "Lund municipality",
                }
            ]
        },
    )

    kind: ActivityKind
    title: Name
    date: dt.date | None = None
    format: ActivityFormat = ActivityFormat.IN_PERSON
    host: str = ShortText
    location: str = ShortText
    participants: list[str] = Field(default_factory=list, max_length=200)
    notes: str = Text
    outcomes: str = Text


class ActivityUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"outcomes": "Six areas prioritised"}]}
    )

    kind: ActivityKind | None = None
    title: Name | None = None
    date: dt.date | None = None
    format: ActivityFormat | None = None
    host: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    participants: list[str] | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=20_000)
    outcomes: str | None = Field(default=None, max_length=20_000)


class LinkedTwinning(BaseModel):
    id: int
    title: str


class ActivityOut(_Out):
    id: int
    kind: ActivityKind
    title: str
    date: dt.date | None
    format: ActivityFormat
    host: str
    location: str
    participants: list[str]
    notes: str
    outcomes: str
    twinnings: list[LinkedTwinning] = Field(description="every twinning this activity joins")
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ActionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Procurement involved before every pilot",
                    "category": "procurement",
                    "current_situation": "Procurement hears of a pilot when it has ended",
                    "desired_situation": "A procurement officer joins every pilot's start",
                    "outcomes": "Successful pilots can be bought without starting over",
                    "activities": "Checklist for pilot start; invite procurement",
                    "resources": "2 hours of procurement time per pilot",
                    "owner": "Head of welfare technology",
                    "due_date": "2025-06-30",
                }
            ]
        },
    )

    title: Name
    category: ChallengeCategory | None = None
    dimension: str | None = Field(default=None, max_length=100)
    current_situation: str = Text
    desired_situation: str = Text
    outcomes: str = Text
    activities: str = Text
    resources: str = Text
    owner: str = ShortText
    due_date: dt.date | None = None
    status: ActionStatus = ActionStatus.PLANNED


class ActionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "done"}]})

    title: Name | None = None
    category: ChallengeCategory | None = None
    dimension: str | None = Field(default=None, max_length=100)
    current_situation: str | None = Field(default=None, max_length=20_000)
    desired_situation: str | None = Field(default=None, max_length=20_000)
    outcomes: str | None = Field(default=None, max_length=20_000)
    activities: str | None = Field(default=None, max_length=20_000)
    resources: str | None = Field(default=None, max_length=20_000)
    owner: str | None = Field(default=None, max_length=200)
    due_date: dt.date | None = None
    status: ActionStatus | None = None


class ActionOut(_Out):
    id: int
    twinning_id: Id
    title: str
    category: ChallengeCategory | None
    dimension: str | None
    current_situation: str
    desired_situation: str
    outcomes: str
    activities: str
    resources: str
    owner: str
    due_date: dt.date | None
    status: ActionStatus
    overdue: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class OutcomesUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"results_at_conclusion": "Both municipalities know how to prepare"}]
        },
    )

    expected_at_conclusion: str | None = Field(default=None, max_length=20_000)
    results_at_conclusion: str | None = Field(default=None, max_length=20_000)
    expected_after_6_months: str | None = Field(default=None, max_length=20_000)
    results_after_6_months: str | None = Field(default=None, max_length=20_000)
    expected_after_12_months: str | None = Field(default=None, max_length=20_000)
    results_after_12_months: str | None = Field(default=None, max_length=20_000)
    deviations: str | None = Field(default=None, max_length=20_000)
    worked_well: str | None = Field(default=None, max_length=20_000)
    needs_attention: str | None = Field(default=None, max_length=20_000)
    sustainability: str | None = Field(default=None, max_length=20_000)


class NoteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "Mandates for innovation are not defined"}]},
    )

    note: str = Field(min_length=1, max_length=20_000)


class ConditionsOut(BaseModel):
    twinning_id: Id
    conditions: LocalConditions
    conditions_note: str
    notes: dict[str, str] = Field(description="the teams' notes per dimension key")


class EffectOut(BaseModel):
    twinning_id: Id
    baseline_round_id: Id
    follow_up_round_id: Id | None = Field(
        description="the receiving region's latest later round on the model; null before one"
    )
    effect: TwinningEffect | None


class TransitionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "running"}]}
    )

    status: TwinningStatus


class TwinningDetail(TwinningOut):
    rationale: Rationale = Field(description="as computed at creation, never rewritten")
    conditions: ConditionsOut
    participants: list[ParticipantOut]
    activities: list[ActivityOut]
    action_plan: list[ActionOut]
    action_summary: ActionPlanSummary
    outcomes: Outcomes
    effect: EffectOut
    next_steps: list[TransitionCheck] = Field(description="possible moves and what each needs")


class ProgrammeOut(BaseModel):
    view: ProgrammeView
    twinning_ids: list[int] = Field(description="ids of view.twinnings, in the same order")
