"""Twinning: pair receiving and transferring regions by gap and context, then assign them.

No published formula exists for matching, so this module defines one and makes every part of
it a parameter of :class:`MatchingParams` (the README's "Twinning" section says it in words).

**Who may pair.** Region ``r`` may receive dimension ``d`` from region ``t`` when

* ``r`` counts ``d`` as a need: its score on ``d`` is known, at most ``max_receiving_level``
  (when set) and its improvement flag fits ``improvement_flags``;
* ``t`` offers ``d``: its score is known, at least ``min_transfer_level`` (when set), its
  coaching flag fits ``coaching_flags`` and its capacity is not 0;
* the gap ``g = x[t, d] - x[r, d]`` is at least ``min_gap`` (so a region never pairs with
  itself);
* with ``uncertain_scores="exclude"``, neither score stands on a split panel
  (``ConsensusScore.uncertain``).

Flag policies: ``"when_flagged"`` (default) counts only the flagged dimensions of a region that
flagged at least one, and every dimension of a region that flagged none; ``"required"`` counts
flagged dimensions only; ``"ignored"`` counts every dimension.

**Score of a pair.** With ``R = scale.max - scale.min`` and ``C`` the similarity dimensions
(``similarity_dimensions``, default all) minus ``d``, over the ``k`` dimensions of ``C`` that
both regions scored::

    similarity = 1 - sum(|x[r, c] - x[t, c]|) / (k * R)       (neutral_similarity when k = 0)
    score      = (gap_weight * g / R + similarity_weight * similarity)
                 / (gap_weight + similarity_weight)
               * uncertain_weight ** u     (u: uncertain scores of the pair, down_weight only)

Both terms lie in [0, 1], so does the score. Scores are rounded half up to 12 decimals
(``floor(score * 1e12 + 0.5) / 1e12``) so that mathematically equal scores tie exactly, and
never below ``1e-12``, so that every allowed pair scores above 0 whatever the weights.

**Uncertain scores** (``uncertain_scores``): a score whose panel was split
(``agreement="split"``) is ``include``-d like any other (default), ``exclude``-d (it is
neither a need nor an offer; a flagged need so excluded is reported unmet as ``uncertain``),
or ``down_weight``-ed: the pair's score is multiplied by ``uncertain_weight`` (0.5) once per
uncertain side, the need's and the offer's, so such pairs rank below firm ones of the same
gap and context. Every pair's ``reasons.confidence`` says which applied.

**Order.** Pairs rank by score (high first), then gap (high first), then the dimension's order
in the model, then the transferring region's name: deterministic and independent of the
order in which profiles are given.

**Explanations.** Every pair carries :class:`PairReasons`: the flag or policy that made the
dimension a need (``flagged``, ``region_flagged_none`` under ``when_flagged``,
``flags_ignored``) and an offer, the gap against ``min_gap``, the transferring level against
``min_transfer_level``, the receiving level against ``max_receiving_level``, the confidence
of both scores, and the three closest and three furthest context dimensions with both scores.
``explanation``, ``similarity_rounded`` and ``score_rounded`` present them for people.

**Unmet needs.** A need without a partner names the first condition that failed
(:class:`UnmetNeed`): ``no_offer`` (no other region offers the dimension under
``coaching_flags``), ``transfer_level`` (offers exist, none reaches ``min_transfer_level``:
the best level and the shortfall), ``uncertain_offers`` (only uncertain ones, excluded),
``gap`` (none is ``min_gap`` ahead: the largest gap and the shortfall), ``capacity`` (the
assignment only: every allowed partner is full, named). A flagged need the rule cannot
consider is reported, never dropped: ``missing_score`` (not scored), ``no_room`` (scored
within ``min_gap`` of the top), ``uncertain_need`` (split panel, excluded).

**Assignment.** Every need (receiving region, dimension) gets at most one transferring region;
each transferring region coaches at most ``capacity`` needs (``capacity_overrides`` per
region). The total score is maximised exactly by a sparse minimum-weight matching over the
allowed pairs only (``assessment.matching_assign``); pairs outside the rule are excluded,
never merely scored low. Every feasible pair scores above 0, so an optimal assignment never
leaves a need unmet while one of its candidates still has a free slot: an unmet need's
reason is exact.

**Bounded work.** Each function counts its work first (:func:`estimate_work`, linear in
regions x dimensions) and raises :class:`BudgetError` naming the parameter to change when it
would exceed its ``budget`` (:class:`MatchingBudget`; README, "Bounded work").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

import numpy as np

from assessment.matching_assign import assign, need_index
from assessment.matching_budget import (
    BudgetError,
    MatchingBudget,
    MatchingWork,
    Operation,
    allowed_per_need,
    check,
    measure,
)
from assessment.matching_explain import (
    proposals,
    sorted_needs,
    unconsidered_cells,
    unconsidered_needs,
    unmet_needs,
)
from assessment.matching_kernel import Pairs, ScoreTable, all_pairs, one_blas_thread, top_k
from assessment.matching_pairs import PairSequence
from assessment.matching_params import (
    CAPACITY_LIMIT,
    TOP_K_LIMIT,
    FlagPolicy,
    MatchingParams,
    UncertainPolicy,
)
from assessment.matching_regions import Regions, dimension_filter, prepare, restrict
from assessment.matching_results import (
    Assignment,
    ContextDimension,
    FlagReason,
    LevelCheck,
    MatchingResult,
    PairProposal,
    PairReasons,
    ScoreConfidence,
    TransferLoad,
    UnmetCondition,
    UnmetNeed,
    UnmetReason,
    for_people,
)
from assessment.model import MaturityModel
from assessment.profile import Profile

__all__ = [
    "CAPACITY_LIMIT",
    "TOP_K_LIMIT",
    "Assignment",
    "BudgetError",
    "ContextDimension",
    "FlagPolicy",
    "FlagReason",
    "LevelCheck",
    "MatchingBudget",
    "MatchingParams",
    "MatchingResult",
    "MatchingWork",
    "PairProposal",
    "PairReasons",
    "PairSequence",
    "ScoreConfidence",
    "TransferLoad",
    "UncertainPolicy",
    "UnmetCondition",
    "UnmetNeed",
    "UnmetReason",
    "assign_partners",
    "candidate_pairs",
    "estimate_work",
    "for_people",
    "receiving_regions",
    "suggest_partners",
]


def _start(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None,
    operation: Operation,
    budget: MatchingBudget | None,
    dimension: str | None = None,
    receiving: Collection[str] | None = None,
) -> tuple[Regions, range]:
    """Checked inputs, the columns to match on, and the budget checked."""
    params = MatchingParams() if params is None else params
    reg = prepare(model, profiles, params)
    if receiving is not None:
        reg = restrict(reg, receiving)
    dims = dimension_filter(model, dimension)
    check(measure(reg, dims), operation, budget or MatchingBudget(), params)
    return reg, dims


def _result(
    reg: Regions,
    table: ScoreTable,
    pairs: Pairs,
    kind: Literal["candidates", "suggestions"],
    dims: range,
) -> MatchingResult:
    counts = allowed_per_need(reg)
    lonely_cells = np.zeros_like(reg.receive)
    lonely_cells[:, dims.start : dims.stop] = reg.receive[:, dims.start : dims.stop]
    lonely_cells &= counts == 0
    rows, cols = np.nonzero(lonely_cells)
    needing = reg.receive[:, dims.start : dims.stop].any(axis=1)
    paired = np.zeros(len(reg.names), dtype=bool)
    paired[pairs.row] = True
    return MatchingResult(
        model=reg.model.ref,
        kind=kind,
        params=reg.params,
        pairs=proposals(reg, table, pairs),
        without_candidates=tuple(reg.names[i] for i in np.flatnonzero(needing & ~paired)),
        unmet=sorted_needs(
            reg,
            unmet_needs(reg, rows, cols, counts[rows, cols]) + unconsidered_needs(reg, dims),
        ),
    )


def estimate_work(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None = None,
    *,
    dimension: str | None = None,
) -> MatchingWork:
    """What matching ``profiles`` with ``params`` would cost (pairs to score, suggestions to
    return, assignment graph size), counted without scoring anything. A service compares it
    with its :class:`MatchingBudget` before it commits to the work."""
    reg = prepare(model, profiles, MatchingParams() if params is None else params)
    return measure(reg, dimension_filter(model, dimension))


def receiving_regions(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None = None,
) -> tuple[str, ...]:
    """The regions suggestions report on, in their order (by name): those with a need the
    rule counts, or a flagged need it cannot consider (reported unmet). Counted without
    scoring (linear in regions x dimensions), so a service can page through a large programme
    with :func:`suggest_partners`'s ``receiving``."""
    reg = prepare(model, profiles, MatchingParams() if params is None else params)
    listed = reg.receive.any(axis=1)
    for cells in unconsidered_cells(reg, range(len(model.keys))):
        listed |= cells.any(axis=1)
    return tuple(reg.names[i] for i in np.flatnonzero(listed).tolist())


