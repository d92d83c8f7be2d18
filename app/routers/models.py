"""Maturity models: shipped YAML files, read-only and public."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from app.pagination import PageParams, page_of, page_params
from app.problems import ApiProblem, problem_responses
from app.schemas import ModelSummary, Page
from assessment import Dimension, MaturityModel, ModelError, available_models, find_model

router = APIRouter(prefix="/models", tags=["models"], responses=problem_responses(404, 422))

VersionQuery = Query(None, description="model version; default: the first shipped")


def _model(model_id: str, version: str | None) -> MaturityModel:
    try:
        return find_model(model_id, version)
    except ModelError as exc:
        field = "query.version" if version is not None else "path.model_id"
        raise ApiProblem(404, exc.message, field=field) from None


@router.get("", response_model=Page[ModelSummary], summary="List the shipped maturity models")
def list_models(
    model_id: str | None = Query(None, description="only versions of this model"),
    params: PageParams = Depends(page_params),
) -> Page[ModelSummary]:
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
        for model in available_models()
        if model_id is None or model.id == model_id
    ]
    return page_of(summaries, params)


@router.get("/{model_id}", response_model=MaturityModel, summary="A model in full")
def get_model(model_id: str, version: str | None = VersionQuery) -> MaturityModel:
    return _model(model_id, version)


@router.get(
    "/{model_id}/dimensions", response_model=Page[Dimension], summary="Dimensions of a model"
)
def list_dimensions(
    model_id: str,
    version: str | None = VersionQuery,
    params: PageParams = Depends(page_params),
) -> Page[Dimension]:
    return page_of(_model(model_id, version).dimensions, params)


@router.get(
    "/{model_id}/dimensions/{key}",
    response_model=Dimension,
    summary="One dimension with its level descriptors",
)
def get_dimension(model_id: str, key: str, version: str | None = VersionQuery) -> Dimension:
    model = _model(model_id, version)
    if key not in model.keys:
        raise ApiProblem(404, f"model {model.id} has no dimension {key!r}", field="path.key")
    return model.dimension(key)
