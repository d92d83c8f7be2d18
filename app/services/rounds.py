"""A round's life cycle and its consensus workshop, applied to stored rows.

The rules are the library's (``assessment.lifecycle``); this module reads what they need from
the database and writes the outcome. Callers check the caller's rights and lock the round
first (``app.store.lock_round``); these functions flush but never commit, so a router (or a
test, or a command) decides the transaction. Errors name request fields (``body.status``,
``path.dimension``) because the service is what the HTTP API exposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from sqlmodel import Session, col, select

from app.auth import Principal
from app.problems import ApiProblem
from app.services.profiles import round_results, store_published
from app.store import consensus_rows, ensure_status, round_model, upsert
from app.tables import AssessmentRound, ConsensusRow, FlagRow, RatingRow, RoundStatus, utcnow
from assessment import AssessmentError, MaturityModel, ModelCatalog, RatingError
from assessment.lifecycle import RATINGS_HIDDEN, check_transition, consensus_entry, ratings_hidden

S = RoundStatus


def start_round(
    session: Session,
    region_id: int,
    label: str,
    model: MaturityModel,
    *,
    reveal_while_open: bool = False,
) -> AssessmentRound:
    """A new round of the region in ``draft``, assessed with ``model``."""
    round_ = AssessmentRound(
        region_id=region_id,
        label=label,
        model_id=model.id,
        model_version=model.version,
        reveal_while_open=reveal_while_open,
    )
    session.add(round_)
    session.flush()
    return round_


def change_round(
    session: Session,
    round_: AssessmentRound,
    *,
    label: str | None = None,
    reveal_while_open: bool | None = None,
) -> AssessmentRound:
    """Change what was given of a (locked) round: the label until it is published, whether
    its ratings are revealed while open only before rating closes (a workshop in
    ``consensus`` reads them anyway; afterwards the choice is history)."""
    if label is not None:
        ensure_status(round_, S.DRAFT, S.OPEN, S.CONSENSUS)
        round_.label = label
    if reveal_while_open is not None:
        ensure_status(round_, S.DRAFT, S.OPEN)
        round_.reveal_while_open = reveal_while_open
    session.add(round_)
    session.flush()
    return round_


# --- who may see the ratings ----------------------------------------------------------------


def may_see_ratings(
    principal: Principal | None, round_: AssessmentRound, stakeholder_id: int | None = None
) -> bool:
    """May this caller see the round's ratings, or anything computed from them (statistics,
    proposed scores, spread), now? With ``stakeholder_id``: that stakeholder's ratings only.

    The one rule of independent rating (``assessment.lifecycle.ratings_hidden``): while the
    round is open, nobody but each rater reads ratings (facilitators, coordinators and admins
    included; they follow the progress instead), unless the round reveals them for an open
    workshop. Whether the caller may read the round's region at all is checked before.
    """
    if not ratings_hidden(RoundStatus(round_.status), round_.reveal_while_open):
        return True
    return (
        principal is not None
        and stakeholder_id is not None
        and principal.region_id == round_.region_id
        and principal.stakeholder_id == stakeholder_id
    )


def ensure_may_see_ratings(
    principal: Principal | None,
    round_: AssessmentRound,
    stakeholder_id: int | None = None,
    field: str = "path.round_id",
) -> None:
    """403 saying why, unless ``may_see_ratings``; ``field`` names the round in the request."""
    if not may_see_ratings(principal, round_, stakeholder_id):
        raise ApiProblem(403, f"round {round_.id}: {RATINGS_HIDDEN}", field=field)


def move_round(
    session: Session, models: ModelCatalog, round_: AssessmentRound, target: RoundStatus
) -> AssessmentRound:
    """Move a (locked) round to ``target`` when the life cycle allows it now; publishing
    stamps ``published_at`` and stores the round's results, final from now on."""
    rated = session.exec(select(RatingRow.id).where(RatingRow.round_id == round_.id)).first()
    check_transition(
        round_model(models, round_),
        RoundStatus(round_.status),
        target,
        rated=rated is not None,
        decided={row.dimension for row in consensus_rows(session, round_.id)},
        location=("body", "status"),
    )
    round_.status = target.value
    if target is RoundStatus.PUBLISHED:
        round_.published_at = utcnow()
    session.add(round_)
    session.flush()
    if target is RoundStatus.PUBLISHED:
        store_published(session, round_model(models, round_), round_)
    return round_


def _workshop_model(models: ModelCatalog, round_: AssessmentRound, dimension: str) -> MaturityModel:
    """The round's model, once the round is in ``consensus`` and ``dimension`` is one of its
    dimensions: the workshop writes nothing else."""
    ensure_status(round_, RoundStatus.CONSENSUS)
    model = round_model(models, round_)
    model.index(dimension, ("path", "dimension"))
    return model


class Decision(NamedTuple):
    """The workshop's decision on one dimension: a score, or None (agreed not to score it,
    which needs a justification)."""

    dimension: str
    score: int | None
    justification: str = ""


class Marks(NamedTuple):
    """Whether the region marks a dimension as a need and/or offers it as a strength."""

    dimension: str
    for_improvement: bool = False
    for_coaching: bool = False


def _store_decision(session: Session, round_id: int | None, decision: Decision) -> None:
    upsert(
        session,
        ConsensusRow,
        {"round_id": round_id, "dimension": decision.dimension},
        {"score": decision.score, "justification": decision.justification, "updated_at": utcnow()},
    )


