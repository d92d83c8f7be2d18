"""The language helper: tags, Accept-Language, gettext catalogues and locale formats."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from assessment.errors import ParameterError
from assessment.i18n import (
    DOMAIN,
    LOCALE_DIR,
    SOURCE_LANGUAGE,
    SUPPORTED_LANGUAGES,
    LanguageRange,
    language_tag,
    load_catalogue,
    localizer,
    match_language,
    negotiate_language,
    parse_accept_language,
)

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}  # as `make messages` extracts
TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != SOURCE_LANGUAGE]


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("sv", "sv"),
        ("SV", "sv"),
        ("sv-se", "sv-SE"),
        ("sv_SE", "sv-SE"),
        (" it-IT ", "it-IT"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
def test_language_tags_are_spelled_canonically(tag: str, canonical: str) -> None:
    assert language_tag(tag) == canonical


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("", "not a language tag"),
        ("swedish", "not a language tag"),
        ("sv-", "not a language tag"),
        ("sv-SE-x-private", "not a language tag"),
        ("12", "not a language tag"),
        ("qq", "unknown language 'qq'"),
    ],
)
def test_bad_language_tags_are_located_errors(tag: str, message: str) -> None:
    with pytest.raises(ParameterError) as caught:
        language_tag(tag, ("query", "lang"))
    assert caught.value.field == "query.lang"
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("tag", "available", "found"),
    [
        ("sv", ("en", "sv"), "sv"),
        ("sv-SE", ("en", "sv"), "sv"),
        ("SV-se", ("en", "sv"), "sv"),
        ("zh-Hant-TW", ("zh-Hant", "zh"), "zh-Hant"),
        ("pt", ("en", "pt-BR"), "pt-BR"),
        ("pt-PT", ("en", "pt-BR"), None),
        ("fr", ("en", "sv"), None),
        ("", ("en",), None),
    ],
)
def test_matching_one_tag(tag: str, available: tuple[str, ...], found: str | None) -> None:
    assert match_language(tag, available) == found


def test_accept_language_is_parsed_best_quality_first_keeping_header_order_on_ties() -> None:
    header = "en;q=0.3, sv-SE , it;q=0.8, de;q=1.0, fr;q=2, nl;q=abc, ;q=0.5, *;q=0.1, no;q=0"
    assert parse_accept_language(header) == [
        LanguageRange("sv-SE", 1.0),
        LanguageRange("de", 1.0),
        LanguageRange("it", 0.8),
        LanguageRange("en", 0.3),
        LanguageRange("*", 0.1),
        LanguageRange("no", 0.0),
    ]
    assert parse_accept_language(None) == parse_accept_language("") == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("sv", "sv"),
        ("sv-SE,sv;q=0.9,en-GB;q=0.8,en;q=0.7", "sv"),
        ("it-IT,it;q=0.9", "it"),
        ("en-US,en;q=0.9,sv;q=0.8", "en"),
        ("de-DE, fr;q=0.9", "en"),  # nothing supported: English
        ("de, it;q=0.2", "it"),  # the best supported one, however low
        ("en;q=0.5, it;q=0.9", "it"),  # quality wins over order
        ("sv;q=1.5, it", "it"),  # a malformed quality drops its item
        ("*", "en"),
        ("de, *;q=0.5", "en"),  # any other language: the default
        ("en;q=0, *", "sv"),  # any but English
        ("en;q=0, sv;q=0, *", "it"),
        ("sv-SE, sv;q=0", "en"),  # Swedish refused outright: not chosen through sv-SE
        ("it;q=0", "en"),  # a refusal alone leaves the default
        ("garbage;;;, ,,", "en"),
    ],
)
def test_negotiation(header: str | None, language: str) -> None:
    assert negotiate_language(header) == language


def test_negotiation_among_other_languages_and_default() -> None:
    assert negotiate_language("pt-PT, pt;q=0.5", ("en", "pt-BR")) == "pt-BR"
    assert negotiate_language("fr", ("en", "sv"), default="sv") == "sv"


def test_every_supported_language_has_a_catalogue_that_translates() -> None:
    assert SUPPORTED_LANGUAGES[0] == SOURCE_LANGUAGE
    for language in TRANSLATED:
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        assert path.is_file(), path
    assert localizer("sv").gettext("Progressing") == "Under utveckling"
    assert localizer("it").gettext("Progressing") == "In sviluppo"
    assert localizer("en").gettext("Progressing") == "Progressing"
    assert localizer("sv").gettext("a string nobody marked") == "a string nobody marked"


def test_every_marked_string_of_the_library_is_translated_in_every_language() -> None:
    """`make messages` then translating is the workflow: a string marked in the code (or in
    a template babel.cfg names) but missing (or left empty or fuzzy) in a catalogue fails
    here."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }
    assert extracted, "no marked strings found: the extraction is misconfigured"
    assert {"Dimension", "Twinning report"} <= extracted  # Python and the report template
    for language in TRANSLATED:
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        translated = {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in catalog
            if message.id
            and not message.fuzzy
            and all(message.string if isinstance(message.string, tuple) else [message.string])
        }
        assert extracted - translated == set(), language
        # Placeholders match the English (%(n)d stays %(n)d), or formatting would fail.
        problems = [(message.id, errors) for message, errors in catalog.check()]
        assert problems == [], language


