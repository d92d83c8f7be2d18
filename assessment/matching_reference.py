"""Today's matching algorithm (before the bucketed kernel), kept as the reference.

``assessment.matching`` must return exactly what this returns (same pairs, ranks, scores,
similarities, regions without candidates; the same optimal total for the assignment): the
equality tests and ``bench/matching.py`` run both on the same inputs. It scores every
receiving x transferring pair of each dimension in float64 blocks, infeasible ones included,
keeps each dimension's pairs that reach its k-th best score, and assigns with a dense needs x
slots matrix. Do not optimise it: its cost is the baseline the benchmark measures against.
Parameters it predates (``uncertain_scores``) are ignored: compare with their defaults.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment

from assessment.errors import ParameterError
from assessment.matching_params import MatchingParams
from assessment.matching_regions import check_params, check_profiles, counted
from assessment.model import MaturityModel, ModelRef
from assessment.profile import Profile

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

UnmetReason = Literal["no_candidate", "capacity", "missing_score", "no_room"]

SCORE_DECIMALS = 1e12
BLOCK_ELEMENTS = 1 << 21
# The pair fields both implementations report, compared field by field.
COMPARED = (
    "receiving",
    "transferring",
    "dimension",
    "receiving_score",
    "transferring_score",
    "gap",
    "similarity",
    "shared_context",
    "score",
    "rank",
)


def comparable(pairs: Sequence[object]) -> list[tuple[object, ...]]:
    """The compared fields of each pair, from either implementation's result."""
    return [tuple(getattr(pair, field) for field in COMPARED) for pair in pairs]


class ReferencePair(BaseModel):
    """One proposed twinning pair, with what it takes to judge it."""

    model_config = ConfigDict(frozen=True)

    receiving: str
    transferring: str
    dimension: str
    receiving_score: int
    transferring_score: int
    gap: int
    similarity: float
    shared_context: int = Field(description="context dimensions both regions scored")
    score: float
    rank: int = Field(description="1 = best; see the result kind for what is ranked")
    explanation: str


class ReferenceResult(BaseModel):
    """Candidate pairs or top-k suggestions.

    ``kind="candidates"``: every pair the rule allows, ranked within (receiving, dimension).
    ``kind="suggestions"``: the best ``top_k`` pairs per receiving region over all its needs.
    """

    model_config = ConfigDict(frozen=True)

    model: ModelRef
    kind: Literal["candidates", "suggestions"]
    params: MatchingParams
    pairs: tuple[ReferencePair, ...]
    without_candidates: tuple[str, ...] = Field(
        description="receiving regions with at least one need and no allowed partner"
    )

    def for_region(self, region: str) -> tuple[ReferencePair, ...]:
        return tuple(pair for pair in self.pairs if pair.receiving == region)


class ReferenceUnmet(BaseModel):
    model_config = ConfigDict(frozen=True)

    receiving: str
    dimension: str
    reason: UnmetReason
    candidates: int = Field(description="transferring regions the rule allows for this need")
    message: str


class ReferenceLoad(BaseModel):
    model_config = ConfigDict(frozen=True)

    region: str
    capacity: int
    assigned: int


class ReferenceAssignment(BaseModel):
    """Whole-programme assignment; a pair's ``rank`` is its place among its need's candidates."""

    model_config = ConfigDict(frozen=True)

    model: ModelRef
    params: MatchingParams
    pairs: tuple[ReferencePair, ...]
    unmet: tuple[ReferenceUnmet, ...]
    load: tuple[ReferenceLoad, ...]
    total_score: float
    needs: int


