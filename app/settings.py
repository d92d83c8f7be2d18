"""Every knob of the service in one place, read from ``TWINNING_*`` environment variables.

The app (``create_app``), Alembic, the demo loader and the ``twinning admin`` commands all
build their ``Settings`` here, so they agree on one database and one set of models. Tests pass
a ``Settings`` to ``create_app`` instead of touching the environment. The README's
"Configuration" table lists every field with its variable and default: keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from limits import parse as parse_rate
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "TWINNING_"
DEFAULT_DATABASE_URL = "sqlite:///./var/twinning.db"
LogLevel = Literal["critical", "error", "warning", "info", "debug"]
LogFormat = Literal["json", "text"]
# anyio's default number of worker threads: sync endpoints run there, one at a time each.
WORKER_THREADS = 40


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
        default=3.0,
        gt=0,
        description="seconds a request waits for a free connection before a 503",
    )
    db_busy_timeout: float = Field(
        default=2.0,
        gt=0,
        description="seconds an SQLite write waits for the write lock before a 503",
    )
    max_concurrent_requests: int = Field(
        default=4,
        ge=1,
        description="reads a worker serves at once; more wait for a slot (admission)",
    )
    max_concurrent_writes: int = Field(
        default=2,
        ge=1,
        description="writes a worker serves at once, beside the reads (SQLite writes one "
        "at a time anyway; PostgreSQL deployments may raise it)",
    )
    admission_timeout: float = Field(
        default=0.5,
        ge=0,
        description="seconds a request waits for a slot before a 503 with Retry-After",
    )
    max_waiting_requests: int = Field(
        default=64,
        ge=0,
        description="requests a worker lets wait for a slot; beyond that, an immediate 503",
    )
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="largest request body; larger is 413 before the body is read",
    )
    rate_limit_failed_keys: str = Field(
        default="10/minute",
        description="unknown or revoked API keys per client address before a 429",
    )
    rate_limit_chart_renders: str = Field(
        default="30/minute",
        description="charts drawn (not cached) per client address without a key",
    )
    rate_limit_chart_renders_keyed: str = Field(
        default="120/minute", description="charts drawn (not cached) per API key"
    )
    rate_limit_matching: str = Field(
        default="20/minute",
        description="matching runs and suggestions per API key (or address without one)",
    )
    max_stakeholders_per_region: int = Field(
        default=100, ge=1, description="stakeholders one region may have"
    )
    max_rounds_per_region: int = Field(
        default=100, ge=1, description="assessment rounds one region may have"
    )
    max_keys_per_region: int = Field(
        default=100, ge=1, description="active member keys one region may have"
    )
    max_keys: int = Field(default=10_000, ge=1, description="active API keys in all")
    max_practices: int = Field(default=1_000, ge=1, description="good practices in all")
    page_default_limit: int = Field(default=50, ge=1, description="items per page by default")
    page_max_limit: int = Field(default=200, ge=1, description="the largest page a client gets")
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="seconds a worker keeps a valid API key's caller (0: look every key up); "
        "a key revoked elsewhere keeps working in a worker this long at most",
    )
    key_cache_size: int = Field(default=1_000, ge=1, description="keys a worker keeps checked")
    chart_cache_size: int = Field(
        default=64, ge=0, description="rendered charts kept per worker (0: no cache)"
    )
    chart_warm_up: bool = Field(
        default=True,
        description="draw one chart as a worker starts, so its first request does not wait "
        "for matplotlib to load",
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
    log_format: LogFormat = Field(
        default="json", description="json: one JSON object per line; text: for reading by eye"
    )
    access_log: bool = Field(default=True, description="one log line per request")
    metrics: bool = Field(default=True, description="serve Prometheus metrics at /metrics")
    web_session_idle_minutes: int = Field(
        default=120, ge=1, description="a web page session ends after this long without requests"
    )
    web_session_max_hours: int = Field(
        default=12, ge=1, description="a web page session ends this long after sign-in at most"
    )
    invitation_days: int = Field(
        default=30, ge=1, le=365, description="how long a stakeholder's invitation link works"
    )
    matching_max_suggestions: int = Field(
        default=10_000,
        ge=1,
        description="pairs one page of matching suggestions may return (top_k x regions)",
    )
    matching_max_scored_pairs: int = Field(
        default=200_000_000,
        ge=1,
        description="allowed pairs one page of suggestions may score (2e8: about 1.5 s)",
    )
    matching_max_pairs: int = Field(
        default=5_000_000,
        ge=1,
        description="allowed pairs a matching run may hold (about 60 bytes each)",
    )
    matching_max_assignment_edges: int = Field(
        default=5_000_000,
        ge=1,
        description="edges of a matching run's assignment graph (about 40 bytes each)",
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

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator(
        "rate_limit_failed_keys",
        "rate_limit_chart_renders",
        "rate_limit_chart_renders_keyed",
        "rate_limit_matching",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        """A rate in the ``limits`` notation: ``10/minute``, ``100 per hour``, ``5/second``."""
        try:
            parse_rate(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as '10/minute'") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.page_default_limit > self.page_max_limit:
            raise ValueError(
                f"page_default_limit ({self.page_default_limit}) exceeds page_max_limit "
                f"({self.page_max_limit})"
            )
        if self.default_model_version is not None and self.default_model is None:
            raise ValueError("default_model_version needs default_model")
        # Every admitted request must find a thread and a connection at once: that is what
        # keeps a worker answering under load (README, "Under load").
        admitted = self.max_concurrent_requests + self.max_concurrent_writes
        if admitted >= WORKER_THREADS:
            raise ValueError(
                f"max_concurrent_requests + max_concurrent_writes ({admitted}) must be below "
                f"the {WORKER_THREADS} worker threads"
            )
        connections = self.db_pool_size + self.db_max_overflow
        if admitted > connections:
            raise ValueError(
                f"max_concurrent_requests + max_concurrent_writes ({admitted}) exceeds the "
                f"database connections a worker may open (db_pool_size + db_max_overflow = "
                f"{connections})"
            )
        return self
