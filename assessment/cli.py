"""Command line: score a ratings file, validate a model file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from fractions import Fraction

from pydantic import ValidationError

from assessment.errors import AssessmentError, ParameterError
from assessment.model import DEFAULT_MODEL_PATH, MaturityModel, load_model
from assessment.profile import Profile, Rounding, build_profile
from assessment.ratings_io import read_ratings
from assessment.scoring import AgreementRule, GroupScores, score_group


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except AssessmentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twinning", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="command")

    score = sub.add_parser("score", help="score a CSV or JSON file of stakeholder ratings")
    score.add_argument("ratings", help="CSV (long or wide form) or JSON file")
    score.add_argument("--model", default=str(DEFAULT_MODEL_PATH), help="model YAML file")
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
    score.set_defaults(handler=_score)

    validate = sub.add_parser("validate-model", help="check a maturity model YAML file")
    validate.add_argument("path")
    validate.set_defaults(handler=_validate)
    return parser


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
        first = exc.errors()[0]
        flag = _RULE_FLAGS[str(first["loc"][0])]
        raise ParameterError(first["msg"], (flag,)) from None


def _score(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    rule = _rule(args)
    group = score_group(read_ratings(args.ratings, model), rule)
    profile = build_profile(model, group=group, rounding=Rounding(args.rounding))
    if args.format == "json":
        out = {"group": group.model_dump(mode="json"), "profile": profile.model_dump(mode="json")}
        print(json.dumps(out, indent=2))
    else:
        print(render_table(model, group, profile))
    return 0


def describe_rule(rule: AgreementRule) -> str:
    """The agreement rule and the level in plain words, as a facilitator would state them."""
    radius = rule.radius
    region = (
        "the median (both middle points for a half-point median)"
        if radius < 1
        else f"the scale points within {radius:g} of the median"
    )
    if rule.split_threshold is not None:
        count = f"{rule.split_threshold} or more ratings (a fixed count)"
    else:
        share = Fraction(rule.split_share).limit_denominator(100)
        count = f"at least {share} of the ratings, and at least {rule.split_minimum},"
    return (
        f"agreement region: {region}; split when {count} fall outside it\n"
        f"level: uncertain when split, else the band of the median "
        f"(a half-point median goes {rule.half_median_level.value})"
    )


def render_table(model: MaturityModel, group: GroupScores, profile: Profile) -> str:
    """Plain-text table of the statistics and proposed consensus, one row per dimension."""
    headers = (
        "dimension",
        "n",
        "dk",
        "median",
        "at median",
        "in agreement",
        "outside",
        "split from",
        "agreement",
        "level",
        "mean",
        "min",
        "max",
        "std",
        "iqr",
        "consensus",
    )
    rows = []
    consensus = profile.by_key()
    for stats in group.dimensions:
        rows.append(
            (
                stats.dimension,
                str(stats.n),
                str(stats.dont_know),
                _num(stats.median),
                _percent(stats.share_at_median),
                _percent(stats.share_in_agreement),
                str(stats.outside_band) if stats.n else "-",
                str(stats.split_at) if stats.n else "-",
                stats.agreement,
                stats.level or "-",
                _num(stats.mean),
                _num(stats.min),
                _num(stats.max),
                _num(stats.std),
                _num(stats.iqr),
                _num(consensus[stats.dimension].score),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        f"{model.name} ({model.id} {model.version}): {group.raters} raters, "
        f"completeness {group.completeness:.0%}",
        describe_rule(group.rule),
        "",
        _line(headers, widths),
    ]
    lines += [_line(row, widths) for row in rows]
    overall = "-" if profile.overall is None else f"{profile.overall:.2f}"
    lines.append(f"overall (mean of proposed consensus): {overall}")
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


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
        f"{', '.join(b.key for b in model.effective_bands)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
