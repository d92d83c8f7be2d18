"""Radar chart rendering, against a minimal matplotlib plot of the same data.

Two kinds of "cold", both measured in the same run as their reference:

- **first chart in a process** (what the first chart request of a new worker used to wait
  for): fresh interpreters, each with the library imported and the chart described, time the
  first PNG or SVG, which includes importing matplotlib, loading its font cache and the first
  text layout. Beside it, the same after :func:`assessment.chart_render.warm_up` (what a
  worker does in the background as it starts, so what a request meets once the warm-up has
  run), and the floor: importing matplotlib and saving a minimal plot of the same data (the
  main profile's values as one closed line on plain axes, same size and resolution, no text).
- **a chart not in the cache** in a process that has drawn before: ``render_radar`` with the
  cache cleared, against the same minimal plot drawn again.

Then the spec, its ETag and a chart served from the ``ChartCache``. Medians of
``BENCH_CHARTS_REPEATS`` (default 7) runs; the first-chart cases run in
``BENCH_CHARTS_PROCESSES`` (default 5) fresh processes each, interleaved.
Run with ``python -m bench charts``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from assessment import (
    ChartCache,
    GroupScores,
    MaturityModel,
    Profile,
    RadarSpec,
    RatingMatrix,
    build_profile,
    chart_etag,
    default_model,
    radar_spec,
    render_radar,
    score_group,
)
from assessment.chart_render import DPI, FIGURE_INCHES, warm_up
from assessment.charts import ChartFormat

REPEATS = int(os.environ.get("BENCH_CHARTS_REPEATS", "7"))
PROCESSES = int(os.environ.get("BENCH_CHARTS_PROCESSES", "5"))
ROOT = Path(__file__).resolve().parents[1]
FORMATS: tuple[ChartFormat, ...] = ("png", "svg")


def _inputs(model: MaturityModel) -> tuple[list[Profile], GroupScores]:
    """A realistic chart: a region and its twin overlaid, with the spread of 8 raters."""
    rng = np.random.default_rng(7)
    size = (8, len(model.dimensions))
    values = rng.integers(model.scale.min, model.scale.max + 1, size=size).astype(float)
    values[rng.random(size) < 0.08] = np.nan  # a few "don't know"
    group = score_group(RatingMatrix.from_array(model, values))
    home = build_profile(model, group=group, region="Norrbotten", label="2024")
    twin_scores = rng.integers(model.scale.min, model.scale.max + 1, size=len(model.keys))
    twin = build_profile(
        model,
        workshop={k: int(v) for k, v in zip(model.keys, twin_scores, strict=True)},
        region="Scotland",
        label="2023",
    )
    return [home, twin], group


def chart() -> RadarSpec:
    model = default_model()
    profiles, group = _inputs(model)
    return radar_spec(model, profiles, spread=group)


def minimal_plot(spec: RadarSpec, fmt: ChartFormat) -> bytes:
    """The floor: the main profile's values as one closed line, nothing else drawn."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values = [v if v is not None else np.nan for v in spec.series[-2].values]
    angles = np.linspace(0, 2 * np.pi, len(values), endpoint=False)
    x, y = np.cos(angles) * values, np.sin(angles) * values
    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    figure.add_subplot().plot([*x, x[0]], [*y, y[0]])
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()


def first(case: str, fmt: ChartFormat) -> None:
    """Run in a fresh process: print the seconds of its first chart of ``case``."""
    spec = chart()
    if case == "warmed":
        warm_up()
    start = time.perf_counter()
    if case == "minimal":
        minimal_plot(spec, fmt)
    else:
        render_radar(spec, fmt)
    print(json.dumps(time.perf_counter() - start))


def _first_in_process(case: str, fmt: ChartFormat) -> float:
    code = f"from bench.charts import first; first({case!r}, {fmt!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seconds: float = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds


def _median_seconds(action: Callable[[], object], before: Callable[[], None] | None) -> float:
    times = []
    for _ in range(REPEATS):
        if before is not None:
            before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:10.1f} ms"


def main() -> None:
    model = default_model()
    spec = chart()
    print(
        f"charts: radar of {len(model.dimensions)} dimensions, 2 profiles + spread band; "
        f"first charts in {PROCESSES} fresh processes each, the rest medians of {REPEATS} runs"
    )
    cases = ("radar", "warmed", "minimal")
    firsts: dict[tuple[str, str], list[float]] = {}
    for _ in range(PROCESSES):  # interleaved, so that load from other jobs hits all alike
        for fmt in FORMATS:
            for case in cases:
                firsts.setdefault((case, fmt), []).append(_first_in_process(case, fmt))
    print("  first chart in a new process (matplotlib not imported yet):")
    for fmt in FORMATS:
        radar, warmed, floor = (statistics.median(firsts[(c, fmt)]) for c in cases)
        print(
            f"    {fmt}: radar {_ms(radar)}   after the start-up warm-up {_ms(warmed)}   "
            f"minimal plot {_ms(floor)}   (radar {radar / floor:.1f}x the minimal plot)"
        )

    render_radar(spec, "png")  # warm this process: imports, font cache
    cache = ChartCache(maxsize=4)
    print("  in a process that has drawn before:")
    print(f"    spec only     {_ms(_median_seconds(partial(radar_spec, model, *_parts()), None))}")
    print(f"    etag (png)    {_ms(_median_seconds(partial(chart_etag, spec, 'png'), None))}")
    for fmt in FORMATS:
        render = partial(render_radar, spec, fmt, cache)
        cold = _median_seconds(render, cache.clear)
        floor = _median_seconds(partial(minimal_plot, spec, fmt), None)
        render()
        cached = _median_seconds(render, None)
        print(
            f"    {fmt}: not cached {_ms(cold)}   minimal plot {_ms(floor)} "
            f"({cold / floor:.1f}x)   cached {cached * 1e3:8.3f} ms ({cold / cached:,.0f}x "
            "faster than drawing)"
        )


def _parts() -> tuple[list[Profile], GroupScores]:
    return _inputs(default_model())