# --- preparation -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Regions:
    """Profiles as matrices, rows sorted by region name (the tie-break order)."""

    model: MaturityModel
    params: MatchingParams
    names: tuple[str, ...]
    values: FloatArray  # (n, m), NaN = no score
    improvement: BoolArray  # (n, m) flagged for improvement
    receive: BoolArray  # (n, m) counted as a need
    give: BoolArray  # (n, m) offered for coaching
    capacity: IntArray  # (n,)
    context: BoolArray  # (m,) similarity dimensions
    distance_code: FloatArray  # (n, m * levels): |x - level| on context dimensions, else 0
    level_code: FloatArray  # (n, m * levels): one-hot of the score
    context_present: FloatArray  # (n, m): 1 where scored and a context dimension

    @property
    def span(self) -> float:
        return float(self.model.scale.max - self.model.scale.min)


def _prepare(model: MaturityModel, profiles: Sequence[Profile], params: MatchingParams) -> _Regions:
    if not isinstance(params, MatchingParams):
        raise ParameterError("params must be a MatchingParams", ("params",))
    ordered = check_profiles(model, profiles)
    names = tuple(profile.region for profile in ordered)
    check_params(model, params, names)
    n, m = len(ordered), len(model.keys)
    values = np.array([p.vector() for p in ordered], dtype=np.float64).reshape(n, m)
    improvement = np.array(
        [[s.for_improvement for s in p.scores] for p in ordered], dtype=bool
    ).reshape(n, m)
    coaching = np.array([[s.for_coaching for s in p.scores] for p in ordered], dtype=bool).reshape(
        n, m
    )
    present = ~np.isnan(values)
    capacity = np.array(
        [params.capacity_overrides.get(name, params.capacity) for name in names], dtype=np.intp
    )
    with np.errstate(invalid="ignore"):
        receive = counted(improvement, params.improvement_flags) & present
        receive &= values <= model.scale.max - params.min_gap
        if params.max_receiving_level is not None:
            receive &= values <= params.max_receiving_level
        give = counted(coaching, params.coaching_flags) & present & (capacity > 0)[:, None]
        if params.min_transfer_level is not None:
            give &= values >= params.min_transfer_level
    context = np.ones(m, dtype=bool)
    if params.similarity_dimensions is not None:
        context = np.isin(np.array(model.keys), np.array(params.similarity_dimensions))
    levels = np.arange(model.scale.min, model.scale.max + 1, dtype=np.float64)
    filled = np.where(present, values, np.nan)[:, :, None]
    with np.errstate(invalid="ignore"):
        distance = np.where(
            present[:, :, None] & context[None, :, None], np.abs(filled - levels), 0
        )
        onehot = (filled == levels).astype(np.float64)
    return _Regions(
        model=model,
        params=params,
        names=names,
        values=values,
        improvement=improvement,
        receive=receive,
        give=give,
        capacity=capacity,
        context=context,
        distance_code=distance.reshape(n, m * levels.size),
        level_code=onehot.reshape(n, m * levels.size),
        context_present=(present & context[None, :]).astype(np.float64),
    )


@dataclass(frozen=True)
class _Block:
    """Scores of receiving rows x transferring columns on one dimension."""

    rows: IntArray
    cols: IntArray
    dim: int
    gap: FloatArray
    similarity: FloatArray
    shared: FloatArray
    score: FloatArray
    feasible: BoolArray


@dataclass(frozen=True)
class _Columns:
    """Transferring regions of one dimension with their codes transposed once, so that each
    block is a plain matrix product (no per-block gather of n x codes)."""

    cols: IntArray
    values: FloatArray  # (cols,) scores on the dimension
    level_code: FloatArray  # (m * levels, cols)
    context_present: FloatArray  # (m, cols)

    @classmethod
    def of(cls, reg: _Regions, cols: IntArray, dim: int) -> _Columns:
        return cls(
            cols=cols,
            values=reg.values[cols, dim],
            level_code=np.ascontiguousarray(reg.level_code[cols].T),
            context_present=np.ascontiguousarray(reg.context_present[cols].T),
        )


