"""Maturity models: shipped YAML files, read-only and public.

Texts come in the language the request asks for (``Accept-Language`` or ``?lang=``), each
falling back to English where the model has no translation; ``Content-Language`` says which
language the answer is in. A model is answered in one language (a localized model carries no
translations); the list's ``languages`` says which languages each model offers.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from app.language import Language, language_headers
from app.pagination import PageParams, page_of, page_params
from app.problems import ApiProblem, problem_responses
from app.schemas import ModelSummary, Page
from assessment import Dimension, MaturityModel, ModelError, available_models, find_model

router = APIRouter(prefix="/models", tags=["models"], responses=problem_responses(404, 422))

VersionQuery = Query(None, description="model version; default: the first shipped")


def _model(model_id: str, version: str | None, language: str, response: Response) -> MaturityModel:
    try:
        model = find_model(model_id, version).localized(language)
    except ModelError as exc:
        field = "query.version" if version is not None else "path.model_id"
        raise ApiProblem(404, exc.message, field=field) from None
    response.headers.update(language_headers(model.language))
    return model


@router.get("", response_model=Page[ModelSummary], summary="List the shipped maturity models")
def list_models(
    response: Response,
    language: Language,
    model_id: str | None = Query(None, description="only versions of this model"),
    params: PageParams = Depends(page_params),
) -> Page[ModelSummary]:
    summaries = [
        ModelSummary(
            id=model.id,
            version=model.version,
            name=model.localized(language).name,
            source=model.source,
            scale_min=model.scale.min,
            scale_max=model.scale.max,
            dimensions=list(model.keys),
            languages=list(model.languages),
        )
        for model in available_models()
        if model_id is None or model.id == model_id
    ]
    response.headers.update(language_headers(language))
    return page_of(summaries, params)


@router.get(
    "/{model_id}",
    response_model=MaturityModel,
    summary="A model in full, in the asked language",
)
def get_model(
    model_id: str, response: Response, language: Language, version: str | None = VersionQuery
) -> MaturityModel:
    return _model(model_id, version, language, response)


@router.get(
    "/{model_id}/dimensions",
    response_model=Page[Dimension],
    summary="Dimensions of a model",
)
def list_dimensions(
    model_id: str,
    response: Response,
    language: Language,
    version: str | None = VersionQuery,
    params: PageParams = Depends(page_params),
) -> Page[Dimension]:
    return page_of(_model(model_id, version, language, response).dimensions, params)


@router.get(
    "/{model_id}/dimensions/{key}",
    response_model=Dimension,
    summary="One dimension with its level descriptors",
)
def get_dimension(
    model_id: str,
    key: str,
    response: Response,
    language: Language,
    version: str | None = VersionQuery,
) -> Dimension:
    model = _model(model_id, version, language, response)
    if key not in model.keys:
        raise ApiProblem(404, f"model {model.id} has no dimension {key!r}", field="path.key")
    return model.dimension(key)
