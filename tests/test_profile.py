import pytest

from assessment import (
    MaturityModel,
    RatingError,
    RatingMatrix,
    Rounding,
    build_profile,
    compare_profiles,
    default_model,
    find_model,
    parse_model,
    score_group,
)
from tests.conftest import make_model_data


def group_of(model: MaturityModel, rows: list[list[float]]):  # type: ignore[no-untyped-def]
    return score_group(RatingMatrix.from_array(model, rows))


def test_consensus_is_proposed_from_the_median_with_halves_rounded_down(
    small_model: MaturityModel,
) -> None:
    group = group_of(small_model, [[2, 4, float("nan")], [3, 5, float("nan")]])
    profile = build_profile(small_model, group=group, region="Norrbotten", label="2024")
    scores = profile.by_key()
    assert (scores["alpha"].score, scores["alpha"].source) == (2, "proposed")
    assert scores["beta"].score == 4
    assert (scores["gamma"].score, scores["gamma"].source) == (None, "none")
    assert profile.overall == 3.0
    assert profile.completeness == pytest.approx(2 / 3)
    up = build_profile(small_model, group=group, rounding=Rounding.UP).by_key()
    assert (up["alpha"].score, up["beta"].score) == (3, 5)


def test_workshop_scores_override_proposals_and_carry_justification(
    small_model: MaturityModel,
) -> None:
    group = group_of(small_model, [[1, 1, 1], [1, 1, 1]])
    profile = build_profile(
        small_model,
        group=group,
        workshop={"alpha": (3, "agreed after evidence from the pilot"), "gamma": None},
        improvement=["beta"],
        coaching=["alpha"],
    )
    scores = profile.by_key()
    assert (scores["alpha"].score, scores["alpha"].source) == (3, "workshop")
    assert scores["alpha"].justification == "agreed after evidence from the pilot"
    assert scores["alpha"].band == "progressing"
    assert (scores["gamma"].score, scores["gamma"].source) == (None, "workshop")
    assert profile.improvement == {"beta"} and profile.coaching == {"alpha"}
    assert list(profile.vector()[:2]) == [3.0, 1.0]


def test_profile_rejects_unknown_dimensions_and_off_scale_workshop_scores(
    small_model: MaturityModel,
) -> None:
    with pytest.raises(RatingError) as caught:
        build_profile(small_model, workshop={"omega": 2})
    assert caught.value.field == "workshop.omega"
    with pytest.raises(RatingError, match="outside the scale"):
        build_profile(small_model, workshop={"alpha": 8})
    with pytest.raises(RatingError) as caught:
        build_profile(small_model, coaching=["zeta"])
    assert caught.value.field == "coaching.zeta"


def test_group_from_another_model_is_refused(small_model: MaturityModel) -> None:
    other = parse_model({**make_model_data(), "version": "2"})
    with pytest.raises(RatingError, match="scored with test-model 1"):
        build_profile(other, group=group_of(small_model, [[1, 1, 1]]))


def test_comparison_over_time_gives_delta_per_dimension(small_model: MaturityModel) -> None:
    before = build_profile(small_model, workshop={"alpha": 1, "beta": 3}, label="2022")
    after = build_profile(small_model, workshop={"alpha": 3, "beta": 3, "gamma": 2}, label="2024")
    diff = compare_profiles(before, after)
    deltas = {d.dimension: d.delta for d in diff.dimensions}
    assert deltas == {"alpha": 2, "beta": 0, "gamma": None}
    assert diff.improved == ("alpha",) and diff.unchanged == ("beta",) and diff.declined == ()
    assert diff.overall_delta == 1.0
    assert (diff.before_label, diff.after_label) == ("2022", "2024")


def test_comparison_across_model_versions_uses_shared_dimensions() -> None:
    old = parse_model(make_model_data(keys=("alpha", "beta", "old_only")))
    new = parse_model({**make_model_data(keys=("alpha", "beta", "new_only")), "version": "2"})
    diff = compare_profiles(
        build_profile(old, workshop={"alpha": 2, "beta": 2, "old_only": 1}),
        build_profile(new, workshop={"alpha": 1, "beta": 2, "new_only": 4}),
    )
    assert [d.dimension for d in diff.dimensions] == ["alpha", "beta"]
    assert diff.declined == ("alpha",)
    assert (diff.only_before, diff.only_after) == (("old_only",), ("new_only",))
    assert (diff.before_version, diff.after_version) == ("1", "2")
    with pytest.raises(RatingError, match="cannot compare"):
        compare_profiles(
            build_profile(old), build_profile(parse_model({**make_model_data(), "id": "x"}))
        )


def test_a_region_reassessed_on_the_exchange_model_compares_with_its_2016_profile() -> None:
    """The shipped SCIROCCO versions are one model: ten dimensions carry over."""
    old, new = find_model("scirocco", "2016-19"), default_model()
    before = build_profile(old, workshop=dict.fromkeys(old.keys, 2), label="2018")
    after = build_profile(new, workshop=dict.fromkeys(new.keys, 3), label="2021")
    diff = compare_profiles(before, after)
    assert len(diff.dimensions) == 10 and diff.overall_delta == 1.0
    assert diff.only_before == ("information_ehealth_services", "standardisation_simplification")
    assert diff.only_after == ("digital_infrastructure", "process_coordination")


def test_each_consensus_score_carries_the_groups_agreement(small_model: MaturityModel) -> None:
    # alpha: five raters in one band; beta: split 0/5; gamma: nobody scored.
    nan = float("nan")
    rows = [[2, 0, nan], [2, 0, nan], [3, 0, nan], [2, 5, nan], [3, 5, nan], [2, 5, nan]]
    rows += [[2, 5, nan], [2, 0, nan]]
    group = group_of(small_model, rows)
    scores = build_profile(small_model, group=group, workshop={"beta": (2, "compromise")}).by_key()
    assert scores["alpha"].agreement == "agreed" and not scores["alpha"].uncertain
    assert scores["beta"].agreement == "split" and scores["beta"].uncertain
    assert scores["gamma"].agreement == "no_data"
    assert build_profile(small_model, workshop={"alpha": 3}).by_key()["alpha"].agreement is None
