"""Raters keyed apart from their names, and the column-wise matrix builder the service uses.

A rater's key identifies it (the service uses stakeholder ids); its name is what people read.
Names that differ only by spaces, or are blank, must neither merge two raters nor break a
round.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import (
    RatingError,
    RatingMatrix,
    build_profile,
    parse_model,
    ratings_to_csv,
    ratings_to_json,
    render_report,
    score_group,
)
from assessment.ratings_io import parse_ratings_csv, parse_ratings_json
from tests.conftest import make_model_data

MODEL = parse_model(make_model_data(keys=("alpha", "beta", "gamma")))


def alike_names() -> RatingMatrix:
    """Four people: two named Anna apart from spaces, one blank, one Bo."""
    return RatingMatrix.from_columns(
        MODEL,
        ["11", "11", "12", "13", "14"],
        ["alpha", "beta", "alpha", "alpha", "gamma"],
        [1, None, 2, 3, 4],
        ["a1", "", "a2 ", "blank", "=bo"],
        names={"11": "Anna", "12": "Anna", "13": "#13", "14": "Bo"},
    )


def test_alike_names_stay_separate_raters() -> None:
    matrix = alike_names()
    assert matrix.raters == ("11", "12", "13", "14")
    assert matrix.display_names == ("Anna", "Anna", "#13", "Bo")
    assert matrix.name_of("12") == "Anna"
    assert matrix.justifications == {
        ("11", "alpha"): "a1",
        ("12", "alpha"): "a2",
        ("13", "alpha"): "blank",
        ("14", "gamma"): "=bo",
    }
    group = score_group(matrix)
    assert group.raters == 4 and group.by_key()["alpha"].n == 3


def test_exports_show_names_and_read_back_by_key() -> None:
    matrix = alike_names()
    text = ratings_to_csv(matrix)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["rater_id", "rater", "dimension", "score", "justification"]
    assert [r["rater"] for r in rows[:: len(MODEL.keys)]] == ["Anna", "Anna", "#13", "Bo"]
    back = parse_ratings_csv(text, MODEL)
    assert back.raters == matrix.raters and back.display_names == matrix.display_names
    assert np.array_equal(back.values, matrix.values, equal_nan=True)

    document = json.loads(ratings_to_json(matrix))
    assert document["raters"] == ["Anna", "Anna", "#13", "Bo"]
    assert document["rater_ids"] == ["11", "12", "13", "14"]
    assert document["ratings"][0] == {
        "rater_id": "11",
        "rater": "Anna",
        "dimension": "alpha",
        "score": 1,
        "justification": "a1",
    }
    again = parse_ratings_json(ratings_to_json(matrix), MODEL)
    assert again.raters == matrix.raters and again.justifications == matrix.justifications


def test_a_matrix_without_keys_exports_as_before() -> None:
    matrix = RatingMatrix.from_ratings(MODEL, [{"rater": " Ann ", "dimension": "beta", "score": 2}])
    assert matrix.raters == ("Ann",) and matrix.names == () and matrix.display_names == ("Ann",)
    assert ratings_to_csv(matrix).splitlines()[0] == "rater,dimension,score,justification"
    assert "rater_ids" not in json.loads(ratings_to_json(matrix))


def test_records_with_rater_ids_are_keyed_by_them() -> None:
    matrix = RatingMatrix.from_ratings(
        MODEL,
        [
            {"rater_id": 7, "rater": "Anna", "dimension": "alpha", "score": 1},
            {"rater_id": "8", "rater": " Anna ", "dimension": "alpha", "score": 2},
            {"rater_id": "9", "rater": "   ", "dimension": "alpha", "score": 3},
            {"rater_id": "", "rater": "Bo", "dimension": "alpha", "score": 4},
        ],
    )
    assert matrix.raters == ("7", "8", "9", "Bo")
    assert matrix.display_names == ("Anna", "Anna", "9", "Bo")


@pytest.mark.parametrize(
    ("records", "field", "message"),
    [
        ([{"rater": "   ", "dimension": "alpha", "score": 1}], "ratings.0.rater", "required"),
        (
            [{"rater_id": True, "rater": "a", "dimension": "alpha", "score": 1}],
            "ratings.0.rater_id",
            "text or a whole number",
        ),
        (
            [{"rater_id": " ", "rater": "a", "dimension": "alpha", "score": 1}],
            "ratings.0.rater_id",
            "blank",
        ),
        (
            [
                {"rater_id": "1", "rater": "a", "dimension": "alpha", "score": 1},
                {"rater_id": "1", "rater": "b", "dimension": "beta", "score": 1},
            ],
            "ratings.1.rater",
            "named both",
        ),
    ],
)
def test_bad_rater_keys_are_located(records: list[object], field: str, message: str) -> None:
    with pytest.raises(RatingError) as caught:
        RatingMatrix.from_ratings(MODEL, records)  # type: ignore[arg-type]
    assert caught.value.field == field and message in caught.value.message


def test_the_report_shows_names_not_keys() -> None:
    matrix = alike_names()
    group = score_group(matrix)
    html = render_report(MODEL, build_profile(MODEL, group=group), ratings=matrix, group=group)
    assert "<em>Anna</em>: a1" in html and "<em>Anna</em>: a2" in html
    assert "<em>#13</em>: blank" in html and "<em>11</em>" not in html


@pytest.mark.parametrize(
    ("columns", "field", "message"),
    [
        ((["1"], ["omega"], [1]), "ratings.0.dimension", "unknown dimension 'omega'"),
        ((["1", "2"], ["alpha", "alpha"], [1, 9]), "ratings.1.score", "outside the scale"),
        ((["1", "2"], ["alpha", "alpha"], [1, True]), "ratings.1.score", "whole number"),
        ((["1"], ["alpha"], ["3"]), "ratings.0.score", "whole number"),
        ((["1"], ["alpha"], [2.5]), "ratings.0.score", "whole number"),
        ((["1", "2", "1"], ["alpha", "beta", "alpha"], [1, 2, 3]), "ratings.2.dimension", "twice"),
        ((["1", " "], ["alpha", "beta"], [1, 2]), "ratings.1.rater", "required"),
        (([], [], []), "ratings", "no ratings given"),
    ],
)
def test_column_errors_name_the_first_bad_record(
    columns: tuple[list[object], list[str], list[object]], field: str, message: str
) -> None:
    raters, dimensions, scores = columns
    with pytest.raises(RatingError) as caught:
        RatingMatrix.from_columns(MODEL, raters, dimensions, scores)  # type: ignore[arg-type]
    assert caught.value.field == field and message in caught.value.message


cells = st.lists(
    st.tuples(
        st.sampled_from(["r1", "r2", "r3", "r4"]),
        st.sampled_from(MODEL.keys),
        st.one_of(st.none(), st.integers(0, 5)),
        st.sampled_from(["", "why", " padded "]),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda cell: (cell[0], cell[1]),
)


@settings(max_examples=150, deadline=None)
@given(cells)
def test_columns_build_the_same_matrix_as_records(
    given_cells: list[tuple[str, str, int | None, str]],
) -> None:
    records = [
        {"rater": r, "dimension": d, "score": s, "justification": j} for r, d, s, j in given_cells
    ]
    slow = RatingMatrix.from_ratings(MODEL, records)
    raters, dimensions, scores, notes = (list(column) for column in zip(*given_cells, strict=True))
    fast = RatingMatrix.from_columns(MODEL, raters, dimensions, scores, notes)
    assert fast.raters == slow.raters and fast.names == ()
    assert np.array_equal(fast.values, slow.values, equal_nan=True)
    assert fast.justifications == slow.justifications
    assert score_group(fast) == score_group(slow)
    assert all(math.isnan(v) or v == int(v) for v in fast.values.ravel())
