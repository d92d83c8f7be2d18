"""Languages: which ones twinning speaks, choosing one for a reader, and its own UI strings.

Three things live here so that the library, the API and the web pages agree on them:

- **Language tags** (BCP 47, e.g. ``sv``, ``sv-SE``, ``it``): :func:`language_tag` checks one
  and spells it canonically; :func:`match_language` finds the best of a set for one tag, and
  :func:`negotiate_language` reads an ``Accept-Language`` header (quality values, region
  subtags, ``*``). English is the source language and the fallback of every text.
- **Catalogues**: the strings people read in charts and reports are marked for gettext and
  translated in ``.po`` files committed under ``assessment/locale/<lang>/LC_MESSAGES/``.
  Babel compiles them in memory when first used (there is no ``.mo`` build step) and each is
  cached per language. Other packages (the web pages) load their own domain the same way
  with :func:`load_catalogue`.
- **Formats**: numbers, percentages and dates written the reader's way (``2,5`` and ``83 %``
  in Swedish), with Babel's locale data, through a :class:`Localizer`.

The texts of a maturity model (dimension names, level descriptors) are not in catalogues:
they are translations inside the model files (see ``MaturityModel.localized``).
"""

from __future__ import annotations

import datetime
import gettext as gettext_module
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import format_percent as babel_format_percent
from babel.support import Translations

from assessment.errors import ParameterError

#: The language every text is written in first, and the fallback of every translation.
SOURCE_LANGUAGE = "en"
#: Languages with a catalogue of the library's strings (and translations of the shipped
#: models), source language first.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "sv", "it")
#: Where the library's catalogues live: ``<lang>/LC_MESSAGES/<domain>.po``.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "assessment"

# language[-Script][-REGION]: the subtags twinning uses (no variants or extensions).
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?$")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where it is used)."""
    return message


def language_tag(tag: str, location: Sequence[str | int] = ("language",)) -> str:
    """The canonical spelling of a BCP 47 tag (``sv``, ``sv-SE``, ``zh-Hant-TW``).

    Raises ``ParameterError`` at ``location`` when the tag is malformed or its language is
    unknown (not an ISO 639 language known to the Unicode CLDR that Babel ships).
    """
    match = _TAG.match(tag.strip().replace("_", "-")) if isinstance(tag, str) else None
    if match is None:
        raise ParameterError(
            f"{tag!r} is not a language tag (e.g. 'sv', 'sv-SE', 'it')", tuple(location)
        )
    language, script, region = match.groups()
    try:
        Locale.parse(language.lower())
    except (UnknownLocaleError, ValueError):
        raise ParameterError(f"unknown language {tag!r}", tuple(location)) from None
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


def match_language(tag: str, available: Iterable[str]) -> str | None:
    """The best of ``available`` for one requested tag, or None.

    An exact match wins; then the requested tag shortened from the end (``sv-SE`` -> ``sv``,
    RFC 4647 lookup); then an available tag that is more specific than the request (``pt``
    -> ``pt-BR``). Comparison ignores case, as BCP 47 does.
    """
    offered = {item.lower(): item for item in available}
    wanted = tag.strip().replace("_", "-").lower()
    if not wanted:
        return None
    parts = wanted.split("-")
    for end in range(len(parts), 0, -1):
        found = offered.get("-".join(parts[:end]))
        if found is not None:
            return found
    for lowered, item in offered.items():
        if lowered.startswith(wanted + "-"):
            return item
    return None


class LanguageRange(NamedTuple):
    """One item of an ``Accept-Language`` header: a language range and its quality."""

    tag: str
    quality: float


def parse_accept_language(header: str | None) -> list[LanguageRange]:
    """The ranges of an ``Accept-Language`` header, best first (ties keep the header's order).

    A browser's header is never an error: malformed items and quality values are skipped,
    a missing ``q`` is 1. Items with ``q=0`` are kept (they mean "not this language").
    """
    ranges: list[LanguageRange] = []
    for item in (header or "").split(","):
        tag, *params = (part.strip() for part in item.split(";"))
        if not tag or not (tag == "*" or _looks_like_range(tag)):
            continue
        quality: float | None = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                quality = _quality(value.strip())
        if quality is not None:
            ranges.append(LanguageRange(tag, quality))
    return sorted(ranges, key=lambda item: -item.quality)


