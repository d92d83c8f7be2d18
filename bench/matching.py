"""Matching: vectorised top-k and exact assignment against naive pure-Python versions.

The naive versions implement the same rule (assessment/matching.py's docstring) with plain
loops, so the ratio measures what the matrix formulation buys. Both run side by side in one
process on the same synthetic regions; where the naive version would take minutes it is timed
on a sample and extrapolated, and the output says so. Before timing, both must give the same
answers (same pairs, same ranks, same scores) on a small case.
Run with ``python -m bench matching``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from assessment import (
    ConsensusScore,
    MatchingParams,
    MaturityModel,
    Profile,
    assign_partners,
    default_model,
    suggest_partners,
)

REPEATS = 3
TOP_K_SIZES = (300, 3_000, 30_000)
NAIVE_SAMPLE = {300: 300, 3_000: 150, 30_000: 20}  # receiving regions the naive version times
ASSIGN_SIZE = 1_000
HUNGARIAN_SAMPLE = 120

Row = tuple[str, list[int | None], list[bool], list[bool]]
Ranked = dict[str, list[tuple[str, str, int, float]]]


# --- synthetic regions --------------------------------------------------------------------


def synthetic_profiles(
    model: MaturityModel,
    n: int,
    seed: int,
    roles: str = "both",
) -> list[Profile]:
    """Regions with correlated scores, 5% unscored, 1-3 needs and 1-3 strengths flagged.

    ``roles``: "both" flags needs and strengths on every region, "receive" only needs,
    "transfer" only strengths (for the receiving x transferring assignment case).
    Built with ``model_construct``: the library's validation is not what is measured.
    """
    rng = np.random.default_rng(seed)
    m = len(model.keys)
    lo, hi = model.scale.min, model.scale.max
    level = rng.uniform(lo + 0.5, hi - 0.5, size=(n, 1))
    if roles == "transfer":
        level = rng.uniform(hi - 2.0, hi - 0.3, size=(n, 1))
    scores = np.clip(np.rint(level + rng.normal(0, 1.0, size=(n, m))), lo, hi)
    scores[rng.random((n, m)) < 0.05] = np.nan
    profiles = []
    for i in range(n):
        row = scores[i]
        order = np.argsort(np.where(np.isnan(row), np.inf, row), kind="stable")
        needs = set(order[: rng.integers(1, 4)].tolist()) if roles != "transfer" else set()
        ranked = np.argsort(np.where(np.isnan(row), -np.inf, -row), kind="stable")
        offers = set(ranked[: rng.integers(1, 4)].tolist()) if roles != "receive" else set()
        if roles == "receive":
            needs = {int(order[0])}
        entries = tuple(
            ConsensusScore.model_construct(
                dimension=key,
                score=None if np.isnan(row[c]) else int(row[c]),
                source="workshop",
                band=None,
                justification="",
                for_improvement=c in needs,
                for_coaching=c in offers,
            )
            for c, key in enumerate(model.keys)
        )
        profiles.append(
            Profile.model_construct(
                model=model.ref,
                region=f"{roles[0]}{seed}-{i:06d}",
                label="",
                scores=entries,
                overall=None,
                completeness=1.0,
            )
        )
    return profiles


# --- naive pure-Python rule -----------------------------------------------------------------


def _counted(flags: list[bool], policy: str) -> list[bool]:
    if policy == "ignored":
        return [True] * len(flags)
    if policy == "required" or any(flags):
        return list(flags)
    return [True] * len(flags)


class NaiveMatcher:
    """The matching rule with loops over regions and dimensions, nothing precomputed but the
    per-region flags (O(n x dimensions), counted in the setup time)."""

    def __init__(self, model: MaturityModel, profiles: Sequence[Profile], p: MatchingParams):
        self.p = p
        self.lo, self.hi = model.scale.min, model.scale.max
        self.span = float(self.hi - self.lo)
        keys = model.keys
        wanted = p.similarity_dimensions
        self.context = [wanted is None or key in wanted for key in keys]
        self.rows: list[Row] = []
        for profile in sorted(profiles, key=lambda q: q.region):
            x = [s.score for s in profile.scores]
            capacity = p.capacity_overrides.get(profile.region, p.capacity)
            need = _counted([s.for_improvement for s in profile.scores], p.improvement_flags)
            give = _counted([s.for_coaching for s in profile.scores], p.coaching_flags)
            need = [
                ok
                and v is not None
                and v <= self.hi - p.min_gap
                and (p.max_receiving_level is None or v <= p.max_receiving_level)
                for ok, v in zip(need, x, strict=True)
            ]
            give = [
                ok
                and v is not None
                and capacity > 0
                and (p.min_transfer_level is None or v >= p.min_transfer_level)
                for ok, v in zip(give, x, strict=True)
            ]
            self.rows.append((profile.region, x, need, give))
        self.index = {row[0]: i for i, row in enumerate(self.rows)}

    def pair(self, r: int, t: int, d: int) -> tuple[float, int] | None:
        """(score, gap) of r receiving d from t, or None when the rule excludes the pair."""
        _, xr, need, _ = self.rows[r]
        _, xt, _, give = self.rows[t]
        if not need[d] or not give[d]:
            return None
        low, high = xr[d], xt[d]
        assert low is not None and high is not None
        gap = high - low
        if gap < self.p.min_gap:
            return None
        distance, shared = 0, 0
        for c in range(len(xr)):
            a, b = xr[c], xt[c]
            if c != d and self.context[c] and a is not None and b is not None:
                distance += abs(a - b)
                shared += 1
        p = self.p
        similarity = 1.0 - distance / (shared * self.span) if shared else p.neutral_similarity
        score = (p.gap_weight * gap / self.span + p.similarity_weight * similarity) / (
            p.gap_weight + p.similarity_weight
        )
        return math.floor(score * 1e12 + 0.5) / 1e12, gap

    def top_k(self, receivers: Sequence[str]) -> Ranked:
        out: Ranked = {}
        for name in receivers:
            r = self.index[name]
            found = []
            for d in range(len(self.context)):
                for t in range(len(self.rows)):
                    result = self.pair(r, t, d)
                    if result is not None:
                        found.append((-result[0], -result[1], d, self.rows[t][0]))
            found.sort()
            out[name] = [(t, str(d), rank, -s) for rank, (s, _, d, t) in enumerate(found, 1)][
                : self.p.top_k
            ]
        return out


def vectorised_top_k(model: MaturityModel, profiles: list[Profile], p: MatchingParams) -> Ranked:
    out: Ranked = {}
    for pair in suggest_partners(model, profiles, p).pairs:
        d = str(model.keys.index(pair.dimension))
        out.setdefault(pair.receiving, []).append((pair.transferring, d, pair.rank, pair.score))
    return out


def hungarian_max(score: list[list[float]]) -> list[tuple[int, int]]:
    """Maximum-weight assignment of rows to columns (rows <= columns), pure Python.

    Shortest augmenting paths with row/column potentials: O(rows^2 x columns).
    """
    n, m = len(score), len(score[0])
    inf = math.inf
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    owner, via = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0], col = i, 0
        slack, done = [inf] * (m + 1), [False] * (m + 1)
        while True:
            done[col] = True
            row, delta, nxt = owner[col], inf, 0
            for j in range(1, m + 1):
                if not done[j]:
                    reduced = -score[row - 1][j - 1] - u[row] - v[j]
                    if reduced < slack[j]:
                        slack[j], via[j] = reduced, col
                    if slack[j] < delta:
                        delta, nxt = slack[j], j
            for j in range(m + 1):
                if done[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    slack[j] -= delta
            col = nxt
            if owner[col] == 0:
                break
        while col:
            prev = via[col]
            owner[col] = owner[prev]
            col = prev
    return [(owner[j] - 1, j - 1) for j in range(1, m + 1) if owner[j]]


# --- measuring ------------------------------------------------------------------------------


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _top_k_case(model: MaturityModel, n: int, p: MatchingParams) -> tuple[str, ...]:
    profiles = synthetic_profiles(model, n, seed=n)
    receivers = sorted(
        q.region
        for q in profiles
        if any(s.for_improvement and s.score is not None for s in q.scores)
    )
    sample_size = NAIVE_SAMPLE[n]
    step = max(1, len(receivers) // sample_size)
    sample = receivers[::step][:sample_size]
    fast, slow, fast_answer, slow_answer = [], [], None, None
    for _ in range(REPEATS if n < 30_000 else 1):
        seconds, fast_answer = _timed(lambda: vectorised_top_k(model, profiles, p))
        fast.append(seconds)
        setup, naive = _timed(lambda: NaiveMatcher(model, profiles, p))
        seconds, slow_answer = _timed(partial(naive.top_k, sample))
        slow.append(setup + seconds * len(receivers) / len(sample))
    assert fast_answer is not None and slow_answer is not None
    agree = all(fast_answer.get(name, []) == slow_answer[name] for name in sample)
    if not agree:
        raise SystemExit(f"naive and vectorised top-k differ on {n} regions")
    vec, nav = statistics.median(fast), statistics.median(slow)
    how = (
        f"naive: all {len(receivers):,} receiving regions"
        if len(sample) == len(receivers)
        else f"naive: {len(sample)} of {len(receivers):,} receiving regions, extrapolated"
    )
    return ("top-k", f"{n:,}", _ms(vec), _ms(nav), f"{nav / vec:,.0f}x", how + "; same answers")


def _assignment_case(model: MaturityModel) -> list[tuple[str, ...]]:
    receiving = synthetic_profiles(model, ASSIGN_SIZE, seed=1, roles="receive")
    transferring = synthetic_profiles(model, ASSIGN_SIZE, seed=2, roles="transfer")
    profiles = receiving + transferring
    p = MatchingParams(capacity=1, improvement_flags="required", coaching_flags="required")
    full = [_timed(lambda: assign_partners(model, profiles, p)) for _ in range(REPEATS)]
    result = full[-1][1]
    full_time = statistics.median(seconds for seconds, _ in full)
    # Same-size comparison of the solvers alone, on a sample the pure-Python one can finish.
    naive = NaiveMatcher(model, profiles, p)
    needs = [
        (naive.index[q.region], naive.rows[naive.index[q.region]][2].index(True))
        for q in receiving
        if any(naive.rows[naive.index[q.region]][2])
    ][:HUNGARIAN_SAMPLE]
    cols = [naive.index[q.region] for q in transferring[:HUNGARIAN_SAMPLE]]
    scores = [[(naive.pair(r, t, d) or (0.0, 0))[0] for t in cols] for r, d in needs]
    matrix = np.array(scores)
    lsa, hun = [], []
    totals = set()
    for _ in range(REPEATS):
        seconds, (ri, ci) = _timed(lambda: linear_sum_assignment(matrix, maximize=True))
        lsa.append(seconds)
        totals.add(round(float(matrix[ri, ci].sum()), 9))
        seconds, pairs = _timed(lambda: hungarian_max(scores))
        hun.append(seconds)
        totals.add(round(sum(scores[i][j] for i, j in pairs), 9))
    if len(totals) != 1:
        raise SystemExit(f"scipy and pure-Python Hungarian disagree: totals {sorted(totals)}")
    s = HUNGARIAN_SAMPLE
    lsa_t, hun_t = statistics.median(lsa), statistics.median(hun)
    hun_full = hun_t * (ASSIGN_SIZE / s) ** 3
    return [
        (
            "assign solver",
            f"{s}x{s}",
            _ms(lsa_t),
            _ms(hun_t),
            f"{hun_t / lsa_t:,.0f}x",
            "linear_sum_assignment vs pure-Python Hungarian, same matrix, same optimum",
        ),
        (
            "assign e2e",
            f"{ASSIGN_SIZE:,}x{ASSIGN_SIZE:,}",
            _ms(full_time),
            _ms(hun_full),
            f"{hun_full / full_time:,.0f}x",
            f"naive: Hungarian time above x ({ASSIGN_SIZE}/{s})^3, extrapolated, scoring "
            f"not included; {len(result.pairs)} of {result.needs} needs met, "
            f"total {result.total_score:.2f}",
        ),
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms" if seconds < 60 else f"{seconds:,.0f} s"


def main() -> None:
    model = default_model()
    p = MatchingParams(top_k=3)
    rows = [_top_k_case(model, n, p) for n in TOP_K_SIZES]
    rows += _assignment_case(model)
    print(
        f"matching: top-{p.top_k} suggestions and capacity-1 assignment, {len(model.keys)} "
        f"dimensions; median of {REPEATS} side-by-side runs (30,000: one run)"
    )
    header = ("case", "n", "vectorised", "naive Python", "ratio", "note")
    widths = (14, 12, 12, 14, 8)
    print("  " + "".join(h.ljust(w) for h, w in zip(header, widths, strict=False)) + header[-1])
    for row in rows:
        print("  " + "".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + row[-1])
