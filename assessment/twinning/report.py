"""The twinning report: one document shaped like the programmes' final reports, as JSON and as
one self-contained HTML page (print it to PDF from a browser), in the reader's language.

:func:`build_twinning_report` gathers everything into a :class:`TwinningReport` (its
``model_dump(mode="json")`` is the JSON report); :func:`render_twinning_report` draws the very
same document as HTML, so the two never disagree. The page has no external resources: the
radar overlay is inline SVG from :mod:`assessment.chart_render`, the styles are inline. The
template (``templates/twinning_report.html``, shipped as package data) escapes every piece of
user text; only the chart's SVG, which escapes its own text, is inserted as markup.

The report is written in one ``language``: the model's texts from its translation, the
rationale's and the conditions' sentences, the template's headings and labels from the
library's catalogue (``make messages`` extracts them from the template too), numbers and dates
the reader's way. What the teams wrote (aims, notes, justifications) stays as they wrote it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field

from assessment.chart_render import render_radar
from assessment.charts import RadarSpec, radar_spec
from assessment.i18n import Localizer, localizer
from assessment.model import MaturityModel, ModelRef
from assessment.practices import GoodPractice
from assessment.profile import Profile
from assessment.twinning.conditions import ConditionParams, LocalConditions, local_conditions
from assessment.twinning.effect import TwinningEffect, twinning_effect
from assessment.twinning.lifecycle import TwinningStatus, TwinningType
from assessment.twinning.plan import (
    ActionItem,
    ActionPlanSummary,
    area_label,
    is_overdue,
    summarise_plan,
)
from assessment.twinning.rationale import Rationale, localized_rationale
from assessment.twinning.records import Activity, Outcomes, Participant
from assessment.twinning.texts import in_language, label
from assessment.words import agreement_word


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PracticeRequirement(_Frozen):
    dimension: str
    name: str
    level: int


class ReportPractice(_Frozen):
    name: str
    description: str
    transferring_region: str | None
    requirements: tuple[PracticeRequirement, ...] = Field(description="model order")


class ReportAction(ActionItem):
    area: str = Field(description="category and/or dimension name, as the plan groups it")
    overdue: bool


class TwinningReport(_Frozen):
    """Everything the report shows; dump it for the JSON report. Texts are in ``language``;
    keys (statuses, types, verdicts, dimension keys) are as stored."""

    language: str = Field(description="the language of the report's texts (BCP 47)")
    title: str
    aim: str
    type: TwinningType
    status: TwinningStatus
    model: ModelRef
    model_name: str
    receiving_region: str
    transferring_region: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    practice: ReportPractice | None
    participants: tuple[Participant, ...]
    rationale: Rationale = Field(
        description="as computed at creation: its names, bands and sentences written again in "
        "the report's language; the matching explanation as the matching rule wrote it"
    )
    radar: RadarSpec = Field(description="the regions' radar overlay (as charts' JSON)")
    conditions: LocalConditions
    conditions_note: str = Field(description="the teams' notes on the conditions as a whole")
    condition_notes: dict[str, str] = Field(description="notes per dimension key")
    activities: tuple[Activity, ...] = Field(description="by date, undated last")
    action_plan: tuple[ReportAction, ...]
    action_summary: ActionPlanSummary
    outcomes: Outcomes
    effect: TwinningEffect | None = Field(
        description="the receiving region's change since the baseline; null before it re-assessed"
    )
    generated_on: datetime.date


def twinning_radar(
    model: MaturityModel,
    receiving: Profile,
    transferring: Profile,
    follow_up: Profile | None = None,
    language: str | None = None,
) -> RadarSpec:
    """The two regions overlaid (and the receiving region's re-assessment, when there is
    one), labelled in ``language`` (default: the model's)."""
    profiles = [receiving, transferring] + ([follow_up] if follow_up is not None else [])
    words = localizer(language or model.language)
    # Translators: the title of the radar chart of a twinning's two regions
    title = words.gettext("%(receiving)s and %(transferring)s") % {
        "receiving": receiving.region,
        "transferring": transferring.region,
    }
    return radar_spec(model, profiles, title=title, language=words.language)


def build_twinning_report(
    model: MaturityModel,
    *,
    title: str,
    aim: str,
    type: TwinningType,
    status: TwinningStatus,
    rationale: Rationale,
    receiving: Profile,
    transferring: Profile,
    follow_up: Profile | None = None,
    practice: GoodPractice | None = None,
    practice_region: str | None = None,
    condition_params: ConditionParams | None = None,
    participants: Sequence[Participant] = (),
    activities: Sequence[Activity] = (),
    action_plan: Sequence[ActionItem] = (),
    outcomes: Outcomes | None = None,
    conditions_note: str = "",
    condition_notes: Mapping[str, str] | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    today: datetime.date,
    language: str | None = None,
) -> TwinningReport:
    """The report of one twinning in ``language`` (default: the model's own). ``receiving``
    and ``transferring`` are the baseline profiles the rationale was computed from; the local
    conditions are computed from them (with ``practice`` and ``condition_params``);
    ``follow_up`` is a later profile of the receiving region (the effect is measured against
    it)."""
    source = model
    model, words = in_language(model, language)
    focus = [f.dimension for f in rationale.focus]
    effect = None
    if follow_up is not None:
        effect = twinning_effect(model, receiving, follow_up, focus)
    report_practice = None
    if practice is not None:
        report_practice = ReportPractice(
            name=practice.name,
            description=practice.description,
            transferring_region=practice_region or practice.transferring_region,
            requirements=tuple(
                PracticeRequirement(dimension=key, name=model.dimension(key).name, level=level)
                for key, level in sorted(
                    practice.requirements.items(), key=lambda item: model.index(item[0])
                )
            ),
        )
    dated = sorted(activities, key=lambda a: (a.date is None, a.date or datetime.date.min, a.title))
    return TwinningReport(
        language=words.language,
        title=title,
        aim=aim,
        type=type,
        status=status,
        model=model.ref,
        model_name=model.name,
        receiving_region=rationale.receiving_region,
        transferring_region=rationale.transferring_region,
        start_date=start_date,
        end_date=end_date,
        practice=report_practice,
        participants=tuple(participants),
        rationale=localized_rationale(rationale, source, words.language),
        radar=twinning_radar(source, receiving, transferring, follow_up, words.language),
        conditions=local_conditions(
            source,
            receiving,
            transferring,
            focus,
            practice=practice,
            params=condition_params,
            language=words.language,
        ),
        conditions_note=conditions_note,
        condition_notes=dict(condition_notes or {}),
        activities=tuple(dated),
        action_plan=tuple(
            ReportAction(
                **item.model_dump(),
                area=area_label(model, item, words),
                overdue=is_overdue(item, today),
            )
            for item in action_plan
        ),
        action_summary=summarise_plan(source, action_plan, today, words.language),
        outcomes=outcomes or Outcomes(),
        effect=effect,
        generated_on=today,
    )


# --- HTML ----------------------------------------------------------------------------------


def _paragraphs(text: str) -> Markup:
    """User text as escaped paragraphs: blank lines split paragraphs, newlines break lines."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
        if block
    )


def _words(context: Context) -> Localizer:
    words: Localizer = context["words"]
    return words


@pass_context
def _gettext(context: Context, message: str) -> str:
    return _words(context).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _words(context).ngettext(singular, plural, n)


@pass_context
def _number(context: Context, value: float | None) -> str:
    return _words(context).format_number(value)


@pass_context
def _signed(context: Context, value: float | None) -> str:
    """A change: ``+1``, ``-0,5`` (the locale's minus), ``0``."""
    if value is None:
        return "-"
    text = _words(context).format_number(value)
    return "+" + text if round(value, 2) > 0 else text


@pass_context
def _date(context: Context, value: datetime.date) -> str:
    return _words(context).format_date(value, "medium")


@pass_context
def _label(context: Context, kind: str, key: str) -> str:
    return label(kind, key, _words(context))


@pass_context
def _agreement(context: Context, key: str) -> str:
    return agreement_word(key, _words(context))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assessment.twinning", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # One environment serves every language: the gettext callables read the reader's
    # catalogue from the render's context (``words``), so concurrent renders do not mix.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.policies["ext.i18n.trimmed"] = True  # msgids without the template's line breaks
    env.filters.update(paragraphs=_paragraphs, signed=_signed, number=_number, date=_date)
    env.globals.update(label=_label, agreement=_agreement)
    return env


def render_twinning_report(report: TwinningReport) -> str:
    """The report as one self-contained HTML page, in the report's language."""
    svg = render_radar(report.radar, "svg").decode("utf-8")
    chart = Markup(svg[svg.index("<svg") :])  # inline SVG takes no XML declaration or doctype
    template = _environment().get_template("twinning_report.html")
    words = localizer(report.language)
    context: dict[str, Any] = {"report": report, "chart": chart, "words": words}
    return template.render(context)
