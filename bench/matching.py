"""Matching: the bucketed kernel against today's algorithm, side by side in one run.

``assessment.matching`` (new) and ``assessment.matching_reference`` (the code it replaced)
run on the same synthetic regions in the same process, alternately, and must give the same
answers (same pairs, ranks, scores, similarities; the same optimal assignment total) before
their times count. Rows: top-k suggestions at 300, 3,000 and 30,000 regions; 300,000
regions (new only: the reference would take minutes and gigabytes) with the call's peak
memory; every candidate pair of one dimension; the assignment at capacity 1 (1,000 receiving
x 1,000 transferring regions) and at capacity 1,000 with every dimension a need (the case
that took 73-90 s and 22.5 GB with the dense needs x slots matrix; new only).

A new result builds its explained pairs when they are read (``assessment.matching_pairs``),
the reference's are built inside the call. So the candidates and the 30,000 suggestions
have a second row, "all read": the same runs' call plus reading every pair once (each pair
built), against the same reference times: what materialising everything costs.

Run with ``python -m bench matching``; ``BENCH_MATCHING_HUGE=0`` skips the 300,000 row (its
profiles alone take a few GB and a minute or two to build).
"""

from __future__ import annotations

import gc
import math
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from assessment import (
    ConsensusScore,
    MatchingBudget,
    MatchingParams,
    MaturityModel,
    Profile,
    assign_partners,
    candidate_pairs,
    default_model,
    estimate_work,
    suggest_partners,
)
from assessment import matching_reference as reference

TOP_K_SIZES = (300, 3_000, 30_000)
REPEATS = {300: 5, 3_000: 3, 30_000: 3}
HUGE = 300_000
CANDIDATES_SIZE = 3_000
CANDIDATES_DIMENSION = "readiness_to_change"
ASSIGN_SIZE = 1_000
WIDE_SIZE, WIDE_CAPACITY = 300, 1_000


# --- synthetic regions --------------------------------------------------------------------


