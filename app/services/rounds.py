"""A round's life cycle and its consensus workshop, applied to stored rows.

The rules are the library's (``assessment.lifecycle``); this module reads what they need from
the database and writes the outcome. Callers check the caller's rights and lock the round
first (``app.store.lock_round``); these functions flush but never commit, so a router (or a
test, or a command) decides the transaction. Errors name request fields (``body.status``,
``path.dimension``) because the service is what the HTTP API exposes.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.services.profiles import store_published
from app.store import consensus_rows, ensure_status, round_model, upsert
from app.tables import AssessmentRound, ConsensusRow, FlagRow, RatingRow, RoundStatus, utcnow
from assessment import AssessmentError, MaturityModel, ModelCatalog
from assessment.lifecycle import check_transition, consensus_entry


def start_round(
    session: Session, region_id: int, label: str, model: MaturityModel
) -> AssessmentRound:
    """A new round of the region in ``draft``, assessed with ``model``."""
    round_ = AssessmentRound(
        region_id=region_id, label=label, model_id=model.id, model_version=model.version
    )
    session.add(round_)
    session.flush()
    return round_


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
    upsert(
        session,
        ConsensusRow,
        {"round_id": round_.id, "dimension": dimension},
        {"score": score, "justification": justification, "updated_at": utcnow()},
    )
    # populate_existing: the upsert bypassed the session, so a row it holds may be stale.
    return session.exec(
        select(ConsensusRow)
        .where(ConsensusRow.round_id == round_.id, ConsensusRow.dimension == dimension)
        .execution_options(populate_existing=True)
    ).one()


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
    upsert(
        session,
        FlagRow,
        {"round_id": round_.id, "dimension": dimension},
        {"for_improvement": for_improvement, "for_coaching": for_coaching},
    )
    return session.exec(
        select(FlagRow)
        .where(FlagRow.round_id == round_.id, FlagRow.dimension == dimension)
        .execution_options(populate_existing=True)
    ).one()