def _score_block(reg: _Regions, rows: IntArray, columns: _Columns, dim: int) -> _Block:
    """The rule of the module docstring for every (row, column) pair at once.

    Context distances come from one matrix product of the rows' distance codes with the
    columns' one-hot codes (exact: sums of small integers), which avoids an
    (n, n, dimensions) tensor; the transferred dimension is taken out afterwards.
    """
    params = reg.params
    gap = columns.values[None, :] - reg.values[rows, dim][:, None]
    feasible = gap >= params.min_gap
    distance = reg.distance_code[rows] @ columns.level_code
    shared = reg.context_present[rows] @ columns.context_present
    if reg.context[dim]:
        distance -= np.abs(gap)
        shared -= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = np.where(
            shared > 0, 1.0 - distance / (shared * reg.span), params.neutral_similarity
        )
    combined = (params.gap_weight * gap / reg.span + params.similarity_weight * similarity) / (
        params.gap_weight + params.similarity_weight
    )
    # Never below one step: an allowed pair must outscore the excluded ones (0) in the solver.
    score = np.maximum(np.floor(combined * SCORE_DECIMALS + 0.5), 1.0) / SCORE_DECIMALS
    return _Block(rows, columns.cols, dim, gap, similarity, shared, score, feasible)


def _row_chunks(rows: IntArray, work: IntArray | int) -> Iterator[IntArray]:
    """Consecutive slices of ``rows`` whose summed ``work`` (pairs to score per row) stays
    near ``BLOCK_ELEMENTS``: about one block's worth, and a single row when one row has more."""
    per_row = np.broadcast_to(np.asarray(work, dtype=np.int64), rows.shape)
    bucket = np.cumsum(per_row) // max(BLOCK_ELEMENTS, 1)
    cuts = np.flatnonzero(np.diff(bucket)) + 1
    start = 0
    for stop in [*cuts.tolist(), rows.size]:
        if stop > start:
            yield rows[start:stop]
        start = stop


