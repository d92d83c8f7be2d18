"""Request and response bodies, with the examples shown at /docs.

Statistics and profiles are the library's own pydantic models (``GroupScores``, ``Profile``,
``ProfileComparison``), so the API cannot drift from what the library computes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from app.tables import Role, RoundStatus
from app.text import Label, Name, RoleLabel
from assessment import ModelRef, Profile, ProfileComparison

RegionKind = Literal["region", "municipality", "hospital", "country", "other"]
Score = StrictInt
"""A point of the model's scale as a JSON integer: ``true``, ``"3"`` and ``2.0`` are refused
(the library's lenient parsing is for CSV files, where everything is text)."""
# Ids are PostgreSQL integers: larger numbers cannot name a row (and would not bind).
ID_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
DimensionKey = Annotated[str, Field(min_length=1, max_length=100)]
"""A dimension's key as an item of a bulk request names it (checked against the model later)."""


def _example(**example: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts every match of the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


def _assume_utc(value: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A timestamp that always carries its zone (a typed ``date-time`` in the OpenAPI schema)."""


class _Out(BaseModel):
    """A response body read from stored rows (timestamps as ``UtcDatetime``)."""

    model_config = ConfigDict(from_attributes=True)


# Models


class ModelSummary(BaseModel):
    id: str
    version: str
    name: str
    source: str
    scale_min: int
    scale_max: int
    dimensions: list[str] = Field(description="dimension keys in model order")
    languages: list[str] = Field(
        description="languages the model's texts can be shown in (BCP 47), its own first",
        examples=[["en", "it", "sv"]],
    )


# Regions and stakeholders


class RegionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Västerbotten", "country": "SE", "kind": "region", "public_profile": True}
            ]
        },
    )

    name: Name
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    kind: RegionKind = "region"
    parent_id: Id | None = Field(default=None, description="enclosing region, if any")
    public_profile: StrictBool = Field(
        default=False, description="published profiles and history readable without a key"
    )


class RegionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", **_example(public_profile=True))

    name: Name | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    kind: RegionKind | None = None
    parent_id: Id | None = None
    public_profile: StrictBool | None = None


class RegionOut(_Out):
    id: int
    name: str
    country: str
    kind: str
    parent_id: Id | None
    public_profile: bool
    created_at: UtcDatetime


class StakeholderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", **_example(name="Anna Lind", role="clinician"))

    name: Name
    role: RoleLabel = Field(
        description="role label: manager, clinician, IT, procurement, social care, "
        "citizen representative...",
    )


class StakeholderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", **_example(role="manager"))

    name: Name | None = None
    role: RoleLabel | None = None


class StakeholderOut(_Out):
    id: int
    region_id: Id
    name: str
    role: str


# Rounds

REVEAL_WHILE_OPEN = (
    "let region readers see the ratings, statistics and proposed scores while the round is "
    "open (an open workshop where the panel rates together); by default they stay hidden "
    "until rating closes, each rater reading only their own (independent Delphi rating)"
)


class RoundCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"label": "2025 self-assessment"},
                {"label": "2018", "model_id": "scirocco", "model_version": "2016-19"},
                {"label": "Workshop day, 12 March", "reveal_while_open": True},
            ]
        },
    )

    label: Label
    model_id: str | None = Field(default=None, description="default: the shipped default model")
    model_version: str | None = Field(default=None, description="default: the model's first")
    reveal_while_open: StrictBool = Field(default=False, description=REVEAL_WHILE_OPEN)


class RoundUpdate(BaseModel):
    """Only the fields given change; ``reveal_while_open`` only while draft or open."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"label": "Spring 2025"}, {"reveal_while_open": True}],
        },
    )

    label: Label | None = None
    reveal_while_open: StrictBool | None = Field(default=None, description=REVEAL_WHILE_OPEN)


class RoundOut(_Out):
    id: int
    region_id: Id
    label: str
    model: ModelRef
    status: RoundStatus
    reveal_while_open: bool
    created_at: UtcDatetime
    published_at: UtcDatetime | None


class Transition(BaseModel):
    model_config = ConfigDict(extra="forbid", **_example(status="open"))

    status: RoundStatus


# Ratings


class RatingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"score": 2, "justification": "pilots run, no regional procurement yet"},
                {"score": None, "justification": "don't know: outside my area"},
            ]
        },
    )

    score: Score | None = Field(description="a point of the model's scale, or null: don't know")
    justification: str = Field(default="", max_length=5000)


class BulkRatingItem(RatingIn):
    model_config = ConfigDict(
        extra="forbid",
        **_example(dimension="funding", score=1, justification="pilot money only"),
    )

    dimension: DimensionKey


