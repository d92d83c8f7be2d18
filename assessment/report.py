"""A region's assessment on one self-contained HTML page: chart, scores, spread, justifications.

The page has no external resources (the radar is inline SVG, the style sheet is inline), so it
can be mailed, archived or printed to PDF from any browser. Every piece of user text (region,
labels, rater names, justifications) is HTML-escaped; the chart's SVG escapes its own text.
The template lives here rather than in a data file so that it always ships with the package.

The page is written in one language (``language``: headings, labels, numbers and dates the
reader's way, the model's texts from its translation), English by default.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape
from string import Template

from assessment.chart_render import render_radar
from assessment.charts import SpreadKind, radar_spec
from assessment.i18n import Localizer, localizer
from assessment.model import MaturityModel
from assessment.profile import ConsensusScore, Profile
from assessment.ratings import RatingMatrix
from assessment.scoring import DimensionStats, GroupScores, score_group
from assessment.words import agreement_word, level_name, source_word

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
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
.muted { color: #595959; }  /* 7:1 on white, 6.4:1 on the header grey (WCAG AA) */
@media print { body { margin: 0; max-width: none; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>$title</h1>
<p class="meta">$meta</p>
<ul class="summary">$summary</ul>
<div class="chart">$chart</div>
<table>
<thead><tr>$headings</tr></thead>
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
    language: str | None = None,
) -> str:
    """One HTML page for ``profile``; ``compare`` profiles are overlaid on the chart only.

    The spread comes from ``group`` or, when only ``ratings`` are given, from scoring them with
    the default agreement rule; the stakeholders' justifications come from ``ratings``. The
    page is in ``language`` (default: the model's own language), English where there is no
    translation.
    """
    if group is None and ratings is not None:
        group = score_group(ratings)
    if language is not None:
        model = model.localized(language)
    words = localizer(language or model.language)
    _ = words.gettext
    spec = radar_spec(
        model, [profile, *compare], spread=group, spread_kind=spread_kind, language=words.language
    )
    svg = render_radar(spec, "svg").decode("utf-8")
    chart = svg[svg.index("<svg") :]  # inline SVG takes no XML declaration or doctype
    page_title = title or _("%(region)s: maturity self-assessment") % {
        "region": profile.region or _("Region")
    }
    meta = [_("%(model)s, version %(version)s") % {"model": model.name, "version": model.version}]
    if profile.label:
        meta.append(_("round %(label)s") % {"label": profile.label})
    if generated_on is not None:
        meta.append(_("generated %(date)s") % {"date": words.format_date(generated_on)})
    headings = (_("Dimension"), _("Consensus"), _("Stakeholders' spread"), _("Justifications"))
    return _PAGE.substitute(
        lang=escape(words.language),
        title=escape(page_title),
        meta=escape(" \u00b7 ".join(meta)),
        summary=_summary(profile, group, words),
        chart=chart,
        headings="".join(f"<th>{escape(text)}</th>" for text in headings),
        rows="\n".join(_rows(model, profile, group, ratings, words)),
    )


def _summary(profile: Profile, group: GroupScores | None, words: Localizer) -> str:
    _ = words.gettext
    items = [
        _("Overall: %(score)s") % {"score": words.format_number(profile.overall)},
        _("Dimensions scored: %(share)s") % {"share": words.format_percent(profile.completeness)},
    ]
    if group is not None:
        split = sum(d.agreement == "split" for d in group.dimensions)
        items += [
            _("Raters: %(n)d") % {"n": group.raters},
            _("Ratings given: %(share)s") % {"share": words.format_percent(group.completeness)},
            _("Split dimensions: %(n)d") % {"n": split},
        ]
    return "".join(f"<li>{escape(item)}</li>" for item in items)


def _rows(
    model: MaturityModel,
    profile: Profile,
    group: GroupScores | None,
    ratings: RatingMatrix | None,
    words: Localizer,
) -> list[str]:
    scores = profile.by_key()
    stats = group.by_key() if group is not None else {}
    rows = []
    for dim in model.dimensions:
        name = f"{dim.number}. {dim.name}" if dim.number is not None else dim.name
        consensus = scores.get(dim.key)
        rows.append(
            "<tr>"
            f"<td>{escape(name)}</td>"
            f"<td class='num'>{_consensus(consensus, model, words)}</td>"
            f"<td class='num'>{_spread(stats.get(dim.key), model, words)}</td>"
            f"<td>{_justifications(dim.key, consensus, ratings, words)}</td>"
            "</tr>"
        )
    return rows


def _muted(text: str) -> str:
    return f"<span class='muted'>{escape(text)}</span>"


def _consensus(score: ConsensusScore | None, model: MaturityModel, words: Localizer) -> str:
    _ = words.gettext
    if score is None or score.score is None:
        return _muted(_("not scored"))
    source = source_word(score.source, words)
    parts = [f"<strong>{score.score}</strong> {_muted(f'({source})')}"]
    if score.band:
        parts.append(escape(level_name(score.band, model, words)))
    tags = [
        label
        for flag, label in (
            (score.for_improvement, _("for improvement")),
            (score.for_coaching, _("for coaching")),
        )
        if flag
    ]
    parts += [f"<span class='tag'>{escape(label)}</span>" for label in tags]
    return "<br>".join(parts)


def _spread(stats: DimensionStats | None, model: MaturityModel, words: Localizer) -> str:
    """The panel's spread and its Delphi reading: shares, verdict (with the count that
    splits) and level, so a reader sees how firm the consensus beside it stands."""
    _ = words.gettext
    if stats is None:
        return _muted(_("no ratings"))
    if stats.n == 0:
        return _muted(_("no scores (%(n)d don't know)") % {"n": stats.dont_know})
    number = words.format_number
    counted = (_("n = %(n)d (%(dont_know)d don't know)") if stats.dont_know else _("n = %(n)d")) % {
        "n": stats.n,
        "dont_know": stats.dont_know,
    }
    lines = [
        counted,
        _("median %(median)s") % {"median": number(stats.median)},
        _("range %(min)s-%(max)s, IQR %(iqr)s")
        % {"min": number(stats.min), "max": number(stats.max), "iqr": number(stats.iqr)},
        _("%(share)s at median") % {"share": _share(stats.share_at_median, words)},
        _("%(share)s in agreement") % {"share": _share(stats.share_in_agreement, words)},
    ]
    agreement = agreement_word(stats.agreement, words)
    # Translators: ratings outside the agreement region; this many or more make it split
    counts = _("(%(outside)d outside, split from %(split_at)d)") % {
        "outside": stats.outside_band,
        "split_at": stats.split_at,
    }
    verdict = f"<span class='{escape(stats.agreement)}'>{escape(agreement)}</span> {_muted(counts)}"
    level = stats.level or ""
    name = level_name(level, model, words)
    badge = f"<span class='level {escape(level)}'>{escape(name)}</span>"
    level_line = escape(_("level %(level)s")) % {"level": badge}
    return "<br>".join([*(escape(line) for line in lines), verdict, level_line])


def _justifications(
    key: str, score: ConsensusScore | None, ratings: RatingMatrix | None, words: Localizer
) -> str:
    parts = []
    if score is not None and score.justification:
        label = escape(words.gettext("Consensus:"))
        parts.append(f"<strong>{label}</strong> {escape(score.justification)}")
    if ratings is not None:
        notes = [
            f"<li><em>{escape(name)}</em>: {escape(ratings.justifications[(rater, key)])}</li>"
            for rater, name in zip(ratings.raters, ratings.display_names, strict=True)
            if ratings.justifications.get((rater, key))
        ]
        if notes:
            parts.append(f"<ul class='notes'>{''.join(notes)}</ul>")
    return "".join(parts) or _muted(words.gettext("none given"))


def _share(share: float | None, words: Localizer) -> str:
    """One decimal, as the published Delphi study reports its shares."""
    return "-" if share is None else words.format_percent(share, digits=1)
