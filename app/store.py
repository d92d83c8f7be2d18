"""Between rows and the library: lookups that 404 with the field at fault, rows turned into
``RatingMatrix`` / ``GroupScores`` / ``Profile``, and race-free upserts.

Handlers stay thin: they check rights and round state, then call these.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth import Principal, ensure_can_read, require_key
from app.pagination import PageParams
from app.problems import ApiProblem
from app.tables import (
    AssessmentRound,
    ConsensusRow,
    FlagRow,
    RatingRow,
    Region,
    RoundStatus,
    Stakeholder,
)
from assessment import (
    AgreementRule,
    GroupScores,
    MaturityModel,
    ModelCatalog,
    ModelError,
    ModelRef,
    Profile,
    RatingMatrix,
    build_profile,
    score_group,
)
from assessment.lifecycle import check_status

Row = TypeVar("Row", bound=SQLModel)


def get_or_404(session: Session, table: type[Row], row_id: int, field: str) -> Row:
    row = session.get(table, row_id)
    if row is None:
        name = table.__tablename__ if isinstance(table.__tablename__, str) else "row"
        raise ApiProblem(404, f"no {name.rstrip('s')} with id {row_id}", field=field)
    return row


def raters(session: Session, round_id: int | None, page: PageParams) -> tuple[list[int], int]:
    """A page of the stakeholders who rated in the round (by id), and how many rated."""
    query = (
        select(RatingRow.stakeholder_id)
        .where(RatingRow.round_id == round_id)
        .distinct()
        .order_by(col(RatingRow.stakeholder_id))
    )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    ids = list(session.exec(query.limit(page.limit).offset(page.offset)).all())
    return ids, total


def lock_region(session: Session, region_id: int, field: str = "path.region_id") -> Region:
    """The region, locked until the transaction ends: what is counted under it (its
    stakeholders, rounds, keys) cannot grow behind a quota check on PostgreSQL (SQLite's
    writes are one at a time anyway)."""
    found = session.exec(select(Region).where(Region.id == region_id).with_for_update()).first()
    if found is None:
        raise ApiProblem(404, f"no region with id {region_id}", field=field)
    return found


def ensure_room(
    session: Session, query: SelectOfScalar[Any], limit: int, what: str, setting: str, field: str
) -> None:
    """409 naming ``field`` when ``query`` counts ``limit`` rows already (``setting``: the
    variable that raises the limit)."""
    count = session.exec(select(func.count()).select_from(query.subquery())).one()
    if count >= limit:
        raise ApiProblem(
            409,
            f"{what}: at most {limit} (TWINNING_{setting.upper()})",
            field=field,
        )


def lock_round(
    session: Session, round_id: int, field: str = "path.round_id", *, shared: bool = False
) -> AssessmentRound:
    """The round, locked against concurrent state changes for the rest of the transaction.

    On PostgreSQL a transition's ``FOR UPDATE`` waits for the rating writes holding ``FOR SHARE``
    (``shared``, which do not wait for each other), so no rating lands after the round left
    ``open``; SQLite gets the same from ``BEGIN IMMEDIATE``.
    """
    found = session.exec(
        select(AssessmentRound).where(AssessmentRound.id == round_id).with_for_update(read=shared)
    ).first()
    if found is None:
        raise ApiProblem(404, f"no round with id {round_id}", field=field)
    return found


def resolve_model(
    models: ModelCatalog, model_id: str | None, version: str | None, field: str
) -> MaturityModel:
    """A model of the deployment (its default one when no id is given), unknown ones
    reported at ``field``."""
    try:
        return models.resolve(model_id, version)
    except ModelError as exc:
        raise ModelError(exc.message, tuple(field.split("."))) from None


def round_model(models: ModelCatalog, round_: AssessmentRound) -> MaturityModel:
    return models.find(round_.model_id, round_.model_version)


def round_ref(round_: AssessmentRound) -> ModelRef:
    return ModelRef(id=round_.model_id, version=round_.model_version)


def round_stakeholder(
    session: Session, round_: AssessmentRound, stakeholder_id: int, field: str
) -> Stakeholder:
    """A stakeholder of the round's region; 404 naming ``field`` for anyone else."""
    stakeholder = session.get(Stakeholder, stakeholder_id)
    if stakeholder is None or stakeholder.region_id != round_.region_id:
        raise ApiProblem(
            404,
            f"no stakeholder {stakeholder_id} in the region of round {round_.id}",
            field=field,
        )
    return stakeholder


