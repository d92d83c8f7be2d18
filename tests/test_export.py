"""CSV and JSON exports and the one-page HTML report, through the public API."""

from __future__ import annotations

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from assessment import (
    MaturityModel,
    Profile,
    RatingMatrix,
    build_profile,
    parse_model,
    profile_document,
    profile_to_csv,
    profile_to_json,
    ratings_document,
    ratings_to_csv,
    ratings_to_json,
    render_report,
    score_group,
)
from assessment.ratings_io import parse_ratings_csv, parse_ratings_json
from tests.conftest import make_model_data


@pytest.fixture
def model() -> MaturityModel:
    return parse_model(make_model_data(keys=("alpha", "beta", "gamma", "delta")))


@pytest.fixture
def ratings(model: MaturityModel) -> RatingMatrix:
    return RatingMatrix.from_ratings(
        model,
        [
            {
                "rater": "Ann (IT)",
                "dimension": "alpha",
                "score": 2,
                "justification": 'pilot only, "no budget", see p. 3',
            },
            {
                "rater": "Ann (IT)",
                "dimension": "beta",
                "score": "dk",
                "justification": "not my field,\nask governance",
            },
            {"rater": "Ann (IT)", "dimension": "gamma", "score": 5},
            {"rater": "Ann (IT)", "dimension": "delta", "score": 0},
            {"rater": "Bo, clinician", "dimension": "alpha", "score": 3},
            {
                "rater": "Bo, clinician",
                "dimension": "beta",
                "score": 1,
                "justification": "Måns said: ok",
            },
            {"rater": "Bo, clinician", "dimension": "gamma", "score": None},
            {"rater": "Bo, clinician", "dimension": "delta", "score": 4},
        ],
    )


@pytest.fixture
def profile(model: MaturityModel, ratings: RatingMatrix) -> Profile:
    return build_profile(
        model,
        group=score_group(ratings),
        workshop={"alpha": (3, "agreed: the pilot runs in two hospitals")},
        improvement=["beta"],
        coaching=["gamma"],
        region="Norrbotten",
        label="2024",
    )


def assert_same_matrix(a: RatingMatrix, b: RatingMatrix) -> None:
    assert a.model == b.model
    assert a.raters == b.raters
    np.testing.assert_array_equal(a.values, b.values)  # NaN counts as equal here
    assert dict(a.justifications) == dict(b.justifications)


def test_ratings_csv_is_long_form_and_reads_back_to_the_same_matrix(
    model: MaturityModel, ratings: RatingMatrix
) -> None:
    text = ratings_to_csv(ratings)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["rater", "dimension", "score", "justification"]
    assert len(rows) == len(ratings.raters) * len(model.keys)
    beta = next(r for r in rows if r["rater"] == "Ann (IT)" and r["dimension"] == "beta")
    assert beta["score"] == ""  # don't know is an empty cell, never a zero
    assert beta["justification"] == "not my field,\nask governance"
    assert_same_matrix(parse_ratings_csv(text, model), ratings)


def test_ratings_json_is_stamped_and_reads_back(
    model: MaturityModel, ratings: RatingMatrix
) -> None:
    text = ratings_to_json(ratings)
    document = json.loads(text)
    assert document == ratings_document(ratings)
    assert document["model"] == {"id": "test-model", "version": "1"}
    assert document["raters"] == ["Ann (IT)", "Bo, clinician"]
    gamma = [r for r in document["ratings"] if r["dimension"] == "gamma"]
    assert [r["score"] for r in gamma] == [5, None]
    assert_same_matrix(parse_ratings_json(text, model), ratings)


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_as_text(
    model: MaturityModel,
) -> None:
    hostile = RatingMatrix.from_ratings(
        model,
        [
            {
                "rater": '=HYPERLINK("http://x")',
                "dimension": "alpha",
                "score": 1,
                "justification": "+1 from me",
            },
            {"rater": "@eve", "dimension": "beta", "score": 2, "justification": "-2 is wrong"},
            {"rater": "ok", "dimension": "gamma", "score": 3, "justification": "a = b"},
        ],
    )
    rows = list(csv.DictReader(io.StringIO(ratings_to_csv(hostile))))
    cells = {(r["rater"], r["dimension"]): r for r in rows}
    assert cells[('\'=HYPERLINK("http://x")', "alpha")]["justification"] == "'+1 from me"
    assert cells[("'@eve", "beta")]["justification"] == "'-2 is wrong"
    assert cells[("ok", "gamma")]["justification"] == "a = b"
    assert all(not value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())
    negative = parse_model(make_model_data(keys=("alpha",), lo=-2, hi=2))
    scores = RatingMatrix.from_array(negative, [[-2]], raters=["x"])
    assert next(csv.DictReader(io.StringIO(ratings_to_csv(scores))))["score"] == "-2"
    assert json.loads(ratings_to_json(hostile))["raters"][0] == '=HYPERLINK("http://x")'