def _store_marks(session: Session, round_id: int | None, marks: Marks) -> None:
    upsert(
        session,
        FlagRow,
        {"round_id": round_id, "dimension": marks.dimension},
        {"for_improvement": marks.for_improvement, "for_coaching": marks.for_coaching},
    )


WorkshopRow = TypeVar("WorkshopRow", ConsensusRow, FlagRow)


def fresh_rows(
    session: Session, table: type[WorkshopRow], round_id: int | None
) -> list[WorkshopRow]:
    """The round's consensus or flag rows as stored now (upserts bypass the session's
    identity map, so rows it holds may be stale)."""
    return list(
        session.exec(
            select(table)
            .where(col(table.round_id) == round_id)
            .order_by(col(table.id))
            .execution_options(populate_existing=True)
        ).all()
    )


def record_consensus(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    dimension: str,
    score: int | None,
    justification: str,
) -> ConsensusRow:
    """The workshop's decision on one dimension (a score, or null with a justification),
    replacing an earlier one."""
    model = _workshop_model(models, round_, dimension)
    try:
        score, justification = consensus_entry(model, score, justification)
    except AssessmentError as exc:
        raise exc.within("body") from None
    _store_decision(session, round_.id, Decision(dimension, score, justification))
    return next(
        row for row in fresh_rows(session, ConsensusRow, round_.id) if row.dimension == dimension
    )


def _listed_once(
    model: MaturityModel, dimensions: Sequence[str], location: Sequence[str | int]
) -> None:
    """Every listed dimension is one of the model's, and none is listed twice; errors are
    located at ``location + (index, "dimension")``."""
    seen: set[str] = set()
    for index, dimension in enumerate(dimensions):
        here = (*location, index, "dimension")
        model.index(dimension, here)
        if dimension in seen:
            raise RatingError(f"dimension {dimension!r} is listed twice", here)
        seen.add(dimension)


def record_workshop(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    decisions: Sequence[Decision],
    location: Sequence[str | int] = ("body", "items"),
) -> list[ConsensusRow]:
    """The workshop's decisions on several dimensions at once, all checked before any is
    stored: one bad item (located at ``location + (index, field)``) stores nothing.
    Dimensions not listed keep their decisions. Returns every decision of the round."""
    ensure_status(round_, RoundStatus.CONSENSUS)
    model = round_model(models, round_)
    _listed_once(model, [d.dimension for d in decisions], location)
    checked = []
    for index, decision in enumerate(decisions):
        try:
            score, why = consensus_entry(model, decision.score, decision.justification)
        except AssessmentError as exc:
            raise exc.within(*location, index) from None
        checked.append(Decision(decision.dimension, score, why))
    for decision in checked:
        _store_decision(session, round_.id, decision)
    return fresh_rows(session, ConsensusRow, round_.id)


@dataclass(frozen=True)
class ProposalOutcome:
    """What accepting the proposed scores did: dimensions decided now, and those left for
    the workshop to discuss (split panels) or to decide without a proposal (unrated)."""

    accepted: list[str]
    split: list[str]
    unrated: list[str]
    consensus: list[ConsensusRow]


def accept_proposed(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    justification: str = "",
    *,
    include_split: bool = False,
) -> ProposalOutcome:
    """Record the proposed score (the median, rounded down) as the workshop's decision on
    every dimension it has not decided yet.

    A dimension where the panel was split is left to discuss (its median stands on a divided
    panel, which is what the workshop is for) unless ``include_split``; one nobody rated has
    no proposal and stays undecided. ``justification`` is recorded on each accepted
    dimension; without one, the decision says where the score came from.
    """
    ensure_status(round_, RoundStatus.CONSENSUS)
    results = round_results(session, models, [round_])[0]
    group, profile = results.group, results.profile
    stats = group.by_key() if group is not None else {}
    accepted, split, unrated = [], [], []
    for entry in profile.scores:
        if entry.source == "workshop":
            continue
        if entry.source == "none" or entry.score is None:
            unrated.append(entry.dimension)
            continue
        if entry.uncertain and not include_split:
            split.append(entry.dimension)
            continue
        dimension = stats[entry.dimension]
        why = justification.strip() or (
            f"accepted the proposed score: median {dimension.median:g} of {dimension.n} "
            f"ratings, {dimension.agreement}"
        )
        _store_decision(session, round_.id, Decision(entry.dimension, entry.score, why))
        accepted.append(entry.dimension)
    return ProposalOutcome(accepted, split, unrated, fresh_rows(session, ConsensusRow, round_.id))


def set_flags(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    dimension: str,
    *,
    for_improvement: bool,
    for_coaching: bool,
) -> FlagRow:
    """Mark a dimension as a need (for improvement) and/or a strength offered (for coaching)."""
    _workshop_model(models, round_, dimension)
    _store_marks(session, round_.id, Marks(dimension, for_improvement, for_coaching))
    return next(
        row for row in fresh_rows(session, FlagRow, round_.id) if row.dimension == dimension
    )


def set_all_flags(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    marks: Sequence[Marks],
    location: Sequence[str | int] = ("body", "items"),
) -> list[FlagRow]:
    """Flags of several dimensions at once, all checked first (one bad item stores nothing);
    dimensions not listed keep theirs. Returns every flag row of the round."""
    ensure_status(round_, RoundStatus.CONSENSUS)
    _listed_once(round_model(models, round_), [m.dimension for m in marks], location)
    for mark in marks:
        _store_marks(session, round_.id, mark)
    return fresh_rows(session, FlagRow, round_.id)
