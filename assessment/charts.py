"""Radar (spider) charts of consensus profiles, as a JSON-ready spec and as PNG or SVG.

Everything starts from one :class:`RadarSpec` built by :func:`radar_spec`. Dashboards that draw
their own chart read the spec as JSON; :func:`render_radar` draws PNG and SVG from the very same
spec, so the numbers in an image can never disagree with the JSON.

Rendering uses matplotlib's object API (a ``Figure`` on an Agg canvas, never ``pyplot``), so
charts can be drawn in worker threads. The output is deterministic (fixed SVG id salt, no dates
in the metadata): identical specs give identical bytes, which is what lets :func:`chart_etag`
serve as an HTTP ETag and lets repeated renders come from an in-process cache.

Charts speak the reader's language: ``radar_spec(..., language="sv")`` takes the axis, model
and band names from the model localized to it and writes the legend in it; the spec records
the ``language``, so the renderer's own words match and each language has its own ETag.

Missing values (a dimension without a consensus score, or without any stakeholder rating) are
``null`` in the spec. They are drawn as gaps: the outline of a series is broken on both sides
of a missing dimension, the series is left unfilled, and its legend entry says how many
dimensions are not scored. Nothing is ever drawn at the centre for a missing value, since the
centre means the lowest level of the scale.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assessment.errors import ParameterError, RatingError
from assessment.i18n import Localizer, localizer
from assessment.model import MaturityModel, ModelRef
from assessment.profile import Profile
from assessment.scoring import DimensionStats, GroupScores

if TYPE_CHECKING:  # matplotlib is imported on first render: `import assessment` stays quick
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SpreadKind = Literal["minmax", "iqr"]
ChartFormat = Literal["png", "svg"]

#: Bumped whenever the drawing changes, so that cached images and ETags are invalidated.
RENDERER_VERSION = "2"
#: Size of every rendered chart: inches x dots per inch = pixels of the PNG.
FIGURE_INCHES = (8.0, 8.5)
DPI = 100
PNG_SIZE = (round(FIGURE_INCHES[0] * DPI), round(FIGURE_INCHES[1] * DPI))
CHART_CACHE_SIZE = 64

# Okabe-Ito colours stay distinguishable for colour-blind readers; the line styles keep the
# series apart when the chart is printed in grey.
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_INNER = 0.08  # radius of the scale minimum, so that low scores do not collapse into a dot
_MAX_RINGS = 10
_LABEL_WIDTH = 16  # characters per line of a dimension label
_TITLE_WIDTH = 60  # characters that fit across the figure at the large title size


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RadarAxis(_Frozen):
    key: str
    name: str
    number: int | None = None


class RadarBand(_Frozen):
    """A maturity band of the model (its lower bound), for dashboards that shade them."""

    key: str
    name: str
    min: float


class RadarAxes(_Frozen):
    dimensions: tuple[RadarAxis, ...] = Field(min_length=1)
    scale_min: int
    scale_max: int
    bands: tuple[RadarBand, ...] = ()


class RadarSeries(_Frozen):
    """One profile (``kind="profile"``) or one stakeholders' spread (``kind="band"``).

    ``values`` follow ``axes.dimensions`` order, null where missing. For a band, ``values`` is
    the group median and ``lower``/``upper`` the edges of the band.
    """

    label: str
    kind: Literal["profile", "band"]
    values: tuple[float | None, ...]
    lower: tuple[float | None, ...] | None = None
    upper: tuple[float | None, ...] | None = None
    region: str = ""
    round_label: str = ""
    spread_kind: SpreadKind | None = None
    raters: int | None = None

    @model_validator(mode="after")
    def _band_edges(self) -> RadarSeries:
        if self.kind == "band":
            if self.lower is None or self.upper is None:
                raise ValueError("a band needs lower and upper")
            if not len(self.lower) == len(self.upper) == len(self.values):
                raise ValueError("values, lower and upper must have the same length")
            for lo, hi in zip(self.lower, self.upper, strict=True):
                if (lo is None) != (hi is None) or (lo is not None and hi is not None and lo > hi):
                    raise ValueError("band edges must both be null or satisfy lower <= upper")
        elif self.lower is not None or self.upper is not None:
            raise ValueError("only bands have lower and upper")
        return self


class RadarSpec(_Frozen):
    """Everything a radar chart shows; ``model_dump(mode="json")`` is the chart as JSON."""

    model: ModelRef
    model_name: str = ""
    language: str = Field("en", description="language of the names and labels (BCP 47)")
    title: str = ""
    axes: RadarAxes
    series: tuple[RadarSeries, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _aligned(self) -> RadarSpec:
        count = len(self.axes.dimensions)
        lo, hi = self.axes.scale_min, self.axes.scale_max
        if hi <= lo:
            raise ValueError("scale_max must be greater than scale_min")
        for series in self.series:
            if len(series.values) != count:
                raise ValueError(
                    f"series {series.label!r} has {len(series.values)} values for {count} axes"
                )
            for row in (series.values, series.lower or (), series.upper or ()):
                if any(v is not None and not lo <= v <= hi for v in row):
                    raise ValueError(f"series {series.label!r} has values off the scale {lo}-{hi}")
        return self


def radar_spec(
    model: MaturityModel,
    profiles: Sequence[Profile],
    spread: GroupScores | None = None,
    spread_kind: SpreadKind = "minmax",
    title: str | None = None,
    language: str | None = None,
) -> RadarSpec:
    """Chart description of one or more profiles, overlaid in the given order.

    Names and labels are in ``language`` (default: the model's own; the model is localized to
    it, each name falling back to the original where the model has no translation).

    Profiles of another version of the same model are matched to the axes by dimension key
    (dimensions the profile lacks are missing). ``spread`` adds the stakeholders' spread as a
    band drawn under the first profile: ``"minmax"`` spans the lowest to the highest rating;
    ``"iqr"`` is a band as wide as the inter-quartile range centred on the median (GroupScores
    keeps the median and the IQR, not the quartiles themselves, so for a skewed group this band
    is shifted from the true quartiles). Band edges are clipped to the scale.
    """
    if spread_kind not in ("minmax", "iqr"):
        raise ParameterError("spread_kind must be 'minmax' or 'iqr'", ("spread_kind",))
    if not profiles and spread is None:
        raise ParameterError("a radar chart needs at least one profile or a spread", ("profiles",))
    for index, profile in enumerate(profiles):
        _check_model(model, profile.model, ("profiles", index, "model"))
    if spread is not None:
        _check_model(model, spread.model, ("spread", "model"))

    if language is not None:
        model = model.localized(language)
    words = localizer(language or model.language)
    labels = _unique_labels([_profile_label(p, words) for p in profiles])
    series: list[RadarSeries] = []
    if spread is not None:
        first = profiles[0] if profiles else None
        series.append(_band_series(model, spread, spread_kind, first, words))
    for profile, label in zip(profiles, labels, strict=True):
        scores = {s.dimension: s.score for s in profile.scores}
        values = tuple(_as_float(scores.get(key)) for key in model.keys)
        series.append(
            RadarSeries(
                label=label,
                kind="profile",
                values=values,
                region=profile.region,
                round_label=profile.label,
            )
        )
    if title is None:
        # Translators: joins the profiles compared in a chart title ("Lund vs Malmö")
        joiner = words.gettext(" vs ")
        title = joiner.join(labels) if 0 < len(labels) <= 3 else model.name
    return RadarSpec(
        model=model.ref,
        model_name=model.name,
        language=words.language,
        title=title,
        axes=RadarAxes(
            dimensions=tuple(
                RadarAxis(key=d.key, name=d.name, number=d.number) for d in model.dimensions
            ),
            scale_min=model.scale.min,
            scale_max=model.scale.max,
            bands=tuple(
                RadarBand(key=b.key, name=b.name, min=b.min) for b in model.effective_bands
            ),
        ),
        series=tuple(series),
    )


def _as_float(score: int | None) -> float | None:
    return None if score is None else float(score)


def _check_model(model: MaturityModel, ref: ModelRef, location: tuple[str | int, ...]) -> None:
    if ref.id != model.id:
        raise RatingError(
            f"scored with model {ref.id!r}, cannot be drawn on axes of {model.id!r}", location
        )


def _profile_label(profile: Profile, words: Localizer) -> str:
    parts = (profile.region, profile.label)
    return " ".join(part for part in parts if part) or words.gettext("Profile")


def _unique_labels(labels: list[str]) -> list[str]:
    """Legend entries must tell series apart, so repeated labels get a running number."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _band_series(
    model: MaturityModel,
    spread: GroupScores,
    kind: SpreadKind,
    first: Profile | None,
    words: Localizer,
) -> RadarSeries:
    stats = spread.by_key()
    lo, hi = model.scale.min, model.scale.max
    medians: list[float | None] = []
    lower: list[float | None] = []
    upper: list[float | None] = []
    for key in model.keys:
        edges = _edges(stats.get(key), kind)
        dim = stats.get(key)
        medians.append(None if dim is None else dim.median)
        if edges is None:
            lower.append(None)
            upper.append(None)
        else:
            lower.append(max(lo, edges[0]))
            upper.append(min(hi, edges[1]))
    n = spread.raters
    if kind == "minmax":
        what = words.ngettext(
            "stakeholders' range (min-max), %(n)d rater",
            "stakeholders' range (min-max), %(n)d raters",
            n,
        )
    else:
        what = words.ngettext(
            "stakeholders' inter-quartile range, %(n)d rater",
            "stakeholders' inter-quartile range, %(n)d raters",
            n,
        )
    owner = f"{_profile_label(first, words)}: " if first is not None else ""
    return RadarSeries(
        label=owner + what % {"n": n},
        kind="band",
        values=tuple(medians),
        lower=tuple(lower),
        upper=tuple(upper),
        region=first.region if first else "",
        round_label=first.label if first else "",
        spread_kind=kind,
        raters=spread.raters,
    )


