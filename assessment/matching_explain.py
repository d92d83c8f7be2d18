"""Turning pairs and needs into the explained result objects of ``matching_results``.

A suggestion run at 30,000 regions returns 90,000 pairs, the candidates of one dimension at
3,000 regions half a million, so the pieces of an explanation are built once and shared
(frozen models): a pair's flag reasons, level checks and confidence come from a handful of
distinct values, context dimensions from (dimension, score, score) triples, and the alike and
different tuples from the distinct rows of those. Every field is computed for all pairs at
once as a column; per pair there remain a dictionary and an object built from trusted values
without a Python call of its own (``trusted_many``).

Even so, half a million objects cost several times the scoring, so a result holds its pairs
as a :class:`PairSequence` over :class:`Proposals`: the pairs' columns, explained a chunk at
a time when first read, the shared pieces built once per call and reused by every chunk.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from assessment.matching_kernel import Pairs, ScoreTable
from assessment.matching_pairs import PairSequence
from assessment.matching_regions import AGREEMENT_CODES, BoolArray, IntArray, Regions
from assessment.matching_results import (
    ContextDimension,
    FlagBasis,
    FlagReason,
    LevelCheck,
    PairProposal,
    PairReasons,
    ScoreConfidence,
    UnmetCondition,
    UnmetNeed,
    UnmetReason,
)

Model = TypeVar("Model", bound=BaseModel)

CONTEXT_SHOWN = 3
FLAG_BASES: tuple[FlagBasis, ...] = ("flagged", "region_flagged_none", "flags_ignored")
STATUSES = len(AGREEMENT_CODES)
Objects = npt.NDArray[np.object_]
Ids = npt.NDArray[np.int64]
Keys = npt.NDArray[np.signedinteger[Any]]


def trusted_many(cls: type[Model], values: list[dict[str, Any]]) -> list[Model]:
    """``[cls.model_construct(**v) for v in values]`` for values that set every field, without
    the per-field default handling and without a Python call per object: each of the
    object's four slots is set for all objects in one ``map`` over C functions. Equal to
    validated objects; every object shares one ``__pydantic_fields_set__`` (frozen models
    never change it)."""
    fields = set(cls.model_fields)
    objects = list(map(object.__new__, repeat(cls, len(values))))
    slots: tuple[tuple[str, Iterable[object]], ...] = (
        ("__dict__", values),
        ("__pydantic_fields_set__", repeat(fields)),
        ("__pydantic_extra__", repeat(None)),
        ("__pydantic_private__", repeat(None)),
    )
    for slot, column in slots:
        deque(map(vars(BaseModel)[slot].__set__, objects, column), maxlen=0)
    return objects


@contextmanager
def no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects: its passes
    over the growing heap cost more than building them (measured: 1.5 s of 2 s for 180,000
    objects)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- pairs -------------------------------------------------------------------------------


def _flag_basis(flags: BoolArray, policy: str, row: IntArray, dim: IntArray) -> IntArray:
    """0 flagged, 1 counted because the region flagged nothing, 2 counted by policy."""
    unflagged = 1 if policy == "when_flagged" else 2
    return np.where(flags[row, dim], 0, unflagged)


def _context_ids(reg: Regions, pairs: Pairs) -> tuple[Ids, Ids]:
    """Per pair, ids of its closest and furthest context dimensions ((pairs, 3), -1 pads
    last), each id ``(dimension * levels + receiving level) * levels + transferring level``.

    Closest: smallest difference, then model order. Furthest: largest difference, then model
    order, among differences above 0 not already listed as closest. Each dimension gives
    every pair a key (``difference * dimensions + dimension`` for the closest,
    ``(levels - difference) * dimensions + dimension`` for the furthest, unique within a
    pair), and a running sorted best three takes them in, one dimension at a time: a few
    array operations per dimension instead of a sort per pair.
    """
    m, levels, n = reg.level.shape[1], reg.span + 1, pairs.size
    dtype: type[np.signedinteger[Any]] = (
        np.int16 if levels * m < np.iinfo(np.int16).max else np.int32
    )
    skip = int(np.iinfo(dtype).max)
    by_dimension = np.ascontiguousarray(reg.level.T)
    a, b = by_dimension[:, pairs.row], by_dimension[:, pairs.col]
    columns = []
    near: list[Keys] = [np.full(n, skip, dtype=dtype) for _ in range(CONTEXT_SHOWN)]
    for c in np.flatnonzero(reg.context).tolist():
        valid = (a[c] >= 0) & (b[c] >= 0) & (pairs.dim != c)
        diff = np.abs(a[c].astype(dtype) - b[c])
        key: Keys = np.where(valid, diff * m + c, skip).astype(dtype)
        _take_in(near, key)
        columns.append((c, diff, valid, key))
    far: list[Keys] = [np.full(n, skip, dtype=dtype) for _ in range(CONTEXT_SHOWN)]
    for c, diff, valid, key in columns:
        eligible = valid & (diff > 0)
        for listed in near:
            eligible &= key != listed
        _take_in(far, np.where(eligible, (levels - diff) * m + c, skip).astype(dtype))
    return _cells(a, b, near, skip, levels), _cells(a, b, far, skip, levels)


def _take_in(best: list[Keys], key: Keys) -> None:
    """Insert ``key`` into the per-pair ascending ``best`` columns, keeping the smallest."""
    carry = key
    for i, current in enumerate(best):
        best[i] = np.minimum(current, carry)
        carry = np.maximum(current, carry)


def _cells(
    a: npt.NDArray[np.int8],
    b: npt.NDArray[np.int8],
    keys: list[Keys],
    skip: int,
    levels: int,
) -> Ids:
    """The context ids of keys ``rank * dimensions + dimension`` (-1 for ``skip``)."""
    m, n = a.shape
    everyone = np.arange(n)
    out = np.full((n, len(keys)), -1, dtype=np.int64)
    for slot, key in enumerate(keys):
        shown = np.flatnonzero(key != skip)
        dim = (key[shown] % m).astype(np.int64)
        at_a, at_b = a[dim, everyone[shown]], b[dim, everyone[shown]]
        out[shown, slot] = (dim * levels + at_a) * levels + at_b
    return out


def _objects(values: Sequence[object]) -> Objects:
    """``values`` as a one-dimensional object array (tuples stay elements, never rows)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _tuples(ids: Ids, contexts: Objects) -> Objects:
    """Per row of ids (-1 pads, last), the tuple of its context dimensions, one shared tuple
    per distinct row; the distinct rows' tuples are zipped from columns, by length."""
    base = contexts.size + 1
    key = np.zeros(ids.shape[0], dtype=np.int64)
    for column in range(ids.shape[1]):
        key = key * base + ids[:, column] + 1
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rows = ids[first]
    count = (rows >= 0).sum(axis=1)
    out = np.empty(rows.shape[0], dtype=object)
    for length in range(rows.shape[1] + 1):
        where = np.flatnonzero(count == length)
        if where.size:
            columns = [contexts[rows[where, j]].tolist() for j in range(length)]
            out[where] = _objects(list(zip(*columns, strict=True)) if length else [()])
    return out[inverse]


