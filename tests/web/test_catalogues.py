"""The pages' Swedish and Italian catalogues: complete, checked, and placeholders intact.

A string a template marks with ``_()`` but a catalogue lacks would show in English in the
middle of a Swedish page; a translation that drops or renames ``%(name)s`` would fail when
rendered. Both are caught here, from the committed ``.po`` files and the templates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.web.language import LANGUAGES, LOCALE_DIR

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
WEB = Path(LOCALE_DIR).parent


def source_strings() -> set[str]:
    """Every msgid the pages' templates and modules mark, extracted as the README says."""
    found: set[str] = set()
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _, _, message, _, _ in extract_from_dir(
        str(WEB), method_map, options_map=options, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_page_string_is_translated_with_its_placeholders(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "web.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: unchecked translation of {message.id!r}"
        ids = [str(i) for i in (message.id if isinstance(message.id, tuple) else [message.id])]
        raw = message.string if isinstance(message.string, tuple) else [message.string]
        strings = [str(text or "") for text in raw]
        assert all(strings), f"{language}: {message.id!r} is not translated"
        for text in strings:
            wanted = set(PLACEHOLDER.findall(ids[-1])) - {"num"}
            assert wanted <= set(PLACEHOLDER.findall(text)), (language, message.id, text)
        translated.add(ids[0])
    missing = source_strings() - translated
    assert not missing, f"{language}: not in the catalogue: {sorted(missing)}"
