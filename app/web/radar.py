"""The radar chart as inline SVG markup for the pages, drawn from the library's chart
description (``assessment.radar_spec``), so the page shows exactly what the API's PNG, SVG and
JSON show.

The library's own SVG comes from matplotlib, whose inline ``style`` attributes a strict
Content-Security-Policy blocks; here the geometry is computed once and the template draws it
with CSS classes only. Spokes run clockwise from 12 o'clock in model order, rings mark the
scale points, missing values break a line rather than dropping to the centre, and the spread
band is drawn between consecutive spokes where both edges are known.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from assessment import RadarSpec
from assessment.charts import circular_runs

RADIUS = 190.0
INNER = 0.08 * RADIUS  # the scale minimum, off the centre so low scores stay visible
LABEL_GAP = 18.0
LABEL_WIDTH = 14
LINE = 18.0  # label line height in the chart's units (16px text)


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def __str__(self) -> str:
        return f"{self.x:.1f},{self.y:.1f}"


@dataclass(frozen=True)
class Spoke:
    key: str
    name: str
    end: Point
    label: Point
    anchor: str  # text-anchor: start, middle or end
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Ring:
    value: int
    points: str
    label: Point


@dataclass(frozen=True)
class Marker:
    at: Point
    name: str
    value: float


@dataclass(frozen=True)
class Series:
    label: str
    kind: str  # profile or band
    index: int  # position among the profiles (style), 0 for the band
    lines: tuple[str, ...]  # polyline point lists, one per run of known values
    closed: bool  # every value known: one closed polygon
    patches: tuple[str, ...]  # band quads between consecutive spokes
    markers: tuple[Marker, ...]
    missing: int


@dataclass(frozen=True)
class RadarView:
    title: str
    spokes: tuple[Spoke, ...]
    rings: tuple[Ring, ...]
    series: tuple[Series, ...]
    scale_min: int
    scale_max: int


def _angle(index: int, count: int) -> float:
    return -math.pi / 2 + 2 * math.pi * index / count


def radar_view(spec: RadarSpec) -> RadarView:
    axes = spec.axes
    count = len(axes.dimensions)
    lo, hi = axes.scale_min, axes.scale_max

    def point(index: int, value: float) -> Point:
        radius = INNER + (value - lo) / (hi - lo) * (RADIUS - INNER)
        angle = _angle(index, count)
        return Point(radius * math.cos(angle), radius * math.sin(angle))

    spokes = []
    for index, axis in enumerate(axes.dimensions):
        angle = _angle(index, count)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        distance = RADIUS + LABEL_GAP
        sin = math.sin(angle)
        lines = tuple(textwrap.wrap(axis.name, LABEL_WIDTH)) or (axis.name,)
        # The first line's baseline: labels above the chart grow upwards, those below start
        # under the rim, those at the sides are centred on their spoke.
        if sin < -0.3:
            offset = -(len(lines) - 1) * LINE
        elif sin > 0.3:
            offset = 0.8 * LINE
        else:
            offset = -(len(lines) - 1) * LINE / 2 + 0.3 * LINE
        label = Point(distance * cos, distance * sin + offset)
        spokes.append(
            Spoke(
                key=axis.key,
                name=axis.name,
                end=point(index, hi),
                label=label,
                anchor=anchor,
                lines=lines,
            )
        )
    step = max(1, math.ceil((hi - lo) / 10))
    rings = tuple(
        Ring(
            value=value,
            points=" ".join(str(point(i, value)) for i in range(count)),
            label=Point(4.0, point(0, value).y - 3.0),
        )
        for value in range(lo, hi + 1, step)
    )
    series = []
    profiles = 0
    for item in spec.series:
        if item.kind == "band":
            assert item.lower is not None and item.upper is not None
            patches = []
            for i in range(count):
                j = (i + 1) % count
                edges = (item.lower[i], item.upper[i], item.lower[j], item.upper[j])
                if any(edge is None for edge in edges) or count < 3:
                    continue
                lower_i, upper_i, lower_j, upper_j = (float(e or 0) for e in edges)
                quad = (point(i, upper_i), point(j, upper_j), point(j, lower_j), point(i, lower_i))
                patches.append(" ".join(str(p) for p in quad))
            series.append(
                Series(
                    item.label,
                    "band",
                    0,
                    (),
                    False,
                    tuple(patches),
                    (),
                    sum(1 for v in item.upper if v is None),
                )
            )
            continue
        values = item.values
        known = [v is not None for v in values]
        runs = circular_runs(known)
        lines = tuple(" ".join(str(point(i, float(values[i] or 0))) for i in run) for run in runs)
        markers = tuple(
            Marker(point(i, float(v)), axes.dimensions[i].name, float(v))
            for i, v in enumerate(values)
            if v is not None
        )
        series.append(
            Series(
                item.label, "profile", profiles, lines, all(known), (), markers, known.count(False)
            )
        )
        profiles += 1
    return RadarView(spec.title, tuple(spokes), rings, tuple(series), lo, hi)
