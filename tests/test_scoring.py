import math

import numpy as np
import pytest

from assessment import (
    AgreementRule,
    MaturityModel,
    RatingError,
    RatingMatrix,
    band_of,
    default_model,
    score_group,
)


def ratings(rows: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    return [
        {"rater": rater, "dimension": dim, "score": score}
        for rater, scores in rows.items()
        for dim, score in scores.items()
    ]


def test_statistics_per_dimension_are_hand_checked(small_model: MaturityModel) -> None:
    matrix = RatingMatrix.from_array(
        small_model,
        [[1, 0, np.nan], [2, 0, np.nan], [2, 5, np.nan], [3, 5, np.nan], [5, 5, np.nan]],
    )
    alpha, beta, gamma = score_group(matrix).dimensions
    assert (alpha.n, alpha.dont_know) == (5, 0)
    assert alpha.mean == pytest.approx(2.6)
    assert alpha.median == 2
    assert (alpha.min, alpha.max) == (1, 5)
    assert alpha.std == pytest.approx(math.sqrt(9.2 / 4))
    assert alpha.iqr == 1
    assert alpha.outside_band == 1  # only the 5 lies more than 1 from the median 2
    assert (alpha.share_at_median, alpha.share_in_agreement) == (0.4, 0.8)
    assert (alpha.split_at, alpha.agreement) == (2, "agreed")  # one outlier never splits
    assert (alpha.band, alpha.level) == ("initial", "initial")
    assert beta.median == 5 and beta.band == "optimising"
    assert (beta.outside_band, beta.agreement, beta.level) == (2, "split", "uncertain")
    assert (gamma.n, gamma.dont_know, gamma.median, gamma.agreement) == (0, 5, None, "no_data")
    assert gamma.band is None and gamma.level is None
    assert gamma.share_at_median is None and gamma.share_in_agreement is None


def test_dont_know_is_missing_not_zero(small_model: MaturityModel) -> None:
    group = score_group(
        RatingMatrix.from_ratings(
            small_model,
            ratings({"a": {"alpha": 4}, "b": {"alpha": "dk"}, "c": {"alpha": None}}),
        )
    )
    alpha = group.by_key()["alpha"]
    assert (alpha.n, alpha.dont_know, alpha.mean, alpha.median) == (1, 2, 4.0, 4.0)
    assert alpha.std is None  # one rating has no spread estimate
    assert group.completeness == pytest.approx(1 / 9)


def test_absolute_rule_fewer_than_four_outside_the_band(small_model: MaturityModel) -> None:
    """The study's rule as written (a fixed count) stays available as ``split_threshold``."""
    published = AgreementRule(split_threshold=4)
    three_out = [[3, 0, 0]] * 5 + [[0, 0, 0]] * 3
    four_out = [[3, 0, 0]] * 5 + [[0, 0, 0]] * 4
    agreed = score_group(RatingMatrix.from_array(small_model, three_out), published).dimensions[0]
    assert (agreed.outside_band, agreed.split_at, agreed.agreement) == (3, 4, "agreed")
    split = score_group(RatingMatrix.from_array(small_model, four_out), published).dimensions[0]
    assert (split.median, split.outside_band, split.agreement) == (3, 4, "split")
    lenient = AgreementRule(split_threshold=5)
    assert (
        score_group(RatingMatrix.from_array(small_model, four_out), lenient).dimensions[0].agreement
        == "agreed"
    )
    wide = AgreementRule(band_width=7, split_threshold=4)
    assert (
        score_group(RatingMatrix.from_array(small_model, four_out), wide).dimensions[0].outside_band
        == 0
    )
    # The default rule scales with the panel: 3 of 8 outside is already a third.
    assert score_group(RatingMatrix.from_array(small_model, three_out)).dimensions[0].agreement == (
        "split"
    )


def test_agreement_rule_rejects_nonsense_parameters() -> None:
    with pytest.raises(ValueError, match="band_width"):
        AgreementRule(band_width=0)
    with pytest.raises(ValueError, match="split_threshold"):
        AgreementRule(split_threshold=0)
    with pytest.raises(ValueError, match="split_share"):
        AgreementRule(split_share=0)
    with pytest.raises(ValueError, match="split_share"):
        AgreementRule(split_share=1.5)
    with pytest.raises(ValueError, match="split_minimum"):
        AgreementRule(split_minimum=0)
    with pytest.raises(ValueError, match="half_median_level"):
        AgreementRule.model_validate({"half_median_level": "sideways"})


def test_bands_follow_the_model() -> None:
    assert band_of(default_model(), [0, 2, 2.5, 3, 4.5, 5, np.nan]) == [
        "initial",
        "initial",
        "initial",
        "progressing",
        "progressing",
        "optimising",
        None,
    ]


def test_every_result_is_stamped_with_the_model(small_model: MaturityModel) -> None:
    group = score_group(RatingMatrix.from_array(small_model, [[1, 2, 3]]))
    assert (group.model.id, group.model.version) == ("test-model", "1")
    assert group.model_dump(mode="json")["model"] == {"id": "test-model", "version": "1"}


@pytest.mark.parametrize(
    ("records", "field", "message"),
    [
        (
            [{"rater": "a", "dimension": "alpha", "score": 6}],
            "ratings.0.score",
            "outside the scale 0-5",
        ),
        (
            [{"rater": "a", "dimension": "alpha", "score": -1}],
            "ratings.0.score",
            "outside the scale",
        ),
        (
            [{"rater": "a", "dimension": "alpha", "score": 2.5}],
            "ratings.0.score",
            "not a whole scale point",
        ),
        (
            [{"rater": "a", "dimension": "alpha", "score": "high"}],
            "ratings.0.score",
            "neither a number",
        ),
        (
            [{"rater": "a", "dimension": "alpha", "score": True}],
            "ratings.0.score",
            "must be a number",
        ),
        (
            [
                {"rater": "a", "dimension": "alpha", "score": 1},
                {"rater": "a", "dimension": "omega", "score": 1},
            ],
            "ratings.1.dimension",
            "unknown dimension 'omega'",
        ),
        ([{"rater": "", "dimension": "alpha", "score": 1}], "ratings.0.rater", "required"),
        ([{"rater": "a", "dimension": "alpha"}], "ratings.0.score", "required"),
        (
            [
                {"rater": "a", "dimension": "alpha", "score": 1},
                {"rater": "a", "dimension": "alpha", "score": 2},
            ],
            "ratings.1.dimension",
            "twice",
        ),
        ([], "ratings", "no ratings given"),
        (["nonsense"], "ratings.0", "must be an object"),
    ],
)
def test_bad_ratings_raise_errors_naming_the_record(
    small_model: MaturityModel, records: list[object], field: str, message: str
) -> None:
    with pytest.raises(RatingError) as caught:
        RatingMatrix.from_ratings(small_model, records)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert message in caught.value.message


def test_array_input_is_checked_against_the_scale(small_model: MaturityModel) -> None:
    with pytest.raises(RatingError, match="outside the scale"):
        RatingMatrix.from_array(small_model, [[1, 2, 9]])
    with pytest.raises(RatingError, match="3 columns"):
        RatingMatrix.from_array(small_model, [[1, 2]])
    with pytest.raises(RatingError, match="no ratings"):
        RatingMatrix.from_array(small_model, np.empty((0, 3)))


def test_long_form_round_trip_keeps_justifications(small_model: MaturityModel) -> None:
    records: list[dict[str, object]] = [
        {"rater": "ana", "dimension": "beta", "score": 3, "justification": "pilot running"},
        {"rater": "ben", "dimension": "alpha", "score": "dk"},
    ]
    matrix = RatingMatrix.from_ratings(small_model, records)
    back = {(r.rater, r.dimension): r for r in matrix.ratings()}
    assert back[("ana", "beta")].score == 3
    assert back[("ana", "beta")].justification == "pilot running"
    assert back[("ben", "alpha")].score is None
    assert len(back) == 6


def test_batch_statistics_match_single_groups() -> None:
    from assessment import column_stats

    rng = np.random.default_rng(7)
    batch = rng.integers(0, 6, size=(50, 8, 12)).astype(float)
    batch[rng.random(batch.shape) < 0.1] = np.nan
    stats = column_stats(batch)
    model = default_model()
    for g in (0, 17, 49):
        single = score_group(RatingMatrix.from_array(model, batch[g]))
        assert np.allclose(stats["median"][g], single.medians(), equal_nan=True)
