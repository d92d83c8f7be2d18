"""The OpenAPI document as client generators need it.

FastAPI's own document is close; this module finishes it:

- operationIds are the route functions' names in camelCase (``list_regions`` ->
  ``listRegions``), so generated clients get readable method names;
- bodies FastAPI cannot see (problem details under ``application/problem+json``, the radar's
  JSON description) reference schemas registered here (:func:`schema_ref`), which are added
  to ``components`` with their nested models, so no ``$ref`` dangles;
- ``limit`` parameters show this deployment's default and maximum page size;
- examples keep their ``null`` values (FastAPI drops every None from the document, which
  turned the "don't know" examples into requests the API rejects);
- the answers every API operation may give whatever it does (``app.guard``): 401 for an
  unknown key, 429 over a rate limit, 503 when the worker is full or the database busy, and
  413 for a body over the limit where there is a body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from app.settings import Settings

_REF = "#/components/schemas/{model}"
_REGISTERED: dict[str, type[BaseModel]] = {}
_ANY_OPERATION = {
    401: "Unauthorized (an unknown or revoked key)",
    429: "Too Many Requests (see Retry-After)",
    503: "Service Unavailable (busy; see Retry-After)",
}
_WITH_BODY = {413: "Content Too Large"}


def operation_id(route: APIRoute) -> str:
    """``list_regions`` -> ``listRegions`` (the generate_unique_id_function of every route)."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A ``$ref`` to ``model``'s schema in the components, for hand-written response
    content; the model (and every model it nests) is added to the document."""
    _REGISTERED[model.__name__] = model
    return {"$ref": _REF.format(model=model.__name__)}


def _add_registered_schemas(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, model in _REGISTERED.items():
        schema = model.model_json_schema(ref_template=_REF, mode="serialization")
        for nested, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(nested, definition)
        schemas.setdefault(name, schema)


def _models_by_name() -> dict[str, type[BaseModel]]:
    """The service's and the library's pydantic models, by class name."""
    found: dict[str, type[BaseModel]] = {}
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.split(".")[0] in ("app", "assessment"):
            found.setdefault(model.__name__, model)
    return found


def _restore_examples(document: dict[str, Any]) -> None:
    models = _models_by_name()
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        model = models.get(name)
        extra = model.model_config.get("json_schema_extra") if model is not None else None
        if isinstance(extra, dict) and "examples" in extra:
            schema["examples"] = to_jsonable_python(extra["examples"])


def _page_limits(document: dict[str, Any], settings: Settings) -> None:
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") == "limit":
                    parameter["schema"] = {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": settings.page_max_limit,
                        "default": settings.page_default_limit,
                        "title": "Limit",
                    }


def _common_answers(document: dict[str, Any]) -> None:
    content = {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}
    for path, item in document.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in item.values():
            answers = {**_ANY_OPERATION, **(_WITH_BODY if "requestBody" in operation else {})}
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses.setdefault(str(status), {"description": description, "content": content})


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the finished document at ``app.openapi_url`` (built once, on first request)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            built = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _add_registered_schemas(built)
            _restore_examples(built)
            _page_limits(built, settings)
            _common_answers(built)
            app.openapi_schema = built
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
