"""The rules of an assessment round's life cycle and of the consensus workshop, as pure
functions: which moves are allowed, when a round is ready for the next step, and what a
workshop entry must hold. The service applies them to stored rounds (``app.services``).

draft -> open (stakeholders rate) -> consensus (the workshop decides; may reopen rating)
-> published (final: what profiles, history and matching read).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import StrEnum

from assessment.errors import AssessmentError, RatingError
from assessment.model import MaturityModel
from assessment.ratings import parse_score


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CONSENSUS = "consensus"
    PUBLISHED = "published"


S = RoundStatus
TRANSITIONS: Mapping[RoundStatus, frozenset[RoundStatus]] = {
    S.DRAFT: frozenset({S.OPEN}),
    S.OPEN: frozenset({S.CONSENSUS}),
    S.CONSENSUS: frozenset({S.PUBLISHED, S.OPEN}),
    S.PUBLISHED: frozenset(),
}
"""The moves a round may make from each state; published is final."""


class LifecycleError(AssessmentError):
    """A step the round's current state does not allow (the service answers 409 Conflict)."""


def check_status(
    current: RoundStatus,
    allowed: Iterable[RoundStatus],
    subject: str = "the round",
    location: Sequence[str | int] = ("status",),
) -> None:
    """Raise unless the round is in one of the ``allowed`` states (e.g. ratings are written
    only while ``open``)."""
    wanted = tuple(allowed)
    if current not in wanted:
        raise LifecycleError(
            f"{subject} is {current.value}; this is possible only when it is "
            + " or ".join(status.value for status in wanted),
            location,
        )


RATINGS_HIDDEN = "ratings stay hidden while the round is open; they open at consensus"
"""Why a read of an open round's ratings (or of anything computed from them) is refused."""


def ratings_hidden(status: RoundStatus, reveal_while_open: bool = False) -> bool:
    """Whether the panel's ratings, and everything computed from them (statistics, proposed
    scores, spread), are hidden now.

    Delphi rating is independent: while a round is ``open`` a rater who saw the others'
    ratings (or the medians) would anchor on them, so nobody reads them until rating closes
    at ``consensus``; each rater still reads their own. A round may opt out
    (``reveal_while_open``) for an open workshop where the panel rates together.
    """
    return status is RoundStatus.OPEN and not reveal_while_open


def missing_decisions(model: MaturityModel, decided: Collection[str]) -> list[str]:
    """Dimensions of the model the workshop has not decided yet, in model order."""
    return [key for key in model.keys if key not in decided]


def check_transition(
    model: MaturityModel,
    current: RoundStatus,
    target: RoundStatus,
    *,
    rated: bool,
    decided: Collection[str],
    location: Sequence[str | int] = ("status",),
) -> None:
    """Raise ``LifecycleError`` unless the round may move from ``current`` to ``target`` now.

    Closing rating (open -> consensus) needs at least one rating (``rated``); publishing needs
    a workshop decision on every dimension of the model (``decided``: the dimensions with a
    consensus entry, a score or an explicit null).
    """
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (final)"
        raise LifecycleError(
            f"cannot move from {current.value} to {target.value}; allowed: {allowed}", location
        )
    if target is S.CONSENSUS and not rated:
        raise LifecycleError("nobody has rated yet; a consensus needs ratings", location)
    if target is S.PUBLISHED:
        missing = missing_decisions(model, decided)
        if missing:
            raise LifecycleError(
                "every dimension needs a consensus score (or an explicit null with a "
                f"justification) before publishing; missing: {', '.join(missing)}",
                location,
            )


def consensus_entry(
    model: MaturityModel, score: object, justification: str
) -> tuple[int | None, str]:
    """A workshop's decision on one dimension, checked: a score on the model's scale, or
    null ("we could not judge this"), which must say why. Errors are located at ``score`` or
    ``justification``."""
    parsed = parse_score(score, model, ("score",))
    why = justification.strip()
    if parsed is None and not why:
        raise RatingError("a null consensus score needs a justification", ("justification",))
    return parsed, why
