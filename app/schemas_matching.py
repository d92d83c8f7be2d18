"""Request and response bodies of the matching endpoints (``app.routers.matching``).

The rule's parts are the library's own models (``MatchingParams``, ``PairReasons``,
``ContextDimension``), so the API explains a pair exactly as ``assessment.matching`` does.
Every region is named twice: by id (to follow links) and by name (to read). Exact
``similarity`` and ``score`` order the pairs; their ``_rounded`` twins are for people.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import Id, UtcDatetime
from app.tables_matching import PairStatus
from assessment import ContextDimension, MatchingParams, ModelRef, PairReasons
from assessment.matching import (
    CAPACITY_LIMIT,
    FlagPolicy,
    UncertainPolicy,
    UnmetCondition,
    UnmetReason,
)

Capacity = Annotated[int, Field(ge=0, le=CAPACITY_LIMIT)]


class PairOut(BaseModel):
    """A proposed pair: who learns what from whom, the figures the rule used, and why the
    rule allows it (``reasons``, ``alike``, ``different``, ``explanation``)."""

    receiving_region_id: Id
    receiving: str = Field(description="the receiving region's name")
    transferring_region_id: Id
    transferring: str = Field(description="the transferring region's name")
    dimension: str
    dimension_name: str
    receiving_score: int
    transferring_score: int
    gap: int
    similarity: float = Field(description="exact similarity (orders pairs)")
    similarity_rounded: float = Field(description="similarity to 2 decimals, for people")
    shared_context: int = Field(description="context dimensions both regions scored")
    score: float = Field(description="exact score (orders pairs)")
    score_rounded: float = Field(description="score to 2 decimals, for people")
    rank: int = Field(
        description="1 = best: within the receiving region for suggestions, among the need's "
        "candidates for a run's pairs"
    )
    reasons: PairReasons = Field(
        description="each condition of the rule with what the pair has: need and offer "
        "(flag or policy), gap, transferring and receiving levels, confidence"
    )
    alike: list[ContextDimension] = Field(
        description="up to three context dimensions where the regions are closest"
    )
    different: list[ContextDimension] = Field(
        description="up to three context dimensions where they differ most"
    )
    explanation: str = Field(description="all of it in one paragraph")


class UnmetOut(BaseModel):
    """A need left without a partner and the condition of the rule that failed
    (README, "Twinning", "Explanations")."""

    receiving_region_id: Id
    receiving: str = Field(description="the receiving region's name")
    dimension: str
    dimension_name: str
    reason: UnmetReason = Field(description="the short category")
    condition: UnmetCondition | None = Field(
        description="the condition that failed; null only in runs stored before conditions "
        "were recorded (their reason stays)"
    )
    parameter: str | None = Field(
        default=None, description="the matching parameter behind the condition"
    )
    policy: FlagPolicy | UncertainPolicy | None = None
    candidates: int = Field(description="transferring regions the rule allows for this need")
    best: float | None = Field(default=None, description="the closest any region came")
    limit: float | None = Field(default=None, description="the parameter's value")
    shortfall: float | None = Field(default=None, description="how far short the best is")
    full_partners: list[str] = Field(
        default_factory=list, description="capacity: the allowed partners, all full"
    )
    full_partner_ids: list[int] = Field(
        default_factory=list, description="their region ids, in the same order"
    )
    message: str


class RegionSuggestions(BaseModel):
    """One receiving region's best partners and its needs without one."""

    region_id: Id
    region: str
    pairs: list[PairOut] = Field(description="best first; empty: no allowed partner")
    unmet: list[UnmetOut]


class Suggestions(BaseModel):
    """A page of the receiving regions (``total`` counts them all), in region-name order,
    shaped like every list (``items``, ``total``, ``limit``, ``offset``)."""

    model: ModelRef
    params: MatchingParams
    regions: int = Field(description="regions with a published profile of this model")
    items: list[RegionSuggestions]
    total: int = Field(description="receiving regions: a need, met or not")
    limit: int
    offset: int


class RunParameters(MatchingParams):
    """``MatchingParams`` as a request body validates them: pydantic's own validation (not
    the library's ``ParameterError``), so an error is located at its field
    (``body.parameters.min_gap``) like any other."""

    __init__ = BaseModel.__init__


class RunCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "parameters": {"min_gap": 1, "capacity": 2, "similarity_weight": 0.4},
                    "capacity_overrides": {"2": 1},
                },
                {"parameters": {"uncertain_scores": "down_weight", "uncertain_weight": 0.5}},
            ]
        },
    )

    model_id: str | None = None
    model_version: str | None = None
    parameters: RunParameters = Field(
        default_factory=RunParameters,
        description='the rule\'s parameters (README, "Twinning"); capacity_overrides go '
        "beside, by region id",
    )
    capacity_overrides: dict[Id, Capacity] = Field(
        default_factory=dict,
        description=f"capacity per transferring region id (0-{CAPACITY_LIMIT:,}; 0 stops it "
        "coaching)",
    )


class LoadOut(BaseModel):
    """How full a transferring region is in a run."""

    region_id: Id
    region: str
    capacity: int
    assigned: int


class RunPairOut(PairOut):
    """A pair of a stored run, under review."""

    id: int
    run_id: Id
    reasons: PairReasons | None = Field(  # type: ignore[assignment]
        description="null for runs stored before reasons were kept (alike and different "
        "are then empty)"
    )
    status: PairStatus
    note: str
    reviewed_by: int | None
    reviewed_at: UtcDatetime | None


class RunSummary(BaseModel):
    id: int
    model_id: str
    model_version: str
    parameters: MatchingParams
    regions: int = Field(description="regions whose profiles the run matched")
    needs: int
    total_score: float = Field(description="exact sum of the pairs' scores")
    total_score_rounded: float = Field(description="the same to 2 decimals, for people")
    created_by: int | None
    created_at: UtcDatetime
    region_view: int | None = Field(
        description="null: the whole run; a region id: the run as that region's keys see it "
        "(only the pairs, unmet needs, load and capacity override involving the region)"
    )


class RunDetail(RunSummary):
    pairs: list[RunPairOut]
    unmet: list[UnmetOut]
    load: list[LoadOut] | None = Field(
        description="each transferring region's capacity and assigned needs; null for runs "
        "stored before loads were kept"
    )


class PairReview(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "approved"}]}
    )

    status: PairStatus
    note: str | None = Field(default=None, max_length=2000)
