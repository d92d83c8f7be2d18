"""Command line: score a ratings file, write its one-page report, validate a model file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction

from pydantic import ValidationError

from assessment.errors import AssessmentError, ParameterError, from_validation_error
from assessment.i18n import SUPPORTED_LANGUAGES, Localizer, language_tag, localizer, match_language
from assessment.model import MaturityModel, default_model, load_model
from assessment.profile import Profile, Rounding, build_profile
from assessment.ratings_io import read_ratings
from assessment.report import render_report
from assessment.scoring import AgreementRule, GroupScores, score_group
from assessment.words import agreement_word, level_name


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = build_parser()
    return run(parser, argv)


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; bad input exits 2 with the located error."""
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except AssessmentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


Commands = argparse._SubParsersAction  # the type of add_subparsers()' result


def build_parser() -> tuple[argparse.ArgumentParser, Commands[argparse.ArgumentParser]]:
    """The library's commands; the service's ``twinning`` command adds ``admin`` to them."""
    parser = argparse.ArgumentParser(prog="twinning", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="command")

    score = sub.add_parser("score", help="score a CSV or JSON file of stakeholder ratings")
    score.add_argument("ratings", help="CSV (long or wide form) or JSON file")
    score.add_argument("--model", help="model YAML file (default: the shipped SCIROCCO model)")
    score.add_argument("--format", choices=("table", "json"), default="table")
    defaults = AgreementRule()
    agreement = score.add_argument_group(
        "agreement rule",
        "A dimension is split when enough ratings fall outside the region around the median: "
        "by default a share of the ratings (--split-share, --split-minimum), or a fixed count "
        "(--split-threshold, the published rule for 12 raters is 4).",
    )
    agreement.add_argument(
        "--band-width",
        type=float,
        default=defaults.band_width,
        help="scale points in the agreement region around a whole-point median "
        "(default %(default)g: median-1..median+1)",
    )
    by_share = agreement.add_mutually_exclusive_group()
    by_share.add_argument(
        "--split-share",
        type=_fraction,
        help="split when at least this share of the ratings is outside the region, "
        "e.g. 1/3 or 0.5 (default 1/3)",
    )
    by_share.add_argument(
        "--split-threshold",
        type=int,
        help="absolute rule instead: split from this many ratings outside, whatever the panel size",
    )
    agreement.add_argument(
        "--split-minimum",
        type=int,
        help=f"never split for fewer ratings outside than this (default {defaults.split_minimum})",
    )
    agreement.add_argument(
        "--half-median-level",
        choices=[r.value for r in Rounding],
        help="level of a half-point median: that of the point above (up, as published) or "
        "below (down)",
    )
    score.add_argument(
        "--rounding",
        choices=[r.value for r in Rounding],
        default="down",
        help="how a half-point median becomes a proposed consensus score",
    )
    score.add_argument(
        "--lang",
        type=_language,
        help="write the table for people in this language ("
        + ", ".join(SUPPORTED_LANGUAGES)
        + "): verdicts and levels as words instead of keys",
    )
    score.set_defaults(handler=_score)

    report = sub.add_parser("report", help="write the one-page HTML report of a ratings file")
    report.add_argument("ratings", help="CSV (long or wide form) or JSON file")
    report.add_argument("--model", help="model YAML file (default: the shipped SCIROCCO model)")
    report.add_argument(
        "--lang",
        type=_language,
        default="en",
        help="language of the page (" + ", ".join(SUPPORTED_LANGUAGES) + "; default en)",
    )
    report.add_argument("--region", default="", help="name of the region, for the title")
    report.add_argument("--label", default="", help="the round, e.g. 2025")
    report.add_argument("-o", "--output", help="HTML file to write (default: standard output)")
    report.set_defaults(handler=_report)

    validate = sub.add_parser("validate-model", help="check a maturity model YAML file")
    validate.add_argument("path")
    validate.set_defaults(handler=_validate)
    return parser, sub


def _language(text: str) -> str:
    """A supported language for --lang (sv-SE finds sv)."""
    try:
        found = match_language(language_tag(text), SUPPORTED_LANGUAGES)
    except AssessmentError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if found is None:
        offered = ", ".join(SUPPORTED_LANGUAGES)
        raise argparse.ArgumentTypeError(f"language {text!r} is not offered ({offered})")
    return found


def _fraction(text: str) -> float:
    """A share given as a decimal (0.5) or a fraction (1/3)."""
    try:
        if "/" in text:
            top, bottom = text.split("/", 1)
            return float(top) / float(bottom)
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a share: {text!r} (try 0.5 or 1/3)") from None


_RULE_FLAGS = {
    "band_width": "--band-width",
    "split_share": "--split-share",
    "split_minimum": "--split-minimum",
    "split_threshold": "--split-threshold",
    "half_median_level": "--half-median-level",
}


