"""The service's logs: one JSON object per line on standard error, for a log collector.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus the
fields the call passed (``extra={"fields": {...}}``): the access log (``app.access``, written
by ``app.observability``) gives ``request_id``, ``method``, ``route`` (the path template, never
the path: paths may hold tokens), ``status``, ``duration_ms``, ``client`` and ``key_id``.
Uvicorn's own messages go through the same handler; its access log is switched off, since it
would print raw paths and query strings.

What never reaches a line: API keys and their hashes, request bodies and query strings, and
the parameters of SQL statements (the engines hide them, and a database error is logged by
its type, the first line of the driver's message and the statement with placeholders). An
error's message is kept for other exceptions but a pydantic validation error is reduced to
the locations and kinds of its errors, since its message quotes the input.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, StatementError

from app.settings import Settings

_HANDLER_NAME = "twinning"
_MAX_MESSAGE = 500
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")


def safe_error_message(exc: BaseException) -> str:
    """An exception's message without the user input some messages quote."""
    if isinstance(exc, DBAPIError):
        first_line = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return f"{type(exc.orig).__name__}: {first_line} [SQL: {exc.statement}]"
    if isinstance(exc, StatementError):
        return f"{type(exc.orig).__name__} [SQL: {exc.statement}]"
    if isinstance(exc, ValidationError):
        kinds = ", ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['type']}" for error in exc.errors()
        )
        return f"{exc.error_count()} validation errors for {exc.title} ({kinds})"
    return str(exc)[:_MAX_MESSAGE]


def _error_fields(exc: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "message": safe_error_message(exc),
        "stack": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames],
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = _error_fields(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a developer's terminal: the same content, one readable line."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        extra = " ".join(f"{k}={v}" for k, v in fields.items()) if isinstance(fields, dict) else ""
        text = f"{record.levelname:<7} {record.name}: {record.getMessage()} {extra}".rstrip()
        if record.exc_info and record.exc_info[1] is not None:
            error = _error_fields(record.exc_info[1])
            text += f"\n  {error['type']}: {error['message']}\n  " + "\n  ".join(error["stack"])
        return text


def configure_logging(settings: Settings) -> None:
    """Send the service's and uvicorn's logs, at the configured level, to one handler in the
    configured format (idempotent: apps built again reuse it)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    level = settings.log_level.upper()
    logging.getLogger("app").setLevel(level)
    for name in _UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
