"""Charts and the report in the reader's language, with English as the fallback."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.image import imread

from assessment import (
    MaturityModel,
    Profile,
    RatingMatrix,
    available_models,
    build_profile,
    chart_etag,
    default_model,
    parse_model,
    radar_spec,
    render_radar,
    render_report,
    score_group,
)
from assessment.cli import main
from assessment.i18n import localizer
from assessment.scoring import GroupScores
from tests.conftest import make_model_data

SVG = "{http://www.w3.org/2000/svg}"


def panel(model: MaturityModel) -> tuple[RatingMatrix, GroupScores, Profile, Profile]:
    """Four raters; nobody rates the last dimension, one rater skips the first (who
    answers "don't know")."""
    values = np.array([[1, 2, 3, 4, 5, 2, 1, 3, 2, 4, 1, 3]] * 4, dtype=float)
    values[1:3] += 1  # even panels of 4: half-point medians (2.5)
    values[:, -1] = np.nan
    values[3, 0] = np.nan
    ratings = RatingMatrix.from_array(model, np.clip(values, 0, 5))
    group = score_group(ratings)
    home = build_profile(
        model, group=group, region="Norrbotten", label="2024", improvement=[model.keys[10]]
    )
    twin = build_profile(model, workshop={key: 4 for key in model.keys[:10]}, region="Scotland")
    return ratings, group, home, twin


def texts(svg: bytes) -> str:
    root = ET.fromstring(svg)
    return " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def test_a_swedish_chart_has_swedish_names_legend_and_subtitle() -> None:
    model = default_model()
    _, group, home, twin = panel(model)
    spec = radar_spec(model, [home, twin], spread=group, language="sv-SE")
    assert spec.language == "sv" and spec.model == model.ref
    assert [axis.name for axis in spec.axes.dimensions] == [
        d.name for d in model.localized("sv").dimensions
    ]
    assert [band.name for band in spec.axes.bands] == [
        "Inledande",
        "Under utveckling",
        "Optimerande",
    ]
    assert spec.title == "Norrbotten 2024 jämfört med Scotland"
    assert spec.series[0].label == (
        "Norrbotten 2024: intressenternas spann (min\N{EN DASH}max), 4 bedömare"
    )
    text = texts(render_radar(spec, "svg"))
    assert "(1 utan bedömningar)" in text and "(1 utan poäng)" in text
    assert "(2 utan poäng)" in text  # Scotland: two dimensions without a workshop score
    assert "skala 0\N{EN DASH}5" in text and "Förändringsberedskap" in text
    assert "not scored" not in text and "scale" not in text


def test_an_italian_iqr_band_and_plural_rater_counts() -> None:
    model = default_model()
    _, group, home, _ = panel(model)
    spec = radar_spec(model, [home], spread=group, spread_kind="iqr", language="it")
    assert spec.series[0].label.endswith("scarto interquartile degli stakeholder, 4 valutatori")
    one = score_group(
        RatingMatrix.from_ratings(model, [{"rater": "a", "dimension": "funding", "score": 2}])
    )
    single = radar_spec(model, [], spread=one, language="it")
    assert single.series[0].label == "intervallo degli stakeholder (min-max), 1 valutatore"
    english = radar_spec(model, [], spread=one)
    assert english.series[0].label == "stakeholders' range (min-max), 1 rater"


def test_each_language_is_its_own_chart() -> None:
    model = default_model()
    _, group, home, _ = panel(model)
    specs = {
        lang: radar_spec(model, [home], spread=group, language=lang) for lang in ("en", "sv", "it")
    }
    for fmt in ("json", "png", "svg"):
        assert len({chart_etag(spec, fmt) for spec in specs.values()}) == 3
    # Same numbers whatever the language.
    assert {tuple(s.series[1].values) for s in specs.values()} == {
        tuple(specs["en"].series[1].values)
    }


def test_a_model_without_translations_keeps_its_names_under_a_translated_legend() -> None:
    model = parse_model(make_model_data())
    profile = build_profile(model, workshop={"alpha": 3, "beta": 2}, region="Lund")
    spec = radar_spec(model, [profile], language="sv")
    assert spec.language == "sv"
    assert [axis.name for axis in spec.axes.dimensions] == ["Alpha", "Beta", "Gamma"]
    assert spec.axes.bands[0].name == "Initial"  # the model's own English
    text = texts(render_radar(spec, "svg"))
    assert "Lund (1 utan poäng)" in text and "Alpha" in text


@pytest.mark.parametrize("language", ["en", "sv", "it"])
@pytest.mark.parametrize("model", available_models(), ids=lambda m: m.version)
def test_long_translated_names_stay_inside_the_image(model: MaturityModel, language: str) -> None:
    """Dimension names are wrapped (never narrower than the longest word) and set smaller
    when a long word makes them wide: nothing may be cut off at the image's edges."""
    profile = build_profile(model, workshop={key: 3 for key in model.keys}, region="Puglia")
    image = imread(io.BytesIO(render_radar(radar_spec(model, [profile], language=language), "png")))
    inked = np.flatnonzero((image[:, :, :3].min(axis=2) < 0.99).any(axis=0))
    width = image.shape[1]
    assert inked.min() >= 16 and inked.max() <= width - 16, (inked.min(), inked.max())


