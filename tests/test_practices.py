from typing import Any

import pytest

from assessment import (
    GoodPractice,
    MaturityModel,
    RatingError,
    build_profile,
    parse_model,
    parse_practice,
    practice_gaps,
)
from tests.conftest import make_model_data


def test_gaps_feasibility_and_ranking_are_hand_checked(small_model: MaturityModel) -> None:
    profile = build_profile(
        small_model, workshop={"alpha": 3, "beta": 1, "gamma": None}, region="Lund"
    )
    practices: list[GoodPractice | dict[str, Any]] = [
        {"id": "far", "name": "Far", "requirements": {"alpha": 5, "beta": 4}},
        {"id": "easy", "name": "Easy", "requirements": {"alpha": 2, "beta": 1}},
        {"id": "near", "name": "Near", "requirements": {"beta": 3}},
        {"id": "spread", "name": "Spread", "requirements": {"alpha": 4, "beta": 2}},
        GoodPractice(
            id="blind",
            name="Blind",
            transferring_region="Helsingborg",
            requirements={"gamma": 2, "alpha": 0},
        ),
        {"id": "floor", "name": "Floor", "requirements": {"gamma": 0}},
    ]
    report = practice_gaps(small_model, profile, practices)
    assert report.region == "Lund" and report.model == small_model.ref
    summary = [
        (p.practice_id, p.feasible, p.total_gap, p.dimensions_with_gap, p.rank)
        for p in report.practices
    ]
    # Feasible first (by id among equals), then total gap, then dimensions with a gap, then
    # unknown dimensions: near, blind and spread all miss 2 points, spread on two dimensions,
    # blind on one it has not scored.
    assert summary == [
        ("easy", True, 0, 0, 1),
        ("floor", True, 0, 0, 2),
        ("near", False, 2, 1, 3),
        ("blind", False, 2, 1, 4),
        ("spread", False, 2, 2, 5),
        ("far", False, 5, 2, 6),
    ]
    blind = report.practices[3]
    assert blind.transferring_region == "Helsingborg"
    assert blind.unknown == ("gamma",)
    assert [(g.dimension, g.required, g.score, g.gap, g.unknown) for g in blind.gaps] == [
        ("alpha", 0, 3, 0, False),
        ("gamma", 2, None, 2, True),
    ]
    # A requirement at the scale minimum is met even by an unscored dimension.
    assert report.practices[1].unknown == ("gamma",)
    assert [p.practice_id for p in report.feasible] == ["easy", "floor"]


def test_unknown_scores_are_counted_from_the_scale_minimum() -> None:
    model = parse_model(make_model_data(lo=1, hi=4))
    profile = build_profile(model, workshop={"alpha": None, "beta": 4, "gamma": 4})
    report = practice_gaps(model, profile, [{"id": "p", "name": "P", "requirements": {"alpha": 3}}])
    (result,) = report.practices
    assert (result.feasible, result.total_gap, result.unknown) == (False, 2, ("alpha",))


@pytest.mark.parametrize(
    ("practice", "location"),
    [
        ({"id": "p", "name": "P", "requirements": {"zeta": 2}}, ("requirements", "zeta")),
        ({"id": "p", "name": "P", "requirements": {"alpha": 6}}, ("requirements", "alpha")),
        ({"id": "p", "name": "P", "requirements": {}}, ("requirements",)),
        ({"id": "", "name": "P", "requirements": {"alpha": 1}}, ("id",)),
        ({"id": "p", "name": "P", "requirements": {"alpha": "x"}}, ("requirements", "alpha")),
        ({"name": "P", "requirements": {"alpha": 1}}, ("id",)),
    ],
)
def test_bad_practices_name_the_field(
    small_model: MaturityModel, practice: dict[str, object], location: tuple[str, ...]
) -> None:
    with pytest.raises(RatingError) as caught:
        parse_practice(small_model, practice)
    assert caught.value.location == location
    profile = build_profile(small_model, workshop={"alpha": 1})
    with pytest.raises(RatingError) as caught:
        practice_gaps(small_model, profile, [{"id": "ok", "name": "OK", "requirements": {}}])
    assert caught.value.location == ("practices", 0, "requirements")


def test_duplicate_ids_and_foreign_profiles_are_refused(small_model: MaturityModel) -> None:
    profile = build_profile(small_model, workshop={"alpha": 1})
    same = {"id": "p", "name": "P", "requirements": {"alpha": 1}}
    with pytest.raises(RatingError) as caught:
        practice_gaps(small_model, profile, [same, same])
    assert caught.value.location == ("practices", 1, "id")
    other = parse_model(make_model_data(version="2"))
    with pytest.raises(RatingError):
        practice_gaps(other, profile, [same])


def test_no_practices_gives_an_empty_report(small_model: MaturityModel) -> None:
    profile = build_profile(small_model, workshop={"alpha": 1})
    assert practice_gaps(small_model, profile, []).practices == ()
