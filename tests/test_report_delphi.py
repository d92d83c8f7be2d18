"""The one-page report shows each dimension's Delphi reading in the spread column."""

from __future__ import annotations

import re
from html import unescape

import numpy as np

from assessment import (
    AgreementRule,
    RatingMatrix,
    build_profile,
    default_model,
    render_report,
    score_group,
)

PANELS: dict[str, list[float | None]] = {
    "readiness_to_change": [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4],
    "structure_governance": [0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4],
    "funding": [0, 0, 1, 5, 5, None, None, None, None, None, None, None],
}


def spread_cells(html: str) -> dict[str, str]:
    """The spread column's text per dimension name, tags stripped."""
    cells = {}
    row = r"<tr><td>(.*?)</td><td class='num'>.*?</td><td class='num'>(.*?)</td>"
    for name, spread in re.findall(row, html):
        cells[unescape(name)] = unescape(
            re.sub(r"<br>", " | ", re.sub(r"<(?!br)[^>]+>", "", spread))
        )
    return cells


def report(rule: AgreementRule | None = None) -> str:
    model = default_model()
    values = np.full((12, len(model.dimensions)), np.nan)
    for key, scores in PANELS.items():
        values[:, model.index(key)] = [np.nan if s is None else s for s in scores]
    ratings = RatingMatrix.from_array(model, values)
    group = score_group(ratings, rule or AgreementRule())
    profile = build_profile(model, group=group, region="Norrbotten")
    return render_report(model, profile, ratings=ratings, group=group)


def test_spread_column_shows_shares_verdict_and_level() -> None:
    cells = spread_cells(report())
    assert cells["1. Readiness to change"] == (
        "n = 12 | median 3 | range 1-4, IQR 0 | 66.7% at median | 91.7% in agreement"
        " | agreed (1 outside, split from 4) | level Progressing"
    )
    governance = cells["2. Structure & governance"]
    assert "37.5% at median | 75.0% in agreement" in governance
    assert governance.endswith("agreed (3 outside, split from 4) | level Progressing")
    funding = cells["5. Funding"]
    assert funding.startswith("n = 5 (7 don't know)")
    assert funding.endswith("split (2 outside, split from 2) | level Uncertain")
    assert cells["6. Removal of inhibitors"] == "no scores (12 don't know)"


def test_an_uncertain_level_is_marked_and_follows_the_rule() -> None:
    html = report()
    assert "<span class='level uncertain'>Uncertain</span>" in html
    assert "<span class='level progressing'>Progressing</span>" in html
    fixed = spread_cells(report(AgreementRule(split_threshold=4)))["5. Funding"]
    assert fixed.endswith("agreed (2 outside, split from 4) | level Initial")
