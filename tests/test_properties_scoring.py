"""Property-based checks of the scoring invariants over random groups and models."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assessment import (
    AgreementRule,
    MaturityModel,
    RatingMatrix,
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
    split_threshold=st.integers(1, 10),
)


@settings(max_examples=80, deadline=None)
@given(groups(), rules)
def test_statistics_are_ordered_and_counted(matrix: RatingMatrix, rule: AgreementRule) -> None:
    group = score_group(matrix, rule)
    lo, hi = matrix.model.scale.min, matrix.model.scale.max
    for stats in group.dimensions:
        assert stats.n + stats.dont_know == len(matrix.raters)
        if stats.n == 0:
            assert stats.agreement == "no_data" and stats.median is None
            continue
        assert stats.min is not None and stats.max is not None
        assert stats.median is not None and stats.mean is not None
        assert lo <= stats.min <= stats.median <= stats.max <= hi
        assert stats.min - 1e-9 <= stats.mean <= stats.max + 1e-9
        assert stats.iqr is not None and 0 <= stats.iqr <= stats.max - stats.min
        assert (stats.std is None) == (stats.n < 2)
        assert 0 <= stats.outside_band <= stats.n
        if stats.n < rule.split_threshold:
            assert stats.agreement == "agreed"
        assert stats.band is not None
    assert 0 <= group.completeness <= 1


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
@given(st.lists(groups(), min_size=1, max_size=1), st.integers(1, 6))
def test_batch_statistics_equal_one_group_at_a_time(
    single: list[RatingMatrix], copies: int
) -> None:
    matrix = single[0]
    batch = np.stack([matrix.values] * copies)
    stats = column_stats(batch)
    medians = score_group(matrix).medians()
    for g in range(copies):
        assert np.allclose(stats["median"][g], medians, equal_nan=True)
