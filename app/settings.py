"""Every knob of the service in one place, read from ``TWINNING_*`` environment variables.

The app (``create_app``), Alembic, the demo loader and the ``twinning admin`` commands all
build their ``Settings`` here, so they agree on one database and one set of models. Tests pass
a ``Settings`` to ``create_app`` instead of touching the environment. The README's
"Configuration" table lists every field with its variable and default: keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "TWINNING_"
DEFAULT_DATABASE_URL = "sqlite:///./var/twinning.db"
LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class Settings(BaseSettings):
    """The service's configuration; each field ``x`` comes from ``TWINNING_X``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        min_length=1,
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user:pw@host/db",
    )
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL connections kept open")
    db_max_overflow: int = Field(
        default=20, ge=0, description="extra PostgreSQL connections allowed under load"
    )
    db_pool_timeout: float = Field(
        default=30.0, gt=0, description="seconds a request waits for a free connection"
    )
    page_default_limit: int = Field(default=50, ge=1, description="items per page by default")
    page_max_limit: int = Field(default=200, ge=1, description="the largest page a client gets")
    chart_cache_size: int = Field(
        default=64, ge=0, description="rendered charts kept per worker (0: no cache)"
    )
    chart_warmup: bool = Field(
        default=True,
        description="draw a chart in the background as a worker starts, so that the first "
        "chart request does not wait for matplotlib to load",
    )
    chart_max_overlays: int = Field(
        default=6, ge=0, description="profiles a radar chart may overlay on the first"
    )
    models_dir: Path | None = Field(
        default=None,
        description="a directory of extra model YAML files, loaded beside the shipped ones",
    )
    default_model: str | None = Field(
        default=None, description="id of the model new rounds use (default: the shipped SCIROCCO)"
    )
    default_model_version: str | None = Field(
        default=None, description="its version (default: the first one loaded)"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins whose browser pages may call the API, comma-separated",
    )
    log_level: LogLevel = Field(default="info", description="the service's log level")
    web_session_idle_minutes: int = Field(
        default=120, ge=1, description="a web page session ends after this long without requests"
    )
    web_session_max_hours: int = Field(
        default=12, ge=1, description="a web page session ends this long after sign-in at most"
    )
    invitation_days: int = Field(
        default=30, ge=1, le=365, description="how long a stakeholder's invitation link works"
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _no_trailing_slash(cls, origins: list[str]) -> list[str]:
        # Browsers send Origin without a path; "https://x.org/" would never match.
        return [origin.rstrip("/") for origin in origins]

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.page_default_limit > self.page_max_limit:
            raise ValueError(
                f"page_default_limit ({self.page_default_limit}) exceeds page_max_limit "
                f"({self.page_max_limit})"
            )
        if self.default_model_version is not None and self.default_model is None:
            raise ValueError("default_model_version needs default_model")
        return self
