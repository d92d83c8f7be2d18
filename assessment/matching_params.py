"""The knobs of the twinning rule (``assessment.matching`` documents the rule they tune).

They live in their own module because every part of matching (preparation, the scoring
kernel, explanations, the work estimate) reads them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from assessment.errors import ParameterModel

FlagPolicy = Literal["when_flagged", "required", "ignored"]
UncertainPolicy = Literal["include", "exclude", "down_weight"]

TOP_K_LIMIT = 1000
CAPACITY_LIMIT = 100_000
"""The most needs one transferring region may coach: more than any programme asks of one
region (its slots never exceed the needs it could serve), so it works as "no limit", and it
keeps capacities far inside the 64-bit integers the assignment computes with."""


class MatchingParams(ParameterModel):
    """Every knob of the matching rule (see ``assessment.matching`` for the formula).

    Invalid values raise :class:`ParameterError` whose location names the parameter; values
    that depend on the model or on the regions (levels, dimension keys, region names) are
    checked when matching runs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    min_gap: float = Field(default=1.0, gt=0, description="smallest useful gap, scale points")
    min_transfer_level: float | None = Field(
        default=3.0, description="lowest score a transferring region needs; None: no floor"
    )
    max_receiving_level: float | None = Field(
        default=None, description="highest score a receiving region may have; None: no cap"
    )
    improvement_flags: FlagPolicy = "when_flagged"
    coaching_flags: FlagPolicy = "when_flagged"
    gap_weight: float = Field(default=0.6, gt=0)
    similarity_weight: float = Field(default=0.4, ge=0)
    similarity_dimensions: tuple[str, ...] | None = Field(
        default=None, description="context dimensions; None: all (minus the one transferred)"
    )
    neutral_similarity: float = Field(
        default=0.5, ge=0, le=1, description="similarity of regions with no shared context"
    )
    capacity: int = Field(
        default=2, ge=1, le=CAPACITY_LIMIT, description="needs one transferring region coaches"
    )
    capacity_overrides: dict[str, Annotated[int, Field(ge=0, le=CAPACITY_LIMIT)]] = Field(
        default_factory=dict, description="capacity per region name; 0 stops it coaching"
    )
    top_k: int = Field(
        default=3, ge=1, le=TOP_K_LIMIT, description="suggestions per receiving region"
    )
    uncertain_scores: UncertainPolicy = Field(
        default="include",
        description="needs and offers whose score stands on a split panel: include them "
        "(scored like any other), exclude them, or down_weight the pair's score",
    )
    uncertain_weight: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="with down_weight: multiplier on a pair's score per uncertain side",
    )
