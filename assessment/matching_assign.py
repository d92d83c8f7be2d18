"""Exact capacity-limited assignment over the allowed pairs only (sparse).

The assignment maximises the total score: each need (receiving region, dimension) gets at
most one transferring region, each transferring region at most its capacity of needs. It is
solved as a minimum-weight full matching of a sparse bipartite graph
(``scipy.sparse.csgraph.min_weight_full_bipartite_matching``):

* rows are the needs; columns are *slots* (a transferring region's places) plus one
  "no partner" column per need, so a full matching always exists;
* an edge joins a need to each slot of each allowed partner (weight ``K - s``) and to its
  own "no partner" column (weight ``K``), where ``s`` is the pair's score in units of
  ``1e-12`` (an integer) and ``K`` exceeds every ``s``; minimising the weight maximises the
  total score. All weights are integers below 2**53, so the solver's float arithmetic is
  exact and so is the optimum.

Small problems (at most ``DENSE_CELLS`` needs x slots) are solved the classic way instead,
``scipy.optimize.linear_sum_assignment`` over a dense needs x slots matrix of the same
integer scores: for them it is faster than augmenting paths in a sparse graph, and the
optimum is the same.

Slots are only materialised where they can matter. A region never needs more slots than
allowed pairs it has; beyond that, regions start with a few slots (twice the needs that rank
them first, at least two) and a region whose slots all fill while its capacity allows more
gets twice as many, and the matching is solved again. When no region fills its slots below
its capacity, the slot limits that differ from the capacities are slack at the optimum, and
since the problem is a linear programme with an integral optimum (a bipartite b-matching),
that optimum is also optimal with the full capacities. The graph holds the allowed pairs
times the slots of their transferring region, never a dense needs x slots matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from assessment.matching_budget import MatchingBudget, edges_over
from assessment.matching_kernel import SCORE_DECIMALS, Pairs, ScoreTable
from assessment.matching_regions import IntArray, Regions

# Up to this many needs x slots cells (32 MiB of float64), a dense matrix and
# ``linear_sum_assignment`` solve the assignment; beyond it, the sparse graph.
DENSE_CELLS = 1 << 22


def need_index(pairs: Pairs) -> tuple[IntArray, IntArray, IntArray]:
    """Each pair's need number, and each need's (row, dimension); pairs are sorted by need."""
    if not pairs.size:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, empty
    start = np.r_[True, (np.diff(pairs.row) != 0) | (np.diff(pairs.dim) != 0)]
    need = np.cumsum(start) - 1
    return need, pairs.row[start], pairs.dim[start]


def assign(reg: Regions, table: ScoreTable, pairs: Pairs, budget: MatchingBudget) -> IntArray:
    """Indices of the chosen pairs (sorted): a maximum-total-score assignment within
    capacities. Raises ``BudgetError`` (on ``capacity``) before building a graph with more
    than ``budget.max_assignment_edges`` edges."""
    if not pairs.size:
        return np.zeros(0, dtype=np.intp)
    need, _, _ = need_index(pairs)
    needs = int(need[-1]) + 1
    units = np.rint(pairs.score(table) * SCORE_DECIMALS).astype(np.int64)
    # Regions as columns 0..T-1, in row (name) order.
    regions, region = np.unique(pairs.col, return_inverse=True)
    allowed = np.bincount(region, minlength=regions.size)
    limit = np.minimum(reg.capacity[regions], allowed)
    if needs * int(limit.sum()) <= DENSE_CELLS:
        return _solve_dense(need, needs, region, units, limit)
    first_choice = np.bincount(region[pairs.rank == 1], minlength=regions.size)
    slots = np.minimum(limit, np.maximum(2, 2 * first_choice))
    while True:
        edges = int(slots[region].sum())
        if edges > budget.max_assignment_edges:
            edges_over(edges, budget)
        chosen, load = _solve(need, needs, region, units, slots)
        grow = (load == slots) & (slots < limit)
        if not grow.any():
            return chosen
        slots = np.where(grow, np.minimum(limit, 2 * slots), slots)


def _solve_dense(
    need: IntArray, needs: int, region: IntArray, units: npt.NDArray[np.int64], limit: IntArray
) -> IntArray:
    """The same optimum from a dense needs x slots matrix, for problems small enough
    (``DENSE_CELLS``): faster there than the sparse solver's augmenting paths."""
    owner = np.repeat(np.arange(limit.size), limit)
    gain = np.zeros((needs, limit.size))
    gain[need, region] = units
    rows, columns = linear_sum_assignment(gain[:, owner], maximize=True)
    regions_of = owner[columns]
    taken = gain[rows, regions_of] > 0  # a zero is "no allowed pair": no partner
    key = need * limit.size + region
    lookup = np.argsort(key, kind="stable")
    wanted = rows[taken] * limit.size + regions_of[taken]
    return np.sort(lookup[np.searchsorted(key[lookup], wanted)])


def _solve(
    need: IntArray, needs: int, region: IntArray, units: npt.NDArray[np.int64], slots: IntArray
) -> tuple[IntArray, IntArray]:
    """One matching with ``slots`` places per region: chosen pair indices and each region's
    load."""
    first_slot = np.r_[0, np.cumsum(slots)[:-1]]
    total_slots = int(slots.sum())
    per_pair = slots[region]
    edges_per_need = np.bincount(need, weights=per_pair, minlength=needs).astype(np.intp) + 1
    indptr = np.r_[0, np.cumsum(edges_per_need)]
    pair_of_edge = np.repeat(np.arange(need.size), per_pair)
    # Position of each real edge among its pair's slots, then among its need's edges.
    pair_start = np.r_[0, np.cumsum(per_pair)[:-1]]
    within_pair = np.arange(pair_of_edge.size) - pair_start[pair_of_edge]
    need_start = np.r_[0, np.cumsum(edges_per_need - 1)[:-1]]
    edge_need = need[pair_of_edge]
    position = indptr[edge_need] + (np.arange(pair_of_edge.size) - need_start[edge_need])
    big = int(units.max()) + 1
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    weights = np.empty(int(indptr[-1]), dtype=np.float64)
    indices[position] = first_slot[region[pair_of_edge]] + within_pair
    weights[position] = (big - units[pair_of_edge]).astype(np.float64)
    indices[indptr[1:] - 1] = total_slots + np.arange(needs)
    weights[indptr[1:] - 1] = float(big)
    graph = csr_matrix((weights, indices, indptr), shape=(needs, total_slots + needs))
    rows, columns = min_weight_full_bipartite_matching(graph)
    real = columns < total_slots
    matched_need, slot = rows[real], columns[real]
    owner = np.repeat(np.arange(slots.size), slots)[slot]
    load = np.bincount(owner, minlength=slots.size)
    # The pair of each (need, region) match: pairs sorted by need, one per region.
    key = need * slots.size + region
    lookup = np.argsort(key, kind="stable")
    chosen = lookup[np.searchsorted(key[lookup], matched_need * slots.size + owner)]
    return np.sort(chosen), load
