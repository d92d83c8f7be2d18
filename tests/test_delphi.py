"""The Delphi statistics reproduce the published SCIROCCO study and scale to small panels.

Published rows: Lim & Yap, International Journal of Integrated Care, article ijic.7747
(12 raters, scale 0-5). The panels below are ours: 12 ratings chosen to give exactly each row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from assessment import (
    AgreementRule,
    DimensionStats,
    MaturityModel,
    RatingMatrix,
    Rounding,
    build_profile,
    default_model,
    parse_model,
    score_group,
)
from tests.conftest import make_model_data

# dimension, round, 12 ratings, then the published median, % at median, % in agreement,
# verdict and level.
PUBLISHED = [
    (
        "readiness_to_change",
        1,
        [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4],
        3.0,
        66.7,
        91.7,
        "agreed",
        "progressing",
    ),
    (
        "structure_governance",
        1,
        [0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4],
        2.5,
        37.5,
        75.0,
        "agreed",
        "progressing",
    ),
    (
        "digital_infrastructure",
        1,
        [0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5],
        2.5,
        20.8,
        41.7,
        "split",
        "uncertain",
    ),
    (
        "process_coordination",
        1,
        [1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4],
        2.5,
        33.3,
        66.7,
        "split",
        "uncertain",
    ),
    (
        "digital_infrastructure",
        3,
        [2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5],
        3.0,
        83.3,
        91.7,
        "agreed",
        "progressing",
    ),
]


def one_dimension(
    model: MaturityModel, key: str, scores: Sequence[float], rule: AgreementRule | None = None
) -> DimensionStats:
    """Statistics of ``key`` for a panel that rated only that dimension."""
    values = np.full((len(scores), len(model.dimensions)), np.nan)
    values[:, model.index(key)] = scores
    group = score_group(RatingMatrix.from_array(model, values), rule or AgreementRule())
    return group.by_key()[key]


@pytest.mark.parametrize(
    ("key", "round_", "scores", "median", "at_median", "in_agreement", "verdict", "level"),
    PUBLISHED,
)
@pytest.mark.parametrize(
    "rule",
    [AgreementRule(), AgreementRule(split_threshold=4)],
    ids=["share-rule", "absolute-rule"],
)
def test_published_rows_are_reproduced(
    key: str,
    round_: int,
    scores: list[float],
    median: float,
    at_median: float,
    in_agreement: float,
    verdict: str,
    level: str,
    rule: AgreementRule,
) -> None:
    """For 12 raters the share rule (a third) and the published count (4) coincide."""
    stats = one_dimension(default_model(), key, scores, rule)
    assert stats.n == 12 and stats.median == median
    assert stats.share_at_median is not None and stats.share_in_agreement is not None
    assert round(100 * stats.share_at_median, 1) == at_median
    assert round(100 * stats.share_in_agreement, 1) == in_agreement
    assert (stats.agreement, stats.level, stats.split_at) == (verdict, level, 4)


def test_half_point_median_region_is_the_two_middle_points() -> None:
    """Process coordination, round 1: 4 of 12 outside {2, 3}, so split; the old region
    |x - 2.5| <= 1.5 ({1, 2, 3, 4}) would have held all 12 and called it agreed."""
    stats = one_dimension(default_model(), "process_coordination", PUBLISHED[3][2])
    assert (stats.outside_band, stats.agreement) == (4, "split")
    assert stats.share_at_median == pytest.approx(4 / 12)  # (4 twos + 4 threes) / 2 / 12


def test_band_and_level_differ_only_where_the_study_rounds_a_half_up() -> None:
    """2.5 has not reached band 'progressing' (which starts at 3), but its level is
    progressing, as published; ``half_median_level='down'`` makes it initial."""
    model = default_model()
    governance = PUBLISHED[1][2]
    stats = one_dimension(model, "structure_governance", governance)
    assert (stats.band, stats.level) == ("initial", "progressing")
    down = AgreementRule(half_median_level=Rounding.DOWN)
    assert one_dimension(model, "structure_governance", governance, down).level == "initial"


@pytest.mark.parametrize(
    ("scores", "level"),
    [
        ([0, 0, 0], "initial"),
        ([2, 2, 2], "initial"),
        ([2, 2, 3, 3], "progressing"),
        ([3, 3, 3], "progressing"),
        ([4, 4, 4], "progressing"),
        ([4, 4, 5, 5], "optimising"),  # 4.5 takes the level of 5, as 2.5 takes that of 3
        ([5, 5, 5], "optimising"),
        ([0, 0, 5, 5], "uncertain"),
    ],
)
def test_level_table(scores: list[float], level: str) -> None:
    assert one_dimension(default_model(), "funding", scores).level == level


@pytest.mark.parametrize(
    ("scores", "outside", "split_at", "verdict"),
    [
        # 5 raters: a third is 1.67, so 2 outside split, and 2 is also the minimum.
        ([0, 0, 1, 5, 5], 2, 2, "split"),
        ([1, 1, 1, 2, 5], 1, 2, "agreed"),  # one outlier never splits a panel
        # 8 raters: split from 3 outside (a third is 2.67).
        ([2, 2, 3, 3, 3, 3, 5, 5], 2, 3, "agreed"),
        ([0, 2, 3, 3, 3, 3, 5, 5], 3, 3, "split"),
        # 12 raters: split from 4 outside, the published rule.
        ([0, 2, 2, 3, 3, 3, 3, 3, 3, 3, 5, 5], 3, 4, "agreed"),
        ([0, 0, 2, 3, 3, 3, 3, 3, 3, 3, 5, 5], 4, 4, "split"),
        # 2 raters far apart: both outside the region of a 2.5 median.
        ([0, 5], 2, 2, "split"),
        ([3], 0, 2, "agreed"),
    ],
)
def test_split_rule_scales_with_the_panel(
    scores: list[float], outside: int, split_at: int, verdict: str
) -> None:
    stats = one_dimension(default_model(), "funding", scores)
    assert (stats.outside_band, stats.split_at, stats.agreement) == (outside, split_at, verdict)


def test_absolute_rule_hides_a_split_in_a_small_panel() -> None:
    """The funding panel of the issue: 0, 0, 1, 5, 5 is split by default, agreed under the
    fixed count of 4 written for 12 raters."""
    panel = [0, 0, 1, 5, 5]
    assert one_dimension(default_model(), "funding", panel).agreement == "split"
    fixed = AgreementRule(split_threshold=4)
    assert one_dimension(default_model(), "funding", panel, fixed).agreement == "agreed"


def test_share_and_minimum_are_parameters() -> None:
    panel = [0, 0, 1, 5, 5]
    strict = AgreementRule(split_share=0.5, split_minimum=3)  # 3 of 5 outside needed
    assert one_dimension(default_model(), "funding", panel, strict).split_at == 3
    assert one_dimension(default_model(), "funding", panel, strict).agreement == "agreed"
    assert AgreementRule().split_at([0, 1, 3, 5, 6, 7, 10, 12]).tolist() == [
        2,
        2,
        2,
        2,
        2,
        3,
        4,
        4,
    ]
    assert AgreementRule(split_minimum=1).split_at([3, 6, 9]).tolist() == [1, 2, 3]


def test_dont_know_is_left_out_of_the_shares() -> None:
    model = default_model()
    values = np.full((6, len(model.dimensions)), np.nan)
    values[:4, 0] = [3, 3, 3, 0]  # two more raters said don't know
    stats = score_group(RatingMatrix.from_array(model, values)).dimensions[0]
    assert (stats.n, stats.dont_know, stats.share_at_median, stats.share_in_agreement) == (
        4,
        2,
        0.75,
        0.75,
    )
    assert (stats.split_at, stats.agreement) == (2, "agreed")  # a third of 4 given, min 2


@pytest.mark.parametrize(("width", "region_share"), [(1, 8 / 12), (3, 11 / 12), (5, 1.0)])
def test_band_width_counts_points_around_a_whole_median(width: float, region_share: float) -> None:
    """Width 1 keeps the median (for 2.5, the two middle points), 3 adds one point each side,
    5 two; the ratings at the median are always in the region."""
    model = default_model()
    whole = one_dimension(model, "funding", PUBLISHED[0][2], AgreementRule(band_width=width))
    assert whole.share_in_agreement == pytest.approx(region_share)
    half = one_dimension(model, "funding", PUBLISHED[1][2], AgreementRule(band_width=1))
    assert half.share_in_agreement == pytest.approx(9 / 12)
    assert half.share_at_median == pytest.approx(4.5 / 12)


def test_level_follows_a_models_own_bands() -> None:
    model = parse_model(
        make_model_data(
            lo=1,
            hi=4,
            bands=[
                {"key": "starting", "name": "Starting", "min": 1},
                {"key": "established", "name": "Established", "min": 2},
            ],
        )
    )
    assert one_dimension(model, "alpha", [1, 1, 2, 2]).level == "established"  # 1.5 goes up
    assert one_dimension(model, "alpha", [1, 1, 1]).level == "starting"
    assert one_dimension(model, "alpha", [1, 1, 4, 4]).level == "uncertain"


def test_profile_carries_the_groups_level_beside_its_agreement() -> None:
    model = default_model()
    values = np.full((12, len(model.dimensions)), np.nan)
    for column, (_, _, scores, *_) in enumerate(PUBLISHED[:4]):
        values[:, column] = scores
    group = score_group(RatingMatrix.from_array(model, values))
    profile = build_profile(model, group=group, workshop={"process_coordination": 3}).by_key()
    governance = profile["structure_governance"]
    assert (governance.score, governance.band, governance.level) == (2, "initial", "progressing")
    digital = profile["digital_infrastructure"]
    assert (digital.level, digital.uncertain) == (
        "uncertain",
        True,
    )
    decided = profile["process_coordination"]  # the workshop's score, the panel's level
    assert (decided.score, decided.source, decided.level) == (3, "workshop", "uncertain")
    assert profile["funding"].level is None
    assert build_profile(model, workshop={"funding": 2}).by_key()["funding"].level is None
