"""Radar (spider) charts of consensus profiles, described as data: the pure half of charts.

Everything starts from one :class:`RadarSpec` built by :func:`radar_spec`. Dashboards that draw
their own chart read the spec as JSON (:func:`spec_json`); ``assessment.chart_render`` draws PNG
and SVG from the very same spec, so the numbers in an image can never disagree with the JSON.
:func:`chart_etag` hashes a spec with the format and the renderer's version, so a chart's ETag
is known without drawing it.

Charts speak the reader's language: ``radar_spec(..., language="sv")`` takes the axis, model
and band names from the model localized to it and writes the legend in it; the spec records
the ``language``, so the renderer's own words match and each language has its own ETag.

Missing values (a dimension without a consensus score, or without any stakeholder rating) are
``null`` in the spec; the renderer draws them as gaps, never at the centre (which means the
lowest level of the scale).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assessment.errors import ParameterError, RatingError
from assessment.i18n import Localizer, localizer
from assessment.model import MaturityModel, ModelRef
from assessment.profile import Profile
from assessment.scoring import DimensionStats, GroupScores

SpreadKind = Literal["minmax", "iqr"]
ChartFormat = Literal["png", "svg"]

#: Bumped whenever the drawing in ``assessment.chart_render`` changes, so that cached images
#: and ETags are invalidated.
RENDERER_VERSION = "2"


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


# --- JSON and ETag ---------------------------------------------------------------------------


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


def renderer_identity() -> str:
    """What draws a chart (this renderer's version and matplotlib's), for callers that name
    a chart before describing it, e.g. an ETag computed from the chart's inputs."""
    return f"{RENDERER_VERSION} matplotlib {_matplotlib_version()}"


@cache
def _matplotlib_version() -> str:
    return version("matplotlib")


def circular_runs(defined: list[bool]) -> list[list[int]]:
    """Maximal circular runs of consecutive defined indexes ([] when none are defined): the
    pieces of a radar outline that are drawn, whatever draws them (PNG/SVG, the web pages)."""
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