def ensure_status(round_: AssessmentRound, *allowed: RoundStatus) -> None:
    """409 naming the round unless it is in one of the ``allowed`` states."""
    check_status(
        RoundStatus(round_.status), allowed, f"round {round_.id}", location=("path", "round_id")
    )


def driver_rows(session: Session, statement: sa.Executable) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` as the database driver returns them (plain tuples).

    Executed through the session's connection (its transaction, its events), but fetched
    from the driver's cursor, skipping SQLAlchemy's row objects: for a round of thousands of
    raters those cost more than the query. Only for columns the driver returns as they are
    meant (integers, text), never timestamps or JSON.
    """
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def rater_name(stakeholder_id: int, name: str) -> str:
    """What people read for a stakeholder: the name without surrounding spaces, or ``#id``
    for a blank name (raters are keyed by id, so neither merges two people)."""
    return name.strip() or f"#{stakeholder_id}"


def read_ratings(
    session: Session,
    model: MaturityModel,
    round_id: int,
    region_id: int,
    *,
    justifications: bool = True,
    stakeholder_ids: Collection[int] | None = None,
) -> RatingMatrix | None:
    """A round's ratings as the library's matrix, raters keyed by stakeholder id (in id
    order) and shown by name, of the given stakeholders only when ``stakeholder_ids`` says;
    None when nobody has rated yet. Statistics need no ``justifications``, and reading them
    is most of the cost for a large round. Reads named columns only, so the publishing
    migration can use it too."""
    columns: list[Any] = [col(RatingRow.stakeholder_id), col(RatingRow.dimension)]
    columns.append(col(RatingRow.score))
    if justifications:
        columns.append(col(RatingRow.justification))
    query = sa.select(*columns).where(col(RatingRow.round_id) == round_id)
    if stakeholder_ids is not None:
        query = query.where(col(RatingRow.stakeholder_id).in_(list(stakeholder_ids)))
    order = (col(RatingRow.stakeholder_id), col(RatingRow.dimension))
    rows = driver_rows(session, query.order_by(*order))
    if not rows:
        return None
    raters, dimensions, scores, *notes = zip(*rows, strict=True)
    people = driver_rows(
        session,
        sa.select(col(Stakeholder.id), col(Stakeholder.name)).where(
            col(Stakeholder.region_id) == region_id
        ),
    )
    return RatingMatrix.from_columns(
        model,
        raters,
        dimensions,
        scores,
        notes[0] if notes else None,
        names={str(sid): rater_name(sid, name) for sid, name in people},
    )


def rating_matrix(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    stakeholder_ids: Collection[int] | None = None,
    *,
    justifications: bool = True,
) -> RatingMatrix | None:
    """The round's ratings (see ``read_ratings``)."""
    assert round_.id is not None
    return read_ratings(
        session,
        round_model(models, round_),
        round_.id,
        round_.region_id,
        justifications=justifications,
        stakeholder_ids=stakeholder_ids,
    )


def group_scores(
    session: Session,
    models: ModelCatalog,
    round_: AssessmentRound,
    rule: AgreementRule | None = None,
) -> GroupScores | None:
    matrix = rating_matrix(session, models, round_, justifications=False)
    if matrix is None:
        return None
    return score_group(matrix, rule) if rule is not None else score_group(matrix)


def consensus_rows(session: Session, round_id: int | None) -> Sequence[ConsensusRow]:
    return session.exec(
        select(ConsensusRow).where(ConsensusRow.round_id == round_id).order_by(col(ConsensusRow.id))
    ).all()


def flag_rows(session: Session, round_id: int | None) -> Sequence[FlagRow]:
    return session.exec(
        select(FlagRow).where(FlagRow.round_id == round_id).order_by(col(FlagRow.id))
    ).all()


def rebuild_results(
    session: Session,
    model: MaturityModel,
    *,
    round_id: int,
    region_id: int,
    region: str,
    label: str,
) -> tuple[Profile, GroupScores | None]:
    """A round's profile and group statistics computed from its rows: the ratings scored
    with the default rule, the workshop's scores (else medians proposed as scores) and its
    flags. What publishing stores, and what rounds that are not published show."""
    matrix = read_ratings(session, model, round_id, region_id, justifications=False)
    group = score_group(matrix) if matrix is not None else None
    decided = session.execute(
        sa.select(
            col(ConsensusRow.dimension), col(ConsensusRow.score), col(ConsensusRow.justification)
        ).where(col(ConsensusRow.round_id) == round_id)
    ).all()
    flags = session.execute(
        sa.select(
            col(FlagRow.dimension), col(FlagRow.for_improvement), col(FlagRow.for_coaching)
        ).where(col(FlagRow.round_id) == round_id)
    ).all()
    profile = build_profile(
        model,
        group=group,
        workshop={dimension: (score, why) for dimension, score, why in decided},
        improvement=[dimension for dimension, need, _ in flags if need],
        coaching=[dimension for dimension, _, offer in flags if offer],
        region=region,
        label=label,
    )
    return profile, group


def published_rounds(session: Session, region_id: int) -> Sequence[AssessmentRound]:
    """Published rounds of a region, oldest first."""
    return session.exec(
        select(AssessmentRound)
        .where(
            AssessmentRound.region_id == region_id,
            AssessmentRound.status == RoundStatus.PUBLISHED.value,
        )
        .order_by(col(AssessmentRound.published_at), col(AssessmentRound.id))
    ).all()


def current_rounds(
    rounds: Iterable[AssessmentRound], model: MaturityModel
) -> dict[int, AssessmentRound]:
    """Per region, the published round that stands for it on ``model``: its latest round of
    the model's id (``rounds`` published, oldest first), kept only when it is of ``model``'s
    version. A round on another model (procurement readiness beside SCIROCCO) never hides
    it; a re-assessment on a newer version of the model supersedes the older version."""
    latest = {round_.region_id: round_ for round_ in rounds if round_.model_id == model.id}
    return {rid: r for rid, r in latest.items() if r.model_version == model.version}


def ensure_published_readable(
    session: Session, region_id: int, principal: Principal | None, field: str
) -> Region:
    """A public region's published profiles need no key; otherwise the key must read it."""
    region = get_or_404(session, Region, region_id, field)
    check_published_readable(region, principal)
    return region


def check_published_readable(region: Region, principal: Principal | None) -> None:
    """``ensure_published_readable`` for a region read already (e.g. several at once)."""
    assert region.id is not None
    check_profile_readable(region.id, region.public_profile, principal)


def check_profile_readable(region_id: int, public: bool, principal: Principal | None) -> None:
    """The rule itself, from the region's id and its ``public_profile``."""
    if not public:
        ensure_can_read(require_key(principal), region_id)


def upsert(
    session: Session,
    table: type[SQLModel],
    keys: Mapping[str, Any],
    values: Mapping[str, Any],
) -> None:
    """Insert or update one row by its unique ``keys`` in a single statement, so two clients
    writing the same cell at once both succeed (last write wins) instead of one failing."""
    upsert_rows(session, table, list(keys), [{**keys, **values}])


def upsert_rows(
    session: Session, table: type[Row], keys: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> list[Row]:
    """Insert or update several rows by their unique ``keys`` in one statement (race-free as
    ``upsert``), and return them as stored: one round trip to the database however many
    rows, where a statement per row and a query to read them back cost a round trip each."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    statement = _upsert_statement(dialect, table, tuple(keys), tuple(rows[0]))
    # The rows as parameters, not .values(rows): a statement with values in it is compiled
    # anew each time, one with parameters once (SQLAlchemy sends them as one multi-row
    # INSERT all the same).
    found = session.execute(statement, list(rows), execution_options={"populate_existing": True})
    return list(found.scalars().all())


@cache
def _upsert_statement(
    dialect: str, table: type[SQLModel], keys: tuple[str, ...], columns: tuple[str, ...]
) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    changed = {name: statement.excluded[name] for name in columns if name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changed).returning(table)
