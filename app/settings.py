"""Where the service finds its configuration (environment only, so the CLI, Alembic and
uvicorn all agree on one database)."""

from __future__ import annotations

import os

DATABASE_URL_ENV = "TWINNING_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///./var/twinning.db"


def database_url() -> str:
    """The configured database URL, the embedded SQLite file when unset."""
    return os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
