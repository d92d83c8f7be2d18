"""The language of the pages: English (the source), Swedish and Italian.

A page's language comes from the visitor's choice (the language links on every page set a
cookie, so the choice is remembered), else from the browser's ``Accept-Language``, else
English. Every page is rendered through the chosen language's catalogue; a string missing
from a catalogue shows in English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request

from assessment import MaturityModel

LANGUAGES: Mapping[str, str] = {"en": "English", "sv": "Svenska", "it": "Italiano"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "tw_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark a string for the catalogues where it is defined; it is translated where shown."""
    return message


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (quality values honoured)."""
    best: tuple[float, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and quality > 0:
            candidate = (quality, code)
            # Earlier entries win ties, as browsers list them in order of preference.
            if best is None or candidate[0] > best[0] or (position == 0 and best is None):
                best = candidate
    return best[1] if best else None


def choose_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "web"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The web catalogue of ``language`` (``locale/<lang>/LC_MESSAGES/web.po``, compiled in
    memory); English (the source strings) without one. Unchecked (fuzzy) entries show in
    English."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def localized(model: MaturityModel, language: str) -> MaturityModel:
    """The model with its texts (names, descriptions, level descriptors, bands) in
    ``language`` where the model file has them, English otherwise."""
    return model
