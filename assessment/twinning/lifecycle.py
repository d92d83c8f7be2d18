"""What a twinning is (its type and focus) and how it moves: planned -> running -> concluded ->
followed up.

Each move forward needs something done, because a programme reports on every twinning it
ran: a twinning starts when both regions have named people; it concludes when an activity has
been held, a plan of actions exists and the results at conclusion are written down; it is
followed up once the receiving region has re-assessed (so the effect can be measured) and the
results after 6 or 12 months are recorded. A concluded twinning may be reopened (back to
running); a followed-up one is final.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from assessment.errors import ParameterError
from assessment.model import MaturityModel


class TwinningType(StrEnum):
    """``transfer``: learning (often a good practice) on one dimension moves from the
    transferring to the receiving region, as Norrbotten learned innovation management from
    Scotland. ``coaching``: the transferring region coaches on one or more dimensions.
    ``exchange``: both sides learn from each other, as Lund and Helsingborg did."""

    TRANSFER = "transfer"
    COACHING = "coaching"
    EXCHANGE = "exchange"


class TwinningStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    CONCLUDED = "concluded"
    FOLLOWED_UP = "followed_up"


_S = TwinningStatus
TRANSITIONS: dict[TwinningStatus, frozenset[TwinningStatus]] = {
    _S.PLANNED: frozenset({_S.RUNNING}),
    _S.RUNNING: frozenset({_S.CONCLUDED}),
    _S.CONCLUDED: frozenset({_S.FOLLOWED_UP, _S.RUNNING}),
    _S.FOLLOWED_UP: frozenset(),
}


class TwinningFacts(BaseModel):
    """What the transition rules look at, counted by the caller from its records."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    receiving_participants: int = Field(default=0, ge=0)
    transferring_participants: int = Field(default=0, ge=0)
    activities_held: int = Field(default=0, ge=0, description="activities dated today or before")
    action_items: int = Field(default=0, ge=0)
    results_at_conclusion: bool = False
    follow_up_round: bool = Field(
        default=False, description="the receiving region published a later round of the model"
    )
    results_after_6_or_12_months: bool = False


class Requirement(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str = Field(description="stable name of the condition, e.g. participants.receiving")
    met: bool
    message: str


class TransitionCheck(BaseModel):
    """Whether ``current -> target`` may happen now, and what it needs."""

    model_config = ConfigDict(frozen=True)

    current: TwinningStatus
    target: TwinningStatus
    allowed: bool
    requirements: tuple[Requirement, ...]

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.met)


def _requirements(target: TwinningStatus, facts: TwinningFacts) -> tuple[Requirement, ...]:
    if target is _S.RUNNING:
        return (
            Requirement(
                key="participants.receiving",
                met=facts.receiving_participants > 0,
                message="at least one participant from the receiving region",
            ),
            Requirement(
                key="participants.transferring",
                met=facts.transferring_participants > 0,
                message="at least one participant from the transferring region",
            ),
        )
    if target is _S.CONCLUDED:
        return (
            Requirement(
                key="activities",
                met=facts.activities_held > 0,
                message="at least one activity held (dated today or earlier)",
            ),
            Requirement(
                key="action_plan",
                met=facts.action_items > 0,
                message="an action plan with at least one item",
            ),
            Requirement(
                key="outcomes.results_at_conclusion",
                met=facts.results_at_conclusion,
                message="the results at conclusion written down",
            ),
        )
    if target is _S.FOLLOWED_UP:
        return (
            Requirement(
                key="follow_up.round",
                met=facts.follow_up_round,
                message="a later published round of the receiving region on the twinning's "
                "model, so that the change can be measured",
            ),
            Requirement(
                key="outcomes.results_after_6_or_12_months",
                met=facts.results_after_6_or_12_months,
                message="the results after 6 or after 12 months written down",
            ),
        )
    return ()  # planned: where every twinning starts


def check_transition(
    current: TwinningStatus, target: TwinningStatus, facts: TwinningFacts
) -> TransitionCheck:
    """The move's requirements; ``allowed`` when the move exists and every one is met. Moving
    back (reopening) needs nothing."""
    order = list(TwinningStatus)
    forward = order.index(target) > order.index(current)
    requirements = _requirements(target, facts) if forward else ()
    exists = target in TRANSITIONS[current]
    if not exists:
        requirements = (
            Requirement(
                key="status",
                met=False,
                message=f"a twinning cannot move from {current.value} to {target.value}",
            ),
        )
    return TransitionCheck(
        current=current,
        target=target,
        allowed=exists and all(r.met for r in requirements),
        requirements=requirements,
    )


def next_steps(current: TwinningStatus, facts: TwinningFacts) -> tuple[TransitionCheck, ...]:
    """Every move possible from ``current`` (forward first) with what each still needs."""
    order = list(TwinningStatus)
    here = order.index(current)
    targets = sorted(TRANSITIONS[current], key=lambda s: (order.index(s) < here, order.index(s)))
    return tuple(check_transition(current, target, facts) for target in targets)


def check_focus(
    model: MaturityModel,
    kind: TwinningType,
    focus: Sequence[str],
    location: Sequence[str | int] = ("focus",),
) -> tuple[str, ...]:
    """Focus dimensions in model order: known to the model, no repeats, at least one; a
    ``transfer`` concentrates on exactly one dimension."""
    where = tuple(location)
    if not focus:
        raise ParameterError("a twinning needs at least one focus dimension", where)
    seen: set[str] = set()
    for index, key in enumerate(focus):
        model.index(key, (*where, index))
        if key in seen:
            raise ParameterError(f"dimension {key!r} is listed twice", (*where, index))
        seen.add(key)
    if kind is TwinningType.TRANSFER and len(focus) != 1:
        raise ParameterError(
            "a transfer twinning focuses on exactly one dimension; use coaching or exchange "
            "for several",
            where,
        )
    return tuple(sorted(seen, key=model.index))
