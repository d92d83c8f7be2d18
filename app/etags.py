"""ETags known before the work: conditional requests that cost what a key check costs.

An answer's ETag is a hash of what *identifies* its content, not of the content: the rounds
it shows with their last change (a published round's publishing time, since it never changes
after; for other rounds a digest of their rows' ids and change times), the region and model
it names, the query parameters, the language, and the versions of whatever turns stored data
into the answer (this module's ``CONTENT_VERSION``, the package, the chart renderer, the
model's own texts). So a client revalidating with ``If-None-Match`` gets ``304 Not Modified``
after a few small reads, before anything is scored, rendered or serialised.

Correctness rule: every input that can change an answer must be one of the parts hashed.
Handlers build the parts with :func:`make_etag`, answer :func:`not_modified` when it gives a
``304``, and otherwise send the ETag with the full answer, with :func:`cache_headers`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from fastapi import Request, Response

from app.language import language_headers
from assessment import MaturityModel

CONTENT_VERSION = "1"
"""Bumped whenever an answer built from the same stored data changes shape or wording."""

Part = str | int | float | bool | None


@cache
def _package_version() -> str:
    try:
        return version("twinning")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "source"


_model_digests: dict[int, tuple[MaturityModel, str]] = {}


def model_digest(model: MaturityModel) -> str:
    """A digest of the model's whole content (texts and translations included): a
    deployment may edit a model file's wording without changing its version."""
    known = _model_digests.get(id(model))
    if known is None or known[0] is not model:
        digest = hashlib.sha256(model.model_dump_json().encode()).hexdigest()[:16]
        _model_digests[id(model)] = known = (model, digest)
    return known[1]


def make_etag(kind: str, parts: Iterable[Part]) -> str:
    """A weak ETag (``W/"..."``) for an answer of ``kind`` identified by ``parts``. Weak,
    because it names the content, not one sequence of bytes: the same answer may go out
    gzipped or not, and HTTP reserves a strong tag for identical bytes."""
    digest = hashlib.sha256()
    for part in (CONTENT_VERSION, _package_version(), kind, *parts):
        digest.update(repr(part).encode("utf-8") + b"\0")
    return f'W/"{digest.hexdigest()[:40]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (or ``*``); weak tags compare
    by their value, as RFC 9110 says for ``If-None-Match``."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag.removeprefix("W/"):
            return True
    return False


def not_modified(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    """``304`` with the answer's headers when the request's ``If-None-Match`` holds
    ``etag``; None when the full answer must be sent."""
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, **headers})
    return None


def cache_headers(public: bool, language: str | None = None) -> dict[str, str]:
    """Revalidate every time (a new round may be published); never share private answers.
    With a ``language``, the answer names it and varies with ``Accept-Language`` too."""
    vary = ("X-API-Key", "Accept")
    headers = {"Cache-Control": f"{'public' if public else 'private'}, no-cache"}
    if language is None:
        return {**headers, "Vary": ", ".join(vary)}
    return {**headers, **language_headers(language, vary)}


NOT_MODIFIED_RESPONSE: dict[int | str, dict[str, str]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current"}
}
"""The ``304`` entry of the OpenAPI ``responses`` of an endpoint that sends ETags."""
