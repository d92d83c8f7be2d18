"""Errors that name the place at fault, so the CLI and the API can point users at it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError


class AssessmentError(ValueError):
    """Bad input to the library.

    ``location`` is the path to the offending value (e.g. ``("ratings", 3, "score")``) so that
    callers can report it as a field (RFC 9457 problem details in the API, a message in the CLI).
    """

    def __init__(self, message: str, location: Sequence[str | int] = ()) -> None:
        self.message = message
        self.location: tuple[str | int, ...] = tuple(location)
        super().__init__(self.__str__())

    def within(self, *prefix: str | int) -> AssessmentError:
        """The same error located inside a larger document (``body.parameters.min_gap``)."""
        return type(self)(self.message, (*prefix, *self.location))

    @property
    def field(self) -> str:
        """Dotted path of the offending value, empty when the error is about the whole input."""
        return ".".join(str(part) for part in self.location)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.location else self.message


class ModelError(AssessmentError):
    """A maturity model definition is invalid."""


class RatingError(AssessmentError):
    """Ratings do not fit the model (unknown dimension, off-scale score, empty group...)."""


class ParameterError(AssessmentError):
    """A tuning parameter (agreement rule, matching weights...) is out of range."""


class UnknownDimensionError(RatingError, ParameterError):
    """A key that is not a dimension of the model. It is a rating error where ratings name it
    and a parameter error where parameters do, so it is both: callers catching either see it."""


E = TypeVar("E", bound=AssessmentError)


def from_validation_error(
    exc: ValidationError, kind: type[E], prefix: Sequence[str | int] = ()
) -> E:
    """Pydantic's first complaint as a library error of ``kind`` located at the offending
    field (under ``prefix``). A validator that raised an ``AssessmentError`` keeps its own
    message and location, so nested checks can point deeper than the field they validate."""
    first = exc.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, AssessmentError):
        return kind(cause.message, (*prefix, *cause.location))
    message = str(first["msg"]).removeprefix("Value error, ")
    return kind(message, (*prefix, *first["loc"]))


class ParameterModel(BaseModel):
    """Parameters whose invalid values raise :class:`ParameterError` located at the field
    (``("min_gap",)``), like every other library error, instead of pydantic's error (through
    :func:`from_validation_error`, the one conversion)."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise from_validation_error(exc, ParameterError) from None
