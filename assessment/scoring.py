"""Group statistics per dimension, computed column-wise with numpy over the rating matrix.

The spread between stakeholders is information, not noise, so every dimension reports it
(min, max, standard deviation, inter-quartile range) beside an agreement verdict.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import ParameterError
from assessment.model import MaturityModel, ModelRef
from assessment.ratings import RatingMatrix

AgreementStatus = Literal["agreed", "split", "no_data"]


class AgreementRule(BaseModel):
    """Delphi-style agreement: a dimension is agreed when fewer than ``split_threshold``
    ratings fall outside a band ``band_width`` scale points wide centred on the median
    (a rating is inside when ``|rating - median| <= band_width / 2``).

    Defaults follow the published rule of the domain brief: fewer than 4 ratings outside a
    3-point band, i.e. with an integer median the points median-1, median, median+1.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    band_width: float = Field(default=3.0, gt=0)
    split_threshold: int = Field(default=4, ge=1)


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
    outside_band: int = Field(description="ratings outside the agreement band")
    agreement: AgreementStatus
    band: str | None = Field(description="maturity band of the median")


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


def score_group(matrix: RatingMatrix, rule: AgreementRule = DEFAULT_RULE) -> GroupScores:
    """Per-dimension statistics and agreement for one group of raters."""
    if not isinstance(rule, AgreementRule):
        raise ParameterError("rule must be an AgreementRule", ("rule",))
    values = matrix.values
    stats = column_stats(values, rule)
    model = matrix.model
    bands = band_of(model, stats["median"])
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
                outside_band=int(stats["outside"][c]),
                agreement=_status(n, int(stats["outside"][c]), rule),
                band=bands[c],
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
    benchmarks and bulk re-scoring use; all-NaN columns give NaN, never a warning.
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
    distance = np.abs(values - np.expand_dims(median, -2))
    outside = np.sum(present & (distance > rule.band_width / 2), axis=-2).astype(np.float64)
    return {
        "n": n,
        "mean": mean,
        "median": median,
        "min": low,
        "max": high,
        "std": std,
        "iqr": q75 - q25,
        "outside": outside,
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


def _status(n: int, outside: int, rule: AgreementRule) -> AgreementStatus:
    if n == 0:
        return "no_data"
    return "agreed" if outside < rule.split_threshold else "split"


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
