"""Profiles as readers see them: stored once for a published round, computed for the others.

A published round is final, so publishing computes its profile and its group statistics once
(:func:`store_published`, called by the round service) and every read of published results
(a region's profile, its history, comparisons, charts, exports, the report, matching) loads
them. Reads take a whole set of rounds or regions at once and cost a constant number of
queries, however many there are. Rounds not yet published are computed from their rows on
each read, as their ratings may still change.

Stored profiles carry the region's name at publishing; readers are shown its current name
(regions may be renamed), so answers are those the rows would give today.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.auth import Principal
from app.db import Database
from app.problems import ApiProblem
from app.store import (
    check_profile_readable,
    check_published_readable,
    rebuild_results,
    round_model,
)
from app.tables import (
    AssessmentRound,
    ConsensusRow,
    FlagRow,
    PublishedProfile,
    RatingRow,
    Region,
    RoundStatus,
    Stakeholder,
)
from assessment import GroupScores, MaturityModel, ModelCatalog, Profile

PUBLISHED = RoundStatus.PUBLISHED.value


@dataclass(frozen=True)
class RoundResults:
    """A round with its profile and its ratings' statistics under the default rule (None
    before anyone rated)."""

    round: AssessmentRound
    profile: Profile
    group: GroupScores | None


def store_published(session: Session, model: MaturityModel, round_: AssessmentRound) -> None:
    """Compute a round's results from its rows (``model`` is the round's) and store them:
    called once, as it is published (its rows cannot change after)."""
    assert round_.id is not None
    region = session.get(Region, round_.region_id)
    profile, group = rebuild_results(
        session,
        model,
        round_id=round_.id,
        region_id=round_.region_id,
        region=region.name if region else "",
        label=round_.label,
    )
    session.add(stored_row(round_.id, profile, group))
    session.flush()


def stored_row(round_id: int, profile: Profile, group: GroupScores | None) -> PublishedProfile:
    return PublishedProfile(
        round_id=round_id,
        model_id=profile.model.id,
        model_version=profile.model.version,
        profile=profile.model_dump(mode="json"),
        group_scores=None if group is None else group.model_dump(mode="json"),
    )


def round_profile(session: Session, models: ModelCatalog, round_: AssessmentRound) -> Profile:
    """One round's profile (see ``round_results``)."""
    return round_results(session, models, [round_])[0].profile


def _as_text(column: Any) -> Any:
    """A JSON column read as its text: pydantic parses and validates text in one pass, about
    twice as fast as the driver's ``json.loads`` followed by validation of the objects."""
    return sa.cast(column, sa.Text)


def _loaded(profile: str, group: str | None, region: str) -> tuple[Profile, GroupScores | None]:
    stored = Profile.model_validate_json(profile)
    return (
        stored if stored.region == region else stored.model_copy(update={"region": region}),
        None if group is None else GroupScores.model_validate_json(group),
    )


def stored_group(session: Session, round_id: int) -> GroupScores | None:
    """A published round's group statistics as stored at publishing (default rule); None
    when none are stored (nobody rated, or not published)."""
    text = session.execute(
        sa.select(_as_text(col(PublishedProfile.group_scores))).where(
            col(PublishedProfile.round_id) == round_id
        )
    ).scalar_one_or_none()
    return None if text is None else GroupScores.model_validate_json(text)


def region_names(session: Session, region_ids: Collection[int]) -> dict[int, str]:
    if not region_ids:
        return {}
    rows = session.execute(
        sa.select(col(Region.id), col(Region.name)).where(col(Region.id).in_(region_ids))
    ).all()
    return {region_id: name for region_id, name in rows}


