from pathlib import Path

import pytest
import yaml

from assessment import (
    ModelCatalog,
    ModelError,
    ParameterError,
    RatingError,
    UnknownDimensionError,
    available_models,
    default_model,
    find_model,
    load_model,
    parse_model,
)
from tests.conftest import assert_model_error, make_model_data

SCIROCCO_KEYS = (
    "readiness_to_change",
    "structure_governance",
    "digital_infrastructure",
    "process_coordination",
    "funding",
    "removal_of_inhibitors",
    "population_approach",
    "citizen_empowerment",
    "evaluation_methods",
    "breadth_of_ambition",
    "innovation_management",
    "capacity_building",
)


def test_shipped_model_is_scirocco_exchange_with_twelve_described_dimensions() -> None:
    model = default_model()
    assert (model.id, model.version) == ("scirocco", "2019-22")
    assert model.keys == SCIROCCO_KEYS
    assert [d.number for d in model.dimensions] == list(range(1, 13))
    assert (model.scale.min, model.scale.max) == (0, 5)
    for dim in model.dimensions:
        assert sorted(dim.levels) == [0, 1, 2, 3, 4, 5]
        assert all(text.strip() for text in dim.levels.values())
        assert dim.description.strip()
    assert [b.key for b in model.bands] == ["initial", "progressing", "optimising"]


def test_earlier_model_version_ships_beside_the_default() -> None:
    older = find_model("scirocco", "2016-19")
    assert older.keys[2:4] == ("information_ehealth_services", "standardisation_simplification")
    assert len(available_models()) >= 2
    with pytest.raises(ModelError, match="unknown model nope"):
        find_model("nope")


def test_any_model_shape_loads_not_just_twelve_dimensions_on_zero_to_five(
    tmp_path: Path,
) -> None:
    data = make_model_data(keys=("a", "b", "c", "d", "e"), lo=1, hi=7)
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(data))
    model = load_model(path)
    assert model.keys == ("a", "b", "c", "d", "e")
    assert [b.min for b in model.effective_bands] == [1, 5, 7]


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (
            lambda d: d["dimensions"].append(dict(d["dimensions"][0])),
            "dimensions.3.key",
            "duplicate dimension key 'alpha'",
        ),
        (
            lambda d: d["dimensions"][1]["levels"].pop(4),
            "dimensions.1.levels",
            "missing levels [4]",
        ),
        (
            lambda d: d["dimensions"][2]["levels"].update({9: "x"}),
            "dimensions.2.levels",
            "levels [9] outside the scale",
        ),
        (lambda d: d.update(scale={"min": 5, "max": 0}), "scale", "must be greater than min"),
        (lambda d: d["dimensions"][0].pop("name"), "dimensions.0.name", "Field required"),
        (lambda d: d.update(colour="red"), "colour", "Extra inputs are not permitted"),
        (lambda d: d["dimensions"][0].update(key="Bad Key"), "dimensions.0.key", "pattern"),
        (lambda d: d.update(dimensions=[]), "dimensions", "at least 1"),
        (
            lambda d: d.update(
                bands=[{"key": "x", "name": "X", "min": 2}, {"key": "y", "name": "Y", "min": 1}]
            ),
            "bands",
            "strictly increasing",
        ),
    ],
)
def test_invalid_models_name_the_place_at_fault(mutate, field, message) -> None:  # type: ignore[no-untyped-def]
    data = make_model_data()
    mutate(data)
    assert_model_error(data, field, message)


def test_unreadable_or_non_yaml_model_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read model file"):
        load_model(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed")
    with pytest.raises(ModelError, match="not valid YAML"):
        load_model(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ModelError, match="mapping at the top level"):
        load_model(listy)


# --- the catalog: shipped models plus a deployment's directory ------------------------------


def _write(directory: Path, name: str, **changes: object) -> Path:
    data = make_model_data(**changes)  # type: ignore[arg-type]
    path = directory / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_models_directory_adds_models_beside_the_shipped_ones(tmp_path: Path) -> None:
    _write(tmp_path, "b.yaml", keys=("x", "y"))
    (tmp_path / "notes.txt").write_text("not a model")
    catalog = ModelCatalog(tmp_path)
    assert catalog.models[: len(available_models())] == available_models()
    assert catalog.find("test-model").keys == ("x", "y")
    assert catalog.default is default_model()
    assert available_models(tmp_path) == catalog.models
    assert find_model("test-model", "1", extra_dir=tmp_path).keys == ("x", "y")
    with pytest.raises(ModelError):
        find_model("test-model")  # not without the directory


def test_the_default_model_is_a_choice_of_the_catalog(tmp_path: Path) -> None:
    _write(tmp_path, "mini.yaml", keys=("x", "y"), lo=1, hi=4)
    catalog = ModelCatalog(tmp_path, default_id="test-model")
    assert catalog.default.id == "test-model" and catalog.resolve(None) is catalog.default
    assert catalog.resolve("scirocco", "2016-19").version == "2016-19"
    with pytest.raises(ModelError, match="unknown model nope"):
        ModelCatalog(tmp_path, default_id="nope")


def test_a_model_defined_twice_or_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml")
    _write(tmp_path, "b.yaml", keys=("z",))
    with pytest.raises(ModelError, match=r"defined already by .*a\.yaml"):
        ModelCatalog(tmp_path)
    shipped = tmp_path / "again"
    shipped.mkdir()
    _write(shipped, "s.yaml", id="scirocco", version="2019-22")
    with pytest.raises(ModelError, match="defined already by the shipped models"):
        ModelCatalog(shipped)
    with pytest.raises(ModelError, match="does not exist"):
        ModelCatalog(tmp_path / "nowhere")


def test_one_lookup_names_an_unknown_dimension_where_it_was_found() -> None:
    model = parse_model(make_model_data())
    assert model.index("beta") == 1 and model.dimension("gamma").key == "gamma"
    with pytest.raises(UnknownDimensionError) as caught:
        model.index("omega", ("ratings", 3, "dimension"))
    assert caught.value.field == "ratings.3.dimension"
    assert "unknown dimension 'omega'" in caught.value.message
    assert "alpha, beta, gamma" in caught.value.message
    # Callers catching the error kind of their input still see it.
    assert isinstance(caught.value, RatingError) and isinstance(caught.value, ParameterError)