@dataclass(frozen=True)
class _Pairs:
    """Flat arrays of pairs (indices into ``_Regions``)."""

    row: IntArray
    col: IntArray
    dim: IntArray
    gap: FloatArray
    similarity: FloatArray
    shared: FloatArray
    score: FloatArray

    @classmethod
    def from_block(cls, block: _Block, keep: BoolArray) -> _Pairs:
        ri, ci = np.nonzero(keep)
        return cls(
            row=block.rows[ri],
            col=block.cols[ci],
            dim=np.full(ri.size, block.dim, dtype=np.intp),
            gap=block.gap[ri, ci],
            similarity=block.similarity[ri, ci],
            shared=block.shared[ri, ci],
            score=block.score[ri, ci],
        )

    @classmethod
    def concat(cls, parts: Sequence[_Pairs]) -> _Pairs:
        if not parts:
            empty_i, empty_f = np.zeros(0, dtype=np.intp), np.zeros(0)
            return cls(empty_i, empty_i, empty_i, empty_f, empty_f, empty_f, empty_f)
        return cls(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__)
        )

    def take(self, index: IntArray) -> _Pairs:
        return _Pairs(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def ranked(self, by_dimension: bool, limit: int | None) -> tuple[_Pairs, IntArray]:
        """Sorted in the documented order within each group, with 1-based ranks, cut at limit."""
        group_keys = (self.dim, self.row) if by_dimension else (self.row,)
        order = np.lexsort((self.col, self.dim, -self.gap, -self.score, *group_keys))
        pairs = self.take(order)
        group = pairs.row
        if by_dimension:
            group = pairs.row * (int(pairs.dim.max(initial=0)) + 1) + pairs.dim
        starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
        sizes = np.diff(np.r_[starts, group.size])
        rank = np.arange(group.size) - np.repeat(starts, sizes) + 1
        if limit is not None:
            keep = np.flatnonzero(rank <= limit)
            return pairs.take(keep), rank[keep]
        return pairs, rank


def _proposals(reg: _Regions, pairs: _Pairs, rank: IntArray) -> tuple[ReferencePair, ...]:
    names, keys, dims = reg.names, reg.model.keys, reg.model.dimensions
    values = reg.values
    out = []
    for r, t, d, gap, sim, shared, score, k in zip(
        pairs.row.tolist(),
        pairs.col.tolist(),
        pairs.dim.tolist(),
        pairs.gap.tolist(),
        pairs.similarity.tolist(),
        pairs.shared.tolist(),
        pairs.score.tolist(),
        rank.tolist(),
        strict=True,
    ):
        low, high = int(values[r, d]), int(values[t, d])
        context = f"over {int(shared)} shared dimensions" if shared > 0 else "(no shared context)"
        out.append(
            ReferencePair.model_construct(
                receiving=names[r],
                transferring=names[t],
                dimension=keys[d],
                receiving_score=low,
                transferring_score=high,
                gap=int(gap),
                similarity=sim,
                shared_context=int(shared),
                score=score,
                rank=k,
                explanation=(
                    f"#{k}: {names[r]} ({low}) learns {dims[d].name} from {names[t]} ({high}): "
                    f"gap {int(gap)}, similarity {sim:.2f} {context}, score {score:.3f}"
                ),
            )
        )
    return tuple(out)


def _without_candidates(reg: _Regions, pairs: _Pairs) -> tuple[str, ...]:
    needing = np.flatnonzero(reg.receive.any(axis=1))
    lonely = np.setdiff1d(needing, pairs.row)
    return tuple(reg.names[i] for i in lonely.tolist())


# --- public functions --------------------------------------------------------------------


def candidate_pairs(
    model: MaturityModel,
    profiles: Sequence[Profile],
    params: MatchingParams | None = None,
    *,
    dimension: str | None = None,
) -> ReferenceResult:
    """Every pair the rule allows (on one dimension, or all), ranked per receiving region and
    dimension. Output grows with the square of the number of regions: use
    :func:`suggest_partners` for large sets."""
    params = MatchingParams() if params is None else params
    reg = _prepare(model, profiles, params)
    dims = range(len(model.keys))
    if dimension is not None:
        if dimension not in model.keys:
            raise ParameterError(f"unknown dimension {dimension!r}", ("dimension",))
        dims = range(model.index(dimension), model.index(dimension) + 1)
    parts = []
    for d in dims:
        columns = _Columns.of(reg, np.flatnonzero(reg.give[:, d]), d)
        if not columns.cols.size:
            continue
        for rows in _row_chunks(np.flatnonzero(reg.receive[:, d]), columns.cols.size):
            block = _score_block(reg, rows, columns, d)
            parts.append(_Pairs.from_block(block, block.feasible))
    pairs, rank = _Pairs.concat(parts).ranked(by_dimension=True, limit=None)
    return ReferenceResult(
        model=model.ref,
        kind="candidates",
        params=params,
        pairs=_proposals(reg, pairs, rank),
        without_candidates=_without_candidates(reg, pairs),
    )


def suggest_partners(
    model: MaturityModel, profiles: Sequence[Profile], params: MatchingParams | None = None
) -> ReferenceResult:
    """The ``top_k`` best pairs per receiving region, over all its needs.

    Receiving regions are processed in chunks holding about ``BLOCK_ELEMENTS`` pairs to
    score; within a chunk each dimension keeps the pairs that reach its k-th best score (ties
    included, found with ``np.partition``), then the chunk is sorted and cut. Memory stays at
    a few such blocks of float64 (16 MiB each) plus the regions' codes (n x dimensions x
    levels, and once more transposed per dimension for the transferring side), for any n.
    """
    params = MatchingParams() if params is None else params
    reg = _prepare(model, profiles, params)
    k = params.top_k
    m = reg.values.shape[1]
    columns = [_Columns.of(reg, np.flatnonzero(reg.give[:, d]), d) for d in range(m)]
    widths = np.array([c.cols.size for c in columns], dtype=np.int64)
    receivers = np.flatnonzero(reg.receive.any(axis=1))
    results = []
    for chunk in _row_chunks(receivers, reg.receive[receivers].astype(np.int64) @ widths):
        parts = []
        for d in range(m):
            rows = chunk[reg.receive[chunk, d]]
            if not rows.size or not widths[d]:
                continue
            block = _score_block(reg, rows, columns[d], d)
            keep = block.feasible
            if widths[d] > k:
                masked = np.where(keep, block.score, -np.inf)
                kth = -np.partition(-masked, k - 1, axis=1)[:, k - 1]
                keep = keep & (masked >= kth[:, None])
            parts.append(_Pairs.from_block(block, keep))
        results.append(_Pairs.concat(parts).ranked(by_dimension=False, limit=k))
    pairs = _Pairs.concat([p for p, _ in results])
    rank = np.concatenate([r for _, r in results]) if results else np.zeros(0, dtype=np.intp)
    return ReferenceResult(
        model=model.ref,
        kind="suggestions",
        params=params,
        pairs=_proposals(reg, pairs, rank),
        without_candidates=_without_candidates(reg, pairs),
    )


def assign_partners(
    model: MaturityModel, profiles: Sequence[Profile], params: MatchingParams | None = None
) -> ReferenceAssignment:
    """Programme-wide assignment maximising the total score under capacities (exact).

    The unit is a need (receiving region, dimension); a transferring region may coach the
    same receiving region on several dimensions, each using one unit of its capacity.
    Memory: a dense needs x transferring-regions score matrix, then needs x slots costs, where
    slots = sum of capacities (each capped at the number of needs it could serve).
    """
    params = MatchingParams() if params is None else params
    reg = _prepare(model, profiles, params)
    need_row, need_dim = np.nonzero(reg.receive)
    offering = np.flatnonzero(reg.give.any(axis=1))
    n_needs, n_offer = need_row.size, offering.size
    score = np.full((n_needs, n_offer), -np.inf)
    similarity = np.zeros((n_needs, n_offer))
    shared = np.zeros((n_needs, n_offer))
    for d in range(len(model.keys)):
        needs_d = np.flatnonzero(need_dim == d)
        slot_cols = np.flatnonzero(reg.give[offering, d])
        if not slot_cols.size:
            continue
        columns = _Columns.of(reg, offering[slot_cols], d)
        for part in _row_chunks(needs_d, slot_cols.size):
            block = _score_block(reg, need_row[part], columns, d)
            where = np.ix_(part, slot_cols)
            score[where] = np.where(block.feasible, block.score, -np.inf)
            similarity[where] = block.similarity
            shared[where] = block.shared
    feasible = np.isfinite(score)
    candidates = feasible.sum(axis=1)
    capacity = np.minimum(reg.capacity[offering], feasible.sum(axis=0))
    owner = np.repeat(np.arange(n_offer), capacity)
    chosen_need = np.zeros(0, dtype=np.intp)
    chosen_col = np.zeros(0, dtype=np.intp)
    if n_needs and owner.size:
        gain = np.where(feasible, score, 0.0)[:, owner]
        need_idx, slot_idx = linear_sum_assignment(gain, maximize=True)
        chosen_col = owner[slot_idx]
        ok = feasible[need_idx, chosen_col]
        chosen_need, chosen_col = need_idx[ok], chosen_col[ok]
    pairs = _Pairs(
        row=need_row[chosen_need],
        col=offering[chosen_col],
        dim=need_dim[chosen_need],
        gap=reg.values[offering[chosen_col], need_dim[chosen_need]]
        - reg.values[need_row[chosen_need], need_dim[chosen_need]],
        similarity=similarity[chosen_need, chosen_col],
        shared=shared[chosen_need, chosen_col],
        score=score[chosen_need, chosen_col],
    )
    rank = _rank_in_row(reg, score, need_row, need_dim, offering, chosen_need, chosen_col)
    proposals = _proposals(reg, pairs, rank)
    assigned = np.zeros(n_offer, dtype=np.intp)
    np.add.at(assigned, chosen_col, 1)
    unmet_rows = np.setdiff1d(np.arange(n_needs), chosen_need)
    return ReferenceAssignment(
        model=model.ref,
        params=params,
        pairs=tuple(sorted(proposals, key=lambda p: (p.receiving, model.index(p.dimension)))),
        unmet=_unmet(reg, need_row, need_dim, unmet_rows, candidates),
        load=tuple(
            ReferenceLoad(
                region=reg.names[t], capacity=int(reg.capacity[t]), assigned=int(assigned[j])
            )
            for j, t in enumerate(offering.tolist())
        ),
        total_score=float(pairs.score.sum()),
        needs=n_needs,
    )


def _rank_in_row(
    reg: _Regions,
    score: FloatArray,
    need_row: IntArray,
    need_dim: IntArray,
    offering: IntArray,
    chosen_need: IntArray,
    chosen_col: IntArray,
) -> IntArray:
    """1-based place of each chosen column among its need's candidates, in the pair order."""
    if not chosen_need.size:
        return np.zeros(0, dtype=np.intp)
    rows = score[chosen_need]
    mine = score[chosen_need, chosen_col][:, None]
    gaps = (
        reg.values[offering[None, :], need_dim[chosen_need][:, None]]
        - reg.values[need_row[chosen_need], need_dim[chosen_need]][:, None]
    )
    my_gap = gaps[np.arange(chosen_col.size), chosen_col][:, None]
    # Columns are in region-name order, the last tie-break.
    before = np.arange(offering.size)[None, :] < chosen_col[:, None]
    better = (rows > mine) | ((rows == mine) & ((gaps > my_gap) | ((gaps == my_gap) & before)))
    return np.asarray(better.sum(axis=1) + 1, dtype=np.intp)


def _unmet(
    reg: _Regions,
    need_row: IntArray,
    need_dim: IntArray,
    unmet_rows: IntArray,
    candidates: npt.NDArray[np.int_],
) -> tuple[ReferenceUnmet, ...]:
    keys = reg.model.keys
    out = []
    for i in unmet_rows.tolist():
        name, key, count = reg.names[need_row[i]], keys[need_dim[i]], int(candidates[i])
        if count:
            reason: UnmetReason = "capacity"
            message = f"all {count} allowed transferring regions are at capacity"
        else:
            reason, message = "no_candidate", "no transferring region fits the rule"
        out.append(
            ReferenceUnmet(
                receiving=name, dimension=key, reason=reason, candidates=count, message=message
            )
        )
    if reg.params.improvement_flags != "ignored":
        # Flagged needs the rule cannot even consider are reported, never dropped silently.
        scored = ~np.isnan(reg.values)
        with np.errstate(invalid="ignore"):
            no_room = scored & (reg.values > reg.model.scale.max - reg.params.min_gap)
        flagged: tuple[tuple[UnmetReason, BoolArray, str], ...] = (
            (
                "missing_score",
                reg.improvement & ~scored,
                "flagged for improvement but not scored: no gap can be measured",
            ),
            (
                "no_room",
                reg.improvement & no_room,
                f"flagged for improvement but scored within min_gap ({reg.params.min_gap:g}) "
                "of the scale's top: no region can be that far ahead",
            ),
        )
        for reason, mask, message in flagged:
            for r, d in zip(*np.nonzero(mask), strict=True):
                out.append(
                    ReferenceUnmet(
                        receiving=reg.names[r],
                        dimension=keys[d],
                        reason=reason,
                        candidates=0,
                        message=message,
                    )
                )
    return tuple(sorted(out, key=lambda u: (u.receiving, keys.index(u.dimension))))