def round_results(
    session: Session,
    models: ModelCatalog,
    rounds: Sequence[AssessmentRound],
    names: Mapping[int, str] | None = None,
) -> list[RoundResults]:
    """The results of ``rounds``, in their order: stored ones for published rounds (one
    query for all), computed ones for the others. ``names`` (region id -> name) saves a
    query when the caller read the regions already."""
    if names is None or not {r.region_id for r in rounds} <= set(names):
        names = region_names(session, {r.region_id for r in rounds})
    published = [r.id for r in rounds if r.status == PUBLISHED]
    stored: dict[int, tuple[str, str | None]] = {}
    if published:
        rows = session.execute(
            sa.select(
                col(PublishedProfile.round_id),
                _as_text(col(PublishedProfile.profile)),
                _as_text(col(PublishedProfile.group_scores)),
            ).where(col(PublishedProfile.round_id).in_(published))
        ).all()
        stored = {round_id: (profile, group) for round_id, profile, group in rows}
    out = []
    for round_ in rounds:
        assert round_.id is not None
        region = names.get(round_.region_id, "")
        if round_.id in stored:
            profile, group = _loaded(*stored[round_.id], region)
        else:  # not published (or published before its results were stored)
            profile, group = rebuild_results(
                session,
                round_model(models, round_),
                round_id=round_.id,
                region_id=round_.region_id,
                region=region,
                label=round_.label,
            )
        out.append(RoundResults(round_, profile, group))
    return out


# The statements below are built once and run with bound parameters: building a statement
# with window functions and subqueries costs several times what running it costs, and they
# sit on the path of every conditional request.


def _latest_ranked(some_regions: bool, one_model: bool = False) -> Any:
    """Published rounds numbered 1, 2, ... per region from the latest (by publishing time,
    then id), as a subquery with the columns ``id``, ``region_id`` and ``rank``; with
    ``some_regions``, only those of the regions bound to ``region_ids``, with ``one_model``
    only those of the model id bound to ``model_id``."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=col(AssessmentRound.region_id),
            order_by=(col(AssessmentRound.published_at).desc(), col(AssessmentRound.id).desc()),
        )
        .label("rank")
    )
    query = sa.select(col(AssessmentRound.id), col(AssessmentRound.region_id), rank).where(
        col(AssessmentRound.status) == PUBLISHED
    )
    if some_regions:
        query = query.where(col(AssessmentRound.region_id).in_(_REGION_IDS))
    if one_model:
        query = query.where(col(AssessmentRound.model_id) == sa.bindparam("model_id"))
    return query.subquery("ranked")


_REGION_IDS: Any = sa.bindparam("region_ids", expanding=True)


@cache
def _latest_rounds_statement() -> Any:
    ranked = _latest_ranked(some_regions=True)
    return (
        select(AssessmentRound)
        .join(ranked, ranked.c.id == AssessmentRound.id)
        .where(ranked.c.rank == 1)
    )


@cache
def _regions_with_latest_statement() -> Any:
    ranked = _latest_ranked(some_regions=True)
    latest = sa.select(ranked.c.id, ranked.c.region_id).where(ranked.c.rank == 1).subquery()
    return (
        select(Region, AssessmentRound)
        .outerjoin(latest, latest.c.region_id == Region.id)
        .outerjoin(AssessmentRound, col(AssessmentRound.id) == latest.c.id)
        .where(col(Region.id).in_(_REGION_IDS))
    )


@cache
def _current_profiles_statement() -> Any:
    ranked = _latest_ranked(some_regions=False, one_model=True)
    return (
        sa.select(
            col(AssessmentRound.id),
            col(AssessmentRound.region_id),
            col(AssessmentRound.label),
            col(Region.name),
            _as_text(col(PublishedProfile.profile)),
        )
        .join(ranked, ranked.c.id == AssessmentRound.id)
        .join(Region, col(Region.id) == AssessmentRound.region_id)
        .outerjoin(PublishedProfile, col(PublishedProfile.round_id) == AssessmentRound.id)
        .where(
            ranked.c.rank == 1,
            col(AssessmentRound.model_version) == sa.bindparam("model_version"),
        )
        .order_by(col(AssessmentRound.region_id))
    )


def latest_published(session: Session, region_ids: Collection[int]) -> dict[int, AssessmentRound]:
    """Each region's latest published round (regions without one are left out), in one
    query."""
    if not region_ids:
        return {}
    rounds = session.exec(_latest_rounds_statement(), params={"region_ids": list(region_ids)}).all()
    return {round_.region_id: round_ for round_ in rounds}


def regions_with_latest(
    session: Session, region_ids: Collection[int]
) -> dict[int, tuple[Region, AssessmentRound | None]]:
    """The regions (those that exist), each with its latest published round or None, in one
    query: what a chart or a profile needs to know before its ETag."""
    if not region_ids:
        return {}
    rows = session.exec(
        _regions_with_latest_statement(), params={"region_ids": list(region_ids)}
    ).all()
    return {region.id: (region, round_) for region, round_ in rows if region.id is not None}


@dataclass(frozen=True)
class LatestHead:
    """What names a region's latest published profile, as plain values: enough to check
    access and compute the profile's ETag (``latest_head``) before anything is loaded."""

    region_id: int
    name: str
    public_profile: bool
    round_id: int | None  # None: nothing published yet
    published_at: datetime | None
    model_id: str | None  # the round's model, for what depends on it (a chart's ETag)
    model_version: str | None