def test_no_compiled_catalogue_is_committed() -> None:
    """.po files are compiled in memory when loaded; .mo files are build output."""
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert tracked.stdout == ""


def test_fuzzy_entries_are_not_used_and_plurals_follow_the_language(tmp_path: Path) -> None:
    folder = tmp_path / "sv" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "demo.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: sv\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Region"\nmsgstr "Region"\n\n'
        '#, fuzzy\nmsgid "round"\nmsgstr "omgång?"\n\n'
        'msgid "%(n)d rater"\nmsgid_plural "%(n)d raters"\n'
        'msgstr[0] "%(n)d bedömare"\nmsgstr[1] "%(n)d bedömare totalt"\n',
        encoding="utf-8",
    )
    catalogue = load_catalogue("sv", "demo", tmp_path)
    assert catalogue.gettext("round") == "round"
    assert catalogue.ngettext("%(n)d rater", "%(n)d raters", 1) == "%(n)d bedömare"
    assert catalogue.ngettext("%(n)d rater", "%(n)d raters", 3) == "%(n)d bedömare totalt"
    assert load_catalogue("sv", "demo", tmp_path) is catalogue  # compiled once
    assert load_catalogue("it", "demo", tmp_path).gettext("round") == "round"  # no file


def test_numbers_percentages_and_dates_are_written_the_readers_way() -> None:
    en, sv, it = localizer("en"), localizer("sv"), localizer("it")
    assert (en.format_number(2.5), sv.format_number(2.5), it.format_number(2.5)) == (
        "2.5",
        "2,5",
        "2,5",
    )
    assert en.format_number(3.0) == "3" and en.format_number(None) == "-"
    assert en.format_number(1.23456, digits=1) == "1.2"
    assert (en.format_number(0.6, fixed=True), sv.format_number(0.6, fixed=True)) == (
        "0.60",
        "0,60",
    )
    assert sv.format_number(1234.5) == "1\N{NO-BREAK SPACE}234,5"
    assert (en.format_percent(0.8333), sv.format_percent(0.8333)) == (
        "83%",
        "83\N{NO-BREAK SPACE}%",
    )
    assert it.format_percent(0.8333, digits=1) == "83,3%"
    day = datetime.date(2025, 3, 12)
    assert (en.format_date(day), sv.format_date(day), it.format_date(day)) == (
        "March 12, 2025",
        "12 mars 2025",
        "12 marzo 2025",
    )


def test_localizers_fall_back_to_the_source_language() -> None:
    assert localizer("sv-SE").language == "sv"
    assert localizer("fr").language == "en"
    assert localizer(None).language == "en"
    assert localizer("sv") is localizer("sv")
