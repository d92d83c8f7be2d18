"""Radar charts through the public API: spec (JSON), PNG, SVG, ETag and cache."""

from __future__ import annotations

import io
import json
import math
import threading
import xml.etree.ElementTree as ET

import matplotlib.image
import pytest

from assessment import (
    ChartCache,
    MaturityModel,
    ParameterError,
    Profile,
    RadarSpec,
    RatingError,
    RatingMatrix,
    build_profile,
    chart_etag,
    parse_model,
    radar_spec,
    render_radar,
    score_group,
    spec_json,
)
from assessment.chart_render import PNG_SIZE
from tests.conftest import make_model_data

NAN = math.nan
SVG_NS = "{http://www.w3.org/2000/svg}"
KEYS = ("readiness", "structure_governance", "digital", "funding", "evaluation")


@pytest.fixture
def model() -> MaturityModel:
    data = make_model_data(keys=KEYS)
    data["dimensions"][1]["name"] = "Structure & governance"
    return parse_model(data)


@pytest.fixture
def ratings(model: MaturityModel) -> RatingMatrix:
    return RatingMatrix.from_array(
        model,
        [[1, 2, 3, 0, NAN], [2, 2, 5, 1, NAN], [3, 4, 4, 1, NAN], [2, 3, 4, 5, NAN]],
        raters=["ann", "bo", "cy", "di"],
    )


@pytest.fixture
def profile(model: MaturityModel, ratings: RatingMatrix) -> Profile:
    return build_profile(model, group=score_group(ratings), region="Norrbotten", label="2024")


def svg_texts(svg: bytes) -> tuple[ET.Element, str]:
    root = ET.fromstring(svg)
    text = " ".join(" ".join(node.itertext()) for node in root.iter(f"{SVG_NS}text"))
    return root, " ".join(text.split())


def group_text(root: ET.Element, gid: str) -> str:
    group = next(node for node in root.iter(f"{SVG_NS}g") if node.get("id") == gid)
    return " ".join(" ".join(t.itertext()) for t in group.iter(f"{SVG_NS}text"))


def test_spec_holds_axes_scale_and_profile_scores(model: MaturityModel, profile: Profile) -> None:
    spec = radar_spec(model, [profile])
    assert [axis.key for axis in spec.axes.dimensions] == list(KEYS)
    assert spec.axes.dimensions[1].name == "Structure & governance"
    assert (spec.axes.scale_min, spec.axes.scale_max) == (0, 5)
    assert [band.key for band in spec.axes.bands] == ["initial", "progressing", "optimising"]
    (series,) = spec.series
    assert series.kind == "profile" and series.label == "Norrbotten 2024"
    expected = [None if s.score is None else float(s.score) for s in profile.scores]
    assert list(series.values) == expected
    assert series.values[-1] is None  # nobody rated "evaluation"
    document = json.loads(spec_json(spec))
    assert document["model"] == {"id": "test-model", "version": "1"}
    assert document["series"][0]["values"] == expected
    assert RadarSpec.model_validate(document) == spec


def test_overlay_has_one_series_per_profile_in_order(
    model: MaturityModel, profile: Profile
) -> None:
    later = build_profile(model, workshop=dict.fromkeys(KEYS, 4), region="Norrbotten", label="2026")
    twin = build_profile(model, workshop=dict.fromkeys(KEYS, 5), region="Scotland")
    spec = radar_spec(model, [profile, later, twin])
    assert [s.label for s in spec.series] == ["Norrbotten 2024", "Norrbotten 2026", "Scotland"]
    assert all(s.kind == "profile" for s in spec.series)
    assert spec.series[2].values == (5.0,) * len(KEYS)
    same = radar_spec(model, [later, later])
    assert [s.label for s in same.series] == ["Norrbotten 2026", "Norrbotten 2026 (2)"]


@pytest.mark.parametrize("kind", ["minmax", "iqr"])
def test_spread_band_surrounds_the_consensus_built_from_it(
    model: MaturityModel, ratings: RatingMatrix, profile: Profile, kind: str
) -> None:
    group = score_group(ratings)
    spec = radar_spec(model, [profile], spread=group, spread_kind=kind)  # type: ignore[arg-type]
    band, line = spec.series
    assert band.kind == "band" and band.spread_kind == kind and band.raters == 4
    assert band.lower is not None and band.upper is not None
    stats = group.dimensions
    for i, dim in enumerate(stats):
        lower, upper, consensus = band.lower[i], band.upper[i], line.values[i]
        assert band.values[i] == dim.median
        if dim.median is None:
            assert lower is None and upper is None
            continue
        assert lower is not None and upper is not None
        if kind == "minmax":
            assert (lower, upper) == (dim.min, dim.max)
            assert consensus is not None and lower <= consensus <= upper
        else:
            assert dim.iqr is not None
            assert upper - lower == pytest.approx(dim.iqr)
            assert lower <= dim.median <= upper


def test_iqr_band_is_clipped_to_the_scale(model: MaturityModel) -> None:
    matrix = RatingMatrix.from_array(model, [[0, 0, 0, 5, 5], [0, 5, 5, 5, 5], [1, 5, 5, 5, 4]])
    spec = radar_spec(model, [], spread=score_group(matrix), spread_kind="iqr")
    (band,) = spec.series
    assert band.lower is not None and band.upper is not None
    assert all(v is not None and 0 <= v <= 5 for v in (*band.lower, *band.upper))