@cache
def _latest_head_statement() -> Any:
    """One region (``region_id``) and its latest published round's id and publishing time:
    an index lookup, not the ranking the statements over many regions use."""
    region_id: Any = sa.bindparam("region_id")
    latest = (
        sa.select(col(AssessmentRound.id))
        .where(col(AssessmentRound.region_id) == region_id)
        .where(col(AssessmentRound.status) == PUBLISHED)
        .order_by(col(AssessmentRound.published_at).desc(), col(AssessmentRound.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(
            col(Region.id),
            col(Region.name),
            col(Region.public_profile),
            col(AssessmentRound.id),
            col(AssessmentRound.published_at),
            col(AssessmentRound.model_id),
            col(AssessmentRound.model_version),
        )
        .select_from(Region)
        .outerjoin(AssessmentRound, col(AssessmentRound.id) == latest)
        .where(col(Region.id) == region_id)
    )


def latest_head(database: Database, region_id: int) -> LatestHead | None:
    """A region (None when it does not exist) and its latest published round, in one read of
    plain rows on a connection of its own (``Database.read``), from a statement built once:
    what a conditional request needs before its ``304``."""
    return latest_heads(database, [region_id])[0]


def latest_heads(database: Database, region_ids: Sequence[int]) -> list[LatestHead | None]:
    """``latest_head`` of each region, in order, on one connection."""
    found = database.read_each(
        _latest_head_statement(), [{"region_id": region_id} for region_id in region_ids]
    )
    return [LatestHead(*rows[0]) if rows else None for rows in found]


def readable_head(
    head: LatestHead | None, region_id: int, principal: Principal | None, field: str
) -> tuple[LatestHead, int, datetime]:
    """``readable_latest`` for a ``latest_head``: the head with its round's id and publishing
    time, once the caller may read the region's published profiles (the same errors, in the
    same order)."""
    if head is None:
        raise ApiProblem(404, f"no region with id {region_id}", field=field)
    check_profile_readable(region_id, head.public_profile, principal)
    if head.round_id is None or head.published_at is None:
        raise ApiProblem(404, f"region {region_id} has no published round yet", field=field)
    return head, head.round_id, head.published_at


def readable_latest(
    found: tuple[Region, AssessmentRound | None] | None,
    region_id: int,
    principal: Principal | None,
    field: str,
) -> tuple[Region, AssessmentRound]:
    """A region and its latest published round, as ``regions_with_latest`` found them, once
    the caller may read its published profiles: 404 naming ``field`` for a region that does
    not exist or has no published round yet."""
    if found is None:
        raise ApiProblem(404, f"no region with id {region_id}", field=field)
    region, latest = found
    check_published_readable(region, principal)
    if latest is None:
        raise ApiProblem(404, f"region {region_id} has no published round yet", field=field)
    return region, latest


# A published profile is final, so matching keeps it parsed for the next read: it reads every
# region's profile on each request, and parsing them was the largest part of a 500-region
# suggestions request once results were stored. Keyed by the stored text itself and the
# region's current name, so whatever changes what a region shows (a new publication, a
# rename, results stored again) is parsed afresh. At most PARSED_PROFILES, about 15 KB each on
# the shipped 12-dimension model (30 MB a worker); a programme larger than that is parsed on
# every read as before (an LRU smaller than a programme read in order would evict each
# profile before its next use).
PARSED_PROFILES = 2048


@lru_cache(maxsize=PARSED_PROFILES)
def _parsed_profile(stored: str, region: str) -> Profile:
    """A stored profile (JSON text) as its region is named now."""
    return _loaded(stored, None, region)[0]


def forget_parsed_profiles() -> None:
    """Drop the stored profiles kept parsed (the benchmark times a first read with it)."""
    _parsed_profile.cache_clear()


def current_profiles(
    session: Session, models: ModelCatalog, model: MaturityModel
) -> list[tuple[int, Profile]]:
    """Every region's profile on ``model`` as matching reads it (``app.store.current_rounds``:
    its latest published round of the model's id, kept when it is of the model's version),
    stored at publishing, by region id: one query, whatever the number of regions, and
    each stored profile parsed once (``PARSED_PROFILES``)."""
    rows = session.execute(
        _current_profiles_statement(),
        {"model_id": model.id, "model_version": model.version},
    ).all()
    parsed = _parsed_profile if len(rows) <= PARSED_PROFILES else _parsed_profile.__wrapped__
    out = []
    for round_id, region_id, label, name, stored in rows:
        if stored is not None:
            profile = parsed(stored, name)
        else:  # published before results were stored: computed as the rows say
            profile, _ = rebuild_results(
                session, model, round_id=round_id, region_id=region_id, region=name, label=label
            )
        out.append((region_id, profile))
    return out


# --- what identifies a round's results, for ETags ---------------------------------------------


def round_stamps(session: Session, rounds: Iterable[AssessmentRound]) -> dict[int, str]:
    """A text per round that changes whenever its results can: a published round's
    publishing time (it never changes after), otherwise a digest of its state, label and
    rows (ids and change times of ratings and workshop scores, flags as they are)."""
    stamps: dict[int, str] = {}
    for round_ in rounds:
        assert round_.id is not None
        if round_.status == PUBLISHED and round_.published_at is not None:
            stamps[round_.id] = published_stamp(round_.published_at)
        else:
            stamps[round_.id] = _rows_digest(session, round_)
    return stamps


def published_stamp(published_at: datetime) -> str:
    """A published round's stamp: its publishing time, as it never changes after."""
    return f"published {published_at.isoformat()}"


def _rows_digest(session: Session, round_: AssessmentRound) -> str:
    digest = hashlib.sha256(f"{round_.status}\0{round_.label}".encode())
    queries = (
        sa.select(col(RatingRow.id), col(RatingRow.score), col(RatingRow.updated_at))
        .where(col(RatingRow.round_id) == round_.id)
        .order_by(col(RatingRow.id)),
        sa.select(col(ConsensusRow.id), col(ConsensusRow.score), col(ConsensusRow.updated_at))
        .where(col(ConsensusRow.round_id) == round_.id)
        .order_by(col(ConsensusRow.id)),
        sa.select(
            col(FlagRow.id),
            col(FlagRow.dimension),
            col(FlagRow.for_improvement),
            col(FlagRow.for_coaching),
        )
        .where(col(FlagRow.round_id) == round_.id)
        .order_by(col(FlagRow.id)),
    )
    for query in queries:
        for row in session.execute(query):
            digest.update(repr(tuple(row)).encode())
        digest.update(b"\1")
    return digest.hexdigest()[:32]


_PEOPLE = (
    sa.select(col(Stakeholder.id), col(Stakeholder.name))
    .where(col(Stakeholder.region_id) == sa.bindparam("region_id"))
    .order_by(col(Stakeholder.id))
)


def people_digest(database: Database, region_id: int) -> str:
    """A digest of a region's stakeholders' names: what the report shows beside their
    justifications, and what a rename changes (one plain read: it names the report before
    anything is loaded)."""
    rows = database.read(_PEOPLE, {"region_id": region_id})
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]
