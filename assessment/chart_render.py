"""PNG and SVG images of radar charts, drawn with matplotlib from a :class:`RadarSpec`.

Rendering uses matplotlib's object API (a ``Figure`` on an Agg canvas, never ``pyplot``), so
charts can be drawn in worker threads. The output is deterministic (fixed SVG id salt, no dates
in the metadata): identical specs give identical bytes, which is what lets the spec's ETag
(``chart_etag``) name an image, and lets a :class:`ChartCache` keep rendered images. The cache
belongs to the caller (the service creates one per process from its settings), not to this
module.

Missing values are drawn as gaps: the outline of a series is broken on both sides of a missing
dimension, the series is left unfilled, and its legend entry says how many dimensions are not
scored. Nothing is ever drawn at the centre for a missing value.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from assessment.charts import (
    ChartFormat,
    RadarAxes,
    RadarSeries,
    RadarSpec,
    chart_etag,
    circular_runs,
)
from assessment.errors import ParameterError
from assessment.i18n import Localizer, localizer

if TYPE_CHECKING:  # matplotlib is imported on first render: `import assessment` stays quick
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Size of every rendered chart: inches x dots per inch = pixels of the PNG.
FIGURE_INCHES = (8.0, 8.5)
DPI = 100
PNG_SIZE = (round(FIGURE_INCHES[0] * DPI), round(FIGURE_INCHES[1] * DPI))

# Okabe-Ito colours stay distinguishable for colour-blind readers; the line styles keep the
# series apart when the chart is printed in grey.
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_INNER = 0.08  # radius of the scale minimum, so that low scores do not collapse into a dot
_MAX_RINGS = 10
_LABEL_WIDTH = 16  # characters per line of a dimension label
_TITLE_WIDTH = 60  # characters that fit across the figure at the large title size


class ChartCacheStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    hits: int
    misses: int
    size: int
    maxsize: int


class ChartCache:
    """Bounded LRU of rendered charts keyed by ETag, safe to share between threads.

    ``maxsize`` 0 keeps nothing (every render draws), for deployments that would rather spend
    CPU than memory.
    """

    def __init__(self, maxsize: int) -> None:
        if maxsize < 0:
            raise ParameterError("a chart cache cannot hold fewer than 0 charts", ("maxsize",))
        self.maxsize = maxsize
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is None:
                self.misses += 1
            else:
                self.hits += 1
                self._items.move_to_end(key)
            return data

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is cached (without counting a hit or a miss)."""
        with self._lock:
            return key in self._items

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self._items[key] = data
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def stats(self) -> ChartCacheStats:
        with self._lock:
            return ChartCacheStats(
                hits=self.hits, misses=self.misses, size=len(self._items), maxsize=self.maxsize
            )


# matplotlib reads the SVG settings from its process-global rcParams, so renders take turns;
# drawing holds the GIL most of the time anyway, so little parallelism is lost.
_RENDER_LOCK = threading.Lock()


def render_radar(spec: RadarSpec, fmt: ChartFormat, cache: ChartCache | None = None) -> bytes:
    """PNG or SVG bytes of a spec; identical specs give identical bytes, taken from ``cache``
    (and stored there) when one is given."""
    if fmt not in ("png", "svg"):
        raise ParameterError("format must be 'png' or 'svg'", ("format",))
    key = chart_etag(spec, fmt)
    if cache is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    import matplotlib

    # One render at a time: matplotlib's SVG settings are process-global, and drawing holds
    # the GIL most of the time anyway. Requests for the same chart that arrive together
    # draw it once: the later ones find it in the cache when their turn comes.
    with _RENDER_LOCK:
        if cache is not None and key in cache:
            drawn = cache.get(key)
            if drawn is not None:
                return drawn
        figure = _draw(spec)
        buffer = io.BytesIO()
        # A fixed salt for SVG element ids gives the same bytes for the same input;
        # fonttype "none" writes real <text>, which is searchable, selectable and small.
        with matplotlib.rc_context(
            {
                "svg.hashsalt": "twinning-radar",
                "svg.fonttype": "none",
                "svg.image_inline": True,
                "path.simplify": False,
            }
        ):
            if fmt == "png":
                figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
            else:
                figure.savefig(buffer, format="svg", metadata={"Date": None})
        data = buffer.getvalue()
        if cache is not None:
            cache.put(key, data)
    return data


_WARM = threading.Event()


