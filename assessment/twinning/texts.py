"""How a twinning's stored keys read in the reader's language.

Twinnings keep stable keys (``transfer``, ``running``, ``study_visit``, ``improved``...) so
that JSON stays comparable across languages; the report shows them as words. The words are
marked here with ``N_`` and translated where they are shown, from the library's catalogue
(``assessment/locale``, ``make messages``). The model's own texts (dimension, band and level
names, descriptors) are not here: they come from ``MaturityModel.localized``.
"""

from __future__ import annotations

from collections.abc import Mapping

from assessment.i18n import N_, Localizer, localizer
from assessment.model import MaturityModel

LABELS: Mapping[str, Mapping[str, str]] = {
    "type": {
        # Translators: a twinning type: one region learns from another on one dimension
        "transfer": N_("Transfer of learning on one dimension"),
        "coaching": N_("Coaching"),
        # Translators: a twinning type where both regions learn from each other
        "exchange": N_("Exchange"),
    },
    "status": {
        # Translators: a twinning's status
        "planned": N_("Planned"),
        # Translators: a twinning's status
        "running": N_("Running"),
        # Translators: a twinning's status
        "concluded": N_("Concluded"),
        # Translators: a twinning's status: the receiving region re-assessed afterwards
        "followed_up": N_("Followed up"),
    },
    "side": {
        "receiving": N_("receiving region"),
        "transferring": N_("transferring region"),
        "external": N_("Facilitators and guests"),
    },
    "kind": {
        "kick_off": N_("Kick-off"),
        "study_visit": N_("Study visit"),
        "workshop": N_("Workshop"),
        "webinar": N_("Webinar"),
        "knowledge_sharing": N_("Knowledge-sharing event"),
        "meeting": N_("Meeting"),
    },
    "format": {
        # Translators: how an activity was held
        "in_person": N_("in person"),
        # Translators: how an activity was held (online)
        "digital": N_("digital"),
        # Translators: how an activity was held (partly in person, partly online)
        "hybrid": N_("hybrid"),
    },
    "category": {
        "communication": N_("Communication"),
        "organisation": N_("Organisation"),
        "it": N_("IT"),
        "legal": N_("Legal"),
        "procurement": N_("Procurement"),
        "user_involvement": N_("User involvement"),
        "changed_ways_of_working": N_("Changed ways of working"),
    },
    "action_status": {
        # Translators: the status of an item of the action plan
        "planned": N_("planned"),
        # Translators: the status of an item of the action plan
        "in_progress": N_("in progress"),
        # Translators: the status of an item of the action plan
        "done": N_("done"),
        # Translators: the status of an item of the action plan
        "dropped": N_("dropped"),
    },
    "verdict": {
        # Translators: the verdict on a twinning's focus after the re-assessment
        "improved": N_("improved"),
        "unchanged": N_("unchanged"),
        "declined": N_("declined"),
        # Translators: some focus dimensions rose and some fell
        "mixed": N_("mixed"),
        "not_measurable": N_("not measurable"),
    },
    "condition": {
        # Translators: a local condition for adoption: the receiving region is level or ahead
        "in_place": N_("level or ahead: a condition in place"),
        "to_build": N_("a condition to build first"),
        "minor_gap": N_("slightly behind"),
        "unknown": N_("cannot be compared"),
    },
}
"""Words of each kind of key (``LABELS["status"]["running"]``), in English; translate with
:func:`label`."""


def label(kind: str, key: str, words: Localizer) -> str:
    """The word for ``key`` of ``kind`` in the reader's language (the key itself when it has
    none, so a value stored by a newer version still shows)."""
    return words.gettext(LABELS[kind].get(key, key))


def in_language(model: MaturityModel, language: str | None) -> tuple[MaturityModel, Localizer]:
    """``model`` with its texts in ``language`` and the catalogue to write around them in it
    (default: the model's own language). A language the model has no translation for still
    gets the library's words in it; the model's texts then stay in the original."""
    if language is not None:
        model = model.localized(language)
    return model, localizer(language or model.language)