def test_profile_csv_leads_with_the_model_and_has_one_row_per_dimension(
    model: MaturityModel, profile: Profile
) -> None:
    rows = list(csv.DictReader(io.StringIO(profile_to_csv(profile, model))))
    assert list(rows[0])[:2] == ["model_id", "model_version"]
    assert [r["dimension"] for r in rows] == list(model.keys)
    assert {(r["model_id"], r["model_version"]) for r in rows} == {("test-model", "1")}
    alpha, beta, gamma, _ = rows
    assert (alpha["score"], alpha["source"], alpha["dimension_name"]) == ("3", "workshop", "Alpha")
    assert alpha["justification"] == "agreed: the pilot runs in two hospitals"
    assert (beta["for_improvement"], gamma["for_coaching"]) == ("true", "true")
    assert rows[0]["region"] == "Norrbotten" and rows[0]["label"] == "2024"
    unnamed = next(csv.DictReader(io.StringIO(profile_to_csv(profile))))
    assert unnamed["dimension_name"] == ""


def test_profile_json_is_stamped_and_validates_back(profile: Profile) -> None:
    document = json.loads(profile_to_json(profile))
    assert document == profile_document(profile)
    assert document["model"] == {"id": "test-model", "version": "1"}
    assert Profile.model_validate(document) == profile


def test_report_is_one_page_with_chart_scores_spread_and_justifications(
    model: MaturityModel, ratings: RatingMatrix, profile: Profile
) -> None:
    html = render_report(model, profile, ratings=ratings, generated_on=datetime.date(2024, 5, 2))
    assert html.startswith("<!DOCTYPE html>")
    assert "Norrbotten: maturity self-assessment" in html
    assert (
        "Test model, version 1" in html and "round 2024" in html and "generated May 2, 2024" in html
    )
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    ET.fromstring(svg)  # the inline chart is well-formed
    assert "<?xml" not in html and "<link" not in html  # self-contained: nothing to fetch
    assert 'href="http' not in html and " src=" not in html
    assert "agreed: the pilot runs in two hospitals" in html
    assert "Måns said: ok" in html and "Bo, clinician" in html
    assert "pilot only, &quot;no budget&quot;, see p. 3" in html
    assert "for improvement" in html and "for coaching" in html
    assert "range 2-3" in html and "median 2.5" in html and "IQR 0.5" in html


def test_report_escapes_user_text(model: MaturityModel) -> None:
    attack = "<script>alert('x')</script>"
    ratings = RatingMatrix.from_ratings(
        model,
        [{"rater": f"{attack}rater", "dimension": "alpha", "score": 1, "justification": attack}],
    )
    profile = build_profile(
        model,
        group=score_group(ratings),
        workshop={"beta": (2, attack)},
        region=f"{attack}Region",
        label=attack,
    )
    html = render_report(model, profile, ratings=ratings, title=f"{attack} report")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_report_without_ratings_shows_profile_only(model: MaturityModel) -> None:
    profile = build_profile(model, workshop={"alpha": 4}, region="Lund")
    other = build_profile(model, workshop={"alpha": 2, "beta": 3}, region="Helsingborg")
    html = render_report(model, profile, compare=[other])
    assert "no ratings" in html and "not scored" in html
    assert "Lund vs Helsingborg" in html  # the chart overlays the compared profile