def candidate_pairs(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None = None,
    *,
    dimension: str | None = None,
    budget: MatchingBudget | None = None,
) -> MatchingResult:
    """Every pair the rule allows (on one dimension, or all), ranked per receiving region and
    dimension. Output grows with the square of the number of regions (``max_candidates`` of
    the budget): use :func:`suggest_partners` for large sets."""
    reg, dims = _start(model, profiles, params, "candidates", budget, dimension)
    table = ScoreTable.build(reg)
    with one_blas_thread():
        pairs = all_pairs(reg, table, dims)
    return _result(reg, table, pairs, "candidates", dims)


def suggest_partners(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None = None,
    *,
    receiving: Collection[str] | None = None,
    budget: MatchingBudget | None = None,
) -> MatchingResult:
    """The ``top_k`` best pairs per receiving region, over all its needs.

    ``receiving`` (region names) limits the receiving regions to those, every region still
    offering: their pairs and unmet needs are exactly those of the whole call, at the cost of
    their share of the work (a page of :func:`receiving_regions`). Scores only allowed pairs,
    bucket by bucket, and stops looking at a region's lower gaps once its k-th best cannot be
    beaten (``assessment.matching_kernel``). Memory: a few blocks of 8 MiB plus (regions x
    dimensions) arrays, for any number of regions.
    """
    reg, dims = _start(model, profiles, params, "suggestions", budget, receiving=receiving)
    table = ScoreTable.build(reg)
    with one_blas_thread():
        pairs = top_k(reg, table, reg.params.top_k)
    return _result(reg, table, pairs, "suggestions", dims)


