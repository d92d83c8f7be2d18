"""The scoring kernel of twinning: every allowed pair, or each receiving region's best k.

Why it is fast, and why it is exact:

* **Buckets.** On one dimension *d*, needs are grouped by the receiving region's level (and,
  when uncertain scores are down-weighted, by whether that score is uncertain) and offers by
  the transferring region's level (likewise). Inside a pair of buckets the gap is one number
  and every pair is allowed, so no infeasible pair is ever scored.
* **One integer code per pair.** A pair's similarity depends only on ``shared`` (context
  dimensions both scored) and ``distance`` (the sum of their differences), so one matrix
  product of small integer codes gives ``code = distance + A * shared`` for a whole block of
  pairs, with ``A = dimensions * span + 1``. Every partial sum is an integer below 2**24, so
  float32 arithmetic is exact.
* **Tables.** :class:`ScoreTable` evaluates the documented formula once for every (gap,
  uncertain sides, code) combination, with the same float64 operations as a pair-by-pair
  evaluation, so scores are bit for bit those of the formula. It also numbers the
  combinations in the documented pair order (score, then gap, both high first): ranking a
  block is a table lookup and small-integer comparisons.
* **Pruning.** For the top-k search, a receiving region stops looking at a bucket once its
  k-th best pair on *d* ranks before anything that bucket could hold (its best possible
  score: similarity 1, or the neutral similarity). Buckets are visited best bound first.

Blocks hold about ``BLOCK_ELEMENTS`` pairs, so memory stays at a few blocks of 4-byte values
plus the (regions x dimensions) arrays, for any number of regions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from assessment.errors import ModelError
from assessment.matching_regions import BoolArray, FloatArray, IntArray, Regions

Float32Array = npt.NDArray[np.float32]
Int32Array = npt.NDArray[np.int32]

SCORE_DECIMALS = 1e12
# Pairs per block (receiving rows x transferring columns): 8 MiB per 4-byte block array.
BLOCK_ELEMENTS = 1 << 21
# Up to this k, a row's best k are found by repeated minimum (fast for small k);
# above it by a partition.
SMALL_K = 8
# float32 holds every integer below 2**24 exactly.
EXACT_FLOAT32 = 1 << 24
TABLE_LIMIT = 1 << 24
# A dimension with at most this many (receiving x transferring) pairs is scored in one
# block, infeasible pairs included: for small sets, fewer steps beat fewer pairs.
DENSE_PAIRS = 1 << 16


@dataclass(frozen=True)
class ScoreTable:
    """The formula evaluated for every combination a pair can have.

    Indexed ``[gap, uncertain sides, code]`` (``code = distance + dist_base * shared``):
    ``score`` and ``order`` (dense rank in the pair order: lower is better); similarity and
    shared context by ``[code]``.
    """

    dist_base: int
    score: FloatArray
    order: Int32Array
    best: Int32Array  # [gap, uncertain sides]: the best order a pair there can have
    similarity: FloatArray
    shared: Int32Array

    @classmethod
    def build(cls, reg: Regions) -> ScoreTable:
        params, span, m = reg.params, reg.span, len(reg.model.keys)
        dist_base = m * span + 1
        codes = dist_base * (m + 1)
        if codes >= EXACT_FLOAT32 or codes * (span + 1) * 3 > TABLE_LIMIT:
            raise ModelError(
                f"model {reg.model.id} {reg.model.version} is too large to match: "
                f"{m} dimensions on a span of {span} give {codes:,} context codes "
                f"(at most {EXACT_FLOAT32:,}, and {TABLE_LIMIT:,} table entries)",
                ("model",),
            )
        code = np.arange(codes)
        shared = (code // dist_base).astype(np.float64)
        distance = (code % dist_base).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            similarity = np.where(
                shared > 0, 1.0 - distance / (shared * float(span)), params.neutral_similarity
            )
        gap = np.arange(span + 1, dtype=np.float64)[:, None, None]
        # The documented formula, in the order of operations the README writes it.
        combined = (
            params.gap_weight * gap / float(span) + params.similarity_weight * similarity
        ) / (params.gap_weight + params.similarity_weight)
        weight = np.array([1.0, params.uncertain_weight, params.uncertain_weight**2])
        combined = np.broadcast_to(combined, (span + 1, 3, codes)).copy()
        combined[:, 1:] *= weight[1:, None]
        # Never below one step: an allowed pair must outscore "no partner" (0) in the solver.
        score = np.maximum(np.floor(combined * SCORE_DECIMALS + 0.5), 1.0) / SCORE_DECIMALS
        gaps = np.broadcast_to(gap, score.shape)
        flat = np.lexsort((-gaps.ravel(), -score.ravel()))
        change = np.r_[
            True, (np.diff(score.ravel()[flat]) != 0) | (np.diff(gaps.ravel()[flat]) != 0)
        ]
        order = np.empty(flat.size, dtype=np.int32)
        order[flat] = np.cumsum(change) - 1
        order3 = order.reshape(score.shape)
        return cls(
            dist_base=dist_base,
            score=score,
            order=order3,
            best=order3.min(axis=2),
            similarity=similarity,
            shared=(code // dist_base).astype(np.int32),
        )

    @property
    def orders(self) -> int:
        return int(self.order.max()) + 1


@dataclass(frozen=True)
class Pairs:
    """Flat arrays of pairs (indices into :class:`Regions`) with their table coordinates."""

    row: IntArray
    col: IntArray
    dim: IntArray
    gap: IntArray
    sides: IntArray  # uncertain sides that lower the score (0-2)
    code: IntArray
    rank: IntArray  # 1-based place in the group the result ranks in

    @classmethod
    def empty(cls) -> Pairs:
        none = np.zeros(0, dtype=np.intp)
        return cls(none, none, none, none, none, none, none)

    @property
    def size(self) -> int:
        return int(self.row.size)

    def take(self, index: IntArray) -> Pairs:
        return Pairs(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def score(self, table: ScoreTable) -> FloatArray:
        return table.score[self.gap, self.sides, self.code]

    def order(self, table: ScoreTable) -> IntArray:
        return table.order[self.gap, self.sides, self.code].astype(np.intp)


@dataclass(frozen=True)
class _Bucket:
    """Transferring regions of one dimension at one level (and uncertainty)."""

    level: int
    sides: int
    cols: IntArray
    codes: Float32Array  # (code columns, regions): one-hot levels, then scored flags


def _groups(
    rows: IntArray, level: npt.NDArray[np.int8], weighted: BoolArray
) -> dict[tuple[int, int], IntArray]:
    """Rows grouped by (level, uncertain), each group in row (name) order."""
    key = level[rows].astype(np.intp) * 2 + weighted[rows]
    out: dict[tuple[int, int], IntArray] = {}
    for value in np.unique(key).tolist():
        out[(value // 2, value % 2)] = rows[key == value]
    return out


def _levels(reg: Regions) -> npt.NDArray[np.int8]:
    return np.arange(reg.span + 1, dtype=np.int8)


def receiver_codes(reg: Regions, table: ScoreTable, rows: IntArray, dim: int) -> Float32Array:
    """(rows, code columns): distance to each level and ``dist_base`` per scored context
    dimension, nothing for ``dim`` itself (it is the one transferred, never its own context)."""
    level = reg.level[rows]
    ctx = (level >= 0) & reg.context[None, :]
    ctx[:, dim] = False
    distance = np.abs(level[:, :, None].astype(np.int16) - _levels(reg)[None, None, :])
    width = reg.level.shape[1] * (reg.span + 1)
    distance = np.where(ctx[:, :, None], distance, 0).reshape(rows.size, width)
    return np.hstack([distance, ctx * table.dist_base]).astype(np.float32)


def _giver_codes(reg: Regions, cols: IntArray) -> Float32Array:
    level = reg.level[cols]
    width = reg.level.shape[1] * (reg.span + 1)
    onehot = (level[:, :, None] == _levels(reg)[None, None, :]).reshape(cols.size, width)
    return np.ascontiguousarray(np.hstack([onehot, level >= 0]).astype(np.float32).T)


def _buckets(reg: Regions, dim: int) -> list[_Bucket]:
    cols = np.flatnonzero(reg.give[:, dim])
    groups = _groups(cols, reg.level[:, dim], reg.weighted[:, dim])
    return [
        _Bucket(level, sides, members, _giver_codes(reg, members))
        for (level, sides), members in groups.items()
    ]


def _chunks(rows: IntArray, width: int) -> Iterator[IntArray]:
    step = max(1, BLOCK_ELEMENTS // max(width, 1))
    for start in range(0, rows.size, step):
        yield rows[start : start + step]


def _usable(reg: Regions, buckets: list[_Bucket], level: int) -> list[_Bucket]:
    return [b for b in buckets if b.level - level >= reg.params.min_gap]


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the kernel's many small matrix products on one BLAS thread.

    Waking a BLAS thread pool for each block costs more than it gains on small blocks, and on
    a busy machine (other workers, other requests) it is ruinous: measured on the shared
    2-core machine under load, 3,000 regions took 2.7 s with the default two threads and
    0.13 s with one. A service parallelises across requests instead. Like scikit-learn, this
    limits the BLAS library's threads for the duration of the call (process-wide, restored
    afterwards).
    """
    with _blas().limit(limits=1, user_api="blas"):
        yield