def warm_up() -> None:
    """Import matplotlib and draw one small chart in each format, so that the first real
    chart in this process does not wait for the import, the font cache and the first text
    layout (about a second on a small machine); a worker calls it, in a thread, as it starts.
    Safe to call from any thread, and again."""
    from assessment.charts import radar_spec
    from assessment.model import default_model
    from assessment.profile import build_profile

    model = default_model()
    low = model.scale.min
    profile = build_profile(model, workshop=dict.fromkeys(model.keys, low), label="warm-up")
    spec = radar_spec(model, [profile])
    render_radar(spec, "png")
    render_radar(spec, "svg")
    _WARM.set()


def is_warm() -> bool:
    """Whether :func:`warm_up` has finished in this process."""
    return _WARM.is_set()


# --- drawing --------------------------------------------------------------------------------


class _Geometry:
    """Maps (dimension index, scale value) to the plane: spokes clockwise from 12 o'clock."""

    def __init__(self, axes: RadarAxes) -> None:
        self.axes = axes
        count = len(axes.dimensions)
        self.angles = [math.pi / 2 - 2 * math.pi * i / count for i in range(count)]

    def radius(self, value: float) -> float:
        span = self.axes.scale_max - self.axes.scale_min
        return _INNER + (1 - _INNER) * (value - self.axes.scale_min) / span

    def point(self, index: int, value: float) -> tuple[float, float]:
        r, angle = self.radius(value), self.angles[index]
        return r * math.cos(angle), r * math.sin(angle)

    def polygon(self, value: float) -> tuple[list[float], list[float]]:
        """A closed ring through every spoke at one scale value."""
        points = [self.point(i, value) for i in [*range(len(self.angles)), 0]]
        return [p[0] for p in points], [p[1] for p in points]


def _draw(spec: RadarSpec) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.0, 0.13, 1.0, 0.78))
    ax.set_aspect("equal")
    ax.set_xlim(-1.62, 1.62)
    ax.set_ylim(-1.42, 1.42)
    ax.set_axis_off()
    words = localizer(spec.language)
    geometry = _Geometry(spec.axes)
    _draw_grid(ax, geometry)

    handles: list[Artist] = []
    profiles = 0
    for series in spec.series:
        if series.kind == "band":
            handles.append(_draw_band(ax, geometry, series, _COLOURS[0], words))
            continue
        look = {
            "color": _COLOURS[profiles % len(_COLOURS)],
            "linestyle": _LINESTYLES[profiles % len(_LINESTYLES)],
            "marker": _MARKERS[profiles % len(_MARKERS)],
            "linewidth": 2.0,
            "markersize": 5,
        }
        profiles += 1
        handles.append(_draw_profile(ax, geometry, series, look, 10 + profiles, words))

    legend = figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.02),
        ncols=1 if len(handles) <= 3 else 2,
        frameon=False,
        fontsize=10 if len(handles) <= 6 else 8,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)
    legend.set_gid("legend")
    if spec.title:
        figure.text(
            0.5,
            0.965,
            textwrap.shorten(spec.title, _TITLE_WIDTH * 2, placeholder="..."),
            ha="center",
            va="top",
            fontsize=15 if len(spec.title) <= _TITLE_WIDTH else 11,
            fontweight="bold",
            parse_math=False,
        ).set_gid("title")
    axes = spec.axes
    subtitle = " ".join(part for part in (spec.model_name, f"v{spec.model.version}") if part)
    figure.text(
        0.5,
        0.925,
        words.gettext("%(model)s, scale %(min)d-%(max)d")
        % {"model": subtitle, "min": axes.scale_min, "max": axes.scale_max},
        ha="center",
        va="top",
        fontsize=9,
        color="#555555",
        parse_math=False,
    )
    return figure


