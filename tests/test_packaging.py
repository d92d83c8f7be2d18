"""The package as users install it: a wheel built from this tree carries the model files,
installs into a clean virtual environment and scores ratings with the ``twinning`` command,
without the repository anywhere on the path."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from assessment.i18n import DOMAIN, SOURCE_LANGUAGE, SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)


def _packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages: list[str] = config["tool"]["setuptools"]["packages"]
    return packages


def test_every_package_of_the_tree_is_listed_for_the_build() -> None:
    """pyproject lists packages by hand (for the data/ mapping): a new one must be added."""
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("assessment", "app")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found | {"assessment.data", "assessment.data.models"} == set(_packages())


def _run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_a_wheel_installs_and_scores_ratings_in_a_clean_environment(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=SKIP)
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", str(tmp_path / "dist"), str(source),
        cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("twinning-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "assessment/data/dimensions.yaml",
        "assessment/data/models/scirocco-2016.yaml",
        "assessment/data/models/procurement-readiness.yaml",
        "assessment/twinning/templates/twinning_report.html",  # read at run time by Jinja
    } <= names
    for language in SUPPORTED_LANGUAGES:  # gettext catalogues, compiled when loaded
        if language != SOURCE_LANGUAGE:
            assert f"assessment/locale/{language}/LC_MESSAGES/{DOMAIN}.po" in names
    assert not any(name.endswith(".mo") for name in names)
    web = ROOT / "app" / "web"  # the pages' templates, style sheet, script and catalogues
    assets = {
        str(p.relative_to(ROOT))
        for folder in ("templates", "static", "locale")
        for p in (web / folder).rglob("*")
        if p.is_file() and p.suffix in {".html", ".css", ".js", ".po"}
    }
    assert assets and assets <= names
    modules = {
        str(p.relative_to(ROOT))
        for top in ("assessment", "app")
        for p in (ROOT / top).rglob("*.py")
    }
    assert modules <= names

    # A fresh environment; the dependencies (not twinning) come from this one's site-packages
    # through a path entry, which does not run this environment's editable-install hook.
    clean = tmp_path / "clean"
    _run(sys.executable, "-m", "venv", "--without-pip", str(clean), cwd=tmp_path)
    python = clean / "bin" / "python"
    _run(
        sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
        "--no-deps", "--no-index", str(wheel),
        cwd=tmp_path,
    )  # fmt: skip
    site = Path(
        _run(
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
            cwd=tmp_path,
        ).strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    located = _run(
        str(python), "-c",
        "import app, assessment; from assessment import available_models; "
        "print(assessment.__file__, app.__file__, len(available_models()))",
        cwd=tmp_path,
    )  # fmt: skip
    assessment_file, app_file, count = located.split()
    assert Path(assessment_file).is_relative_to(site) and Path(app_file).is_relative_to(site)
    assert int(count) >= 3  # SCIROCCO 2019-22 and 2016-19, procurement readiness
    template = _run(
        str(python), "-c",
        "from importlib.resources import files; "
        "print((files('assessment.twinning') / 'templates' / 'twinning_report.html').is_file())",
        cwd=tmp_path,
    )  # fmt: skip
    assert template.strip() == "True"

    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "rater,dimension,score,justification\n"
        "ann,funding,1,pilot money\nbo,funding,2,\ncy,innovation_management,dk,\n"
    )
    table = _run(str(clean / "bin" / "twinning"), "score", str(ratings), cwd=tmp_path)
    assert "scirocco 2019-22" in table and "SCIROCCO" in table
    assert "funding" in table and "3 raters" in table
    assert "create-key" in _run(str(clean / "bin" / "twinning"), "admin", "--help", cwd=tmp_path)
