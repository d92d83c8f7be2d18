"""Stakeholder ratings of one assessment round, held as a raters x dimensions matrix.

"Don't know" is stored as NaN: it is missing information, never a zero, so it is left out of
every statistic and counted against completeness instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assessment.errors import RatingError
from assessment.model import MaturityModel

DONT_KNOW_TOKENS = frozenset({"", "dk", "don't know", "dont know", "unknown", "?", "n/a", "na"})


@dataclass(frozen=True)
class Rating:
    """One stakeholder's rating of one dimension; ``score`` None means "don't know"."""

    rater: str
    dimension: str
    score: int | None
    justification: str = ""


def parse_score(value: Any, model: MaturityModel, location: Sequence[str | int] = ()) -> int | None:
    """Turn user input into a score on the model's scale, or None for "don't know"."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in DONT_KNOW_TOKENS:
            return None
        try:
            value = float(text)
        except ValueError:
            raise RatingError(
                f"score {value!r} is neither a number nor 'dk' (don't know)", location
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RatingError(f"score must be a number or null, got {type(value).__name__}", location)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if not value.is_integer():
            raise RatingError(f"score {value} is not a whole scale point", location)
    score = int(value)
    lo, hi = model.scale.min, model.scale.max
    if not lo <= score <= hi:
        raise RatingError(f"score {score} is outside the scale {lo}-{hi}", location)
    return score


@dataclass(frozen=True)
class RatingMatrix:
    """Scores of several raters on every dimension of a model (NaN = don't know / not rated)."""

    model: MaturityModel
    raters: tuple[str, ...]
    values: npt.NDArray[np.float64]
    justifications: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        expected = (len(self.raters), len(self.model.dimensions))
        if self.values.shape != expected:
            raise RatingError(f"matrix shape {self.values.shape} does not match {expected}")

    @classmethod
    def from_ratings(
        cls, model: MaturityModel, ratings: Iterable[Rating | Mapping[str, Any]]
    ) -> RatingMatrix:
        """Build from long-form records; unknown dimensions, off-scale scores, duplicate
        (rater, dimension) pairs and an empty group raise ``RatingError`` naming the record."""
        rows: dict[str, dict[int, float]] = {}
        notes: dict[tuple[str, str], str] = {}
        for position, item in enumerate(ratings):
            rating = _coerce(model, item, position)
            column = model.index(rating.dimension, ("ratings", position, "dimension"))
            cells = rows.setdefault(rating.rater, {})
            if column in cells:
                raise RatingError(
                    f"rater {rating.rater!r} rated {rating.dimension!r} twice",
                    ("ratings", position, "dimension"),
                )
            cells[column] = math.nan if rating.score is None else float(rating.score)
            if rating.justification:
                notes[(rating.rater, rating.dimension)] = rating.justification
        if not rows:
            raise RatingError("no ratings given: a group needs at least one rater", ("ratings",))
        raters = tuple(rows)
        values = np.full((len(raters), len(model.dimensions)), np.nan)
        for r, rater in enumerate(raters):
            for column, score in rows[rater].items():
                values[r, column] = score
        return cls(model=model, raters=raters, values=values, justifications=notes)

    @classmethod
    def from_array(
        cls, model: MaturityModel, values: npt.ArrayLike, raters: Sequence[str] | None = None
    ) -> RatingMatrix:
        """Build from an array (raters x dimensions, NaN = don't know), checking the scale."""
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != len(model.dimensions):
            raise RatingError(
                f"expected a 2-D array with {len(model.dimensions)} columns, got shape "
                f"{array.shape}",
                ("ratings",),
            )
        if array.shape[0] == 0:
            raise RatingError("no ratings given: a group needs at least one rater", ("ratings",))
        finite = array[~np.isnan(array)]
        lo, hi = model.scale.min, model.scale.max
        if finite.size and (finite.min() < lo or finite.max() > hi):
            raise RatingError(f"scores outside the scale {lo}-{hi}", ("ratings",))
        if finite.size and not np.all(finite == np.round(finite)):
            raise RatingError("scores must be whole scale points", ("ratings",))
        names = (
            tuple(raters)
            if raters is not None
            else tuple(f"rater_{i + 1}" for i in range(array.shape[0]))
        )
        if len(names) != array.shape[0]:
            raise RatingError("one rater name per row is required", ("raters",))
        return cls(model=model, raters=names, values=array)

    def ratings(self) -> list[Rating]:
        """Back to long-form records (every cell, "don't know" included)."""
        out = []
        for r, rater in enumerate(self.raters):
            for c, key in enumerate(self.model.keys):
                value = self.values[r, c]
                out.append(
                    Rating(
                        rater=rater,
                        dimension=key,
                        score=None if math.isnan(value) else int(value),
                        justification=self.justifications.get((rater, key), ""),
                    )
                )
        return out


def _coerce(model: MaturityModel, item: Rating | Mapping[str, Any], position: int) -> Rating:
    here: tuple[str | int, ...] = ("ratings", position)
    if isinstance(item, Rating):
        raw: Mapping[str, Any] = {
            "rater": item.rater,
            "dimension": item.dimension,
            "score": item.score,
            "justification": item.justification,
        }
    elif isinstance(item, Mapping):
        raw = item
    else:
        raise RatingError("each rating must be an object with rater, dimension, score", here)
    for name in ("rater", "dimension"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise RatingError(f"{name} is required", (*here, name))
    dimension = str(raw["dimension"]).strip()
    model.index(dimension, (*here, "dimension"))
    if "score" not in raw:
        raise RatingError("score is required (null or 'dk' for don't know)", (*here, "score"))
    score = parse_score(raw["score"], model, (*here, "score"))
    justification = raw.get("justification") or ""
    if not isinstance(justification, str):
        raise RatingError("justification must be text", (*here, "justification"))
    return Rating(str(raw["rater"]).strip(), dimension, score, justification.strip())
