"""The round service (``app.services.rounds``) on a real database, without HTTP: the life
cycle's rules applied to stored rounds, and the workshop's entries stored."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.db import Database
from app.services.rounds import move_round, record_consensus, set_flags, start_round
from app.tables import RatingRow, Region, RoundStatus, Stakeholder
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