class BulkRatings(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "ratings": [
                        {"dimension": "readiness_to_change", "score": 3, "justification": "plan"},
                        {"dimension": "funding", "score": None, "justification": "don't know"},
                    ]
                }
            ]
        },
    )

    ratings: list[BulkRatingItem] = Field(min_length=1, max_length=200)


class RatingOut(_Out):
    id: int
    round_id: Id
    stakeholder_id: Id
    dimension: str
    score: int | None
    justification: str
    updated_at: UtcDatetime


# Consensus and flags


class ConsensusIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"score": 1, "justification": "no regional innovation process yet"},
                {"score": None, "justification": "no one could judge it; revisit next round"},
            ]
        },
    )

    score: Score | None = Field(description="agreed score, or null with a justification")
    justification: str = Field(default="", max_length=5000)


class ConsensusOut(_Out):
    round_id: Id
    dimension: str
    score: int | None
    justification: str
    updated_at: UtcDatetime


class FlagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", **_example(for_improvement=True, for_coaching=False))

    for_improvement: StrictBool = Field(
        default=False, description="a need the region wants to address"
    )
    for_coaching: StrictBool = Field(
        default=False, description="a strength the region offers to others"
    )


class BulkConsensusItem(ConsensusIn):
    model_config = ConfigDict(
        extra="forbid",
        **_example(dimension="funding", score=1, justification="pilot money only"),
    )

    dimension: DimensionKey


class BulkConsensus(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"dimension": "funding", "score": 1, "justification": "pilots only"},
                        {
                            "dimension": "removal_of_inhibitors",
                            "score": None,
                            "justification": "nobody could judge it; revisit next round",
                        },
                    ]
                }
            ]
        },
    )

    items: list[BulkConsensusItem] = Field(min_length=1, max_length=200)


class AcceptProposed(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {},
                {"justification": "accepted in the workshop of 12 March", "include_split": False},
            ]
        },
    )

    justification: str = Field(
        default="",
        max_length=5000,
        description="recorded on every accepted dimension; default: the median it came from",
    )
    include_split: StrictBool = Field(
        default=False,
        description="accept the proposal where the panel was split too (by default those are "
        "left for the workshop to discuss)",
    )


class AcceptedProposals(BaseModel):
    accepted: list[str] = Field(description="dimensions decided now with their proposed score")
    split: list[str] = Field(description="left undecided: the panel was split, to discuss")
    unrated: list[str] = Field(description="left undecided: nobody rated them, no proposal")
    consensus: list[ConsensusOut] = Field(description="every decision of the round now")


class FlagsOut(_Out):
    round_id: Id
    dimension: str
    for_improvement: bool
    for_coaching: bool


class BulkFlagsItem(FlagsIn):
    model_config = ConfigDict(
        extra="forbid", **_example(dimension="funding", for_improvement=True, for_coaching=False)
    )

    dimension: DimensionKey


class BulkFlags(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"dimension": "funding", "for_improvement": True},
                        {"dimension": "readiness_to_change", "for_coaching": True},
                    ]
                }
            ]
        },
    )

    items: list[BulkFlagsItem] = Field(min_length=1, max_length=200)


# Profiles


class RoundProfile(_Out):
    """A round's consensus profile: workshop scores, else proposals from the median."""

    region_id: Id
    round_id: Id
    status: RoundStatus
    published_at: UtcDatetime | None
    profile: Profile


class HistoryEntry(RoundProfile):
    change: ProfileComparison | None = Field(
        description="against the previous published round; null for the first, or when the "
        "two rounds used different models"
    )


class RegionHistory(BaseModel):
    """One page of a region's published rounds, oldest first; the first entry's ``change``
    is against the round before the page, so pages read as the whole history does."""

    region_id: Id
    rounds: list[HistoryEntry]
    total: int = Field(description="published rounds in all")
    limit: int
    offset: int


class PairDelta(BaseModel):
    before_region_id: Id
    after_region_id: Id
    comparison: ProfileComparison | None = Field(
        description="after minus before; null when the regions used different models"
    )


class RegionComparison(BaseModel):
    profiles: list[RoundProfile]
    deltas: list[PairDelta]


# Keys


class KeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Norrbotten facilitator", "role": "member", "region_id": 1},
                {"name": "Erik Nilsson", "role": "member", "region_id": 1, "stakeholder_id": 2},
                {"name": "Twinning coordinator", "role": "coordinator"},
            ]
        },
    )

    name: Name
    role: Role
    region_id: Id | None = None
    stakeholder_id: Id | None = None


class KeyOut(_Out):
    id: int
    name: str
    prefix: str = Field(description="first characters of the token, to recognise it")
    role: Role
    region_id: Id | None
    stakeholder_id: Id | None
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None


class KeyCreated(KeyOut):
    token: str = Field(description="the API key; shown only in this response")
