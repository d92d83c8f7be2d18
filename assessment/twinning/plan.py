"""The action plan in theory-of-change form (Effektlogik), as the Lund-Helsingborg twinning
worked through its prioritised challenge areas (Procure4Health final report, 2025): for each
area the current situation, the desired situation, the outcomes, the activities that lead
there and the resources they need, with an owner, a due date and a status.

Each item is filed under a challenge category (the workshops' post-it categories:
communication, organisation, IT, legal, procurement, user involvement, changed ways of
working), under a dimension of the twinning's model, or under both.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import ParameterError
from assessment.i18n import Localizer
from assessment.model import MaturityModel
from assessment.twinning.texts import in_language, label


class ChallengeCategory(StrEnum):
    COMMUNICATION = "communication"
    ORGANISATION = "organisation"
    IT = "it"
    LEGAL = "legal"
    PROCUREMENT = "procurement"
    USER_INVOLVEMENT = "user_involvement"
    CHANGED_WAYS_OF_WORKING = "changed_ways_of_working"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


CLOSED = frozenset({ActionStatus.DONE, ActionStatus.DROPPED})


class ActionItem(BaseModel):
    """One prioritised challenge area worked through from current to desired situation."""

    model_config = ConfigDict(frozen=True)

    title: str
    category: ChallengeCategory | None = None
    dimension: str | None = Field(default=None, description="a dimension key of the model")
    current_situation: str = ""
    desired_situation: str = ""
    outcomes: str = ""
    activities: str = ""
    resources: str = ""
    owner: str = ""
    due_date: datetime.date | None = None
    status: ActionStatus = ActionStatus.PLANNED


def check_area(
    model: MaturityModel,
    category: ChallengeCategory | None,
    dimension: str | None,
    location: Sequence[str | int] = (),
) -> None:
    """An item needs a category, a dimension of ``model``, or both."""
    here = tuple(location)
    if category is None and dimension is None:
        raise ParameterError(
            "file the item under a category, a dimension of the model, or both",
            (*here, "category"),
        )
    if dimension is not None:
        model.index(dimension, (*here, "dimension"))


def area_label(model: MaturityModel, item: ActionItem, words: Localizer) -> str:
    """``IT / Digital infrastructure``, ``Legal`` or ``Funding``: how the plan groups it, in
    the language of ``words`` (localize ``model`` to the same)."""
    parts = []
    if item.category is not None:
        parts.append(label("category", item.category, words))
    if item.dimension is not None and item.dimension in model.keys:
        parts.append(model.dimension(item.dimension).name)
    return " / ".join(parts)


def is_overdue(item: ActionItem, today: datetime.date) -> bool:
    return item.due_date is not None and item.due_date < today and item.status not in CLOSED


class AreaCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    area: str
    items: int
    done: int


class ActionPlanSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: int
    by_status: dict[str, int]
    by_area: tuple[AreaCount, ...] = Field(description="in order of first appearance")
    overdue: int = Field(description="open items past their due date")


def summarise_plan(
    model: MaturityModel,
    items: Sequence[ActionItem],
    today: datetime.date,
    language: str | None = None,
) -> ActionPlanSummary:
    """Counts by status and by area (areas named in ``language``, default the model's)."""
    model, words = in_language(model, language)
    areas: dict[str, list[ActionItem]] = {}
    for item in items:
        areas.setdefault(area_label(model, item, words), []).append(item)
    return ActionPlanSummary(
        total=len(items),
        by_status={s.value: sum(i.status is s for i in items) for s in ActionStatus},
        by_area=tuple(
            AreaCount(
                area=area,
                items=len(grouped),
                done=sum(i.status is ActionStatus.DONE for i in grouped),
            )
            for area, grouped in areas.items()
        ),
        overdue=sum(is_overdue(i, today) for i in items),
    )
