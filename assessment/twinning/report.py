"""The twinning report: one document shaped like the programmes' final reports, as JSON and as
one self-contained HTML page (print it to PDF from a browser).

:func:`build_twinning_report` gathers everything into a :class:`TwinningReport` (its
``model_dump(mode="json")`` is the JSON report); :func:`render_twinning_report` draws the very
same document as HTML, so the two never disagree. The page has no external resources: the
radar overlay is inline SVG from :mod:`assessment.charts`, the styles are inline. The template
(``templates/twinning_report.html``, shipped as package data) escapes every piece of user text;
only the chart's SVG, which escapes its own text, is inserted as markup.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field

from assessment.chart_render import render_radar
from assessment.charts import RadarSpec, radar_spec
from assessment.model import MaturityModel, ModelRef
from assessment.practices import GoodPractice
from assessment.profile import Profile
from assessment.twinning.conditions import LocalConditions
from assessment.twinning.effect import TwinningEffect, twinning_effect
from assessment.twinning.lifecycle import TwinningStatus, TwinningType
from assessment.twinning.plan import (
    CATEGORY_LABELS,
    ActionItem,
    ActionPlanSummary,
    area_label,
    is_overdue,
    summarise_plan,
)
from assessment.twinning.rationale import Rationale
from assessment.twinning.records import (
    FORMAT_LABELS,
    KIND_LABELS,
    Activity,
    Outcomes,
    Participant,
)

TYPE_LABELS = {
    TwinningType.TRANSFER: "Transfer of learning on one dimension",
    TwinningType.COACHING: "Coaching",
    TwinningType.EXCHANGE: "Exchange",
}
STATUS_LABELS = {
    TwinningStatus.PLANNED: "Planned",
    TwinningStatus.RUNNING: "Running",
    TwinningStatus.CONCLUDED: "Concluded",
    TwinningStatus.FOLLOWED_UP: "Followed up",
}


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
    """Everything the report shows; dump it for the JSON report."""

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
    rationale: Rationale
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
) -> RadarSpec:
    """The two regions overlaid (and the receiving region's re-assessment, when there is one)."""
    profiles = [receiving, transferring] + ([follow_up] if follow_up is not None else [])
    title = f"{receiving.region} and {transferring.region}"
    return radar_spec(model, profiles, title=title)


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
    conditions: LocalConditions,
    follow_up: Profile | None = None,
    practice: GoodPractice | None = None,
    practice_region: str | None = None,
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
    """The report of one twinning. ``receiving`` and ``transferring`` are the baseline
    profiles the rationale was computed from; ``follow_up`` a later profile of the receiving
    region (the effect is measured against it)."""
    if language is not None:
        model = model.localized(language)
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
        rationale=rationale,
        radar=twinning_radar(model, receiving, transferring, follow_up),
        conditions=conditions,
        conditions_note=conditions_note,
        condition_notes=dict(condition_notes or {}),
        activities=tuple(dated),
        action_plan=tuple(
            ReportAction(
                **item.model_dump(),
                area=area_label(model, item),
                overdue=is_overdue(item, today),
            )
            for item in action_plan
        ),
        action_summary=summarise_plan(model, action_plan, today),
        outcomes=outcomes or Outcomes(),
        effect=effect,
        generated_on=today,
    )


def _paragraphs(text: str) -> Markup:
    """User text as escaped paragraphs: blank lines split paragraphs, newlines break lines."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
        if block
    )


def _signed(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{value:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assessment.twinning", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(paragraphs=_paragraphs, signed=_signed, number=_number)
    env.globals.update(
        TYPE_LABELS=TYPE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        KIND_LABELS=KIND_LABELS,
        FORMAT_LABELS=FORMAT_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
    )
    return env


def render_twinning_report(report: TwinningReport) -> str:
    """The report as one self-contained HTML page."""
    svg = render_radar(report.radar, "svg").decode("utf-8")
    chart = Markup(svg[svg.index("<svg") :])  # inline SVG takes no XML declaration or doctype
    template = _environment().get_template("twinning_report.html")
    return template.render(report=report, chart=chart)