def assign_partners(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None = None,
    *,
    budget: MatchingBudget | None = None,
) -> Assignment:
    """Programme-wide assignment maximising the total score under capacities (exact).

    The unit is a need (receiving region, dimension); a transferring region may coach the
    same receiving region on several dimensions, each using one unit of its capacity.
    Memory: the allowed pairs as arrays and a sparse graph of the allowed pairs times the
    slots they may use (``max_assignment_edges`` of the budget), never needs x slots.
    """
    budget = budget or MatchingBudget()
    reg, dims = _start(model, profiles, params, "assignment", budget)
    table = ScoreTable.build(reg)
    with one_blas_thread():
        pairs = all_pairs(reg, table, dims)
    chosen = assign(reg, table, pairs, budget)
    need_of_pair, need_row, need_dim = need_index(pairs)
    full = np.ones(need_row.size, dtype=bool)
    full[need_of_pair[chosen]] = False
    counts = allowed_per_need(reg)
    lonely_rows, lonely_dims = np.nonzero(reg.receive & (counts == 0))
    starts = np.r_[0, np.flatnonzero(np.diff(need_of_pair)) + 1, need_of_pair.size]
    partners = [
        tuple(reg.names[c] for c in np.sort(pairs.col[starts[i] : starts[i + 1]]).tolist())
        for i in np.flatnonzero(full).tolist()
    ]
    unmet = unmet_needs(reg, lonely_rows, lonely_dims, counts[lonely_rows, lonely_dims])
    unmet += unmet_needs(
        reg, need_row[full], need_dim[full], counts[need_row[full], need_dim[full]], partners
    )
    taken = pairs.take(chosen)
    assigned = np.bincount(taken.col, minlength=len(reg.names))
    return Assignment(
        model=model.ref,
        params=reg.params,
        pairs=proposals(reg, table, taken),
        unmet=sorted_needs(reg, unmet + unconsidered_needs(reg, dims)),
        load=tuple(
            TransferLoad(
                region=reg.names[t], capacity=int(reg.capacity[t]), assigned=int(assigned[t])
            )
            for t in np.flatnonzero(reg.give.any(axis=1)).tolist()
        ),
        total_score=float(taken.score(table).sum()),
        needs=int(reg.receive.sum()),
    )
