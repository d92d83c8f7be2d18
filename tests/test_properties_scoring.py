"""Property-based checks of the scoring invariants over random groups and models."""

from __future__ import annotations

import math
import statistics

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assessment import (
    AgreementRule,
    MaturityModel,
    RatingMatrix,
    Rounding,
    build_profile,
    column_stats,
    compare_profiles,
    parse_model,
    score_group,
)
from tests.conftest import make_model_data


@st.composite
def models(draw: st.DrawFn) -> MaturityModel:
    n_dims = draw(st.integers(1, 15))
    lo = draw(st.integers(-2, 3))
    hi = lo + draw(st.integers(1, 9))
    return parse_model(make_model_data(keys=tuple(f"d{i}" for i in range(n_dims)), lo=lo, hi=hi))


@st.composite
def groups(draw: st.DrawFn) -> RatingMatrix:
    model = draw(models())
    raters = draw(st.integers(1, 12))
    cells = st.one_of(st.none(), st.integers(model.scale.min, model.scale.max).map(float))
    values = draw(
        arrays(
            np.float64,
            (raters, len(model.dimensions)),
            elements=cells.map(lambda v: np.nan if v is None else v),
        )
    )
    return RatingMatrix.from_array(model, values)


@settings(max_examples=80, deadline=None)
@given(groups())
def test_median_and_iqr_equal_the_textbook_definitions(matrix: RatingMatrix) -> None:
    """Median and IQR (linear interpolation) as Python's statistics module computes them."""
    group = score_group(matrix)
    for column, stats in enumerate(group.dimensions):
        given_scores = [v for v in matrix.values[:, column] if not np.isnan(v)]
        if not given_scores:
            assert stats.median is None and stats.iqr is None
            continue
        assert stats.median == pytest.approx(statistics.median(given_scores))
        q1, _, q3 = (
            statistics.quantiles(given_scores, n=4, method="inclusive")
            if len(given_scores) > 1
            else (given_scores[0],) * 3
        )
        assert stats.iqr == pytest.approx(q3 - q1)


rules = st.builds(
    AgreementRule,
    band_width=st.floats(0.5, 10, allow_nan=False),
    split_share=st.floats(0.05, 1, allow_nan=False),
    split_minimum=st.integers(1, 6),
    split_threshold=st.one_of(st.none(), st.integers(1, 10)),
    half_median_level=st.sampled_from(Rounding),
)


@settings(max_examples=80, deadline=None)
@given(groups(), rules)
def test_statistics_are_ordered_and_counted(matrix: RatingMatrix, rule: AgreementRule) -> None:
    group = score_group(matrix, rule)
    lo, hi = matrix.model.scale.min, matrix.model.scale.max
    band_keys = {band.key for band in matrix.model.effective_bands}
    for stats in group.dimensions:
        assert stats.n + stats.dont_know == len(matrix.raters)
        if stats.n == 0:
            assert stats.agreement == "no_data" and stats.median is None
            assert stats.level is None and stats.share_at_median is None
            assert stats.share_in_agreement is None
            continue
        assert stats.min is not None and stats.max is not None
        assert stats.median is not None and stats.mean is not None
        assert lo <= stats.min <= stats.median <= stats.max <= hi
        assert stats.min - 1e-9 <= stats.mean <= stats.max + 1e-9
        assert stats.iqr is not None and 0 <= stats.iqr <= stats.max - stats.min
        assert (stats.std is None) == (stats.n < 2)
        assert 0 <= stats.outside_band <= stats.n
        assert stats.share_at_median is not None and stats.share_in_agreement is not None
        assert 0 <= stats.share_at_median <= stats.share_in_agreement <= 1
        assert stats.share_in_agreement * stats.n == pytest.approx(stats.n - stats.outside_band)
        assert stats.agreement == ("split" if stats.outside_band >= stats.split_at else "agreed")
        assert (stats.level == "uncertain") == (stats.agreement == "split")
        assert stats.level == "uncertain" or stats.level in band_keys
        assert stats.band is not None
    assert 0 <= group.completeness <= 1


@settings(max_examples=80, deadline=None)
@given(groups())
def test_default_shares_and_region_follow_their_definitions(matrix: RatingMatrix) -> None:
    """Counted by hand: the region is the points within 1 of the median; at a half-point
    median the two middle points count by half toward the share at the median."""
    group = score_group(matrix)
    for column, stats in enumerate(group.dimensions):
        scores = [v for v in matrix.values[:, column] if not np.isnan(v)]
        if not scores:
            continue
        median = statistics.median(scores)
        if median % 1 == 0.5:
            at = (scores.count(median - 0.5) + scores.count(median + 0.5)) / 2
        else:
            at = scores.count(median)
        inside = sum(abs(v - median) <= 1 for v in scores)
        assert stats.share_at_median == pytest.approx(at / len(scores))
        assert stats.share_in_agreement == pytest.approx(inside / len(scores))
        threshold = max(2, math.ceil(len(scores) / 3 - 1e-9))
        assert stats.split_at == threshold
        if len(scores) - inside <= 1:
            assert stats.agreement == "agreed"  # one outlier never splits a panel


