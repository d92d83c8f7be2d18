"""Group statistics per dimension, computed column-wise with numpy over the rating matrix.

The spread between stakeholders is information, not noise, so every dimension reports it
(min, max, standard deviation, inter-quartile range) beside the Delphi statistics of the
published SCIROCCO study (Lim & Yap, IJIC ijic.7747): the shares of ratings at the median and
in the agreement region, an agreed/split verdict and a level that is *uncertain* when split.
"""

from __future__ import annotations

import warnings
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import ParameterError
from assessment.model import MaturityModel, ModelRef
from assessment.ratings import RatingMatrix

AgreementStatus = Literal["agreed", "split", "no_data"]

UNCERTAIN = "uncertain"
"""The level of a split dimension, whatever its median."""

_EPS = 1e-9


class Rounding(StrEnum):
    """Which way a median exactly halfway between two scale points goes."""

    DOWN = "down"
    UP = "up"


class AgreementRule(BaseModel):
    """When a panel agrees on a dimension, and which level a half-point median takes.

    The *agreement region* holds the scale points within ``(band_width - 1) / 2`` of the
    median (never less than 1/2, so the ratings at the median are always inside): with the
    default 3 that is median-1, median, median+1 for a whole-point median and the two middle
    points (2 and 3 for 2.5) for a half-point median, as in the published study.

    A dimension is **split** when at least ``split_at(n)`` of its ``n`` ratings fall outside
    the region. By default that count scales with the panel: a ``split_share`` of the ratings
    (one third: the published 4 of 12), but never fewer than ``split_minimum`` (2, so a lone
    outlier never splits a panel). Setting ``split_threshold`` switches to the absolute rule
    of the study as written: split from that many ratings outside, whatever the panel size.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    band_width: float = Field(
        default=3.0,
        gt=0,
        description="scale points in the agreement region around a whole-point median",
    )
    split_share: float = Field(
        default=1 / 3,
        gt=0,
        le=1,
        description="split when at least this share of the given ratings is outside the region",
    )
    split_minimum: int = Field(
        default=2, ge=1, description="but never for fewer ratings outside than this"
    )
    split_threshold: int | None = Field(
        default=None,
        ge=1,
        description="absolute rule: split from this many ratings outside, whatever the panel "
        "size (replaces split_share and split_minimum when set)",
    )
    half_median_level: Rounding = Field(
        default=Rounding.UP,
        description="a half-point median takes the level of the point above (up, as "
        "published: 2.5 is progressing) or below (down)",
    )

    @property
    def radius(self) -> float:
        """Largest distance from the median of a rating inside the agreement region."""
        return max((self.band_width - 1) / 2, 0.5)

    def split_at(self, n: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Ratings outside the region that make a dimension of ``n`` ratings split."""
        counts = np.asarray(n, dtype=np.float64)
        if self.split_threshold is not None:
            return np.full_like(counts, float(self.split_threshold))
        share = np.ceil(counts * self.split_share - _EPS)
        return np.maximum(share, float(self.split_minimum))


DEFAULT_RULE = AgreementRule()


class DimensionStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    n: int = Field(description="ratings given (don't know excluded)")
    dont_know: int = Field(description="raters who answered don't know or left it blank")
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    std: float | None = Field(description="sample standard deviation (n-1); null below 2")
    iqr: float | None = Field(description="75th minus 25th percentile (linear interpolation)")
    share_at_median: float | None = Field(
        description="share of the given ratings at the median (for a half-point median the "
        "two middle points count by half); null without ratings"
    )
    share_in_agreement: float | None = Field(
        description="share of the given ratings inside the agreement region; null without ratings"
    )
    outside_band: int = Field(description="ratings outside the agreement region")
    split_at: int = Field(description="ratings outside the region that make this dimension split")
    agreement: AgreementStatus
    band: str | None = Field(description="maturity band the median reaches")
    level: str | None = Field(
        description="Delphi level: 'uncertain' when split, else the band of the median (a "
        "half-point median goes the rule's half_median_level way); null without ratings"
    )


class GroupScores(BaseModel):
    """Statistics of one stakeholder group, stamped with the model it was scored against."""

    model_config = ConfigDict(frozen=True)

    model: ModelRef
    raters: int
    rule: AgreementRule
    dimensions: tuple[DimensionStats, ...]
    completeness: float = Field(description="share of rater x dimension cells with a score")

    def by_key(self) -> dict[str, DimensionStats]:
        return {stats.dimension: stats for stats in self.dimensions}

    def medians(self) -> npt.NDArray[np.float64]:
        return np.array([np.nan if s.median is None else s.median for s in self.dimensions])


def band_of(model: MaturityModel, values: npt.ArrayLike) -> list[str | None]:
    """Maturity band key for each value (None where the value is NaN)."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    bands = model.effective_bands
    cuts = np.array([band.min for band in bands])
    idx = np.searchsorted(cuts, array, side="right") - 1
    return [
        None if np.isnan(v) else bands[max(int(i), 0)].key for v, i in zip(array, idx, strict=True)
    ]


def round_to_point(values: npt.ArrayLike, rounding: Rounding) -> npt.NDArray[np.float64]:
    """Round medians to whole scale points, a value exactly halfway going ``rounding``'s way."""
    array = np.asarray(values, dtype=np.float64)
    halfway = np.abs(array - np.floor(array) - 0.5) < _EPS
    half = np.floor(array) if rounding is Rounding.DOWN else np.ceil(array)
    return np.where(halfway, half, np.floor(array + 0.5))


