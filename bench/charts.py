"""Radar chart rendering: spec only, PNG and SVG cold (cache cleared) and cached.

Absolute times depend on the machine, so the result that matters is the ratio cached/cold,
measured in the same run: it says how much the content-addressed cache saves the API.
Run with ``python -c "import bench.charts as b; b.main()"`` (or with every bench, ``-m bench``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from assessment import (
    ChartCache,
    GroupScores,
    MaturityModel,
    Profile,
    RatingMatrix,
    build_profile,
    chart_etag,
    default_model,
    radar_spec,
    render_radar,
    score_group,
)
from assessment.charts import ChartFormat

REPEATS = 7


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


def _median_seconds(action: Callable[[], object], before: Callable[[], None] | None) -> float:
    times = []
    for _ in range(REPEATS):
        if before is not None:
            before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    model = default_model()
    profiles, group = _inputs(model)
    spec = radar_spec(model, profiles, spread=group)
    rows = [
        ("spec only", _median_seconds(partial(radar_spec, model, profiles, group), None)),
        ("etag (png)", _median_seconds(partial(chart_etag, spec, "png"), None)),
    ]
    formats: tuple[ChartFormat, ...] = ("png", "svg")
    ratios = []
    cache = ChartCache(maxsize=4)
    for fmt in formats:
        render = partial(render_radar, spec, fmt, cache)
        render_radar(spec, fmt)  # warm-up: imports, font cache
        cold = _median_seconds(render, cache.clear)
        render()
        cached = _median_seconds(render, None)
        rows += [(f"{fmt} cold", cold), (f"{fmt} cached", cached)]
        ratios.append((fmt, cached / cold))
    print(
        f"charts: radar of {len(model.dimensions)} dimensions, 2 profiles + spread band, "
        f"median of {REPEATS} runs"
    )
    for name, seconds in rows:
        print(f"  {name:<16}{seconds * 1e3:10.3f} ms")
    for fmt, ratio in ratios:
        print(f"  {fmt} cached/cold {ratio:10.5f}   ({1 / ratio:,.0f}x faster from cache)")
