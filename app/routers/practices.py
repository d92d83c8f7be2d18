"""Good practices over HTTP: a practice is rated with the model's dimensions as the minimum
maturity it needs, and a region sees which practices of a model its current profile on that
model can take up (``assessment.practices``; README, "Good practices").
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth import ensure_can_read
from app.deps import (
    CoordinatorDep,
    ModelsDep,
    PageDep,
    PrincipalDep,
    QueryModelDep,
    SessionDep,
    SettingsDep,
)
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, Page, Score, UtcDatetime, _Out
from app.services.profiles import round_results
from app.store import (
    current_rounds,
    ensure_room,
    get_or_404,
    published_rounds,
    resolve_model,
)
from app.tables import Region, utcnow
from app.tables_matching import GoodPracticeRow
from app.text import Name, name_key
from assessment import (
    AssessmentError,
    MaturityModel,
    PracticeReport,
    parse_practice,
    practice_gaps,
)

router = APIRouter(
    route_class=ApiRoute, tags=["practices"], responses=problem_responses(400, 401, 403, 404, 422)
)


class PracticeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Innovation procurement pathway",
                    "transferring_region_id": 2,
                    "requirements": {"structure_governance": 3, "funding": 2},
                }
            ]
        },
    )

    name: Name
    description: str = Field(default="", max_length=10_000)
    transferring_region_id: Id | None = None
    model_id: str | None = None
    model_version: str | None = None
    requirements: dict[str, Score] = Field(description="dimension key -> minimum level")


class PracticeUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"requirements": {"innovation_management": 2}}]},
    )

    name: Name | None = None
    description: str | None = Field(default=None, max_length=10_000)
    transferring_region_id: Id | None = None
    requirements: dict[str, Score] | None = None


class PracticeOut(_Out):
    id: int
    name: str
    description: str
    transferring_region_id: Id | None
    model_id: str
    model_version: str
    requirements: dict[str, int]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class RegionPractices(BaseModel):
    region_id: Id
    round_id: Id
    report: PracticeReport = Field(description="practice_id is the practice's id as text")


def _checked_requirements(
    model: MaturityModel, name: str, requirements: dict[str, int]
) -> dict[str, int]:
    try:
        practice = parse_practice(model, {"id": "new", "name": name, "requirements": requirements})
    except AssessmentError as exc:
        raise exc.within("body") from None
    return dict(practice.requirements)


def _check_practice_refs(
    session: Session, name: str, region_id: Id | None, own: int | None
) -> None:
    if region_id is not None and session.get(Region, region_id) is None:
        raise ApiProblem(422, f"no region with id {region_id}", field="body.transferring_region_id")
    clash = session.exec(
        select(GoodPracticeRow).where(GoodPracticeRow.name_key == name_key(name))
    ).first()
    if clash is not None and clash.id != own:
        raise ApiProblem(409, f"a practice named {clash.name!r} exists already", field="body.name")


def _commit_practice(session: Session, row: GoodPracticeRow) -> GoodPracticeRow:
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # a concurrent insert of the same name
        session.rollback()
        raise ApiProblem(
            409, f"a practice named {row.name!r} exists already", field="body.name"
        ) from None
    return row


@router.post(
    "/practices",
    response_model=PracticeOut,
    status_code=201,
    summary="Record a good practice and the levels it needs (coordinator or admin)",
    responses=problem_responses(409),
)
def create_practice(
    body: PracticeIn,
    _: CoordinatorDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
) -> GoodPracticeRow:
    ensure_room(
        session,
        select(GoodPracticeRow.id),
        settings.max_practices,
        "as many good practices as allowed",
        "max_practices",
        "body",
    )
    model = resolve_model(models, body.model_id, body.model_version, "body.model_id")
    requirements = _checked_requirements(model, body.name, body.requirements)
    _check_practice_refs(session, body.name, body.transferring_region_id, None)
    row = GoodPracticeRow(
        name=body.name,
        description=body.description,
        transferring_region_id=body.transferring_region_id,
        model_id=model.id,
        model_version=model.version,
        requirements=requirements,
    )
    return _commit_practice(session, row)


@router.get(
    "/practices",
    response_model=Page[PracticeOut],
    summary="Good practices (coordinator or admin)",
)
def list_practices(
    params: PageDep,
    _: CoordinatorDep,
    session: SessionDep,
    transferring_region_id: Id | None = None,
) -> Page[GoodPracticeRow]:
    query = select(GoodPracticeRow).order_by(col(GoodPracticeRow.name))
    if transferring_region_id is not None:
        query = query.where(GoodPracticeRow.transferring_region_id == transferring_region_id)
    return paginate(session, query, params)


@router.get(
    "/practices/{practice_id}",
    response_model=PracticeOut,
    summary="A good practice (coordinator or admin)",
)
def get_practice(
    practice_id: Id,
    _: CoordinatorDep,
    session: SessionDep,
) -> GoodPracticeRow:
    return get_or_404(session, GoodPracticeRow, practice_id, "path.practice_id")


@router.patch(
    "/practices/{practice_id}",
    response_model=PracticeOut,
    summary="Change a good practice (coordinator or admin)",
    responses=problem_responses(409),
)
def update_practice(
    practice_id: Id,
    body: PracticeUpdate,
    _: CoordinatorDep,
    session: SessionDep,
    models: ModelsDep,
) -> GoodPracticeRow:
    row = get_or_404(session, GoodPracticeRow, practice_id, "path.practice_id")
    changes = body.model_dump(exclude_unset=True)
    for name in ("name", "description", "requirements"):
        if name in changes and changes[name] is None:
            raise ApiProblem(422, f"{name} cannot be null", field=f"body.{name}")
    if "requirements" in changes:
        model = models.find(row.model_id, row.model_version)
        changes["requirements"] = _checked_requirements(
            model, changes.get("name", row.name), changes["requirements"]
        )
    _check_practice_refs(
        session,
        changes.get("name", row.name),
        changes.get("transferring_region_id", row.transferring_region_id),
        row.id,
    )
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    return _commit_practice(session, row)


@router.delete(
    "/practices/{practice_id}",
    status_code=204,
    summary="Delete a good practice (coordinator or admin)",
)
def delete_practice(
    practice_id: Id,
    _: CoordinatorDep,
    session: SessionDep,
) -> Response:
    session.delete(get_or_404(session, GoodPracticeRow, practice_id, "path.practice_id"))
    session.commit()
    return Response(status_code=204)


@router.get(
    "/regions/{region_id}/practices",
    response_model=RegionPractices,
    summary="Which good practices of a model the region's current profile can take up",
)
def get_region_practices(
    region_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
    model: QueryModelDep,
) -> RegionPractices:
    """Practices of one model (``?model_id=``, ``?model_version=``; default the deployment's
    default model), feasible first, against the region's latest published round on that
    model, as matching reads it: a round on another model does not hide it, and a
    re-assessment on a newer version of the model supersedes the older version (404 naming
    ``query.model_version``, with the version to ask for). Readable by whoever reads the
    region. An unscored dimension counts as a gap from the scale minimum and is listed as
    unknown."""
    ensure_can_read(principal, region_id)
    get_or_404(session, Region, region_id, "path.region_id")
    on_model = [r for r in published_rounds(session, region_id) if r.model_id == model.id]
    latest = current_rounds(on_model, model).get(region_id)
    if latest is None:
        if on_model:
            raise ApiProblem(
                404,
                f"region {region_id}'s latest published round on {model.id} is of version "
                f"{on_model[-1].model_version}, not {model.version}: ask for that version",
                field="query.model_version",
            )
        raise ApiProblem(
            404,
            f"region {region_id} has no published round on {model.id} {model.version} yet",
            field="path.region_id",
        )
    assert latest.id is not None
    rows = session.exec(
        select(GoodPracticeRow)
        .where(
            GoodPracticeRow.model_id == model.id,
            GoodPracticeRow.model_version == model.version,
        )
        .order_by(col(GoodPracticeRow.id))
    ).all()
    practices = [
        {
            "id": str(row.id),
            "name": row.name,
            "description": row.description,
            "transferring_region": None
            if row.transferring_region_id is None
            else str(row.transferring_region_id),
            "requirements": row.requirements,
        }
        for row in rows
    ]
    report = practice_gaps(model, round_results(session, models, [latest])[0].profile, practices)
    return RegionPractices(region_id=region_id, round_id=latest.id, report=report)