def test_png_has_the_signature_and_decodes_to_the_chart_size(
    model: MaturityModel, ratings: RatingMatrix, profile: Profile
) -> None:
    png = render_radar(radar_spec(model, [profile], spread=score_group(ratings)), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert (image.shape[1], image.shape[0]) == PNG_SIZE
    assert image.min() < 0.5  # something is drawn on the white page


def test_svg_is_xml_with_dimension_labels_scale_and_legend(
    model: MaturityModel, ratings: RatingMatrix, profile: Profile
) -> None:
    twin = build_profile(model, workshop=dict.fromkeys(KEYS, 3), region="Scotland")
    svg = render_radar(radar_spec(model, [profile, twin], spread=score_group(ratings)), "svg")
    root, text = svg_texts(svg)
    assert root.tag == f"{SVG_NS}svg"
    for dim in model.dimensions:
        assert dim.name in group_text(root, f"axis-{dim.key}").replace("\n", " ")
    assert "Structure &" in text  # long names are wrapped onto two lines
    legend = " ".join(group_text(root, "legend").split())
    assert "Norrbotten 2024 (1 not scored)" in legend
    assert "Scotland" in legend and "stakeholders' range (min-max), 4 raters" in legend
    for level in range(6):
        assert f" {level} " in f" {text} "


def test_same_input_gives_same_bytes_and_etag_and_other_input_another(
    model: MaturityModel, profile: Profile
) -> None:
    spec = radar_spec(model, [profile])
    again = radar_spec(model, [profile])
    for fmt in ("png", "svg"):
        first = render_radar(spec, fmt)
        assert render_radar(again, fmt) == first
        assert chart_etag(spec, fmt) == chart_etag(again, fmt)
    changed = build_profile(model, workshop={"funding": 5}, region="Norrbotten", label="2024")
    other = radar_spec(model, [changed])
    etags = {chart_etag(s, f) for s in (spec, other) for f in ("png", "svg", "json")}
    assert len(etags) == 6
    assert render_radar(other, "svg") != render_radar(spec, "svg")


def test_repeated_render_is_served_from_the_cache(model: MaturityModel, profile: Profile) -> None:
    cache = ChartCache(maxsize=1)
    spec = radar_spec(model, [profile], title="cache test")
    first = render_radar(spec, "png", cache)
    assert (cache.stats().hits, cache.stats().misses) == (0, 1)
    assert render_radar(spec, "png", cache) is first
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.size, stats.maxsize) == (1, 1, 1, 1)
    assert render_radar(spec, "png") is not first  # no cache given: drawn afresh
    assert cache.stats() == stats
    other = radar_spec(model, [profile], title="another chart")
    render_radar(other, "png", cache)  # the least recently used chart makes room
    assert cache.stats().size == 1 and cache.get(chart_etag(spec, "png")) is None


def test_a_cache_of_size_zero_keeps_nothing(model: MaturityModel, profile: Profile) -> None:
    cache = ChartCache(maxsize=0)
    spec = radar_spec(model, [profile])
    render_radar(spec, "svg", cache)
    render_radar(spec, "svg", cache)
    assert cache.stats() == cache.stats().model_copy(update={"hits": 0, "misses": 2, "size": 0})
    with pytest.raises(ParameterError):
        ChartCache(maxsize=-1)


def test_concurrent_renders_in_threads_agree(model: MaturityModel, profile: Profile) -> None:
    spec = radar_spec(model, [profile], title="threads")
    expected = render_radar(spec, "svg")
    results: list[bytes] = []

    def work() -> None:
        results.append(render_radar(spec, "svg"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_missing_dimensions_and_empty_profiles_do_not_crash(model: MaturityModel) -> None:
    gappy = build_profile(model, workshop={"readiness": 2, "digital": 4, "funding": 1})
    empty = build_profile(model)
    no_data = RatingMatrix.from_array(model, [[NAN] * len(KEYS), [1, NAN, NAN, NAN, 2]])
    spec = radar_spec(model, [gappy, empty], spread=score_group(no_data))
    assert spec.series[2].values == (None,) * len(KEYS)
    for fmt in ("png", "svg"):
        assert render_radar(spec, fmt)
    _, text = svg_texts(render_radar(spec, "svg"))
    assert "(5 not scored)" in text and "(3 without ratings)" in text


def test_any_number_of_dimensions_and_scale_renders() -> None:
    model = parse_model(make_model_data(keys=("a", "b", "c", "d", "e"), lo=1, hi=7))
    profile = build_profile(model, workshop={"a": 1, "b": 7, "c": 4, "d": 2, "e": 6})
    spec = radar_spec(model, [profile])
    assert (spec.axes.scale_min, spec.axes.scale_max) == (1, 7)
    assert len(spec.axes.dimensions) == 5
    _, text = svg_texts(render_radar(spec, "svg"))
    for level in range(1, 8):
        assert f" {level} " in f" {text} "
    assert " 0 " not in f" {text} "
    png = render_radar(spec, "png")
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == PNG_SIZE[::-1]


def test_user_text_is_drawn_literally(model: MaturityModel) -> None:
    profile = build_profile(model, workshop={"readiness": 1}, region="<b>R&D</b> $x^2$")
    _, text = svg_texts(render_radar(radar_spec(model, [profile]), "svg"))
    assert "<b>R&D</b> $x^2$" in text


def test_bad_input_is_refused_with_a_field(model: MaturityModel, profile: Profile) -> None:
    other = parse_model({**make_model_data(keys=KEYS), "id": "other"})
    with pytest.raises(RatingError) as caught:
        radar_spec(other, [profile])
    assert caught.value.field == "profiles.0.model"
    with pytest.raises(ParameterError):
        radar_spec(model, [])
    with pytest.raises(ParameterError):
        radar_spec(model, [profile], spread_kind="stddev")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        render_radar(radar_spec(model, [profile]), "gif")  # type: ignore[arg-type]
    document = json.loads(spec_json(radar_spec(model, [profile])))
    document["series"][0]["values"][0] = 9
    with pytest.raises(ValueError, match="off the scale"):
        RadarSpec.model_validate(document)