# --- every allowed pair ----------------------------------------------------------------


def all_pairs(reg: Regions, table: ScoreTable, dims: Iterable[int]) -> Pairs:
    """Every allowed pair on ``dims``, sorted by receiving region, dimension, then the pair
    order; ``rank`` is the place within (receiving region, dimension)."""
    parts: list[tuple[IntArray, ...]] = []
    for dim in dims:
        buckets = _buckets(reg, dim)
        receivers = np.flatnonzero(reg.receive[:, dim])
        for (level, sides), rows in _groups(
            receivers, reg.level[:, dim], reg.weighted[:, dim]
        ).items():
            for bucket in _usable(reg, buckets, level):
                for chunk in _chunks(rows, bucket.cols.size):
                    codes = receiver_codes(reg, table, chunk, dim) @ bucket.codes
                    size = codes.size
                    parts.append(
                        (
                            np.repeat(chunk, bucket.cols.size),
                            np.tile(bucket.cols, chunk.size),
                            np.full(size, dim, dtype=np.intp),
                            np.full(size, bucket.level - level, dtype=np.intp),
                            np.full(size, sides + bucket.sides, dtype=np.intp),
                            codes.astype(np.intp).ravel(),
                        )
                    )
    if not parts:
        return Pairs.empty()
    row, col, dim_, gap, sides_, code = (np.concatenate(a) for a in zip(*parts, strict=True))
    order = table.order[gap, sides_, code]
    sort = np.lexsort((col, order, dim_, row))
    group = row[sort] * (int(dim_.max()) + 1) + dim_[sort]
    rank = _place_in_group(group)
    return Pairs(row[sort], col[sort], dim_[sort], gap[sort], sides_[sort], code[sort], rank)


