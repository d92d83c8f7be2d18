"""The maturity model: dimensions, scale, level descriptors and maturity bands.

Nothing here is tied to the 12 SCIROCCO dimensions or to a 0-5 scale: any YAML file of the
same shape loads, and every result is stamped with the model's id and version.

The shipped models are package data (``assessment.data``, which the build maps onto the
repository's ``data/`` directory), read with ``importlib.resources`` so an installed wheel
finds them; a ``ModelCatalog`` adds a directory of a deployment's own model files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache, cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assessment.errors import ModelError, UnknownDimensionError, from_validation_error

SHIPPED_MODELS = files("assessment.data")
"""The shipped model files: ``dimensions.yaml`` (the default model) and ``models/*.yaml``."""
DEFAULT_MODEL_FILE = "dimensions.yaml"
MORE_MODELS_DIR = "models"
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
        # ModelError is a ValueError: pydantic keeps it, with its location, as the cause.
        seen: dict[str, int] = {}
        for index, dim in enumerate(self.dimensions):
            if dim.key in seen:
                raise ModelError(
                    f"duplicate dimension key {dim.key!r} (first at dimensions.{seen[dim.key]})",
                    ("dimensions", index, "key"),
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
                raise ModelError(
                    f"dimension {dim.key!r}: {', '.join(detail)} "
                    f"(scale is {self.scale.min}-{self.scale.max})",
                    ("dimensions", index, "levels"),
                )
        if self.bands:
            mins = [band.min for band in self.bands]
            if mins != sorted(mins) or len(set(mins)) != len(mins):
                raise ModelError("band minimums must be strictly increasing", ("bands",))
            if mins[0] != self.scale.min:
                raise ModelError("the first band must start at the scale min", ("bands", 0, "min"))
            if mins[-1] > self.scale.max:
                raise ModelError("a band starts above the scale max", ("bands",))
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

    def index(self, key: str, location: Sequence[str | int] = ("dimension",)) -> int:
        """Column of a dimension in score arrays. This is the one lookup of a key: an unknown
        one raises ``UnknownDimensionError`` located at ``location`` (where the caller got the
        key from, e.g. ``("ratings", 3, "dimension")``), listing the model's keys."""
        try:
            return self._columns[key]
        except KeyError:
            raise UnknownDimensionError(
                f"unknown dimension {key!r}; model {self.id} {self.version} has "
                f"{', '.join(self.keys)}",
                location,
            ) from None

    def dimension(self, key: str, location: Sequence[str | int] = ("dimension",)) -> Dimension:
        """A dimension by key (unknown keys as in :meth:`index`)."""
        return self.dimensions[self.index(key, location)]

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


def parse_model(data: Any, origin: str = "model") -> MaturityModel:
    """Validate a model given as plain data, turning pydantic errors into one ``ModelError``."""
    if not isinstance(data, dict):
        raise ModelError(f"{origin}: expected a mapping at the top level")
    try:
        return MaturityModel.model_validate(data)
    except ValidationError as exc:
        error = from_validation_error(exc, ModelError)
        raise ModelError(f"{origin}: {error.message}", error.location) from None


def load_model(path: str | Path | Traversable) -> MaturityModel:
    """Load and strictly validate a model YAML file (a path, or a packaged resource)."""
    if isinstance(path, str):
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
    """The SCIROCCO Exchange model, shipped as ``data/dimensions.yaml``."""
    return load_model(SHIPPED_MODELS / DEFAULT_MODEL_FILE)


@cache
def _shipped_models() -> tuple[MaturityModel, ...]:
    more = SHIPPED_MODELS / MORE_MODELS_DIR
    files_ = sorted(more.iterdir(), key=lambda f: f.name) if more.is_dir() else []
    return (default_model(), *(load_model(f) for f in files_ if f.name.endswith(".yaml")))


class ModelCatalog:
    """The models a program offers: the shipped ones, then those of ``extra_dir`` (every
    ``*.yaml`` in it, by file name), with one of them the default for new assessments.

    An id and version may be defined once only: a deployment's file that repeats a shipped
    model's (or another file's) id and version is an error, since results stamped with it
    could then mean two different models. ``default_id`` (and ``default_version``; the first
    loaded version when omitted) picks the default; without it, the shipped default model.
    """

    def __init__(
        self,
        extra_dir: str | Path | None = None,
        default_id: str | None = None,
        default_version: str | None = None,
    ) -> None:
        self.extra_dir = None if extra_dir is None else Path(extra_dir)
        models = list(_shipped_models())
        origins = {m.ref: "the shipped models" for m in models}
        for path in _model_files(self.extra_dir):
            model = load_model(path)
            if model.ref in origins:
                raise ModelError(
                    f"{path}: model {model.id} {model.version} is defined already by "
                    f"{origins[model.ref]}",
                    ("version",),
                )
            origins[model.ref] = str(path)
            models.append(model)
        self.models: tuple[MaturityModel, ...] = tuple(models)
        self.default = (
            self.find(default_id, default_version) if default_id is not None else models[0]
        )

    def find(self, model_id: str, version: str | None = None) -> MaturityModel:
        """A model by id and version (the first loaded version when ``version`` is None);
        an unknown one raises ``ModelError`` listing what is available."""
        for model in self.models:
            if model.id == model_id and (version is None or model.version == version):
                return model
        wanted = model_id if version is None else f"{model_id} {version}"
        known = ", ".join(f"{m.id} {m.version}" for m in self.models)
        raise ModelError(f"unknown model {wanted}; available: {known}", ("model",))

    def resolve(self, model_id: str | None, version: str | None = None) -> MaturityModel:
        """The asked model, or the default one when no id is given."""
        if model_id is None:
            return self.find(self.default.id, version) if version is not None else self.default
        return self.find(model_id, version)


def _model_files(directory: Path | None) -> list[Path]:
    if directory is None:
        return []
    if not directory.is_dir():
        raise ModelError(f"models directory {directory} does not exist or is not a directory")
    return sorted(directory.glob("*.yaml"))


@cache
def _catalog(extra_dir: Path | None) -> ModelCatalog:
    return ModelCatalog(extra_dir)


def available_models(extra_dir: str | Path | None = None) -> tuple[MaturityModel, ...]:
    """The default model, the other shipped versions, then the models in ``extra_dir``."""
    return _catalog(None if extra_dir is None else Path(extra_dir)).models


def find_model(
    model_id: str, version: str | None = None, extra_dir: str | Path | None = None
) -> MaturityModel:
    """A shipped model (or one of ``extra_dir``) by id, and version (the first listed when
    None)."""
    return _catalog(None if extra_dir is None else Path(extra_dir)).find(model_id, version)
