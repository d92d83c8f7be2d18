"""Turning pairs and needs into the explained result objects of ``matching_results``.

A suggestion run at 30,000 regions returns 90,000 pairs, so the pieces of an explanation are
built once and shared (frozen models): a pair's flag reasons, level checks and confidence
come from a handful of distinct values, context dimensions from (dimension, score, score)
triples. Each pair then costs two object constructions from trusted values.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from assessment.matching_kernel import Pairs, ScoreTable, context_differences
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


def trusted(cls: type[Model], values: dict[str, Any], fields: set[str]) -> Model:
    """``cls.model_construct(**values)`` for values that set every field, without its
    per-field default handling (five times faster; equal to the validated object).
    ``fields`` (the field names) is shared by every object built: frozen models never
    change it."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", fields)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


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


def _context_ids(reg: Regions, pairs: Pairs) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per pair, ids of its closest and furthest context dimensions (-1 pads), each id
    ``(dimension * levels + receiving level) * levels + transferring level``.

    Closest: smallest difference, then model order. Furthest: largest difference, then model
    order, among differences above 0 not already listed as closest. Both are one sort of
    keys ``rank * ids + id`` per row.
    """
    diff, valid = context_differences(reg, pairs.row, pairs.col, pairs.dim)
    m, levels = diff.shape[1], reg.span + 1
    ids = m * levels * levels
    a = reg.level[pairs.row].astype(np.int64)
    b = reg.level[pairs.col].astype(np.int64)
    cell = (np.arange(m) * levels + a) * levels + b
    skip = np.iinfo(np.int64).max
    near = np.sort(np.where(valid, diff * ids + cell, skip), axis=1)[:, :CONTEXT_SHOWN]
    listed = np.zeros_like(valid)
    for column in range(near.shape[1]):
        shown = near[:, column] != skip
        listed[np.flatnonzero(shown), (near[shown, column] % ids) // (levels * levels)] = True
    eligible = valid & (diff > 0) & ~listed
    far = np.sort(np.where(eligible, (levels - diff) * ids + cell, skip), axis=1)
    far = far[:, :CONTEXT_SHOWN]
    return (
        np.where(near != skip, near % ids, -1),
        np.where(far != skip, far % ids, -1),
    )


def _tuples(
    ids: npt.NDArray[np.int64], contexts: list[ContextDimension | None]
) -> tuple[list[tuple[ContextDimension, ...]], list[int]]:
    """Distinct rows of ids as tuples of shared objects, and each pair's row index."""
    if not ids.shape[0]:
        return [], []
    base = int(ids.max(initial=0)) + 2
    key = np.zeros(ids.shape[0], dtype=np.int64)
    for column in range(ids.shape[1]):
        key = key * base + ids[:, column] + 1
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    # Every id >= 0 has its object (``_Pieces.contexts`` built them all).
    out = [tuple([contexts[i] for i in row if i >= 0]) for row in ids[first].tolist()]
    return out, inverse.tolist()


class _Pieces:
    """The shared parts of explanations under one parameter set, built once per call."""

    def __init__(self, reg: Regions) -> None:
        params, lo = reg.params, reg.model.scale.min
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

    def contexts(self, ids: npt.NDArray[np.int64]) -> list[ContextDimension | None]:
        """Context dimensions by id (``(dimension * levels + a) * levels + b``), built for
        the ids that occur."""
        levels = self.levels
        out: list[ContextDimension | None] = [None] * (len(self.model.keys) * levels * levels)
        for i in np.unique(ids[ids >= 0]).tolist():
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
    ) -> tuple[list[PairReasons], list[int]]:
        """The distinct reasons of many pairs, and each pair's index among them."""
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
        return distinct, inverse.tolist()


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


def proposals(reg: Regions, table: ScoreTable, pairs: Pairs) -> tuple[PairProposal, ...]:
    """The pairs as :class:`PairProposal` objects, in the given order."""
    if not pairs.size:
        return ()
    params, model, lo = reg.params, reg.model, reg.model.scale.min
    names, keys = reg.names, model.keys
    dim_names = [d.name for d in model.dimensions]
    pieces = _Pieces(reg)
    near, far = _context_ids(reg, pairs)
    need_basis = _flag_basis(reg.improvement, params.improvement_flags, pairs.row, pairs.dim)
    offer_basis = _flag_basis(reg.coaching, params.coaching_flags, pairs.col, pairs.dim)
    confidence = (
        reg.agreement[pairs.row, pairs.dim].astype(np.intp) * STATUSES
        + reg.agreement[pairs.col, pairs.dim]
    ) * 3 + pairs.sides
    low = reg.level[pairs.row, pairs.dim].astype(np.intp)
    high = reg.level[pairs.col, pairs.dim].astype(np.intp)
    fields = set(PairProposal.model_fields)
    out = []
    with no_collection():
        contexts = pieces.contexts(np.concatenate([near.ravel(), far.ravel()]))
        alike, alike_of = _tuples(near, contexts)
        different, different_of = _tuples(far, contexts)
        reasons, reasons_of = pieces.reasons_of(
            need_basis, offer_basis, pairs.gap, high, low, confidence
        )
        for r, t, d, lv, hv, g, sim, shared, score, rank, ri, ai, di in zip(
            pairs.row.tolist(),
            pairs.col.tolist(),
            pairs.dim.tolist(),
            low.tolist(),
            high.tolist(),
            pairs.gap.tolist(),
            table.similarity[pairs.code].tolist(),
            table.shared[pairs.code].tolist(),
            pairs.score(table).tolist(),
            pairs.rank.tolist(),
            reasons_of,
            alike_of,
            different_of,
            strict=True,
        ):
            values = {
                "receiving": names[r],
                "transferring": names[t],
                "dimension": keys[d],
                "dimension_name": dim_names[d],
                "receiving_score": lv + lo,
                "transferring_score": hv + lo,
                "gap": g,
                "similarity": sim,
                "shared_context": shared,
                "score": score,
                "rank": rank,
                "reasons": reasons[ri],
                "alike": alike[ai],
                "different": different[di],
            }
            out.append(trusted(PairProposal, values, fields))
    return tuple(out)


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
