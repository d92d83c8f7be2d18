import json
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
