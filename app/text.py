"""Text the service stores: names people recognise things by, and text no database can hold.

**Names** (regions, stakeholders, good practices, keys, round labels and role labels) are
trimmed and NFC-normalised as they arrive, so "Skåne" typed on two keyboards is one string,
and refused (422 naming the field) when empty or when they hold control characters (tabs,
line breaks and the like) or the invisible characters that reorder text (bidirectional
embeddings, overrides and isolates: a name that displays as one thing and sorts as another).

**Identity**: two names are the same when their ``name_key`` is: compatibility-normalised
(NFKC: full-width letters and ligatures become plain ones), case-folded ("Straße" and "STRASSE")
and with runs of spaces as one. Regions are unique by key over the deployment, stakeholders
within their region and practices over the deployment (``alembic/versions/0007_names.py``
adds the stored keys and their unique indexes).

**Unstorable text**: PostgreSQL cannot store the NUL character, and a lone surrogate
(``"\\ud800"`` in JSON) is not text in any encoding. ``refuse_unstorable_text`` turns either,
in any path or query parameter or any string of a JSON body, into a 422 naming the field,
before a handler runs, on both databases alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Request
from pydantic import AfterValidator, Field

from app.problems import ApiProblem

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the Arabic letter mark
# and the left-to-right / right-to-left marks: they change how text displays, not what it says.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_LINE_SEPARATORS = frozenset("\u2028\u2029")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def is_bidi_control(char: str) -> bool:
    return char in _BIDI_CONTROLS


def is_control(char: str) -> bool:
    """Control characters (tab, line breaks...), line separators and lone surrogates."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in _LINE_SEPARATORS


def clean_name(value: str) -> str:
    """``value`` trimmed and NFC-normalised; ValueError when empty or holding characters a
    name must not (control, bidirectional and line-separator characters)."""
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        raise ValueError("must not be empty or blank")
    for char in name:
        if is_bidi_control(char):
            raise ValueError(f"must not contain the bidirectional control U+{ord(char):04X}")
        if is_control(char):
            raise ValueError(f"must not contain the control character U+{ord(char):04X}")
    return name


def name_key(name: str) -> str:
    """What makes two names the same name (see the module's docstring)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _SPACES.sub(" ", folded).strip()


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean_name)]
"""A region's, stakeholder's, practice's or key's name."""
Label = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(clean_name)]
"""A round's label."""
RoleLabel = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(clean_name)]
"""A stakeholder's role label."""


def _strings(value: Any, location: tuple[str | int, ...]) -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON document (keys too), with its dotted location."""
    if isinstance(value, str):
        yield ".".join(str(part) for part in location), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield ".".join(str(part) for part in (*location, key)), str(key)
            yield from _strings(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*location, index))


def unstorable(field: str, value: str) -> str | None:
    """Why ``value`` cannot be stored (a sentence naming ``field``), or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    what = "the NUL character" if found.group() == "\x00" else "a lone surrogate (not text)"
    return f"{field} contains {what}, which cannot be stored"


def _check(field: str, value: str) -> None:
    reason = unstorable(field, value)
    if reason is not None:
        raise ApiProblem(422, reason, field=field)


def refuse_unstorable_query(request: Request) -> None:
    """422 for NUL or lone surrogates in a query parameter's name or value."""
    for name, value in request.query_params.multi_items():
        _check(f"query.{name}", name)
        _check(f"query.{name}", value)


async def refuse_unstorable_text(request: Request) -> None:
    """An app-wide dependency: 422 for NUL or lone surrogates anywhere a request can send
    text. It runs after FastAPI parsed the JSON body (that parse is reused, not repeated)."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            _check(f"path.{name}", value)
    refuse_unstorable_query(request)
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type or not await request.body():
        return
    try:
        document = await request.json()  # parsed by FastAPI already when the route reads it
    except ValueError:
        return  # a body the route does not read
    for field, value in _strings(document, ("body",)):
        _check(field, value)
