"""The page tests reuse the API suite's fixtures (SQLite and PostgreSQL, an emptied database
per test, ``world``); see ``tests/api/conftest.py``."""

from tests.api.conftest import (  # noqa: F401
    _database_factory,
    _tables,
    api_app,
    backend,
    client,
    custom_app,
    database,
    empty_database_url,
    migrated_url,
    model_name,
    pytest_generate_tests,
    world,
)