def _place_in_group(group: IntArray) -> IntArray:
    """1-based position of each element within its run of equal ``group`` values."""
    if not group.size:
        return np.zeros(0, dtype=np.intp)
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    sizes = np.diff(np.r_[starts, group.size])
    return np.asarray(np.arange(group.size) - np.repeat(starts, sizes) + 1, dtype=np.intp)


# --- each receiving region's best k ------------------------------------------------------


def top_k(reg: Regions, table: ScoreTable, k: int) -> Pairs:
    """Each receiving region's ``k`` best pairs over all its needs, in the pair order
    (score, gap, dimension order, transferring region's name); ``rank`` is 1..k."""
    n = len(reg.names)
    found: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []
    for dim in range(len(reg.model.keys)):
        receivers = np.flatnonzero(reg.receive[:, dim])
        givers = np.flatnonzero(reg.give[:, dim])
        if receivers.size * givers.size <= DENSE_PAIRS:
            if givers.size and receivers.size:
                keys = _best_of_dimension(reg, table, receivers, givers, dim, k)
                found.append(_found(receivers, keys, dim, n))
            continue
        buckets = _buckets(reg, dim)
        for (level, sides), rows in _groups(
            receivers, reg.level[:, dim], reg.weighted[:, dim]
        ).items():
            usable = _usable(reg, buckets, level)
            if not usable:
                continue
            # Best bound first: once no row can gain from a bucket, none gains from the rest.
            usable.sort(key=lambda b: int(table.best[b.level - level, sides + b.sides]))
            width = max(b.cols.size for b in usable)
            for chunk in _chunks(rows, width):
                keys = _best_of_chunk(reg, table, chunk, dim, level, sides, usable, k)
                found.append(_found(chunk, keys, dim, n))
    if not found:
        return Pairs.empty()
    row, order, dim_, col = (np.concatenate(a) for a in zip(*found, strict=True))
    sort = np.lexsort((col, dim_, order, row))
    row, dim_, col = row[sort], dim_[sort], col[sort]
    rank = _place_in_group(row)
    keep = np.flatnonzero(rank <= k)
    return pairs_of(reg, table, row[keep], col[keep], dim_[keep], rank[keep])


_SENTINEL = np.iinfo(np.int64).max


