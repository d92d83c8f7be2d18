"""The language of an answer: chosen from ``Accept-Language`` (or ``?lang=``), and named.

Endpoints that return texts people read (a model's dimension names and level descriptors,
chart labels, the report) take ``language: Language`` and answer with
:func:`language_headers`: ``Content-Language`` names the language of the answer and
``Vary: Accept-Language`` tells caches that another header may get another answer.

``?lang=`` overrides the header: an ``<img src>`` or a download link cannot set headers, and
a page may show a language the reader picked rather than the browser's. An explicit ``lang``
the service does not speak is an error; a header never is (it falls back to English).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from app.problems import ApiProblem
from assessment.errors import ParameterError
from assessment.i18n import SUPPORTED_LANGUAGES, language_tag, match_language, negotiate_language

LANG_DESCRIPTION = (
    "language of the texts (BCP 47 tag: "
    + ", ".join(SUPPORTED_LANGUAGES)
    + "); overrides the Accept-Language header"
)


LangQuery = Annotated[str | None, Query(description=LANG_DESCRIPTION, examples=["sv"])]
"""The ``lang`` query parameter, for a dependency that chooses the language itself."""


def chosen_language(request: Request, lang: str | None) -> str:
    """The supported language to answer in: ``lang`` if given, else the best the
    ``Accept-Language`` header allows (``sv-SE`` gets ``sv``), else English."""
    if lang is None:
        return negotiate_language(request.headers.get("accept-language"))
    try:
        tag = language_tag(lang)
    except ParameterError as exc:
        raise ApiProblem(422, exc.message, field="query.lang") from None
    chosen = match_language(tag, SUPPORTED_LANGUAGES)
    if chosen is None:
        offered = ", ".join(SUPPORTED_LANGUAGES)
        raise ApiProblem(422, f"language {lang!r} is not offered ({offered})", field="query.lang")
    return chosen


async def request_language(request: Request, lang: LangQuery = None) -> str:
    """``chosen_language``. ``async``: pure work, so FastAPI need not send it to the thread
    pool."""
    return chosen_language(request, lang)


Language = Annotated[str, Depends(request_language)]


def language_headers(language: str, vary: tuple[str, ...] = ()) -> dict[str, str]:
    """``Content-Language`` and a ``Vary`` that adds ``Accept-Language`` to ``vary``."""
    return {"Content-Language": language, "Vary": ", ".join((*vary, "Accept-Language"))}
