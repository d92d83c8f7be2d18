"""Maturity models: the shipped YAML files and the deployment's models directory, read-only
and public.

Texts come in the language the request asks for (``Accept-Language`` or ``?lang=``), each
falling back to English where the model has no translation; ``Content-Language`` says which
language the answer is in. A model is answered in one language (a localized model carries no
translations); the list's ``languages`` says which languages each model offers.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from app.deps import ModelsDep, PageDep
from app.language import Language, language_headers
from app.pagination import page_of
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import ModelSummary, Page
from assessment import Dimension, MaturityModel, ModelCatalog, ModelError, UnknownDimensionError

router = APIRouter(
    route_class=ApiRoute, prefix="/models", tags=["models"], responses=problem_responses(404, 422)
)

VersionQuery = Query(None, description="model version; default: the first one loaded")


def _model(
    models: ModelCatalog, model_id: str, version: str | None, language: str, response: Response
) -> MaturityModel:
    try:
        model = models.find(model_id, version).localized(language)
    except ModelError as exc:
        field = "query.version" if version is not None else "path.model_id"
        raise ApiProblem(404, exc.message, field=field) from None
    response.headers.update(language_headers(model.language))
    return model


@router.get("", response_model=Page[ModelSummary], summary="List the available maturity models")
def list_models(
    response: Response,
    language: Language,
    params: PageDep,
    models: ModelsDep,
    model_id: str | None = Query(None, description="only versions of this model"),
) -> Page[ModelSummary]:
    """The default model (for new rounds) first."""
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
        for model in sorted(models.models, key=lambda m: m is not models.default)
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
    model_id: str,
    response: Response,
    language: Language,
    models: ModelsDep,
    version: str | None = VersionQuery,
) -> MaturityModel:
    return _model(models, model_id, version, language, response)


@router.get(
    "/{model_id}/dimensions",
    response_model=Page[Dimension],
    summary="Dimensions of a model",
)
def list_dimensions(
    model_id: str,
    response: Response,
    language: Language,
    params: PageDep,
    models: ModelsDep,
    version: str | None = VersionQuery,
) -> Page[Dimension]:
    return page_of(_model(models, model_id, version, language, response).dimensions, params)


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
    models: ModelsDep,
    version: str | None = VersionQuery,
) -> Dimension:
    model = _model(models, model_id, version, language, response)
    try:
        return model.dimension(key, ("path", "key"))
    except UnknownDimensionError as exc:  # a resource that does not exist
        raise ApiProblem(404, exc.message, field=exc.field) from None
