"""How much work a matching call will do, counted before doing it, and the budget it must fit.

Every count comes from per-(dimension, level) tallies of needs and offers, in time linear in
regions x dimensions: a service can refuse a parameter set before it scores a single pair.
The matching functions check the same budget themselves (their ``budget`` argument), and the
assignment checks each graph it builds, so no call exceeds it whatever its caller checked.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import ParameterError
from assessment.matching_params import MatchingParams
from assessment.matching_regions import IntArray, Regions

Operation = Literal["candidates", "suggestions", "assignment"]

DEFAULT_MIN_TRANSFER_LEVEL = 3.0
DEFAULT_MIN_GAP = 1.0


class BudgetError(ParameterError):
    """A parameter set would exceed the work budget; ``location`` names the parameter to
    change (``("top_k",)``, ``("capacity",)``...)."""


class MatchingBudget(BaseModel):
    """Upper limits on one call's work (defaults: README, "Twinning", "Bounded work")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_scored_pairs: int = Field(
        default=500_000_000,
        ge=0,
        description="allowed pairs suggestions may score (30,000 regions of the benchmark "
        "have 2e8, about 1.5 s)",
    )
    max_pairs: int = Field(
        default=20_000_000,
        ge=0,
        description="allowed pairs the assignment holds as arrays (about 60 bytes each)",
    )
    max_candidates: int = Field(
        default=1_000_000, ge=0, description="pairs candidate_pairs returns (one object each)"
    )
    max_suggestions: int = Field(
        default=1_000_000, ge=0, description="pairs suggest_partners returns"
    )
    max_assignment_edges: int = Field(
        default=20_000_000,
        ge=0,
        description="edges of one assignment graph (allowed pairs x slots; about 40 bytes "
        "each while it is built)",
    )


class MatchingWork(BaseModel):
    """What a parameter set asks of the regions given."""

    model_config = ConfigDict(frozen=True)

    regions: int
    receiving_regions: int = Field(description="regions with at least one need")
    needs: int = Field(description="(receiving region, dimension) cells the rule counts")
    offers: int = Field(description="(transferring region, dimension) cells the rule counts")
    pairs: int = Field(description="allowed pairs: what candidates returns, what is scored")
    suggestions: int = Field(description="pairs suggest_partners returns")
    assignment_slots: int = Field(
        description="places transferring regions can fill: capacity, capped at the needs "
        "each could serve"
    )
    assignment_edges_min: int = Field(
        description="edges of the assignment's first graph at least (two slots per region)"
    )
    assignment_edges_max: int = Field(
        description="edges of the assignment graph at most (every slot a capacity allows)"
    )


def allowed_per_need(reg: Regions) -> IntArray:
    """(regions x dimensions) allowed partners of each need: offers on its dimension at
    least ``min_gap`` above it (0 where the cell is no need)."""
    n, m = reg.level.shape
    levels = reg.span + 1
    counts = np.zeros((n, m), dtype=np.intp)
    for dim in range(m):
        offered = np.bincount(reg.level[reg.give[:, dim], dim], minlength=levels)
        at_least = np.r_[np.cumsum(offered[::-1])[::-1], 0]  # offers at level >= v
        rows = np.flatnonzero(reg.receive[:, dim])
        lowest = np.ceil(reg.level[rows, dim] + reg.params.min_gap)
        counts[rows, dim] = at_least[np.minimum(lowest, levels).astype(np.intp)]
    return counts


def allowed_per_offer(reg: Regions) -> IntArray:
    """(regions x dimensions) needs each offer could serve: needs on its dimension at least
    ``min_gap`` below it (0 where the cell is no offer)."""
    n, m = reg.level.shape
    levels = reg.span + 1
    counts = np.zeros((n, m), dtype=np.intp)
    for dim in range(m):
        needed = np.bincount(reg.level[reg.receive[:, dim], dim], minlength=levels)
        at_most = np.cumsum(needed)  # needs at level <= v
        rows = np.flatnonzero(reg.give[:, dim])
        highest = np.floor(reg.level[rows, dim] - reg.params.min_gap).astype(np.intp)
        counts[rows, dim] = np.where(highest >= 0, at_most[np.maximum(highest, 0)], 0)
    return counts


def measure(reg: Regions, dims: range) -> MatchingWork:
    """The work of matching ``reg`` on ``dims`` (suggestions and assignment use all)."""
    per_need = allowed_per_need(reg)[:, dims.start : dims.stop]
    degree = allowed_per_offer(reg).sum(axis=1)
    limit = np.minimum(reg.capacity, degree)
    receive = reg.receive[:, dims.start : dims.stop]
    return MatchingWork(
        regions=len(reg.names),
        receiving_regions=int(receive.any(axis=1).sum()),
        needs=int(receive.sum()),
        offers=int(reg.give[:, dims.start : dims.stop].sum()),
        pairs=int(per_need.sum()),
        suggestions=int(np.minimum(per_need.sum(axis=1), reg.params.top_k).sum()),
        assignment_slots=int(limit.sum()),
        assignment_edges_min=int((degree * np.minimum(limit, 2)).sum()),
        assignment_edges_max=int((degree * limit).sum()),
    )


def check(
    work: MatchingWork, operation: Operation, budget: MatchingBudget, params: MatchingParams
) -> None:
    """Raise :class:`BudgetError` naming the parameter to change when ``operation`` on
    ``work`` would exceed ``budget`` (the assignment's graph is checked as it is built)."""
    if operation == "suggestions":
        if work.suggestions > budget.max_suggestions:
            raise BudgetError(
                f"{work.suggestions:,} suggestions exceed the budget of "
                f"{budget.max_suggestions:,}: lower top_k",
                ("top_k",),
            )
        _check_pairs(work.pairs, budget.max_scored_pairs, "suggestions would score", params)
    elif operation == "candidates":
        _check_pairs(work.pairs, budget.max_candidates, "candidates would list", params)
    else:
        _check_pairs(work.pairs, budget.max_pairs, "the assignment would hold", params)
        if work.assignment_edges_min > budget.max_assignment_edges:
            edges_over(work.assignment_edges_min, budget)


def edges_over(edges: int, budget: MatchingBudget) -> None:
    raise BudgetError(
        f"the assignment graph would hold {edges:,} edges, over the budget of "
        f"{budget.max_assignment_edges:,}: lower capacity (or capacity_overrides), or "
        "narrow the needs",
        ("capacity",),
    )


def _check_pairs(pairs: int, limit: int, what: str, params: MatchingParams) -> None:
    if pairs > limit:
        parameter = widest_parameter(params)
        raise BudgetError(
            f"{what} {pairs:,} allowed pairs, over the budget of {limit:,}: narrow "
            f"{parameter} (or match fewer regions)",
            (parameter,),
        )


def widest_parameter(params: MatchingParams) -> str:
    """The parameter to narrow first: the first one that widens the rule beyond its
    default, else the improvement flags (count flagged needs only), else the transfer level."""
    if params.improvement_flags == "ignored":
        return "improvement_flags"
    if params.coaching_flags == "ignored":
        return "coaching_flags"
    if params.min_transfer_level is None or params.min_transfer_level < DEFAULT_MIN_TRANSFER_LEVEL:
        return "min_transfer_level"
    if params.min_gap < DEFAULT_MIN_GAP:
        return "min_gap"
    if params.improvement_flags != "required":
        return "improvement_flags"
    return "min_transfer_level"
