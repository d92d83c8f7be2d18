"""Pydantic's validation errors become the library's located errors in one way."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from assessment import ModelError, ParameterError
from assessment.errors import from_validation_error


class Knob(BaseModel):
    width: float = Field(gt=0)
    names: list[str] = Field(default_factory=list)

    @field_validator("names")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        for index, name in enumerate(names):
            if name == "bad":
                raise ModelError("'bad' is not a name", ("names", index))
        return names


def _error(**data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Knob(**data)
    return caught.value


def test_the_first_complaint_is_located_under_a_prefix() -> None:
    error = from_validation_error(_error(width=0), ParameterError, ("query",))
    assert isinstance(error, ParameterError)
    assert error.field == "query.width" and "greater than 0" in error.message


def test_a_located_error_raised_inside_a_validator_keeps_its_own_place() -> None:
    error = from_validation_error(_error(width=1, names=["ok", "bad"]), ParameterError)
    assert error.field == "names.1" and error.message == "'bad' is not a name"
    assert "Value error" not in str(error)
