"""Timing cases side by side: each repetition runs every case once, in turn, so that load
from other jobs on a shared machine hits them alike and ratios can be taken per repetition."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping


def interleaved(
    cases: Mapping[str, Callable[[], object]], repeats: int, *, collect_first: bool = False
) -> dict[str, list[float]]:
    """Seconds per run of each case, ``repeats`` runs each, the cases alternating. With
    ``collect_first``, a full garbage collection before each run (not timed), so that a case
    leaving much garbage does not make the next one pay for collecting it."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, action in cases.items():
            if collect_first:
                gc.collect()
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return times


def ratio(times: Mapping[str, list[float]], case: str, base: str) -> float:
    """Median over the repetitions of ``case``'s time over ``base``'s in the same one."""
    return statistics.median(t / b for t, b in zip(times[case], times[base], strict=True))
