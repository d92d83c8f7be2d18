"""The round life cycle and the workshop's rules, without a database or HTTP."""

from __future__ import annotations

import pytest

from assessment import MaturityModel, RatingError
from assessment.lifecycle import (
    TRANSITIONS,
    LifecycleError,
    RoundStatus,
    check_status,
    check_transition,
    consensus_entry,
    missing_decisions,
)

S = RoundStatus


def test_rounds_only_move_forward_and_published_is_final(small_model: MaturityModel) -> None:
    everything = set(small_model.keys)
    for current in S:
        for target in S:
            allowed = target in TRANSITIONS[current]
            if allowed:
                check_transition(small_model, current, target, rated=True, decided=everything)
            else:
                with pytest.raises(LifecycleError, match=f"cannot move from {current.value}"):
                    check_transition(small_model, current, target, rated=True, decided=everything)
    assert TRANSITIONS[S.PUBLISHED] == frozenset()
    assert TRANSITIONS[S.CONSENSUS] == {S.PUBLISHED, S.OPEN}  # reopening rating is allowed


def test_closing_rating_needs_a_rating(small_model: MaturityModel) -> None:
    with pytest.raises(LifecycleError, match="nobody has rated") as caught:
        check_transition(small_model, S.OPEN, S.CONSENSUS, rated=False, decided=set())
    assert caught.value.field == "status"
    check_transition(small_model, S.OPEN, S.CONSENSUS, rated=True, decided=set())


def test_publishing_needs_every_dimension_decided(small_model: MaturityModel) -> None:
    assert missing_decisions(small_model, {"beta"}) == ["alpha", "gamma"]
    with pytest.raises(LifecycleError, match="missing: alpha, gamma") as caught:
        check_transition(
            small_model, S.CONSENSUS, S.PUBLISHED, rated=True, decided={"beta"},
            location=("body", "status"),
        )  # fmt: skip
    assert caught.value.field == "body.status"
    check_transition(
        small_model, S.CONSENSUS, S.PUBLISHED, rated=True, decided=set(small_model.keys)
    )


def test_a_step_needs_the_right_state() -> None:
    check_status(S.OPEN, [S.OPEN])
    with pytest.raises(LifecycleError) as caught:
        check_status(S.DRAFT, [S.OPEN, S.CONSENSUS], "round 7", ("path", "round_id"))
    assert (
        caught.value.message
        == "round 7 is draft; this is possible only when it is open or consensus"
    )
    assert caught.value.field == "path.round_id"


def test_a_workshop_entry_is_a_scale_point_or_a_justified_null(small_model: MaturityModel) -> None:
    assert consensus_entry(small_model, 3, "  agreed  ") == (3, "agreed")
    assert consensus_entry(small_model, None, "nobody could judge it") == (
        None,
        "nobody could judge it",
    )
    with pytest.raises(RatingError) as caught:
        consensus_entry(small_model, None, "  ")
    assert caught.value.field == "justification"
    with pytest.raises(RatingError) as caught:
        consensus_entry(small_model, 9, "too high")
    assert caught.value.field == "score" and "outside the scale" in caught.value.message