def _edges(stats: DimensionStats | None, kind: SpreadKind) -> tuple[float, float] | None:
    if stats is None:
        return None
    if kind == "minmax":
        if stats.min is None or stats.max is None:
            return None
        return stats.min, stats.max
    if stats.median is None or stats.iqr is None:
        return None
    return stats.median - stats.iqr / 2, stats.median + stats.iqr / 2


# --- JSON, ETag and cache ---------------------------------------------------------------------


def spec_json(spec: RadarSpec) -> bytes:
    """Canonical JSON of a spec (sorted keys, no spaces): the bytes hashed into the ETag."""
    return json.dumps(
        spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def chart_etag(spec: RadarSpec, fmt: ChartFormat | Literal["json"]) -> str:
    """Content hash of what a chart shows and how it is drawn (hex, without quotes).

    The matplotlib version is part of it because another version may draw different bytes.
    """
    digest = hashlib.sha256()
    for part in (RENDERER_VERSION, _matplotlib_version(), fmt):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(spec_json(spec))
    return digest.hexdigest()[:40]


@cache
def _matplotlib_version() -> str:
    return version("matplotlib")


class ChartCacheStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    hits: int
    misses: int
    size: int
    maxsize: int


class _ChartCache:
    """Bounded LRU of rendered charts keyed by ETag, safe to share between threads."""

    def __init__(self, maxsize: int) -> None:
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


_CACHE = _ChartCache(CHART_CACHE_SIZE)
# matplotlib reads the SVG settings from its process-global rcParams, so renders take turns;
# drawing holds the GIL most of the time anyway, so little parallelism is lost.
_RENDER_LOCK = threading.Lock()


def chart_cache_stats() -> ChartCacheStats:
    return _CACHE.stats()


def clear_chart_cache() -> None:
    _CACHE.clear()


def render_radar(spec: RadarSpec, fmt: ChartFormat, *, use_cache: bool = True) -> bytes:
    """PNG or SVG bytes of a spec; identical specs give identical bytes, served from cache."""
    if fmt not in ("png", "svg"):
        raise ParameterError("format must be 'png' or 'svg'", ("format",))
    key = chart_etag(spec, fmt)
    if use_cache:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    import matplotlib

    figure = _draw(spec)
    buffer = io.BytesIO()
    # A fixed salt for SVG element ids gives the same bytes for the same input; fonttype
    # "none" writes real <text>, which is searchable, selectable and small.
    with (
        _RENDER_LOCK,
        matplotlib.rc_context(
            {
                "svg.hashsalt": "twinning-radar",
                "svg.fonttype": "none",
                "svg.image_inline": True,
                "path.simplify": False,
            }
        ),
    ):
        if fmt == "png":
            figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        else:
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    data = buffer.getvalue()
    if use_cache:
        _CACHE.put(key, data)
    return data


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


def _runs(defined: list[bool]) -> list[list[int]]:
    """Maximal circular runs of consecutive defined indexes ([] when none are defined)."""
    count = len(defined)
    if all(defined):
        return [list(range(count))]
    start = defined.index(False)  # begin after a gap so that no run wraps around
    runs: list[list[int]] = []
    current: list[int] = []
    for offset in range(1, count + 1):
        i = (start + offset) % count
        if defined[i]:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


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
    for run in _runs(defined):
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
    for run in _runs(defined):
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
