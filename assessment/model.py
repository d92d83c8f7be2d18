"""The maturity model: dimensions, scale, level descriptors and maturity bands.

Nothing here is tied to the 12 SCIROCCO dimensions or to a 0-5 scale: any YAML file of the
same shape loads, and every result is stamped with the model's id and version.

A model file is written in one language (``language``, English by default) and may carry
translations of its texts, keyed by BCP 47 tag: the model's name and band names under a
top-level ``translations``, each dimension's name, description and level descriptors under
its own ``translations``. :meth:`MaturityModel.localized` gives the model in one language,
same id, version, keys and scale, so results stay comparable whatever language a rater read.

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
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from assessment.errors import (
    ModelError,
    ParameterError,
    UnknownDimensionError,
    from_validation_error,
)
from assessment.i18n import N_, SOURCE_LANGUAGE, language_tag, localizer, match_language

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


def _empty(value: object) -> bool:
    # Translations are left out of a dump when there are none (a localized model, a model
    # without translations), so such dumps look as they did before translations existed.
    return not value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class DimensionTranslation(_Strict):
    """A dimension's texts in one language; what is left out is shown in the model's own
    language. Level descriptors come all together or not at all: a rater compares the levels
    with each other, so they must be read in one language."""

    name: Text | None = None
    description: Text | None = None
    levels: dict[int, Text] | None = None


class ModelTranslation(_Strict):
    """The model's name and band names (by band key) in one language."""

    name: Text | None = None
    bands: dict[str, Text] = {}