def level_of(
    model: MaturityModel,
    medians: npt.ArrayLike,
    split: npt.ArrayLike,
    half_median: Rounding = Rounding.UP,
) -> list[str | None]:
    """Delphi level per dimension: ``uncertain`` where split, else the band of the median
    rounded to a scale point (halves ``half_median``'s way); None where there is no median."""
    points = round_to_point(medians, half_median)
    flags = np.atleast_1d(np.asarray(split, dtype=bool))
    return [
        None if band is None else UNCERTAIN if is_split else band
        for band, is_split in zip(band_of(model, points), flags, strict=True)
    ]


def score_group(matrix: RatingMatrix, rule: AgreementRule = DEFAULT_RULE) -> GroupScores:
    """Per-dimension statistics, agreement and level for one group of raters."""
    if not isinstance(rule, AgreementRule):
        raise ParameterError("rule must be an AgreementRule", ("rule",))
    values = matrix.values
    stats = column_stats(values, rule)
    model = matrix.model
    bands = band_of(model, stats["median"])
    split = stats["split"] == 1
    levels = level_of(model, stats["median"], split, rule.half_median_level)
    dims = []
    for c, key in enumerate(model.keys):
        n = int(stats["n"][c])
        dims.append(
            DimensionStats(
                dimension=key,
                n=n,
                dont_know=int(values.shape[0] - n),
                mean=_opt(stats["mean"][c]),
                median=_opt(stats["median"][c]),
                min=_opt(stats["min"][c]),
                max=_opt(stats["max"][c]),
                std=_opt(stats["std"][c]),
                iqr=_opt(stats["iqr"][c]),
                share_at_median=_opt(stats["share_at_median"][c]),
                share_in_agreement=_opt(stats["share_in_agreement"][c]),
                outside_band=int(stats["outside"][c]),
                split_at=int(stats["split_at"][c]),
                agreement="no_data" if n == 0 else "split" if split[c] else "agreed",
                band=bands[c],
                level=levels[c],
            )
        )
    cells = values.size
    return GroupScores(
        model=model.ref,
        raters=values.shape[0],
        rule=rule,
        dimensions=tuple(dims),
        completeness=float(np.count_nonzero(~np.isnan(values)) / cells) if cells else 0.0,
    )


def column_stats(
    values: npt.NDArray[np.float64], rule: AgreementRule = DEFAULT_RULE
) -> dict[str, npt.NDArray[np.float64]]:
    """Vectorised statistics over axis 0 of ``(..., raters, dimensions)`` arrays with NaNs.

    Works on a batch of groups at once (a leading axis of groups), which is what the
    benchmarks and bulk re-scoring use; all-NaN columns give NaN, never a warning. ``split``
    is 1 for a split dimension and 0 otherwise (also without ratings: check ``n``).
    """
    present = ~np.isnan(values)
    n = present.sum(axis=-2).astype(np.float64)
    q25, median, q75 = _quantiles(values, n, (0.25, 0.5, 0.75))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        mean = np.nanmean(values, axis=-2)
        std = np.where(n >= 2, np.nanstd(values, axis=-2, ddof=1), np.nan)
        low = np.nanmin(values, axis=-2)
        high = np.nanmax(values, axis=-2)
    # NaN distances (don't know) compare False, so they count nowhere.
    distance = np.abs(values - np.expand_dims(median, -2))
    inside = np.sum(distance <= rule.radius + _EPS, axis=-2).astype(np.float64)
    # A rating at a whole-point median counts 1; at a half-point median each of the two
    # middle points counts 1/2 (the published study's share at a median of 2.5).
    halfway = np.expand_dims(np.abs(median - np.floor(median) - 0.5) < _EPS, -2)
    weight = np.where(halfway, 0.5 * (np.abs(distance - 0.5) < _EPS), 1.0 * (distance < _EPS))
    at_median = weight.sum(axis=-2)
    outside = n - inside
    split_at = rule.split_at(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_at_median = np.where(n > 0, at_median / n, np.nan)
        share_in_agreement = np.where(n > 0, inside / n, np.nan)
    return {
        "n": n,
        "mean": mean,
        "median": median,
        "min": low,
        "max": high,
        "std": std,
        "iqr": q75 - q25,
        "share_at_median": share_at_median,
        "share_in_agreement": share_in_agreement,
        "outside": outside,
        "split_at": split_at,
        "split": ((n > 0) & (outside >= split_at)).astype(np.float64),
    }


def _quantiles(
    values: npt.NDArray[np.float64], n: npt.NDArray[np.float64], qs: tuple[float, ...]
) -> list[npt.NDArray[np.float64]]:
    """Quantiles over axis -2 ignoring NaNs, linear interpolation (numpy's default method).

    One sort serves every quantile; ``np.nanpercentile`` instead loops over the columns in
    Python whenever NaNs are present, which dominated scoring one group.
    """
    ordered = np.sort(values, axis=-2)  # NaNs sort last, so the ratings come first
    out = []
    for q in qs:
        position = q * np.maximum(n - 1, 0)
        below = np.floor(position)
        fraction = position - below
        lower = np.expand_dims(below.astype(np.intp), -2)
        upper = np.expand_dims(np.ceil(position).astype(np.intp), -2)
        a = np.take_along_axis(ordered, lower, axis=-2).squeeze(-2)
        b = np.take_along_axis(ordered, upper, axis=-2).squeeze(-2)
        out.append(np.where(n > 0, a + (b - a) * fraction, np.nan))
    return out


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