@settings(max_examples=60, deadline=None)
@given(groups(), rules, st.floats(0, 4, allow_nan=False), st.floats(0, 0.5, allow_nan=False))
def test_looser_rules_never_split_more(
    matrix: RatingMatrix, rule: AgreementRule, wider: float, larger: float
) -> None:
    """A wider region or a larger share (or count) needed to split never turns an agreed
    dimension into a split one."""
    loose = rule.model_copy(
        update={
            "band_width": rule.band_width + wider,
            "split_share": min(1.0, rule.split_share + larger),
            "split_threshold": None if rule.split_threshold is None else rule.split_threshold + 1,
        }
    )
    for strict, lenient in zip(
        score_group(matrix, rule).dimensions, score_group(matrix, loose).dimensions, strict=True
    ):
        assert (lenient.share_in_agreement or 0) >= (strict.share_in_agreement or 0)
        assert lenient.share_at_median == strict.share_at_median
        if strict.agreement == "agreed":
            assert lenient.agreement == "agreed"


@settings(max_examples=60, deadline=None)
@given(groups(), st.randoms(use_true_random=False))
def test_rater_order_does_not_matter(matrix: RatingMatrix, rnd) -> None:  # type: ignore[no-untyped-def]
    order = list(range(len(matrix.raters)))
    rnd.shuffle(order)
    shuffled = RatingMatrix.from_array(matrix.model, matrix.values[order])
    for a, b in zip(score_group(matrix).dimensions, score_group(shuffled).dimensions, strict=True):
        for name, value in a.model_dump().items():
            other = getattr(b, name)
            if isinstance(value, float):
                assert other == pytest.approx(value, abs=1e-9)
            else:
                assert other == value


@settings(max_examples=60, deadline=None)
@given(groups())
def test_proposed_consensus_stays_within_half_a_point_of_the_median(
    matrix: RatingMatrix,
) -> None:
    group = score_group(matrix)
    profile = build_profile(matrix.model, group=group)
    for stats, consensus in zip(group.dimensions, profile.scores, strict=True):
        if stats.median is None:
            assert consensus.score is None
            continue
        assert consensus.score is not None
        assert abs(consensus.score - stats.median) <= 0.5
        assert consensus.score <= stats.median  # halves go down by default
        assert stats.min is not None and stats.max is not None
        assert stats.min <= consensus.score <= stats.max


@settings(max_examples=60, deadline=None)
@given(groups(), groups())
def test_comparison_is_antisymmetric(a: RatingMatrix, b: RatingMatrix) -> None:
    model = a.model
    values = b.values[:, : len(model.dimensions)]
    values = np.clip(values, model.scale.min, model.scale.max)
    if values.shape[1] < len(model.dimensions):
        return
    first = build_profile(model, group=score_group(a))
    second = build_profile(model, group=score_group(RatingMatrix.from_array(model, values)))
    forward, backward = compare_profiles(first, second), compare_profiles(second, first)
    for f, r in zip(forward.dimensions, backward.dimensions, strict=True):
        assert (f.delta is None and r.delta is None) or f.delta == -(r.delta or 0)
    assert set(forward.improved) == set(backward.declined)
    same = compare_profiles(first, first)
    assert not same.improved and not same.declined
    assert same.overall_delta in (None, 0.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(groups(), min_size=1, max_size=1), st.integers(1, 6), rules)
def test_batch_statistics_equal_one_group_at_a_time(
    single: list[RatingMatrix], copies: int, rule: AgreementRule
) -> None:
    matrix = single[0]
    batch = np.stack([matrix.values] * copies)
    stats = column_stats(batch, rule)
    group = score_group(matrix, rule)

    def column(name: str) -> npt.NDArray[np.float64]:
        values = (getattr(stats, name) for stats in group.dimensions)
        return np.array([np.nan if v is None else float(v) for v in values])

    single_values = {
        "n": column("n"),
        "median": column("median"),
        "mean": column("mean"),
        "iqr": column("iqr"),
        "share_at_median": column("share_at_median"),
        "share_in_agreement": column("share_in_agreement"),
        "outside": column("outside_band"),
        "split_at": column("split_at"),
        "split": np.array([d.agreement == "split" for d in group.dimensions], dtype=float),
    }
    for g in range(copies):
        for name, expected in single_values.items():
            assert np.allclose(stats[name][g], expected, equal_nan=True), name
