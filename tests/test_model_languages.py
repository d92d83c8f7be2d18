"""Model texts in several languages: translations inside the model file, localized models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assessment import (
    MaturityModel,
    ParameterError,
    RatingMatrix,
    available_models,
    build_profile,
    parse_model,
    radar_spec,
    score_group,
)
from tests.conftest import assert_model_error, make_model_data

Data = dict[str, Any]


def translated_data() -> Data:
    """A small model with a complete Swedish and a partial Italian translation."""
    data = make_model_data(
        bands=[
            {"key": "low", "name": "Low", "min": 0},
            {"key": "high", "name": "High", "min": 3},
        ],
        translations={
            "sv": {"name": "Testmodell", "bands": {"low": "Låg", "high": "Hög"}},
            "it": {"bands": {"high": "Alto"}},
        },
    )
    for dim in data["dimensions"]:
        dim["description"] = f"About {dim['key']}"
        dim["translations"] = {
            "sv": {
                "name": f"{dim['key']} på svenska",
                "description": f"Om {dim['key']}",
                "levels": {level: f"{dim['key']} nivå {level}" for level in range(6)},
            }
        }
    data["dimensions"][0]["translations"]["it"] = {"name": "Alfa"}
    return data


def test_a_localized_model_has_the_same_shape_and_the_translated_texts() -> None:
    model = parse_model(translated_data())
    assert model.languages == ("en", "it", "sv")
    swedish = model.localized("sv")
    assert swedish.language == "sv"
    assert (swedish.id, swedish.version, swedish.keys, swedish.scale) == (
        model.id,
        model.version,
        model.keys,
        model.scale,
    )
    assert swedish.ref == model.ref
    assert swedish.name == "Testmodell"
    assert [b.name for b in swedish.bands] == ["Låg", "Hög"]
    assert [b.min for b in swedish.bands] == [b.min for b in model.bands]
    alpha = swedish.dimension("alpha")
    assert (alpha.name, alpha.description) == ("alpha på svenska", "Om alpha")
    assert alpha.levels == {level: f"alpha nivå {level}" for level in range(6)}
    assert alpha.translations == {} and swedish.translations == {}
    assert "translations" not in swedish.model_dump()
    reloaded = parse_model(swedish.model_dump())  # still a valid model file, now in Swedish
    assert reloaded.model_dump() == swedish.model_dump() and reloaded.language == "sv"


def test_a_partial_translation_falls_back_to_english_text_by_text() -> None:
    model = parse_model(translated_data())
    italian = model.localized("it")
    assert italian.language == "it"
    assert italian.name == model.name
    assert [b.name for b in italian.bands] == ["Low", "Alto"]
    alpha, beta = italian.dimension("alpha"), italian.dimension("beta")
    assert alpha.name == "Alfa"
    assert alpha.description == "About alpha" and alpha.levels == model.dimension("alpha").levels
    assert beta == model.dimension("beta").model_copy(update={"translations": {}})
    assert model.translation_gaps("sv") == ()
    assert model.translation_gaps("it-IT") == (
        "translations.it.name",
        "translations.it.bands.low",
        "dimensions.0.translations.it.description",
        "dimensions.0.translations.it.levels",
        *(
            f"dimensions.{index}.translations.it.{field}"
            for index in (1, 2)
            for field in ("name", "description", "levels")
        ),
    )


def test_languages_are_matched_like_accept_language_and_unknown_ones_show_english() -> None:
    model = parse_model(translated_data())
    assert model.localized("sv-SE").language == "sv"
    assert model.localized("SV").name == "Testmodell"
    english = model.localized("fr")
    assert english.language == "en" and english.name == model.name
    assert english.dimension("alpha").levels == model.dimension("alpha").levels
    assert model.localized("en") == english
    with pytest.raises(ParameterError) as caught:
        model.localized("not a language")
    assert caught.value.field == "language"


def test_localizing_again_starts_from_the_original_and_is_cached() -> None:
    model = parse_model(translated_data())
    swedish = model.localized("sv")
    assert swedish.languages == model.languages
    assert swedish.localized("it") is model.localized("it")
    assert swedish.localized("en").name == model.name
    assert model.localized("sv") is swedish


def test_a_model_without_translations_shows_english() -> None:
    model = parse_model(make_model_data())
    assert model.languages == ("en",)
    same = model.localized("sv")
    assert same.language == "en"
    assert [d.name for d in same.dimensions] == [d.name for d in model.dimensions]
    assert [b.name for b in same.effective_bands] == ["Initial", "Progressing", "Optimising"]
    assert len(model.translation_gaps("sv")) == 1 + 3 + 2 * 3  # name, bands, name+levels


def test_default_bands_of_a_translated_model_come_from_the_catalogue() -> None:
    model = parse_model(make_model_data(translations={"sv": {"name": "Testmodell"}}))
    assert [b.name for b in model.localized("sv").effective_bands] == [
        "Inledande",
        "Under utveckling",
        "Optimerande",
    ]
    assert model.effective_bands[0].name == "Initial"


def test_results_from_a_localized_model_are_comparable_with_the_original() -> None:
    model = parse_model(translated_data())
    swedish = model.localized("sv")
    rows = [{"rater": "a", "dimension": "alpha", "score": 3}]
    group = score_group(RatingMatrix.from_ratings(swedish, rows))
    assert group.model == model.ref
    assert group.by_key()["alpha"].band == "high"
    profile = build_profile(model, group=group)
    spec = radar_spec(swedish, [profile])
    assert spec.axes.dimensions[0].name == "alpha på svenska"
    assert spec.model_name == "Testmodell"


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _drop_level(data: Data) -> None:
    data["dimensions"][1]["translations"]["sv"]["levels"].pop(4)


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (_set(("translations", "qq"), {"name": "?"}), "translations.qq", "unknown language 'qq'"),
        (
            _set(("translations", "swedish"), {"name": "?"}),
            "translations.swedish",
            "not a language tag",
        ),
        (
            _set(("translations", "SV"), {}),
            "translations.SV",
            "write the language tag 'SV' as 'sv'",
        ),
        (
            _set(("translations", "en"), {"name": "Test"}),
            "translations.en",
            "needs no translation into it",
        ),
        (_set(("language",), "xx-YY"), "language", "unknown language 'xx-YY'"),
        (
            _set(("dimensions", 2, "translations", "de"), {"name": "Gamma"}),
            "dimensions.2.translations.de",
            "language 'de' is not among the model's translations (declared at the top: it, sv)",
        ),
        (_drop_level, "dimensions.1.translations.sv.levels", "missing levels [4]"),
        (
            _set(("dimensions", 0, "translations", "sv", "levels", 9), "nio"),
            "dimensions.0.translations.sv.levels",
            "levels [9] outside the scale",
        ),
        (
            _set(("translations", "sv", "bands", "middle"), "Mitten"),
            "translations.sv.bands.middle",
            "unknown band 'middle' (bands are low, high)",
        ),
        (
            _set(("dimensions", 0, "translations", "sv", "name"), "  "),
            "dimensions.0.translations.sv.name",
            "at least 1 character",
        ),
        (
            _set(("dimensions", 0, "translations", "sv", "title"), "Alfa"),
            "dimensions.0.translations.sv.title",
            "Extra inputs are not permitted",
        ),
        (
            _set(("dimensions", 0, "translations", "sv", "levels", 2), ""),
            "dimensions.0.translations.sv.levels.2",
            "at least 1 character",
        ),
    ],
)
def test_bad_translations_are_errors_that_name_the_place(
    mutate: Callable[[Data], None], field: str, message: str
) -> None:
    data = translated_data()
    mutate(data)
    assert_model_error(data, field, message)


def test_shipped_models_offer_english_swedish_and_italian() -> None:
    for model in available_models():
        assert model.languages == ("en", "it", "sv"), model.ref


@pytest.mark.parametrize("language", ["sv", "it"])
@pytest.mark.parametrize("model", available_models(), ids=lambda m: f"{m.id}-{m.version}")
def test_shipped_translations_are_complete(model: MaturityModel, language: str) -> None:
    """Every dimension, every level, the model's name and every band, in each language: a
    rater must never meet an English text in a translated questionnaire."""
    assert model.translation_gaps(language) == ()
    localized = model.localized(language)
    assert localized.name != model.name
    assert [b.name for b in localized.bands] != [b.name for b in model.bands]
    for original, translated in zip(model.dimensions, localized.dimensions, strict=True):
        assert translated.name != original.name, (language, original.key)
        assert translated.description != original.description, (language, original.key)
        for level, text in original.levels.items():
            assert translated.levels[level] not in ("", text), (language, original.key, level)
