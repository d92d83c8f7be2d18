"""What a twinning programme records as it goes: the people, the activities and the outcomes.

These are plain records (nothing here is computed); the report shows them beside the computed
rationale, conditions and effect. Their fields follow the programmes' final reports
(Procure4Health's twinning report form: results at conclusion and expected after 6 and 12
months, deviations from the work plan, lessons learned, sustainability).
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ParticipantSide(StrEnum):
    RECEIVING = "receiving"
    TRANSFERRING = "transferring"
    EXTERNAL = "external"  # a facilitator (e.g. a research institute) or a guest


class ActivityKind(StrEnum):
    KICK_OFF = "kick_off"
    STUDY_VISIT = "study_visit"
    WORKSHOP = "workshop"
    WEBINAR = "webinar"
    KNOWLEDGE_SHARING = "knowledge_sharing"
    MEETING = "meeting"


class ActivityFormat(StrEnum):
    IN_PERSON = "in_person"
    DIGITAL = "digital"
    HYBRID = "hybrid"


class Participant(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    role: str = ""
    side: ParticipantSide
    organisation: str = Field(default="", description="for external participants especially")


class Activity(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ActivityKind
    title: str
    date: datetime.date | None = None
    format: ActivityFormat = ActivityFormat.IN_PERSON
    host: str = ""
    location: str = ""
    participants: tuple[str, ...] = Field(
        default=(), description="who took part: names, roles or organisations"
    )
    notes: str = ""
    outcomes: str = ""
    shared_with: tuple[str, ...] = Field(
        default=(), description="the other twinnings that joined this activity"
    )


class Outcomes(BaseModel):
    """Expected and achieved results at three horizons, and the final report's reflections."""

    model_config = ConfigDict(frozen=True)

    expected_at_conclusion: str = ""
    results_at_conclusion: str = ""
    expected_after_6_months: str = ""
    results_after_6_months: str = ""
    expected_after_12_months: str = ""
    results_after_12_months: str = ""
    deviations: str = Field(default="", description="deviations from the work plan")
    worked_well: str = Field(default="", description="lessons learned: what worked well")
    needs_attention: str = Field(
        default="", description="lessons learned: what needs further attention"
    )
    sustainability: str = Field(default="", description="how the results are made to last")
