"""How the library's stored keys read in the reader's language.

Statistics and profiles keep stable keys (``agreed``, ``split``, ``uncertain``, ``proposed``)
so that JSON and CSV stay comparable across languages; pages, reports and tables show them as
words. One place for those words keeps the report, the CLI and the web pages consistent.
"""

from __future__ import annotations

from assessment.i18n import N_, Localizer
from assessment.model import MaturityModel
from assessment.scoring import UNCERTAIN

_AGREEMENT = {
    # Translators: the panel of raters agrees on a dimension
    "agreed": N_("agreed"),
    # Translators: the panel of raters is split on a dimension
    "split": N_("split"),
    "no_data": N_("no data"),
}
_SOURCES = {
    # Translators: where a consensus score comes from: the consensus workshop set it
    "workshop": N_("workshop"),
    # Translators: the consensus score was proposed from the group median
    "proposed": N_("proposed"),
    # Translators: no consensus score at all
    "none": N_("none"),
}
# Translators: the Delphi level of a dimension whose panel is split
_UNCERTAIN = N_("Uncertain")


def agreement_word(key: str, words: Localizer) -> str:
    """``agreed``, ``split`` or ``no data`` in the reader's language."""
    return words.gettext(_AGREEMENT.get(key, key))


def source_word(key: str, words: Localizer) -> str:
    """Where a consensus score comes from (workshop, proposed, none)."""
    return words.gettext(_SOURCES.get(key, key))


def level_name(level: str | None, model: MaturityModel, words: Localizer) -> str:
    """A Delphi level: the name of a band of ``model`` (localize the model first), or
    Uncertain; empty for no level."""
    if not level:
        return ""
    if level == UNCERTAIN:
        return words.gettext(_UNCERTAIN)
    names = {band.key: band.name for band in model.effective_bands}
    return names.get(level, level)