def _found(
    rows: IntArray, keys: npt.NDArray[np.int64], dim: int, n: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(row, order, dimension, column) of the kept keys ``order * n + column``."""
    kept = keys != _SENTINEL
    count = int(kept.sum())
    return (
        np.repeat(rows, kept.sum(axis=1)),
        keys[kept] // n,
        np.full(count, dim, dtype=np.intp),
        keys[kept] % n,
    )


def _best_of_dimension(
    reg: Regions, table: ScoreTable, rows: IntArray, cols: IntArray, dim: int, k: int
) -> npt.NDArray[np.int64]:
    """``_best_of_chunk`` for a small dimension in one block, without buckets: every
    (row, column) pair is scored, gaps below ``min_gap`` rank after everything."""
    n = len(reg.names)
    codes = receiver_codes(reg, table, rows, dim) @ _giver_codes(reg, cols)
    gap = reg.level[cols, dim][None, :].astype(np.intp) - reg.level[rows, dim][:, None]
    weighted = reg.weighted[:, dim].astype(np.intp)
    sides = weighted[rows][:, None] + weighted[cols][None, :]
    orders = table.order[np.maximum(gap, 0), sides, codes.astype(np.intp)]
    orders[gap < reg.params.min_gap] = table.orders
    order, local = _row_best(_keys(orders, cols.size, table.orders), k)
    keys = order.astype(np.int64) * n + cols[local]
    keys[order == table.orders] = _SENTINEL
    state = np.full((rows.size, k), _SENTINEL, dtype=np.int64)
    state[:, : keys.shape[1]] = keys
    return state


def _best_of_chunk(
    reg: Regions,
    table: ScoreTable,
    rows: IntArray,
    dim: int,
    level: int,
    sides: int,
    buckets: list[_Bucket],
    k: int,
) -> npt.NDArray[np.int64]:
    """(rows, k) keys ``order * regions + column`` of each row's best k pairs on ``dim``
    (``_SENTINEL`` where a row has fewer)."""
    n = len(reg.names)
    codes = receiver_codes(reg, table, rows, dim)
    state = np.full((rows.size, k), _SENTINEL, dtype=np.int64)
    for bucket in buckets:
        gap, both = bucket.level - level, sides + bucket.sides
        open_rows = state[:, k - 1] // n >= table.best[gap, both]
        live = np.flatnonzero(open_rows)
        if not live.size:
            break
        block = (codes if live.size == rows.size else codes[live]) @ bucket.codes
        orders = np.take(table.order[gap, both], block.astype(np.int32))
        order, local = _row_best(_keys(orders, bucket.cols.size, table.orders), k)
        keys = order.astype(np.int64) * n + bucket.cols[local]
        merged = np.concatenate([state[live], keys], axis=1)
        merged.sort(axis=1)
        state[live] = merged[:, :k]
    return state


def _keys(
    orders: npt.NDArray[np.integer[Any]], width: int, top: int
) -> npt.NDArray[np.integer[Any]]:
    """``order * width + column`` per cell (int32 when it fits): unique within a row, so the
    row's minima are its best pairs with ties on order broken by column."""
    wide = top * width + width >= np.iinfo(np.int32).max
    dtype = np.int64 if wide else np.int32
    keys: npt.NDArray[np.integer[Any]] = np.asarray(orders.astype(dtype) * width)
    np.add(keys, np.arange(width, dtype=dtype), out=keys)
    return keys


def _row_best(keys: npt.NDArray[np.integer[Any]], k: int) -> tuple[IntArray, IntArray]:
    """Per row of ``_keys``, the ``min(k, width)`` best (order, column) pairs."""
    rows, width = keys.shape
    kk = min(k, width)
    if kk == width:
        best = np.sort(keys, axis=1)
    elif kk <= SMALL_K:
        best = np.empty((rows, kk), dtype=keys.dtype)
        everyone = np.arange(rows)
        top = np.iinfo(keys.dtype).max
        for i in range(kk):
            low = keys.min(axis=1)
            best[:, i] = low
            keys[everyone, low % width] = top
    else:
        best = np.partition(keys, kk - 1, axis=1)[:, :kk]
    best = best.astype(np.intp)
    return best // width, best % width


# --- details of chosen pairs -------------------------------------------------------------


def context_differences(
    reg: Regions, row: IntArray, col: IntArray, dim: IntArray
) -> tuple[npt.NDArray[np.int16], BoolArray]:
    """(pairs, dimensions) score differences ``|x[r,c] - x[t,c]|`` and where they count as
    context (both scored, a similarity dimension, not the transferred one)."""
    a, b = reg.level[row], reg.level[col]
    valid = (a >= 0) & (b >= 0) & reg.context[None, :]
    valid[np.arange(row.size), dim] = False
    return np.abs(a.astype(np.int16) - b), valid


def pairs_of(
    reg: Regions, table: ScoreTable, row: IntArray, col: IntArray, dim: IntArray, rank: IntArray
) -> Pairs:
    """Pairs chosen by index, with their table coordinates recomputed per pair."""
    gap = reg.level[col, dim].astype(np.intp) - reg.level[row, dim]
    weighted = reg.weighted
    sides = weighted[row, dim].astype(np.intp) + weighted[col, dim]
    diff, valid = context_differences(reg, row, col, dim)
    shared = valid.sum(axis=1)
    distance = np.where(valid, diff, 0).sum(axis=1)
    code = (distance + table.dist_base * shared).astype(np.intp)
    return Pairs(row, col, dim, gap, sides, code, rank)
