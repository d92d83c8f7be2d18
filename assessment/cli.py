"""Command line: score a ratings file, validate a model file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from assessment.errors import AssessmentError
from assessment.model import MaturityModel, default_model, load_model
from assessment.profile import Profile, Rounding, build_profile
from assessment.ratings_io import read_ratings
from assessment.scoring import AgreementRule, GroupScores, score_group


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
    score.add_argument(
        "--band-width",
        type=float,
        default=AgreementRule().band_width,
        help="width of the agreement band around the median (scale points)",
    )
    score.add_argument(
        "--split-threshold",
        type=int,
        default=AgreementRule().split_threshold,
        help="this many ratings outside the band make a dimension split",
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
    return parser, sub


def _score(args: argparse.Namespace) -> int:
    model = load_model(args.model) if args.model else default_model()
    if args.band_width <= 0 or args.split_threshold < 1:
        raise AssessmentError(
            "--band-width must be > 0 and --split-threshold >= 1", ("parameters",)
        )
    rule = AgreementRule(band_width=args.band_width, split_threshold=args.split_threshold)
    group = score_group(read_ratings(args.ratings, model), rule)
    profile = build_profile(model, group=group, rounding=Rounding(args.rounding))
    if args.format == "json":
        out = {"group": group.model_dump(mode="json"), "profile": profile.model_dump(mode="json")}
        print(json.dumps(out, indent=2))
    else:
        print(render_table(model, group, profile))
    return 0


def render_table(model: MaturityModel, group: GroupScores, profile: Profile) -> str:
    """Plain-text table of the statistics and proposed consensus, one row per dimension."""
    headers = (
        "dimension",
        "n",
        "dk",
        "mean",
        "median",
        "min",
        "max",
        "std",
        "iqr",
        "agreement",
        "band",
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
                _num(stats.mean),
                _num(stats.median),
                _num(stats.min),
                _num(stats.max),
                _num(stats.std),
                _num(stats.iqr),
                stats.agreement,
                stats.band or "-",
                _num(consensus[stats.dimension].score),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        f"{model.name} ({model.id} {model.version}): {group.raters} raters, "
        f"completeness {group.completeness:.0%}",
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    overall = "-" if profile.overall is None else f"{profile.overall:.2f}"
    lines.append(f"overall (mean of proposed consensus): {overall}")
    return "\n".join(lines)


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