class Dimension(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    number: int | None = None
    name: str = Field(min_length=1)
    description: str = ""
    levels: dict[int, str]
    translations: dict[str, DimensionTranslation] = Field({}, exclude_if=_empty)

    def _in(self, language: str) -> Dimension:
        """This dimension's texts in ``language``, each falling back to the original."""
        text = self.translations.get(language, DimensionTranslation())
        return self.model_copy(
            update={
                "name": text.name or self.name,
                "description": text.description or self.description,
                "levels": dict(text.levels) if text.levels else self.levels,
                "translations": {},
            }
        )


class ModelRef(_Strict):
    """The id and version stamped on every result."""

    id: str
    version: str


class MaturityModel(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str
    version: str = Field(min_length=1)
    source: str = ""
    language: str = Field(
        SOURCE_LANGUAGE,
        description="BCP 47 tag of the language the texts are in (the translations' fallback)",
    )
    scale: Scale = Scale()
    bands: tuple[Band, ...] = ()
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    translations: dict[str, ModelTranslation] = Field({}, exclude_if=_empty)
    # A localized model remembers the model it was made from, to localize again.
    _source: MaturityModel | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _consistent(self) -> MaturityModel:
        self._check_dimensions()
        self._check_bands()
        self._check_translations()
        return self

    def _check_dimensions(self) -> None:
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

    def _check_bands(self) -> None:
        if self.bands:
            mins = [band.min for band in self.bands]
            if mins != sorted(mins) or len(set(mins)) != len(mins):
                raise _located(("bands",), "band minimums must be strictly increasing")
            if mins[0] != self.scale.min:
                raise _located(("bands", 0, "min"), "the first band must start at the scale min")
            if mins[-1] > self.scale.max:
                raise _located(("bands",), "a band starts above the scale max")

    def _check_translations(self) -> None:
        """Tags are canonical BCP 47 of known languages, other than the model's own; every
        dimension's languages are declared at the top; levels and bands are the model's."""
        _check_tag(self.language, ("language",))
        band_keys = [band.key for band in self.effective_bands]
        for language, translation in self.translations.items():
            _check_tag(language, ("translations", language))
            if language == self.language:
                raise _located(
                    ("translations", language),
                    f"the model is written in {language!r}: it needs no translation into it",
                )
            for band in translation.bands:
                if band not in band_keys:
                    raise _located(
                        ("translations", language, "bands", band),
                        f"unknown band {band!r} (bands are {', '.join(band_keys)})",
                    )
        points = set(self.scale.points)
        for index, dim in enumerate(self.dimensions):
            for language, text in dim.translations.items():
                where = ("dimensions", index, "translations", language)
                if language not in self.translations:
                    declared = ", ".join(sorted(self.translations)) or "none"
                    raise _located(
                        where,
                        f"language {language!r} is not among the model's translations "
                        f"(declared at the top: {declared})",
                    )
                if text.levels is not None and set(text.levels) != points:
                    missing = sorted(points - set(text.levels))
                    extra = sorted(set(text.levels) - points)
                    detail = [f"missing levels {missing}"] if missing else []
                    detail += [f"levels {extra} outside the scale"] if extra else []
                    raise _located(
                        (*where, "levels"),
                        f"dimension {dim.key!r} in {language!r}: {', '.join(detail)} "
                        "(translate every level or none)",
                    )

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this model's texts can be shown in, its own language first."""
        source = self._source or self
        return (source.language, *sorted(source.translations))

    def localized(self, language: str) -> MaturityModel:
        """The model with its texts in ``language`` (a BCP 47 tag; ``sv-SE`` finds ``sv``).

        Same id, version, scale, keys and level numbers; each text without a translation
        keeps the original, and a language the model does not offer gives the original
        texts. ``language`` of the result says which one it is in. The result carries no
        translations; localizing it again starts from the original model.
        """
        tag = language_tag(language)
        source = self._source or self
        chosen = match_language(tag, source.languages) or source.language
        cache = source._localizations
        if chosen not in cache:
            cache[chosen] = source._in(chosen)
        return cache[chosen]

    def translation_gaps(self, language: str) -> tuple[str, ...]:
        """Where texts in ``language`` fall back to the original: dotted paths of the model
        file (``dimensions.3.translations.sv.description``); empty when it is complete."""
        source = self._source or self
        requested = language_tag(language)
        tag = match_language(requested, source.languages) or requested
        if tag == source.language:
            return ()
        top = source.translations.get(tag, ModelTranslation())
        gaps = [] if top.name else [f"translations.{tag}.name"]
        gaps += [
            f"translations.{tag}.bands.{band.key}"
            for band in source.effective_bands
            if band.key not in top.bands
        ]
        for index, dim in enumerate(source.dimensions):
            text = dim.translations.get(tag, DimensionTranslation())
            gaps += [
                f"dimensions.{index}.translations.{tag}.{field}"
                for field in ("name", "description", "levels")
                if getattr(text, field) is None and (field != "description" or dim.description)
            ]
        return tuple(gaps)

    @cached_property
    def _localizations(self) -> dict[str, MaturityModel]:
        # Kept outside the fields (a cached_property is not compared or dumped).
        return {}

    def _in(self, language: str) -> MaturityModel:
        text = self.translations.get(language, ModelTranslation())
        bands = tuple(
            band.model_copy(update={"name": text.bands.get(band.key, band.name)})
            for band in self.bands
        )
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields.update(
            name=text.name or self.name,
            language=language,
            bands=bands,
            dimensions=tuple(dim._in(language) for dim in self.dimensions),
            translations={},
        )
        # Built from fields (validated already), not copied: a copy would share this model's
        # cached properties (its localizations, its band names).
        model = type(self).model_construct(**fields)
        model._source = self
        return model

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

    @cached_property
    def effective_bands(self) -> tuple[Band, ...]:
        """The model's bands, or a proportional default (60% of the range, top point) named
        in the model's language."""
        if self.bands:
            return self.bands
        lo, hi = self.scale.min, self.scale.max
        translate = localizer(self.language).gettext
        return (
            Band(key="initial", name=translate(_DEFAULT_BANDS[0]), min=lo),
            Band(
                key="progressing",
                name=translate(_DEFAULT_BANDS[1]),
                min=lo + math.ceil(0.6 * (hi - lo)),
            ),
            Band(key="optimising", name=translate(_DEFAULT_BANDS[2]), min=hi),
        )


# Names of the bands of a model that defines none (the maturity bands of SCIROCCO).
_DEFAULT_BANDS = (N_("Initial"), N_("Progressing"), N_("Optimising"))


def _check_tag(tag: str, location: tuple[str | int, ...]) -> None:
    try:
        canonical = language_tag(tag)
    except ParameterError as exc:
        raise _located(location, exc.message) from None
    if canonical != tag:
        raise _located(location, f"write the language tag {tag!r} as {canonical!r}")


def _located(location: tuple[str | int, ...], message: str) -> ModelError:
    # Raised inside validators: ModelError is a ValueError, so pydantic keeps it, with its
    # location, as the cause (see from_validation_error).
    return ModelError(message, location)


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
    """The default model, its other shipped versions, then the other shipped models by id
    (each model's versions in file-name order)."""
    default = default_model()
    more = SHIPPED_MODELS / MORE_MODELS_DIR
    files_ = sorted(more.iterdir(), key=lambda f: f.name) if more.is_dir() else []
    others = [load_model(f) for f in files_ if f.name.endswith(".yaml")]
    # A stable sort keeps file-name order within one id.
    others.sort(key=lambda model: (model.id != default.id, model.id))
    return (default, *others)


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
