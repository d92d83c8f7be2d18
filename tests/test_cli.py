import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.cli import main

WIDE = (
    "rater,readiness_to_change,structure_governance,digital_infrastructure,"
    "process_coordination,funding,removal_of_inhibitors,population_approach,"
    "citizen_empowerment,evaluation_methods,breadth_of_ambition,innovation_management,"
    "capacity_building\n"
    "manager,3,3,2,2,1,2,1,2,1,3,1,2\n"
    "clinician,4,2,2,3,1,2,2,1,1,3,0,2\n"
    "it_lead,3,3,3,2,dk,2,1,2,2,3,1,3\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_score_wide_csv_as_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(write(tmp_path, "r.csv", WIDE))]) == 0
    out = capsys.readouterr().out
    assert "scirocco 2019-22" in out and "3 raters" in out
    funding = next(line for line in out.splitlines() if line.startswith("funding"))
    assert funding.split()[:3] == ["funding", "2", "1"]  # n=2, one don't know


def test_score_long_json_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        {"rater": r, "dimension": "innovation_management", "score": s, "justification": "x"}
        for r, s in (("a", 1), ("b", 2), ("c", 2))
    ]
    path = write(tmp_path, "r.json", json.dumps({"ratings": records}))
    assert main(["score", str(path), "--format", "json", "--rounding", "up"]) == 0
    out = json.loads(capsys.readouterr().out)
    stats = {d["dimension"]: d for d in out["group"]["dimensions"]}
    assert stats["innovation_management"]["median"] == 2
    assert stats["funding"]["agreement"] == "no_data"
    assert out["profile"]["model"] == {"id": "scirocco", "version": "2019-22"}


def test_long_csv_and_agreement_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"r{i},funding,{s},\n" for i, s in enumerate([0, 0, 0, 0, 5, 5, 5, 5]))
    path = write(tmp_path, "long.csv", "rater,dimension,score,justification\n" + rows)
    assert main(["score", str(path), "--format", "json"]) == 0
    funding = json.loads(capsys.readouterr().out)["group"]["dimensions"][4]
    assert funding["agreement"] == "split"
    assert main(["score", str(path), "--format", "json", "--band-width", "6"]) == 0
    assert json.loads(capsys.readouterr().out)["group"]["dimensions"][4]["agreement"] == "agreed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (WIDE.replace("manager,3", "manager,7"), "outside the scale 0-5"),
        (WIDE.replace("funding", "fundng"), "unknown dimension column(s) fundng"),
        ("rater,funding\n", "no ratings given"),
        ("who,funding\nx,1\n", "needs a 'rater' column"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert main(["score", str(write(tmp_path, "bad.csv", text))]) == 2
    assert message in capsys.readouterr().err


def test_validate_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-model", "data/dimensions.yaml"]) == 0
    assert "12 dimensions, scale 0-5" in capsys.readouterr().out
    bad = write(tmp_path, "m.yaml", "id: x\nname: X\nversion: '1'\ndimensions: []\n")
    assert main(["validate-model", str(bad)]) == 2
    assert "dimensions" in capsys.readouterr().err


def test_module_entry_point_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assessment", "validate-model", "data/dimensions.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: scirocco 2019-22")


PANEL = (
    "rater,readiness_to_change,structure_governance,funding\n"
    "a,1,0,0\nb,2,1,0\nc,3,2,1\nd,3,2,5\ne,3,2,5\nf,3,2,dk\n"
    "g,3,3,dk\nh,3,3,dk\ni,3,3,dk\nj,3,3,dk\nk,4,3,dk\nl,4,4,dk\n"
)


def table_rows(out: str) -> dict[str, dict[str, str]]:
    """The score table as {dimension: {header: cell}}, read by column position."""
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("dimension"))
    columns = list(re.finditer(r"\S+(?: \S+)*", header))  # names hold single spaces
    names = [column.group() for column in columns]
    starts = [column.start() for column in columns]
    rows = {}
    for line in lines[lines.index(header) + 1 : -1]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        rows[cells[0]] = dict(zip(names, cells, strict=True))
    return rows


def test_table_shows_the_delphi_statistics_as_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(write(tmp_path, "panel.csv", PANEL))]) == 0
    out = capsys.readouterr().out
    assert "the scale points within 1 of the median" in out
    assert "at least 1/3 of the ratings, and at least 2," in out
    rows = table_rows(out)
    readiness, governance, funding = (
        rows["readiness_to_change"],
        rows["structure_governance"],
        rows["funding"],
    )
    assert (readiness["at median"], readiness["in agreement"], readiness["level"]) == (
        "66.7%",
        "91.7%",
        "progressing",
    )
    assert (governance["median"], governance["at median"], governance["in agreement"]) == (
        "2.50",
        "37.5%",
        "75.0%",
    )
    assert (governance["agreement"], governance["level"], governance["consensus"]) == (
        "agreed",
        "progressing",
        "2",
    )
    # 0, 0, 1, 5, 5: two of five outside {0, 1, 2} split a panel of five.
    assert (funding["n"], funding["outside"], funding["split from"]) == ("5", "2", "2")
    assert (funding["agreement"], funding["level"]) == ("split", "uncertain")
    assert rows["capacity_building"]["at median"] == "-"


def test_fixed_count_and_half_median_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write(tmp_path, "panel.csv", PANEL))
    args = ["score", path, "--format", "json", "--split-threshold", "4"]
    assert main([*args, "--half-median-level", "down"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["group"]["rule"]["split_threshold"] == 4
    stats = {d["dimension"]: d for d in out["group"]["dimensions"]}
    assert (stats["funding"]["agreement"], stats["funding"]["split_at"]) == ("agreed", 4)
    assert stats["structure_governance"]["level"] == "initial"  # 2.5 goes down
    assert stats["structure_governance"]["share_at_median"] == pytest.approx(4.5 / 12)
    levels = {s["dimension"]: s["level"] for s in out["profile"]["scores"]}
    assert levels["funding"] == "initial"
    assert main(["score", path, "--split-threshold", "4"]) == 0
    assert "split when 4 or more ratings (a fixed count)" in capsys.readouterr().out


def test_split_share_and_minimum_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, "panel.csv", PANEL))
    assert main(["score", path, "--format", "json", "--split-share", "1/2"]) == 0
    funding = json.loads(capsys.readouterr().out)["group"]["dimensions"][4]
    assert (funding["split_at"], funding["agreement"]) == (3, "agreed")
    assert main(["score", path, "--format", "json", "--split-minimum", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["group"]["dimensions"][4]["split_at"] == 3


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--split-share", "1.5"], "--split-share: Input should be less than or equal to 1"),
        (["--split-share", "0"], "--split-share: Input should be greater than 0"),
        (["--split-minimum", "0"], "--split-minimum: Input should be greater than or equal to 1"),
        (["--split-threshold", "0"], "--split-threshold: Input should be greater than or equal"),
        (["--band-width", "0"], "--band-width: Input should be greater than 0"),
        (["--split-threshold", "3", "--split-minimum", "2"], "--split-minimum: belongs to"),
    ],
)
def test_bad_rule_flags_name_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    assert main(["score", str(write(tmp_path, "panel.csv", PANEL)), *flags]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags",
    [
        ["--split-share", "a/3"],
        ["--split-share", "1/0"],
        ["--split-share", "1/3", "--split-threshold", "4"],
    ],
)
def test_unusable_flags_are_usage_errors(tmp_path: Path, flags: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["score", str(write(tmp_path, "panel.csv", PANEL)), *flags])
    assert stopped.value.code == 2