def _looks_like_range(tag: str) -> bool:
    return all(part.isalnum() and len(part) <= 8 for part in tag.split("-")) and tag[0].isalpha()


def _quality(value: str) -> float | None:
    # RFC 9110: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    if not re.fullmatch(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?", value):
        return None
    return float(value)


def negotiate_language(
    header: str | None,
    available: Sequence[str] = SUPPORTED_LANGUAGES,
    default: str = SOURCE_LANGUAGE,
) -> str:
    """The language of ``available`` a reader prefers, from an ``Accept-Language`` header.

    Ranges are tried best quality first; each is matched with :func:`match_language`, so
    ``sv-SE`` gets ``sv``. A language listed with ``q=0`` is never chosen. ``*`` stands for
    any language not named otherwise: ``default`` when allowed, else the first available one.
    Without a usable header, or when nothing matches, the answer is ``default``.
    """
    ranges = parse_accept_language(header)
    refused = {tag.lower() for tag, quality in ranges if quality == 0}
    named = {tag.lower() for tag, _ in ranges}
    for tag, quality in ranges:
        if quality == 0:
            break  # best first: only refusals remain
        if tag == "*":
            for choice in (default, *available):
                if choice.lower() not in named:
                    return choice
            continue
        found = match_language(tag, available)
        if found is not None and found.lower() not in refused:
            return found
    return default


# --- catalogues ---------------------------------------------------------------------------


def load_catalogue(
    language: str, domain: str = DOMAIN, directory: Path = LOCALE_DIR
) -> gettext_module.NullTranslations:
    """The gettext catalogue ``<directory>/<language>/LC_MESSAGES/<domain>.po``, compiled in
    memory and cached; the identity catalogue (English msgids) when there is no file.

    Fuzzy entries are left out, as ``msgfmt`` does, so an unchecked translation shows the
    English text rather than a guess.
    """
    return _load_catalogue(language, domain, directory.resolve())


@cache
def _load_catalogue(language: str, domain: str, directory: Path) -> gettext_module.NullTranslations:
    path = directory / language.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return gettext_module.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language.replace("-", "_"), domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


@dataclass(frozen=True)
class Localizer:
    """Everything needed to write for a reader of one language: the library's catalogue
    (``gettext``/``ngettext``) and Babel's number, percent and date formats."""

    language: str
    catalogue: gettext_module.NullTranslations
    locale: Locale

    def gettext(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def format_number(
        self, value: float | None, digits: int = 2, missing: str = "-", fixed: bool = False
    ) -> str:
        """``value`` with at most ``digits`` decimals, trailing zeros dropped (``2,5``), or
        with exactly ``digits`` when ``fixed`` (``0,60``: figures read side by side)."""
        if value is None:
            return missing
        pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits > 0 else "")
        return babel_format_decimal(value, format=pattern, locale=self.locale)

    def format_percent(self, share: float, digits: int = 0) -> str:
        """A share in [0, 1] as a percentage written the reader's way (``83 %`` in Swedish)."""
        pattern = self.locale.percent_formats[None].pattern  # where the sign goes, spaces
        if digits > 0:
            pattern = pattern.replace("0", "0." + "0" * digits, 1)
        return babel_format_percent(share, format=pattern, locale=self.locale)

    def format_date(self, date: datetime.date, width: str = "long") -> str:
        """``12 mars 2025``, ``12 marzo 2025``, ``March 12, 2025`` (``width``: short, medium,
        long or full)."""
        return babel_format_date(date, format=width, locale=self.locale)


def localizer(language: str | None = None) -> Localizer:
    """The localizer of a supported language (the source language for None or any other)."""
    chosen = match_language(language or SOURCE_LANGUAGE, SUPPORTED_LANGUAGES)
    return _localizer(chosen or SOURCE_LANGUAGE)


@cache
def _localizer(language: str) -> Localizer:
    return Localizer(
        language=language,
        catalogue=load_catalogue(language),
        locale=Locale.parse(language, sep="-"),
    )
