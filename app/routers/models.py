"""Maturity models: the shipped YAML files and the deployment's models directory, read-only
and public."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.deps import ModelsDep, PageDep
from app.pagination import page_of
from app.problems import ApiProblem, problem_responses
from app.schemas import ModelSummary, Page
from assessment import Dimension, MaturityModel, ModelCatalog, ModelError, UnknownDimensionError

router = APIRouter(prefix="/models", tags=["models"], responses=problem_responses(404, 422))

VersionQuery = Query(None, description="model version; default: the first one loaded")


def _model(models: ModelCatalog, model_id: str, version: str | None) -> MaturityModel:
    try:
        return models.find(model_id, version)
    except ModelError as exc:
        field = "query.version" if version is not None else "path.model_id"
        raise ApiProblem(404, exc.message, field=field) from None


@router.get("", response_model=Page[ModelSummary], summary="List the available maturity models")
def list_models(
    params: PageDep,
    models: ModelsDep,
    model_id: str | None = Query(None, description="only versions of this model"),
) -> Page[ModelSummary]:
    """The default model (for new rounds) first."""
    summaries = [
        ModelSummary(
            id=model.id,
            version=model.version,
            name=model.name,
            source=model.source,
            scale_min=model.scale.min,
            scale_max=model.scale.max,
            dimensions=list(model.keys),
        )
        for model in sorted(models.models, key=lambda m: m is not models.default)
        if model_id is None or model.id == model_id
    ]
    return page_of(summaries, params)


@router.get("/{model_id}", response_model=MaturityModel, summary="A model in full")
def get_model(
    models: ModelsDep, model_id: str, version: str | None = VersionQuery
) -> MaturityModel:
    return _model(models, model_id, version)


@router.get(
    "/{model_id}/dimensions", response_model=Page[Dimension], summary="Dimensions of a model"
)
def list_dimensions(
    params: PageDep,
    models: ModelsDep,
    model_id: str,
    version: str | None = VersionQuery,
) -> Page[Dimension]:
    return page_of(_model(models, model_id, version).dimensions, params)


@router.get(
    "/{model_id}/dimensions/{key}",
    response_model=Dimension,
    summary="One dimension with its level descriptors",
)
def get_dimension(
    models: ModelsDep, model_id: str, key: str, version: str | None = VersionQuery
) -> Dimension:
    model = _model(models, model_id, version)
    try:
        return model.dimension(key, ("path", "key"))
    except UnknownDimensionError as exc:  # a resource that does not exist
        raise ApiProblem(404, exc.message, field=exc.field) from None