def _draw_grid(ax: Axes, geometry: _Geometry) -> None:
    axes = geometry.axes
    step = max(1, math.ceil((axes.scale_max - axes.scale_min) / _MAX_RINGS))
    levels = list(range(axes.scale_min, axes.scale_max + 1, step))
    if levels[-1] != axes.scale_max:
        levels.append(axes.scale_max)
    for level in levels:
        outer = level == axes.scale_max
        ax.plot(
            *geometry.polygon(level),
            color="#888888" if outer else "#cccccc",
            linewidth=1.0 if outer else 0.7,
            zorder=1,
        )
        # Ring numbers sit on the rings halfway between the last and the first spoke, away from
        # the data points (which lie on spokes), on a white patch for legibility.
        half = math.pi / len(geometry.angles)
        r = geometry.radius(level) * math.cos(half)
        ax.text(
            r * math.cos(math.pi / 2 + half),
            r * math.sin(math.pi / 2 + half),
            str(level),
            ha="center",
            va="center",
            fontsize=8,
            color="#444444",
            zorder=30,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    for index, dim in enumerate(axes.dimensions):
        (x0, y0), (x1, y1) = (
            geometry.point(index, axes.scale_min),
            geometry.point(index, axes.scale_max),
        )
        ax.plot([x0, x1], [y0, y1], color="#cccccc", linewidth=0.7, zorder=1)
        cos, sin = math.cos(geometry.angles[index]), math.sin(geometry.angles[index])
        reach = geometry.radius(axes.scale_max) + 0.07
        # A no-break space keeps the number with the first word: long single words (Swedish
        # "Förändringsberedskap") would otherwise leave the number alone on a line.
        name = f"{dim.number}.\u00a0{dim.name}" if dim.number is not None else dim.name
        label = _wrap_label(name)  # a smaller font when a long word makes it wide
        ax.text(
            reach * cos,
            reach * sin,
            label,
            ha="center" if abs(cos) < 0.2 else ("left" if cos > 0 else "right"),
            va="center" if abs(sin) < 0.2 else ("bottom" if sin > 0 else "top"),
            fontsize=9.5 if max(map(len, label.splitlines())) <= _LABEL_WIDTH + 2 else 8.5,
            multialignment="center",
            parse_math=False,
            zorder=30,
        ).set_gid(f"axis-{dim.key}")


def _wrap_label(name: str) -> str:
    """Lines of about ``_LABEL_WIDTH`` characters, never narrower than the longest word, so
    that a long word does not leave a short one alone on a line ("Standardizzazione" / "e")."""
    longest = max(len(word) for word in name.split())
    width = max(_LABEL_WIDTH, longest)
    return textwrap.fill(name, width, break_long_words=False, break_on_hyphens=False)


def _draw_profile(
    ax: Axes,
    geometry: _Geometry,
    series: RadarSeries,
    look: dict[str, Any],
    zorder: int,
    words: Localizer,
) -> Artist:
    from matplotlib.lines import Line2D

    values = series.values
    defined = [v is not None for v in values]
    complete = all(defined)
    for run in circular_runs(defined):
        indexes = [*run, run[0]] if complete else run
        xs, ys = zip(*(geometry.point(i, _known(values[i])) for i in indexes), strict=True)
        ax.plot(xs, ys, zorder=zorder, **look)
        if complete:  # an area with holes in its outline would claim scores nobody gave
            ax.fill(xs, ys, color=look["color"], alpha=0.10, linewidth=0, zorder=zorder - 0.5)
    missing = sum(v is None for v in values)
    note = words.ngettext("%(n)d not scored", "%(n)d not scored", missing) % {"n": missing}
    return Line2D([], [], label=series.label + (f" ({note})" if missing else ""), **look)


def _draw_band(
    ax: Axes, geometry: _Geometry, series: RadarSeries, colour: str, words: Localizer
) -> Artist:
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path

    lower, upper = series.lower or (), series.upper or ()
    defined = [lo is not None for lo in lower]
    style: dict[str, Any] = {"facecolor": colour, "alpha": 0.18, "edgecolor": "none", "zorder": 5}
    for run in circular_runs(defined):
        outer = [geometry.point(i, _known(upper[i])) for i in run]
        inner = [geometry.point(i, _known(lower[i])) for i in run]
        if len(run) == len(defined):
            # A full ring: the upper polygon with the lower polygon cut out as a hole.
            vertices = [*outer, outer[0], *inner[::-1], inner[-1]]
            codes = ([Path.MOVETO] + [Path.LINETO] * (len(outer) - 1) + [Path.CLOSEPOLY]) * 2
            ax.add_patch(PathPatch(Path(vertices, codes), **style))
        elif len(run) == 1:  # an isolated dimension: the band is a thick radial stroke
            (x0, y0), (x1, y1) = inner[0], outer[0]
            ax.plot(
                [x0, x1],
                [y0, y1],
                color=colour,
                alpha=0.35,
                linewidth=6,
                solid_capstyle="butt",
                zorder=5,
            )
        else:
            polygon = [*outer, *inner[::-1]]
            ax.fill([p[0] for p in polygon], [p[1] for p in polygon], **style)
    missing = sum(lo is None for lo in lower)
    note = words.ngettext("%(n)d without ratings", "%(n)d without ratings", missing)
    label = series.label + (f" ({note % {'n': missing}})" if missing else "")
    return Patch(facecolor=colour, alpha=0.25, label=label)


def _known(value: float | None) -> float:
    assert value is not None  # callers pass indexes of defined values only
    return value
