"""Alembic environment: the same URL and engine settings as the service.

The URL comes from the service's settings (``TWINNING_DATABASE_URL``) unless a caller (the
tests) sets ``sqlalchemy.url`` on the Alembic config; SQLite gets batch mode so that later
migrations can alter tables.
"""

from __future__ import annotations

from logging.config import fileConfig

from sqlmodel import SQLModel

import app.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from alembic import context
from app.db import make_engine
from app.settings import Settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
