"""Stakeholder ratings of one assessment round, held as a raters x dimensions matrix.

"Don't know" is stored as NaN: it is missing information, never a zero, so it is left out of
every statistic and counted against completeness instead.

Raters are identified by a *key* (``raters``) and shown by a *name* (``names``). A file names
its raters and the name is the key; the service keys them by stakeholder id, so two people
whose names differ only by spaces, or a name that is blank, remain two separate raters.
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
    """One stakeholder's rating of one dimension; ``score`` None means "don't know".

    ``rater`` is the rater's key; ``name`` the name people read where it differs from the key
    (empty when the key is the name).
    """

    rater: str
    dimension: str
    score: int | None
    justification: str = ""
    name: str = ""


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
    """Scores of several raters on every dimension of a model (NaN = don't know / not rated).

    ``raters`` are unique keys; ``names`` (one per rater) are what people read, given when
    they differ from the keys (empty: the keys are the names). Justifications are keyed by
    (rater key, dimension).
    """

    model: MaturityModel
    raters: tuple[str, ...]
    values: npt.NDArray[np.float64]
    justifications: Mapping[tuple[str, str], str] = field(default_factory=dict)
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        expected = (len(self.raters), len(self.model.dimensions))
        if self.values.shape != expected:
            raise RatingError(f"matrix shape {self.values.shape} does not match {expected}")
        if len(set(self.raters)) != len(self.raters):
            raise RatingError("rater keys must be unique", ("raters",))
        if self.names and len(self.names) != len(self.raters):
            raise RatingError("one name per rater is required", ("names",))

    @property
    def display_names(self) -> tuple[str, ...]:
        """The raters' names in rater order (the keys when no names were given)."""
        return self.names or self.raters

    def name_of(self, rater: str) -> str:
        """The name people read for the rater with key ``rater``."""
        if not self.names:
            return rater
        return self.names[self.raters.index(rater)]

    @classmethod
    def from_ratings(
        cls, model: MaturityModel, ratings: Iterable[Rating | Mapping[str, Any]]
    ) -> RatingMatrix:
        """Build from long-form records; unknown dimensions, off-scale scores, duplicate
        (rater, dimension) pairs and an empty group raise ``RatingError`` naming the record.

        A record names its rater by ``rater``; one that also has a ``rater_id`` (as the
        service's exports do) is keyed by the id and shown by the name."""
        rows: dict[str, dict[int, float]] = {}
        names: dict[str, str] = {}
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
            if rating.name:
                known = names.setdefault(rating.rater, rating.name)
                if known != rating.name:
                    raise RatingError(
                        f"rater {rating.rater!r} is named both {known!r} and {rating.name!r}",
                        ("ratings", position, "rater"),
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
        shown = tuple(names.get(rater) or rater for rater in raters) if names else ()
        return cls(model=model, raters=raters, values=values, justifications=notes, names=shown)

    @classmethod
    def from_columns(
        cls,
        model: MaturityModel,
        raters: Sequence[str] | Sequence[int],
        dimensions: Sequence[str],
        scores: Sequence[int | None],
        justifications: Sequence[str] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> RatingMatrix:
        """Build from parallel columns, one entry per rating, as a database returns them.

        The same checks as :meth:`from_ratings` (unknown dimensions, scores that are not
        whole numbers on the scale, a rater rating a dimension twice, no ratings), done per
        column with numpy instead of per record, which is what makes a round of thousands of
        raters cheap to score. ``raters`` are keys (text, or integer ids, which become text);
        raters keep the order they first appear in. ``names`` maps keys to the names people
        read (a key without one shows the key). Errors name the first bad record as
        ``ratings.<position>.<field>``.
        """
        count = len(raters)
        if len(dimensions) != count or len(scores) != count:
            raise RatingError("raters, dimensions and scores must have one entry per rating")
        if justifications is not None and len(justifications) != count:
            raise RatingError("justifications must have one entry per rating")
        if count == 0:
            raise RatingError("no ratings given: a group needs at least one rater", ("ratings",))
        row_of, keys = _rater_codes(raters)
        seen = list(dict.fromkeys(dimensions))
        for key in seen:
            if key not in model.keys:  # the record is looked up only for the error
                model.index(key, ("ratings", list(dimensions).index(key), "dimension"))
        lookup = {key: model.keys.index(key) for key in seen}
        column_of = np.fromiter(map(lookup.__getitem__, dimensions), np.intp, count)
        values_in = _score_column(model, scores)
        cells = row_of * len(model.dimensions) + column_of
        order = np.argsort(cells, kind="stable")
        repeated = np.flatnonzero(cells[order][1:] == cells[order][:-1])
        if repeated.size:
            position = int(order[repeated[0] + 1])
            raise RatingError(
                f"rater {keys[row_of[position]]!r} rated {dimensions[position]!r} twice",
                ("ratings", position, "dimension"),
            )
        values = np.full((len(keys), len(model.dimensions)), np.nan)
        values[row_of, column_of] = values_in
        notes: dict[tuple[str, str], str] = {}
        if justifications is not None:
            rows, columns = row_of.tolist(), column_of.tolist()
            notes = {
                (keys[rows[i]], model.keys[columns[i]]): text.strip()
                for i, text in enumerate(justifications)
                if text and text.strip()
            }
        shown = tuple(names.get(key, key) for key in keys) if names is not None else ()
        return cls(model=model, raters=keys, values=values, justifications=notes, names=shown)

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
        _check_scale(model, array[~np.isnan(array)], ("ratings",))
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
            name = self.names[r] if self.names else ""
            for c, key in enumerate(self.model.keys):
                value = self.values[r, c]
                out.append(
                    Rating(
                        rater=rater,
                        dimension=key,
                        score=None if math.isnan(value) else int(value),
                        justification=self.justifications.get((rater, key), ""),
                        name=name,
                    )
                )
        return out


def _rater_codes(
    raters: Sequence[str] | Sequence[int],
) -> tuple[npt.NDArray[np.intp], tuple[str, ...]]:
    """Each rating's rater as a row number, and the raters' keys in order of first
    appearance (blank keys refused). Integer ids are factorised by numpy: a large round has
    tens of thousands of ratings."""
    if all(type(rater) is int for rater in raters):
        ids = np.asarray(raters, dtype=np.int64)
        unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        return rank[inverse].astype(np.intp), tuple(str(rater) for rater in unique[order])
    index: dict[object, int] = {}
    codes = [index.setdefault(rater, len(index)) for rater in raters]
    for position, rater in enumerate(raters):
        if not isinstance(rater, str | int) or isinstance(rater, bool) or not str(rater).strip():
            raise RatingError("rater is required", ("ratings", position, "rater"))
    keys = tuple(str(rater) for rater in index)
    if len(set(keys)) != len(keys):  # 1 and "1" name one rater
        raise RatingError("a rater key is given both as text and as a number", ("ratings",))
    return np.asarray(codes, dtype=np.intp), keys


def _score_column(model: MaturityModel, scores: Sequence[int | None]) -> npt.NDArray[np.float64]:
    """Scores as floats (None -> NaN), refused unless integers (not booleans) on the scale."""
    wrong = {
        kind
        for kind in set(map(type, scores))
        if kind is not type(None) and (kind is bool or not issubclass(kind, int | np.integer))
    }
    if wrong:
        position = next(i for i, score in enumerate(scores) if type(score) in wrong)
        raise RatingError(
            f"score must be a whole number or null, got {type(scores[position]).__name__}",
            ("ratings", position, "score"),
        )
    values = np.array(scores, dtype=np.float64)  # None becomes NaN
    lo, hi = model.scale.min, model.scale.max
    outside = np.flatnonzero(~np.isnan(values) & ((values < lo) | (values > hi)))
    if outside.size:
        position = int(outside[0])
        raise RatingError(
            f"score {scores[position]} is outside the scale {lo}-{hi}",
            ("ratings", position, "score"),
        )
    return values


def _check_scale(
    model: MaturityModel, finite: npt.NDArray[np.float64], location: tuple[str, ...]
) -> None:
    lo, hi = model.scale.min, model.scale.max
    if finite.size and (finite.min() < lo or finite.max() > hi):
        raise RatingError(f"scores outside the scale {lo}-{hi}", location)
    if finite.size and not np.all(finite == np.round(finite)):
        raise RatingError("scores must be whole scale points", location)


def _coerce(model: MaturityModel, item: Rating | Mapping[str, Any], position: int) -> Rating:
    here: tuple[str | int, ...] = ("ratings", position)
    if isinstance(item, Rating):
        raw: Mapping[str, Any] = {
            "rater": item.name or item.rater,
            "dimension": item.dimension,
            "score": item.score,
            "justification": item.justification,
        }
        if item.name:
            raw = {**raw, "rater_id": item.rater}
    elif isinstance(item, Mapping):
        raw = item
    else:
        raise RatingError("each rating must be an object with rater, dimension, score", here)
    key, keyed = _rater_key(raw, here)
    dimension = raw.get("dimension")
    if not isinstance(dimension, str) or not dimension.strip():
        raise RatingError("dimension is required", (*here, "dimension"))
    dimension = dimension.strip()
    model.index(dimension, (*here, "dimension"))
    if "score" not in raw:
        raise RatingError("score is required (null or 'dk' for don't know)", (*here, "score"))
    score = parse_score(raw["score"], model, (*here, "score"))
    justification = raw.get("justification") or ""
    if not isinstance(justification, str):
        raise RatingError("justification must be text", (*here, "justification"))
    name = raw.get("rater")
    shown = name.strip() if keyed and isinstance(name, str) else ""
    return Rating(key, dimension, score, justification.strip(), shown)


def _rater_key(raw: Mapping[str, Any], here: tuple[str | int, ...]) -> tuple[str, bool]:
    """The rater's key, and whether it is a ``rater_id`` (else it is the rater's name)."""
    if raw.get("rater_id") not in (None, ""):
        rater_id = raw["rater_id"]
        if isinstance(rater_id, bool) or not isinstance(rater_id, str | int):
            raise RatingError("rater_id must be text or a whole number", (*here, "rater_id"))
        key = str(rater_id).strip()
        if not key:
            raise RatingError("rater_id must not be blank", (*here, "rater_id"))
        if not isinstance(raw.get("rater", ""), str):
            raise RatingError("rater must be text", (*here, "rater"))
        return key, True
    name = raw.get("rater")
    if not isinstance(name, str) or not name.strip():
        raise RatingError("rater is required", (*here, "rater"))
    return name.strip(), False
