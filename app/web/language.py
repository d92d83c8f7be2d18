"""The language of the pages: English (the source), Swedish and Italian.

A page's language comes from the visitor's choice (the language links on every page set a
cookie, so the choice is remembered), else from the browser's ``Accept-Language`` (the
library's negotiation, as the API's), else English. Every page is rendered through the
chosen language's catalogue, and the model's texts in the same language; a string missing
from a catalogue shows in English.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from pathlib import Path

from fastapi import Request

from assessment.i18n import N_, load_catalogue, negotiate_language

__all__ = ["LANGUAGES", "N_", "choose_language", "translations"]

LANGUAGES: Mapping[str, str] = {"en": "English", "sv": "Svenska", "it": "Italiano"}
LANGUAGE_COOKIE = "tw_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def choose_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return negotiate_language(request.headers.get("accept-language"), tuple(LANGUAGES))


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "web"


def translations(language: str) -> gettext.NullTranslations:
    """The pages' catalogue of ``language`` (``locale/<lang>/LC_MESSAGES/web.po``, compiled
    in memory by the library's loader); English, the source strings, without one."""
    return load_catalogue(language, DOMAIN, LOCALE_DIR)