def test_the_report_in_italian() -> None:
    model = default_model()
    ratings, group, home, twin = panel(model)
    html = render_report(
        model,
        home,
        ratings=ratings,
        group=group,
        compare=[twin],
        generated_on=datetime.date(2025, 3, 12),
        language="it",
    )
    assert '<html lang="it">' in html
    assert "Norrbotten: autovalutazione della maturità" in html
    assert "versione 2019-22 · ciclo 2024 · generato il 12 marzo 2025" in html
    for heading in ("Dimensione", "Consenso", "Dispersione tra gli stakeholder", "Motivazioni"):
        assert f"<th>{heading}</th>" in html
    assert "1. Disponibilità al cambiamento" in html
    overall = localizer("it").format_number(home.overall)
    assert "Valutatori: 4" in html and f"Punteggio complessivo: {overall}" in html
    assert "," in overall  # the decimal comma
    assert "(proposto)" in html and "da migliorare" in html
    assert "mediana 2,5" in html
    assert "n = 3 (1 non so)" in html and "nessun punteggio (4 non so)" in html
    assert re.search(r"\b\d+,\d% sulla mediana", html)
    assert "livello <span class='level" in html
    assert "Scotland" in html and "rispetto a" in html  # the chart's title
    for english in ("maturity self-assessment", "for improvement", "don't know", "median "):
        assert english not in html


def test_the_report_in_swedish_from_a_localized_model_and_english_by_default() -> None:
    model = default_model()
    ratings, group, home, _ = panel(model)
    swedish = render_report(model.localized("sv"), home, ratings=ratings, group=group)
    assert '<html lang="sv">' in swedish and "självskattning av mognad" in swedish
    assert "för förbättring" in swedish and "Inledande" in swedish
    assert "Bedömare: 4" in swedish and "%" in swedish and "\N{NO-BREAK SPACE}%" in swedish
    english = render_report(model, home, ratings=ratings, group=group)
    assert '<html lang="en">' in english and "for improvement" in english
    assert "median 2.5" in english and "mediana" not in english


RATINGS_CSV = "rater,readiness_to_change,funding,innovation_management\nann,2,1,1\nbo,3,dk,2\n"


def test_cli_table_in_swedish_and_keys_without_lang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS_CSV, encoding="utf-8")
    assert main(["score", str(path), "--lang", "sv-SE"]) == 0
    out = capsys.readouterr().out
    assert "2 bedömare, fullständighet 21\N{NO-BREAK SPACE}%" in out
    assert "samstämmighetsområde: skalpunkterna inom 1 från medianen" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("readiness")}
    assert "2,5" in rows["readiness_to_change"] and "enig" in rows["readiness_to_change"]
    assert "Under utveckling" in rows["readiness_to_change"]  # a half-point median goes up
    assert "sammantaget (medel av föreslagen konsensus): 1,33" in out
    assert main(["score", str(path)]) == 0
    plain = capsys.readouterr().out
    assert "2 raters, completeness 21%" in plain and " progressing " in plain


def test_cli_report_in_italian_and_unknown_languages_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS_CSV, encoding="utf-8")
    out = tmp_path / "report.html"
    command = ["report", str(path), "--lang", "it", "--region", "Puglia", "--label", "2025"]
    assert main([*command, "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert '<html lang="it">' in html and "Puglia: autovalutazione della maturità" in html
    assert "ciclo 2025" in html and "Gestione dell&#x27;innovazione" in html
    with pytest.raises(SystemExit) as stopped:
        main(["report", str(path), "--lang", "fr"])
    assert stopped.value.code == 2
    assert "language 'fr' is not offered" in capsys.readouterr().err


def test_validate_model_names_its_languages_and_what_falls_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate-model", "data/dimensions.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("languages en, it, sv")
    partial = tmp_path / "partial.yaml"
    partial.write_text(
        yaml.safe_dump(make_model_data(translations={"fr": {"name": "Modèle"}})), encoding="utf-8"
    )
    assert main(["validate-model", str(partial)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("languages en, fr")
    assert lines[1] == (
        "fr: 9 texts shown in en: translations.fr.bands.initial, "
        "translations.fr.bands.progressing, translations.fr.bands.optimising, ..."
    )