def synthetic_profiles(
    model: MaturityModel, n: int, seed: int, roles: str = "both", flags: bool = True
) -> list[Profile]:
    """Regions with correlated scores, 5% unscored, 1-3 needs and 1-3 strengths flagged.

    ``roles``: "both" flags needs and strengths on every region, "receive" only needs,
    "transfer" only strengths (for the receiving x transferring assignment case);
    ``flags=False`` flags nothing. Built with ``model_construct`` and the garbage collector
    paused: the library's validation is not what is measured.
    """
    rng = np.random.default_rng(seed)
    m = len(model.keys)
    lo, hi = model.scale.min, model.scale.max
    level = rng.uniform(lo + 0.5, hi - 0.5, size=(n, 1))
    if roles == "transfer":
        level = rng.uniform(hi - 2.0, hi - 0.3, size=(n, 1))
    scores = np.clip(np.rint(level + rng.normal(0, 1.0, size=(n, m))), lo, hi)
    scores[rng.random((n, m)) < 0.05] = np.nan
    need_counts = rng.integers(1, 4, size=n)
    offer_counts = rng.integers(1, 4, size=n)
    profiles = []
    gc.disable()
    try:
        for i in range(n):
            row = scores[i]
            needs: set[int] = set()
            offers: set[int] = set()
            if flags and roles != "transfer":
                order = np.argsort(np.where(np.isnan(row), np.inf, row), kind="stable")
                needs = {int(order[0])} if roles == "receive" else set(order[: need_counts[i]])
            if flags and roles != "receive":
                ranked = np.argsort(np.where(np.isnan(row), -np.inf, -row), kind="stable")
                offers = set(ranked[: offer_counts[i]].tolist())
            entries = tuple(
                ConsensusScore.model_construct(
                    dimension=key,
                    score=None if np.isnan(row[c]) else int(row[c]),
                    source="workshop",
                    band=None,
                    justification="",
                    for_improvement=c in needs,
                    for_coaching=c in offers,
                    agreement=None,
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
    finally:
        gc.enable()
    return profiles


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    case: str
    n: str
    new: float
    old: float | None
    note: str

    def cells(self) -> tuple[str, ...]:
        ratio = "" if self.old is None else f"{self.old / self.new:,.1f}x"
        old = "not run" if self.old is None else _ms(self.old)
        return (self.case, self.n, _ms(self.new), old, ratio, self.note)


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds of one call, started on a collected heap: otherwise a call pays for the
    garbage-collector passes over whatever the previous call left young."""
    gc.collect()
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


@dataclass(frozen=True)
class SideBySide:
    """Medians of one side-by-side run: the new call, the new call with every pair read
    (its pairs are built when read), the reference call (its pairs are built in the call)."""

    new: float
    new_read: float
    old: float
    answer: Any


def _timed_no_collect(action: Callable[[], Any]) -> float:
    """Seconds of a call that continues the one just timed (no collection in between)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _read_every_pair(result: Any) -> None:
    for _ in result.pairs:
        pass


def _side_by_side(
    new: Callable[[], Any], old: Callable[[], Any], repeats: int, same: Callable[[Any, Any], bool]
) -> SideBySide:
    """New and old run alternately, each new answer's pairs then read one by one (timed
    apart); the answers must agree, checked after the timings."""
    new_times, read_times, old_times = [], [], []
    answer: Any = None
    for _ in range(repeats):
        seconds, answer = _timed(new)
        new_times.append(seconds)
        reading = _timed_no_collect(partial(_read_every_pair, answer))
        read_times.append(seconds + reading)
        seconds, expected = _timed(old)
        old_times.append(seconds)
        if not same(answer, expected):
            raise SystemExit("new and reference matching disagree")
    return SideBySide(
        statistics.median(new_times),
        statistics.median(read_times),
        statistics.median(old_times),
        answer,
    )


def _pairs(result: Any) -> list[tuple[Any, ...]]:
    return reference.comparable(result.pairs)


def _same_pairs(a: Any, b: Any) -> bool:
    return _pairs(a) == _pairs(b) and a.without_candidates == b.without_candidates


def _same_optimum(a: Any, b: Any) -> bool:
    return math.isclose(a.total_score, b.total_score, rel_tol=0, abs_tol=1e-9)


def _top_k_rows(model: MaturityModel, n: int, params: MatchingParams) -> list[Row]:
    profiles = synthetic_profiles(model, n, seed=n)
    run = _side_by_side(
        lambda: suggest_partners(model, profiles, params),
        lambda: reference.suggest_partners(model, profiles, params),
        REPEATS[n],
        _same_pairs,
    )
    note = f"median of {REPEATS[n]}; {len(run.answer.pairs):,} pairs, identical"
    rows = [Row("suggestions", f"{n:,}", run.new, run.old, note)]
    if n == max(TOP_K_SIZES):
        read = "same runs; the call, then every pair built by reading it"
        rows.append(Row("suggestions, all read", f"{n:,}", run.new_read, run.old, read))
    return rows


def _peak_rss_reset() -> bool:
    """Reset the process's peak resident size (Linux), so VmHWM measures one call."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _huge_row(model: MaturityModel, params: MatchingParams) -> Row:
    profiles = synthetic_profiles(model, HUGE, seed=HUGE)
    budget = MatchingBudget(max_scored_pairs=10**12, max_suggestions=10**7)
    work = estimate_work(model, profiles, params)
    gc.collect()
    measured = _peak_rss_reset()
    before = _rss("VmRSS")
    seconds, result = _timed(lambda: suggest_partners(model, profiles, params, budget=budget))
    if measured:
        peak = f"peak +{(_rss('VmHWM') - before) / 2**30:.2f} GiB over the profiles' "
        peak += f"{before / 2**30:.1f} GiB"
    else:
        peak = f"process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB"
    note = f"one run; {len(result.pairs):,} pairs of {work.pairs:.1e} allowed; {peak}"
    return Row("suggestions", f"{HUGE:,}", seconds, None, note)


def _candidates_rows(model: MaturityModel, params: MatchingParams) -> list[Row]:
    profiles = synthetic_profiles(model, CANDIDATES_SIZE, seed=CANDIDATES_SIZE)
    run = _side_by_side(
        lambda: candidate_pairs(model, profiles, params, dimension=CANDIDATES_DIMENSION),
        lambda: reference.candidate_pairs(model, profiles, params, dimension=CANDIDATES_DIMENSION),
        3,
        lambda a, b: _pairs(a) == _pairs(b),
    )
    note = f"median of 3; {CANDIDATES_DIMENSION}: {len(run.answer.pairs):,} pairs, identical"
    read = "same runs; the call, then every pair built by reading it"
    return [
        Row("candidates (1 dim)", f"{CANDIDATES_SIZE:,}", run.new, run.old, note),
        Row("candidates, all read", f"{CANDIDATES_SIZE:,}", run.new_read, run.old, read),
    ]


def _assignment_rows(model: MaturityModel) -> list[Row]:
    receiving = synthetic_profiles(model, ASSIGN_SIZE, seed=1, roles="receive")
    transferring = synthetic_profiles(model, ASSIGN_SIZE, seed=2, roles="transfer")
    profiles = receiving + transferring
    p = MatchingParams(capacity=1, improvement_flags="required", coaching_flags="required")
    run = _side_by_side(
        lambda: assign_partners(model, profiles, p),
        lambda: reference.assign_partners(model, profiles, p),
        3,
        _same_optimum,
    )
    result = run.answer
    rows = [
        Row(
            "assignment cap 1",
            f"{ASSIGN_SIZE:,}x{ASSIGN_SIZE:,}",
            run.new,
            run.old,
            f"median of 3; {len(result.pairs)} of {result.needs} needs met, same optimum "
            f"{result.total_score:.2f}",
        )
    ]
    wide = synthetic_profiles(model, WIDE_SIZE, seed=WIDE_SIZE, flags=False)
    loose = MatchingParams(
        capacity=WIDE_CAPACITY, improvement_flags="ignored", coaching_flags="ignored"
    )
    work = estimate_work(model, wide, loose)
    times = []
    for _ in range(3):
        seconds, answer = _timed(lambda: assign_partners(model, wide, loose))
        times.append(seconds)
    dense = work.needs * work.assignment_slots
    rows.append(
        Row(
            f"assignment cap {WIDE_CAPACITY:,}",
            f"{WIDE_SIZE}",
            statistics.median(times),
            None,
            f"median of 3; {answer.needs:,} needs (every dimension), {work.pairs:,} allowed "
            f"pairs; reference not run: its needs x slots matrices would hold {dense:.1e} "
            f"cells ({dense * 8 / 2**30:,.0f} GiB each)",
        )
    )
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _print(rows: Sequence[Row]) -> None:
    header = ("case", "n", "new", "reference", "ratio", "note")
    widths = (22, 14, 12, 12, 9)
    for cells in (header, *(row.cells() for row in rows)):
        print("  " + "".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + cells[-1])


def main() -> None:
    model = default_model()
    params = MatchingParams(top_k=3)
    print(
        f"matching: new (assessment.matching) vs reference (assessment.matching_reference), "
        f"same inputs, one process; top-{params.top_k}, {len(model.keys)} dimensions, "
        f"{os.cpu_count()} CPUs"
    )
    rows = [row for n in TOP_K_SIZES for row in _top_k_rows(model, n, params)]
    rows += _candidates_rows(model, params)
    rows += _assignment_rows(model)
    if os.environ.get("BENCH_MATCHING_HUGE", "1") != "0":
        rows.append(_huge_row(model, params))
    _print(rows)
