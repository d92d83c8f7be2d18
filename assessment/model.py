"""The maturity model: dimensions, scale, level descriptors and maturity bands.

Nothing here is tied to the 12 SCIROCCO dimensions or to a 0-5 scale: any YAML file of the
same shape loads, and every result is stamped with the model's id and version.
"""

from __future__ import annotations

import math
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assessment.errors import ModelError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / "dimensions.yaml"
MODELS_DIR = DATA_DIR / "models"
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """Inclusive integer range of ratings."""

    min: int = 0
    max: int = 5

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        return self

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)


class Band(_Strict):
    """A named maturity band; a median belongs to the last band whose ``min`` it reaches."""

    key: str = Field(pattern=KEY_PATTERN)
    name: str
    min: float


class Dimension(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    number: int | None = None
    name: str = Field(min_length=1)
    description: str = ""
    levels: dict[int, str]


class ModelRef(_Strict):
    """The id and version stamped on every result."""

    id: str
    version: str


class MaturityModel(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str
    version: str = Field(min_length=1)
    source: str = ""
    scale: Scale = Scale()
    bands: tuple[Band, ...] = ()
    dimensions: tuple[Dimension, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> MaturityModel:
        seen: dict[str, int] = {}
        for index, dim in enumerate(self.dimensions):
            if dim.key in seen:
                raise _located(
                    ("dimensions", index, "key"),
                    f"duplicate dimension key {dim.key!r} (first at dimensions.{seen[dim.key]})",
                )
            seen[dim.key] = index
            expected = set(self.scale.points)
            if set(dim.levels) != expected:
                missing = sorted(expected - set(dim.levels))
                extra = sorted(set(dim.levels) - expected)
                detail = []
                if missing:
                    detail.append(f"missing levels {missing}")
                if extra:
                    detail.append(f"levels {extra} outside the scale")
                raise _located(
                    ("dimensions", index, "levels"),
                    f"dimension {dim.key!r}: {', '.join(detail)} "
                    f"(scale is {self.scale.min}-{self.scale.max})",
                )
        if self.bands:
            mins = [band.min for band in self.bands]
            if mins != sorted(mins) or len(set(mins)) != len(mins):
                raise _located(("bands",), "band minimums must be strictly increasing")
            if mins[0] != self.scale.min:
                raise _located(("bands", 0, "min"), "the first band must start at the scale min")
            if mins[-1] > self.scale.max:
                raise _located(("bands",), "a band starts above the scale max")
        return self

    @property
    def ref(self) -> ModelRef:
        return ModelRef(id=self.id, version=self.version)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(dim.key for dim in self.dimensions)

    @cached_property
    def _columns(self) -> dict[str, int]:
        # Looked up once per rating: a dict, built once per (immutable) model.
        return {key: column for column, key in enumerate(self.keys)}

    def index(self, key: str) -> int:
        """Column of a dimension in score arrays; raises a clear error for unknown keys."""
        try:
            return self._columns[key]
        except KeyError:
            raise ModelError(
                f"unknown dimension {key!r} in model {self.id} {self.version}", ("dimension",)
            ) from None

    def dimension(self, key: str) -> Dimension:
        return self.dimensions[self.index(key)]

    @property
    def effective_bands(self) -> tuple[Band, ...]:
        """The model's bands, or a proportional default (60% of the range, top point)."""
        if self.bands:
            return self.bands
        lo, hi = self.scale.min, self.scale.max
        return (
            Band(key="initial", name="Initial", min=lo),
            Band(key="progressing", name="Progressing", min=lo + math.ceil(0.6 * (hi - lo))),
            Band(key="optimising", name="Optimising", min=hi),
        )


class _LocatedError(ValueError):
    def __init__(self, location: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


def _located(location: tuple[str | int, ...], message: str) -> _LocatedError:
    return _LocatedError(location, message)


def parse_model(data: Any, origin: str = "model") -> MaturityModel:
    """Validate a model given as plain data, turning pydantic errors into one ``ModelError``."""
    if not isinstance(data, dict):
        raise ModelError(f"{origin}: expected a mapping at the top level")
    try:
        return MaturityModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        ctx_error = (first.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _LocatedError):
            raise ModelError(f"{origin}: {ctx_error.message}", ctx_error.location) from None
        location = tuple(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise ModelError(f"{origin}: {message}", location) from None


def load_model(path: str | Path) -> MaturityModel:
    """Load and strictly validate a model YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ModelError(f"{path}: not valid YAML ({exc})") from None
    return parse_model(data, origin=str(path))


@cache
def default_model() -> MaturityModel:
    """The SCIROCCO Exchange model shipped in ``data/dimensions.yaml``."""
    return load_model(DEFAULT_MODEL_PATH)


@cache
def available_models() -> tuple[MaturityModel, ...]:
    """The default model, its other versions shipped in ``data/models/``, then the other
    models of ``data/models/`` by id (each model's versions in file-name order)."""
    default = default_model()
    others: list[MaturityModel] = []
    if MODELS_DIR.is_dir():
        others = [load_model(path) for path in sorted(MODELS_DIR.glob("*.yaml"))]
    # A stable sort keeps file-name order within one id.
    others.sort(key=lambda model: (model.id != default.id, model.id))
    return (default, *others)


def find_model(model_id: str, version: str | None = None) -> MaturityModel:
    """A shipped model by id (and version; the first listed when version is None)."""
    for model in available_models():
        if model.id == model_id and (version is None or model.version == version):
            return model
    wanted = model_id if version is None else f"{model_id} {version}"
    known = ", ".join(f"{m.id} {m.version}" for m in available_models())
    raise ModelError(f"unknown model {wanted}; available: {known}", ("model",))