def _rule(args: argparse.Namespace) -> AgreementRule:
    """The agreement rule from the flags given, with the flag at fault named on bad values."""
    given = {name: getattr(args, name) for name in _RULE_FLAGS}
    if args.split_threshold is not None and args.split_minimum is not None:
        raise ParameterError(
            "belongs to the share rule; leave it out with --split-threshold (a fixed count)",
            (_RULE_FLAGS["split_minimum"],),
        )
    try:
        return AgreementRule(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        error = from_validation_error(exc, ParameterError)
        raise ParameterError(error.message, (_RULE_FLAGS[str(error.location[0])],)) from None


def _score(args: argparse.Namespace) -> int:
    model = load_model(args.model) if args.model else default_model()
    rule = _rule(args)
    group = score_group(read_ratings(args.ratings, model), rule)
    profile = build_profile(model, group=group, rounding=Rounding(args.rounding))
    if args.format == "json":
        out = {"group": group.model_dump(mode="json"), "profile": profile.model_dump(mode="json")}
        print(json.dumps(out, indent=2))
    else:
        print(render_table(model, group, profile, language=args.lang))
    return 0


def _report(args: argparse.Namespace) -> int:
    model = load_model(args.model) if args.model else default_model()
    ratings = read_ratings(args.ratings, model)
    group = score_group(ratings)
    profile = build_profile(model, group=group, region=args.region, label=args.label)
    html = render_report(model, profile, ratings=ratings, group=group, language=args.lang)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(html)
    else:
        sys.stdout.write(html)
    return 0


def describe_rule(rule: AgreementRule, words: Localizer | None = None) -> str:
    """The agreement rule and the level in plain words, as a facilitator would state them."""
    _ = (words or localizer()).gettext
    radius = rule.radius
    region = (
        _("the median (both middle points for a half-point median)")
        if radius < 1
        else _("the scale points within %(radius)s of the median") % {"radius": f"{radius:g}"}
    )
    if rule.split_threshold is not None:
        count = _("%(n)d or more ratings (a fixed count)") % {"n": rule.split_threshold}
    else:
        share = Fraction(rule.split_share).limit_denominator(100)
        count = _("at least %(share)s of the ratings, and at least %(minimum)d,") % {
            "share": share,
            "minimum": rule.split_minimum,
        }
    direction = _("up") if rule.half_median_level is Rounding.UP else _("down")
    return "\n".join(
        (
            _("agreement region: %(region)s; split when %(count)s fall outside it")
            % {"region": region, "count": count},
            _(
                "level: uncertain when split, else the band of the median "
                "(a half-point median goes %(direction)s)"
            )
            % {"direction": direction},
        )
    )


def _table_headers(words: Localizer) -> tuple[str, ...]:
    _ = words.gettext
    # Translators: column headings of the CLI's table; keep them short
    return (
        _("dimension"),
        "n",
        _("dk"),
        _("median"),
        _("at median"),
        _("in agreement"),
        _("outside"),
        _("split from"),
        _("agreement"),
        _("level"),
        _("mean"),
        "min",
        "max",
        _("std"),
        _("iqr"),
        _("consensus"),
    )


def render_table(
    model: MaturityModel, group: GroupScores, profile: Profile, language: str | None = None
) -> str:
    """Plain-text table of the statistics and proposed consensus, one row per dimension.

    With a ``language`` the table is for people in it: headings, verdicts and levels as words
    (levels by the model's band names). Without, verdicts and levels are the stable keys.
    """
    words = localizer(language)
    if language is not None:
        model = model.localized(language)
    headers = _table_headers(words)
    num, percent = (_num, _percent) if language is None else _locale_formats(words)
    rows = []
    consensus = profile.by_key()
    for stats in group.dimensions:
        rows.append(
            (
                stats.dimension,
                str(stats.n),
                str(stats.dont_know),
                num(stats.median),
                percent(stats.share_at_median),
                percent(stats.share_in_agreement),
                str(stats.outside_band) if stats.n else "-",
                str(stats.split_at) if stats.n else "-",
                stats.agreement if language is None else agreement_word(stats.agreement, words),
                (stats.level if language is None else level_name(stats.level, model, words)) or "-",
                num(stats.mean),
                num(stats.min),
                num(stats.max),
                num(stats.std),
                num(stats.iqr),
                num(consensus[stats.dimension].score),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    _ = words.gettext
    lines = [
        _("%(model)s (%(id)s %(version)s): %(raters)d raters, completeness %(share)s")
        % {
            "model": model.name,
            "id": model.id,
            "version": model.version,
            "raters": group.raters,
            "share": words.format_percent(group.completeness),
        },
        describe_rule(group.rule, words),
        "",
        _line(headers, widths),
    ]
    lines += [_line(row, widths) for row in rows]
    if profile.overall is None:
        overall = "-"
    elif language is None:
        overall = f"{profile.overall:.2f}"
    else:
        overall = words.format_number(profile.overall)
    lines.append(_("overall (mean of proposed consensus): %(overall)s") % {"overall": overall})
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _locale_formats(
    words: Localizer,
) -> tuple[Callable[[float | None], str], Callable[[float | None], str]]:
    """Numbers and shares written the reader's way (2,33 and 66,7 %)."""

    def percent(share: float | None) -> str:
        return "-" if share is None else words.format_percent(share, digits=1)

    return words.format_number, percent


def _percent(share: float | None) -> str:
    """One decimal, as the published study reports its shares."""
    return "-" if share is None else f"{100 * share:.1f}%"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def _validate(args: argparse.Namespace) -> int:
    model = load_model(args.path)
    print(
        f"ok: {model.id} {model.version}: {len(model.dimensions)} dimensions, "
        f"scale {model.scale.min}-{model.scale.max}, bands "
        f"{', '.join(b.key for b in model.effective_bands)}, "
        f"languages {', '.join(model.languages)}"
    )
    for language in model.languages[1:]:
        gaps = model.translation_gaps(language)
        if gaps:  # allowed (each falls back to the original), but a translator wants to know
            shown = ", ".join(gaps[:3]) + (", ..." if len(gaps) > 3 else "")
            print(f"{language}: {len(gaps)} texts shown in {model.language}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
