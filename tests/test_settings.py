"""The service's settings: ``TWINNING_*`` variables, parsed and checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import DEFAULT_DATABASE_URL, Settings


@pytest.fixture(autouse=True)
def _no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(f"TWINNING_{field.upper()}", raising=False)


def test_defaults_need_no_environment() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.page_default_limit, settings.page_max_limit) == (50, 200)
    assert settings.cors_origins == [] and settings.models_dir is None
    assert settings.log_level == "info"


def test_variables_are_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINNING_DATABASE_URL", "postgresql+psycopg://u:p@db/twinning")
    monkeypatch.setenv("TWINNING_CORS_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("TWINNING_PAGE_MAX_LIMIT", "500")
    monkeypatch.setenv("TWINNING_MODELS_DIR", "/srv/models")
    monkeypatch.setenv("TWINNING_LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.page_max_limit == 500 and settings.models_dir == Path("/srv/models")
    assert settings.log_level == "debug"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TWINNING_PAGE_DEFAULT_LIMIT", "300"),  # above the maximum of 200
        ("TWINNING_DB_POOL_SIZE", "0"),
        ("TWINNING_LOG_LEVEL", "loud"),
        ("TWINNING_DEFAULT_MODEL_VERSION", "2016-19"),  # without a model id
    ],
)
def test_bad_values_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        Settings()
