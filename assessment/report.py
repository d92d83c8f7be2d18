"""A region's assessment on one self-contained HTML page: chart, scores, spread, justifications.

The page has no external resources (the radar is inline SVG, the style sheet is inline), so it
can be mailed, archived or printed to PDF from any browser. Every piece of user text (region,
labels, rater names, justifications) is HTML-escaped; the chart's SVG escapes its own text.
The template lives here rather than in a data file so that it always ships with the package.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape
from string import Template

from assessment.charts import SpreadKind, radar_spec, render_radar
from assessment.model import MaturityModel
from assessment.profile import ConsensusScore, Profile
from assessment.ratings import RatingMatrix
from assessment.scoring import UNCERTAIN, DimensionStats, GroupScores, score_group

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="twinning">
<title>$title</title>
<style>
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #222;
       max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
h1 { font-size: 16pt; margin: 0 0 .2rem; }
.meta { color: #555; margin: 0 0 .8rem; }
.summary { display: flex; flex-wrap: wrap; gap: .3rem 1.5rem; margin: 0 0 .5rem; padding: 0; }
.summary li { list-style: none; }
.chart { text-align: center; }
.chart svg { width: 100%; max-width: 30rem; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ccc; padding: .25rem .35rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; }
td.num { white-space: nowrap; }
.split, .level.uncertain { color: #a33; font-weight: bold; }
.level { font-weight: bold; }
.tag { display: inline-block; border: 1px solid #999; border-radius: 3px; padding: 0 .25rem;
       margin: .1rem .1rem 0 0; font-size: 7.5pt; }
ul.notes { margin: .2rem 0 0; padding-left: 1rem; }
.muted { color: #777; }
@media print { body { margin: 0; max-width: none; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>$title</h1>
<p class="meta">$meta</p>
<ul class="summary">$summary</ul>
<div class="chart">$chart</div>
<table>
<thead><tr><th>Dimension</th><th>Consensus</th><th>Stakeholders' spread</th>
<th>Justifications</th></tr></thead>
<tbody>
$rows
</tbody>
</table>
</body>
</html>
""")


def render_report(
    model: MaturityModel,
    profile: Profile,
    *,
    ratings: RatingMatrix | None = None,
    group: GroupScores | None = None,
    compare: Sequence[Profile] = (),
    spread_kind: SpreadKind = "minmax",
    title: str | None = None,
    generated_on: datetime.date | None = None,
) -> str:
    """One HTML page for ``profile``; ``compare`` profiles are overlaid on the chart only.

    The spread comes from ``group`` or, when only ``ratings`` are given, from scoring them with
    the default agreement rule; the stakeholders' justifications come from ``ratings``.
    """
    if group is None and ratings is not None:
        group = score_group(ratings)
    spec = radar_spec(model, [profile, *compare], spread=group, spread_kind=spread_kind)
    svg = render_radar(spec, "svg").decode("utf-8")
    chart = svg[svg.index("<svg") :]  # inline SVG takes no XML declaration or doctype
    page_title = title or f"{profile.region or 'Region'}: maturity self-assessment"
    meta = [f"{model.name}, version {model.version}"]
    if profile.label:
        meta.append(f"round {profile.label}")
    if generated_on is not None:
        meta.append(f"generated {generated_on.isoformat()}")
    return _PAGE.substitute(
        title=escape(page_title),
        meta=escape(" \u00b7 ".join(meta)),
        summary=_summary(profile, group),
        chart=chart,
        rows="\n".join(_rows(model, profile, group, ratings)),
    )


def _summary(profile: Profile, group: GroupScores | None) -> str:
    items = [
        f"Overall: {_num(profile.overall)}",
        f"Dimensions scored: {_percent(profile.completeness)}",
    ]
    if group is not None:
        split = sum(d.agreement == "split" for d in group.dimensions)
        items += [
            f"Raters: {group.raters}",
            f"Ratings given: {_percent(group.completeness)}",
            f"Split dimensions: {split}",
        ]
    return "".join(f"<li>{escape(item)}</li>" for item in items)


def _rows(
    model: MaturityModel,
    profile: Profile,
    group: GroupScores | None,
    ratings: RatingMatrix | None,
) -> list[str]:
    scores = profile.by_key()
    stats = group.by_key() if group is not None else {}
    band_names = {band.key: band.name for band in model.effective_bands}
    rows = []
    for dim in model.dimensions:
        name = f"{dim.number}. {dim.name}" if dim.number is not None else dim.name
        consensus = scores.get(dim.key)
        rows.append(
            "<tr>"
            f"<td>{escape(name)}</td>"
            f"<td class='num'>{_consensus(consensus, band_names)}</td>"
            f"<td class='num'>{_spread(stats.get(dim.key), band_names)}</td>"
            f"<td>{_justifications(dim.key, consensus, ratings)}</td>"
            "</tr>"
        )
    return rows


def _consensus(score: ConsensusScore | None, band_names: dict[str, str]) -> str:
    if score is None or score.score is None:
        return "<span class='muted'>not scored</span>"
    parts = [f"<strong>{score.score}</strong> <span class='muted'>({escape(score.source)})</span>"]
    if score.band:
        parts.append(escape(band_names.get(score.band, score.band)))
    tags = [
        label
        for flag, label in (
            (score.for_improvement, "for improvement"),
            (score.for_coaching, "for coaching"),
        )
        if flag
    ]
    parts += [f"<span class='tag'>{label}</span>" for label in tags]
    return "<br>".join(parts)


def _spread(stats: DimensionStats | None, band_names: dict[str, str]) -> str:
    """The panel's spread and its Delphi reading: shares, verdict (with the count that
    splits) and level, so a reader sees how firm the consensus beside it stands."""
    if stats is None:
        return "<span class='muted'>no ratings</span>"
    if stats.n == 0:
        return f"<span class='muted'>no scores ({stats.dont_know} don't know)</span>"
    lines = [
        f"n = {stats.n}" + (f" ({stats.dont_know} don't know)" if stats.dont_know else ""),
        f"median {_num(stats.median)}",
        f"range {_num(stats.min)}-{_num(stats.max)}, IQR {_num(stats.iqr)}",
        f"{_share(stats.share_at_median)} at median",
        f"{_share(stats.share_in_agreement)} in agreement",
    ]
    verdict = (
        f"<span class='{escape(stats.agreement)}'>{escape(stats.agreement)}</span> "
        f"<span class='muted'>({stats.outside_band} outside, split from {stats.split_at})</span>"
    )
    level = stats.level or ""
    name = "Uncertain" if level == UNCERTAIN else band_names.get(level, level)
    level_line = f"level <span class='level {escape(level)}'>{escape(name)}</span>"
    return "<br>".join([*(escape(line) for line in lines), verdict, level_line])


def _justifications(key: str, score: ConsensusScore | None, ratings: RatingMatrix | None) -> str:
    parts = []
    if score is not None and score.justification:
        parts.append(f"<strong>Consensus:</strong> {escape(score.justification)}")
    if ratings is not None:
        notes = [
            f"<li><em>{escape(rater)}</em>: {escape(ratings.justifications[(rater, key)])}</li>"
            for rater in ratings.raters
            if ratings.justifications.get((rater, key))
        ]
        if notes:
            parts.append(f"<ul class='notes'>{''.join(notes)}</ul>")
    return "".join(parts) or "<span class='muted'>none given</span>"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _share(share: float | None) -> str:
    """One decimal, as the published Delphi study reports its shares."""
    return "-" if share is None else f"{100 * share:.1f}%"
