"""Shared fixtures: small hand-made models so tests do not depend on the shipped YAML."""

from __future__ import annotations

from typing import Any

import pytest

from assessment import MaturityModel, ModelError, parse_model


def make_model_data(
    keys: tuple[str, ...] = ("alpha", "beta", "gamma"), lo: int = 0, hi: int = 5, **extra: Any
) -> dict[str, Any]:
    return {
        "id": "test-model",
        "name": "Test model",
        "version": "1",
        "scale": {"min": lo, "max": hi},
        "dimensions": [
            {
                "key": key,
                "name": key.title(),
                "levels": {level: f"{key} level {level}" for level in range(lo, hi + 1)},
            }
            for key in keys
        ],
        **extra,
    }


@pytest.fixture
def small_model() -> MaturityModel:
    return parse_model(make_model_data())


def assert_model_error(data: dict[str, Any], field: str, message: str) -> None:
    """Loading ``data`` fails with a ModelError located at ``field`` that says ``message``."""
    with pytest.raises(ModelError) as caught:
        parse_model(data)
    assert caught.value.field == field
    assert message in caught.value.message