class _Pieces:
    """The shared parts of explanations under one parameter set, built once per call (on
    its first chunk of pairs) and shared by every chunk: names, figures of the score table,
    reasons and context dimensions."""

    def __init__(self, reg: Regions, table: ScoreTable) -> None:
        params, lo = reg.params, reg.model.scale.min
        self.names = _objects(reg.names)
        self.keys = _objects(reg.model.keys)
        self.dimension_names = _objects([d.name for d in reg.model.dimensions])
        self.similarity = _objects(table.similarity.tolist())
        self.shared = table.shared
        self.score = table.score
        self.scores = _objects(table.score.ravel().tolist())
        self.levels = reg.span + 1
        self.need = _flag_reasons("receiving", "improvement_flags", params.improvement_flags)
        self.offer = _flag_reasons("transferring", "coaching_flags", params.coaching_flags)
        points = range(self.levels)
        self.gap = [_check("min_gap", g, params.min_gap, 1) for g in points]
        self.transfer = [
            _check("min_transfer_level", v + lo, params.min_transfer_level, 1) for v in points
        ]
        self.receiving = [
            _check("max_receiving_level", v + lo, params.max_receiving_level, -1) for v in points
        ]
        self.confidence = [
            ScoreConfidence(
                policy=params.uncertain_scores,
                receiving=AGREEMENT_CODES[code // STATUSES],
                transferring=AGREEMENT_CODES[code % STATUSES],
                weight=params.uncertain_weight**sides if sides else 1.0,
            )
            for code in range(STATUSES * STATUSES)
            for sides in (0, 1, 2)
        ]
        self.model, self.lo = reg.model, lo
        self._contexts = np.full(len(reg.model.keys) * self.levels**2, None, dtype=object)
        self._known = np.zeros(self._contexts.size, dtype=bool)

    def contexts(self, *ids: Ids) -> Objects:
        """Context dimensions by id (``(dimension * levels + a) * levels + b``), each built
        the first time an id occurs (None for ids not seen yet)."""
        levels, out = self.levels, self._contexts
        present = np.zeros(out.size, dtype=bool)
        for some in ids:
            present[some[some >= 0]] = True
        new = present & ~self._known
        self._known |= present
        for i in np.flatnonzero(new).tolist():
            dim, rest = divmod(i, levels * levels)
            a, b = divmod(rest, levels)
            out[i] = ContextDimension(
                dimension=self.model.keys[dim],
                name=self.model.dimensions[dim].name,
                receiving_score=a + self.lo,
                transferring_score=b + self.lo,
                difference=abs(a - b),
            )
        return out

    def reasons_of(
        self,
        need: IntArray,
        offer: IntArray,
        gap: IntArray,
        high: IntArray,
        low: IntArray,
        conf: IntArray,
    ) -> Objects:
        """Each pair's reasons, one shared object per distinct combination."""
        parts = (need, offer, gap, high, low, conf)
        sizes = (len(FLAG_BASES), self.levels, self.levels, self.levels, len(self.confidence))
        key = parts[0].astype(np.int64)
        for part, size in zip(parts[1:], sizes, strict=True):
            key = key * size + part
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        distinct = [
            PairReasons(
                need=self.need[n],
                offer=self.offer[o],
                gap=self.gap[g],
                transfer_level=self.transfer[h],
                receiving_level=self.receiving[lo],
                confidence=self.confidence[c],
            )
            for n, o, g, h, lo, c in zip(*(p[first].tolist() for p in parts), strict=True)
        ]
        return _objects(distinct)[inverse]


def _flag_reasons(side: str, parameter: str, policy: str) -> list[FlagReason]:
    """The reason of each flag basis (``FLAG_BASES`` order) for one side."""
    return [
        FlagReason.model_validate(
            {"side": side, "parameter": parameter, "policy": policy, "basis": basis}
        )
        for basis in FLAG_BASES
    ]


def _check(parameter: str, value: int, limit: float | None, sign: int) -> LevelCheck:
    margin = None if limit is None else sign * (value - limit)
    return LevelCheck.model_validate(
        {"parameter": parameter, "value": value, "limit": limit, "margin": margin}
    )


class Proposals:
    """The :class:`PairProposal` source of a result's :class:`PairSequence`: the pairs'
    columns and the call's regions and table, from which any run of pairs is explained
    when first read. Holds a few integer columns per pair, far less than the objects."""

    def __init__(self, reg: Regions, table: ScoreTable, pairs: Pairs) -> None:
        self.reg, self.table, self.pairs = reg, table, pairs
        self._pieces: _Pieces | None = None
        # Every kind lists pairs by receiving region (rows in name order); checked, not assumed.
        self._grouped = bool(np.all(pairs.row[1:] >= pairs.row[:-1]))
        self._rows: dict[str, int] | None = None

    def __len__(self) -> int:
        return self.pairs.size

    def build(self, start: int, stop: int) -> list[PairProposal]:
        if self._pieces is None:
            self._pieces = _Pieces(self.reg, self.table)
        run = self.pairs.take(np.arange(start, stop))
        with no_collection():
            return trusted_many(PairProposal, _values(self.reg, self._pieces, run))

    def receiving(self, region: str) -> range | None:
        if not self._grouped:
            return None
        if self._rows is None:
            self._rows = {name: i for i, name in enumerate(self.reg.names)}
        row = self._rows.get(region)
        if row is None:
            return range(0)
        start, stop = np.searchsorted(self.pairs.row, (row, row + 1)).tolist()
        return range(start, stop)


def proposals(reg: Regions, table: ScoreTable, pairs: Pairs) -> PairSequence[PairProposal]:
    """The pairs as :class:`PairProposal` objects, in the given order, built when read."""
    return PairSequence(Proposals(reg, table, pairs))


def _values(reg: Regions, pieces: _Pieces, pairs: Pairs) -> list[dict[str, Any]]:
    """Each pair's field values. Every field is computed for all pairs at once, as a column
    (numpy, or object arrays of shared values: names, figures, reasons, context tuples);
    the only work per pair is the dictionary itself."""
    params = reg.params
    near, far = _context_ids(reg, pairs)
    contexts = pieces.contexts(near, far)
    need_basis = _flag_basis(reg.improvement, params.improvement_flags, pairs.row, pairs.dim)
    offer_basis = _flag_basis(reg.coaching, params.coaching_flags, pairs.col, pairs.dim)
    confidence = (
        reg.agreement[pairs.row, pairs.dim].astype(np.intp) * STATUSES
        + reg.agreement[pairs.col, pairs.dim]
    ) * 3 + pairs.sides
    low = reg.level[pairs.row, pairs.dim].astype(np.intp)
    high = reg.level[pairs.col, pairs.dim].astype(np.intp)
    cell = np.ravel_multi_index((pairs.gap, pairs.sides, pairs.code), pieces.score.shape)
    columns = (
        pieces.names[pairs.row].tolist(),
        pieces.names[pairs.col].tolist(),
        pieces.keys[pairs.dim].tolist(),
        pieces.dimension_names[pairs.dim].tolist(),
        (low + pieces.lo).tolist(),
        (high + pieces.lo).tolist(),
        pairs.gap.tolist(),
        pieces.similarity[pairs.code].tolist(),
        pieces.shared[pairs.code].tolist(),
        pieces.scores[cell].tolist(),
        pairs.rank.tolist(),
        pieces.reasons_of(need_basis, offer_basis, pairs.gap, high, low, confidence).tolist(),
        _tuples(near, contexts).tolist(),
        _tuples(far, contexts).tolist(),
    )
    return [
        {
            "receiving": r,
            "transferring": t,
            "dimension": d,
            "dimension_name": dn,
            "receiving_score": rs,
            "transferring_score": ts,
            "gap": g,
            "similarity": sim,
            "shared_context": shared,
            "score": score,
            "rank": rank,
            "reasons": why,
            "alike": alike,
            "different": different,
        }
        for r, t, d, dn, rs, ts, g, sim, shared, score, rank, why, alike, different in zip(
            *columns, strict=True
        )
    ]


# --- needs -------------------------------------------------------------------------------


def _best_other(
    reg: Regions, offers: BoolArray, rows: IntArray, dims: IntArray
) -> npt.NDArray[np.intp]:
    """Per (row, dim), the highest level among ``offers`` on dim by regions other than row
    (-1: none)."""
    level = np.where(offers, reg.level, -1).astype(np.intp)
    top = level.max(axis=0, initial=-1)
    at_top = (level == top[None, :]).sum(axis=0)
    second = np.where(level < top[None, :], level, -1).max(axis=0, initial=-1)
    alone_on_top = offers[rows, dims] & (level[rows, dims] == top[dims]) & (at_top[dims] == 1)
    return np.asarray(np.where(alone_on_top, second[dims], top[dims]), dtype=np.intp)


def unmet_needs(
    reg: Regions,
    rows: IntArray,
    dims: IntArray,
    candidates: IntArray,
    full_partners: Iterable[tuple[str, ...]] | None = None,
) -> list[UnmetNeed]:
    """Needs left without a partner, each with the first condition of the rule that fails:
    no offer under the coaching policy, none at the transfer level, none of those
    ``min_gap`` ahead, only uncertain ones (excluded) ahead; or, with candidates, all of
    them at capacity."""
    params, lo = reg.params, reg.model.scale.min
    scored = reg.scored
    stage0 = reg.offer_counted & scored & (reg.capacity > 0)[:, None]
    stage1 = stage0.copy()
    if params.min_transfer_level is not None:
        stage1 &= reg.level + lo >= params.min_transfer_level
    best = [_best_other(reg, stage, rows, dims) for stage in (stage0, stage1)]
    partners = iter(full_partners or ())
    out = []
    for i, (r, d, count) in enumerate(
        zip(rows.tolist(), dims.tolist(), candidates.tolist(), strict=True)
    ):
        values: dict[str, Any] = {"candidates": count}
        if count:
            values.update(
                reason="capacity",
                condition="capacity",
                parameter="capacity",
                full_partners=next(partners),
            )
        elif best[0][i] < 0:
            values.update(
                condition="no_offer", parameter="coaching_flags", policy=params.coaching_flags
            )
        elif best[1][i] < 0:
            level = int(best[0][i]) + lo
            limit = params.min_transfer_level
            assert limit is not None
            values.update(
                condition="transfer_level",
                parameter="min_transfer_level",
                best=level,
                limit=limit,
                shortfall=limit - level,
            )
        elif (gap := int(best[1][i]) - int(reg.level[r, d])) < params.min_gap:
            values.update(
                condition="gap",
                parameter="min_gap",
                best=gap,
                limit=params.min_gap,
                shortfall=params.min_gap - gap,
            )
        else:
            # Offers far enough ahead exist, but only uncertain ones (excluded).
            values.update(
                condition="uncertain_offers", parameter="uncertain_scores", policy="exclude"
            )
        values.setdefault("reason", "no_candidate")
        out.append(_unmet(reg, r, d, **values))
    return out


def unconsidered_cells(reg: Regions, dims: Iterable[int]) -> tuple[BoolArray, BoolArray, BoolArray]:
    """(regions x dimensions) flagged needs of the receiving rows that the rule cannot
    consider: unscored, within ``min_gap`` of the top, uncertain and excluded (all empty
    under ``improvement_flags="ignored"``, where nothing is flagged on purpose)."""
    params = reg.params
    wanted = np.zeros(reg.level.shape[1], dtype=bool)
    wanted[list(dims)] = True
    flagged = reg.improvement & wanted[None, :] & reg.receivers[:, None]
    if params.improvement_flags == "ignored":
        flagged = np.zeros_like(flagged)
    scored = reg.scored
    no_room = scored & (reg.level + reg.model.scale.min > reg.model.scale.max - params.min_gap)
    uncertain = scored & ~no_room & reg.uncertain & (params.uncertain_scores == "exclude")
    if params.max_receiving_level is not None:
        uncertain &= reg.level + reg.model.scale.min <= params.max_receiving_level
    return flagged & ~scored, flagged & no_room, flagged & uncertain


def unconsidered_needs(reg: Regions, dims: Iterable[int]) -> list[UnmetNeed]:
    """Dimensions flagged for improvement that the rule cannot consider as needs: unscored,
    within ``min_gap`` of the top, or (``uncertain_scores="exclude"``) uncertain. Reported
    unless ``improvement_flags="ignored"``, where nothing is flagged on purpose."""
    params = reg.params
    cases: tuple[tuple[UnmetReason, UnmetCondition, dict[str, Any]], ...] = (
        ("missing_score", "missing_score", {"parameter": None}),
        ("no_room", "no_room", {"parameter": "min_gap", "limit": params.min_gap}),
        ("uncertain", "uncertain_need", {"parameter": "uncertain_scores", "policy": "exclude"}),
    )
    out = []
    for (reason, condition, extra), mask in zip(cases, unconsidered_cells(reg, dims), strict=True):
        for r, d in zip(*np.nonzero(mask), strict=True):
            out.append(
                _unmet(
                    reg, int(r), int(d), reason=reason, condition=condition, candidates=0, **extra
                )
            )
    return out


def _unmet(reg: Regions, row: int, dim: int, **values: Any) -> UnmetNeed:
    values.setdefault("parameter", None)
    for field in ("best", "limit", "shortfall"):
        if values.get(field) is not None:
            values[field] = float(values[field])
    dimension = reg.model.dimensions[dim]
    return UnmetNeed(
        receiving=reg.names[row], dimension=dimension.key, dimension_name=dimension.name, **values
    )


def sorted_needs(reg: Regions, needs: Iterable[UnmetNeed]) -> tuple[UnmetNeed, ...]:
    """In receiving-region then model order, as every result lists them."""
    return tuple(sorted(needs, key=lambda u: (u.receiving, reg.model.index(u.dimension))))
