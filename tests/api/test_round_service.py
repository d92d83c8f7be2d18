"""The round service (``app.services.rounds``) on a real database, without HTTP: the life
cycle's rules applied to stored rounds, and the workshop's entries stored."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.db import Database
from app.services.rounds import (
    Decision,
    Marks,
    accept_proposed,
    fresh_rows,
    move_round,
    record_consensus,
    record_workshop,
    set_all_flags,
    set_flags,
    start_round,
)
from app.tables import (
    AssessmentRound,
    ConsensusRow,
    FlagRow,
    RatingRow,
    Region,
    RoundStatus,
    Stakeholder,
)
from assessment import ModelCatalog, RatingError, UnknownDimensionError
from assessment.lifecycle import LifecycleError

S = RoundStatus


@pytest.fixture
def models() -> ModelCatalog:
    return ModelCatalog()


def _region(session: Session) -> tuple[int, int]:
    region = Region(name="Service region", country="SE", kind="region")
    session.add(region)
    session.flush()
    assert region.id is not None
    person = Stakeholder(region_id=region.id, name="Ann", role="manager")
    session.add(person)
    session.flush()
    assert person.id is not None
    return region.id, person.id


def test_a_round_goes_from_draft_to_published(database: Database, models: ModelCatalog) -> None:
    model = models.default
    with database.session(write=True) as session:
        region_id, person = _region(session)
        round_ = start_round(session, region_id, "2025", model)
        assert (round_.status, round_.model_id, round_.model_version) == (
            "draft",
            model.id,
            model.version,
        )
        with pytest.raises(LifecycleError, match="cannot move from draft to consensus") as caught:
            move_round(session, models, round_, S.CONSENSUS)
        assert caught.value.field == "body.status"
        move_round(session, models, round_, S.OPEN)
        with pytest.raises(LifecycleError, match="nobody has rated"):
            move_round(session, models, round_, S.CONSENSUS)
        assert round_.id is not None
        session.add(
            RatingRow(round_id=round_.id, stakeholder_id=person, dimension=model.keys[0], score=2)
        )
        move_round(session, models, round_, S.CONSENSUS)
        for key in model.keys[:-1]:
            record_consensus(session, models, round_, key, 2, "agreed")
        with pytest.raises(LifecycleError, match=f"missing: {model.keys[-1]}"):
            move_round(session, models, round_, S.PUBLISHED)
        row = record_consensus(session, models, round_, model.keys[-1], None, "  nobody knew ")
        assert (row.score, row.justification) == (None, "nobody knew")
        assert round_.published_at is None
        move_round(session, models, round_, S.PUBLISHED)
        assert round_.status == "published" and round_.published_at is not None
        with pytest.raises(LifecycleError, match="none \\(final\\)"):
            move_round(session, models, round_, S.OPEN)


def test_the_workshop_writes_only_in_consensus_and_only_model_dimensions(
    database: Database, models: ModelCatalog
) -> None:
    model = models.default
    with database.session(write=True) as session:
        region_id, _ = _region(session)
        round_ = start_round(session, region_id, "2025", model)
        with pytest.raises(LifecycleError, match="only when it is consensus") as state:
            set_flags(
                session, models, round_, model.keys[0], for_improvement=True, for_coaching=False
            )
        assert state.value.field == "path.round_id"
        round_.status = S.CONSENSUS.value
        with pytest.raises(UnknownDimensionError) as unknown:
            record_consensus(session, models, round_, "nonsense", 1, "x")
        assert unknown.value.field == "path.dimension"
        with pytest.raises(RatingError) as why:
            record_consensus(session, models, round_, model.keys[0], None, "")
        assert why.value.field == "body.justification"
        flags = set_flags(
            session, models, round_, model.keys[0], for_improvement=True, for_coaching=False
        )
        assert (flags.for_improvement, flags.for_coaching) == (True, False)
        again = set_flags(
            session, models, round_, model.keys[0], for_improvement=False, for_coaching=True
        )
        assert (again.id, again.for_improvement, again.for_coaching) == (flags.id, False, True)
        first = record_consensus(session, models, round_, model.keys[1], 1, "low")
        second = record_consensus(session, models, round_, model.keys[1], 3, "on reflection")
        assert first.id == second.id and (second.score, second.justification) == (
            3,
            "on reflection",
        )


PANEL = {0: (0, 0, 1, 5, 5), 1: (2, 2, 3, 3, 2), 2: (None,) * 5}
"""Ratings of five stakeholders on the first dimensions: split (the issue's 0, 0, 1, 5, 5),
agreed on 2, and nobody able to judge; every other dimension is rated 3 by all."""


def _workshop(session: Session, models: ModelCatalog) -> AssessmentRound:
    """A round in consensus rated by a panel of five as in ``PANEL``."""
    model = models.default
    region = Region(name="Workshop region", country="SE", kind="region")
    session.add(region)
    session.flush()
    assert region.id is not None
    people = [Stakeholder(region_id=region.id, name=f"P{i}", role="manager") for i in range(5)]
    session.add_all(people)
    session.flush()
    round_ = start_round(session, region.id, "2025", model)
    assert round_.id is not None
    for column, key in enumerate(model.keys):
        for index, person in enumerate(people):
            assert person.id is not None
            score = PANEL.get(column, (3,) * 5)[index]
            session.add(
                RatingRow(round_id=round_.id, stakeholder_id=person.id, dimension=key, score=score)
            )
    round_.status = S.CONSENSUS.value
    session.flush()
    return round_


def test_a_whole_workshop_is_stored_together_or_not_at_all(
    database: Database, models: ModelCatalog
) -> None:
    keys = models.default.keys
    with database.session(write=True) as session:
        round_ = _workshop(session, models)
        good = [Decision(keys[0], 2, " split, argued to 2 "), Decision(keys[1], None, "unsure")]
        for bad, field in (
            (Decision(keys[3], 9, "x"), "body.items.2.score"),
            (Decision(keys[3], None, " "), "body.items.2.justification"),
            (Decision("nonsense", 1, "x"), "body.items.2.dimension"),
            (Decision(keys[0], 1, "x"), "body.items.2.dimension"),  # listed twice
        ):
            with pytest.raises((RatingError, UnknownDimensionError)) as caught:
                record_workshop(session, models, round_, [*good, bad])
            assert caught.value.field == field
            assert fresh_rows(session, ConsensusRow, round_.id) == []
        rows = record_workshop(session, models, round_, good)
        assert [(r.dimension, r.score, r.justification) for r in rows] == [
            (keys[0], 2, "split, argued to 2"),
            (keys[1], None, "unsure"),
        ]
        again = record_workshop(session, models, round_, [Decision(keys[1], 3, "revisited")])
        assert [(r.dimension, r.score) for r in again] == [(keys[0], 2), (keys[1], 3)]
        round_.status = S.OPEN.value
        with pytest.raises(LifecycleError):
            record_workshop(session, models, round_, good)


def test_accepting_proposals_leaves_split_and_unrated_dimensions_to_the_workshop(
    database: Database, models: ModelCatalog
) -> None:
    keys = models.default.keys
    with database.session(write=True) as session:
        round_ = _workshop(session, models)
        record_consensus(session, models, round_, keys[3], 4, "argued up")
        outcome = accept_proposed(session, models, round_)
        assert outcome.split == [keys[0]] and outcome.unrated == [keys[2]]
        assert outcome.accepted == [keys[1], *keys[4:]]
        decided = {row.dimension: row for row in outcome.consensus}
        assert (decided[keys[1]].score, decided[keys[3]].score, decided[keys[4]].score) == (2, 4, 3)
        assert decided[keys[1]].justification == (
            "accepted the proposed score: median 2 of 5 ratings, agreed"
        )
        assert decided[keys[3]].justification == "argued up"  # decisions stay
        forced = accept_proposed(session, models, round_, " as discussed ", include_split=True)
        assert forced.accepted == [keys[0]] and forced.split == [] and forced.unrated == [keys[2]]
        split = next(row for row in forced.consensus if row.dimension == keys[0])
        assert (split.score, split.justification) == (1, "as discussed")  # median 1, rounded


def test_flags_of_several_dimensions_are_checked_first(
    database: Database, models: ModelCatalog
) -> None:
    keys = models.default.keys
    with database.session(write=True) as session:
        round_ = _workshop(session, models)
        with pytest.raises(UnknownDimensionError) as caught:
            set_all_flags(session, models, round_, [Marks(keys[0], True), Marks("x", True)])
        assert caught.value.field == "body.items.1.dimension"
        assert fresh_rows(session, FlagRow, round_.id) == []
        rows = set_all_flags(
            session, models, round_, [Marks(keys[0], True), Marks(keys[1], False, True)]
        )
        assert [(r.dimension, r.for_improvement, r.for_coaching) for r in rows] == [
            (keys[0], True, False),
            (keys[1], False, True),
        ]
        rows = set_all_flags(session, models, round_, [Marks(keys[0], False, True)])
        assert [(r.for_improvement, r.for_coaching) for r in rows] == [(False, True), (False, True)]
