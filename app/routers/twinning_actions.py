"""The action plan of a twinning in theory-of-change form (Effektlogik): per prioritised
challenge area the current and desired situation, outcomes, activities and resources, with an
owner, a due date and a status; filed under a challenge category, a dimension of the model, or
both (``assessment.twinning.plan``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlmodel import Session, col, select

from app.deps import ModelsDep, PageDep, PrincipalDep, SessionDep
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, Page
from app.schemas_twinning import ActionIn, ActionOut, ActionUpdate
from app.services.twinnings import (
    action_out,
    apply_changes,
    patch_changes,
    save,
    twinning_for,
    twinning_model,
    utc_today,
)
from app.tables_twinning import ActionRow, Twinning
from assessment import AssessmentError, ModelCatalog
from assessment.twinning import ActionStatus, ChallengeCategory, check_area

router = APIRouter(
    route_class=ApiRoute, tags=["twinnings"], responses=problem_responses(400, 401, 403, 404, 422)
)


def _check_area(
    models: ModelCatalog, twinning: Twinning, category: Any, dimension: str | None
) -> None:
    try:
        check_area(twinning_model(models, twinning), category, dimension)
    except AssessmentError as exc:
        raise exc.within("body") from None


def _action(session: Session, twinning: Twinning, action_id: int) -> ActionRow:
    row = session.get(ActionRow, action_id)
    if row is None or row.twinning_id != twinning.id:
        raise ApiProblem(
            404, f"twinning {twinning.id} has no action {action_id}", field="path.action_id"
        )
    return row


@router.get(
    "/twinnings/{twinning_id}/actions",
    response_model=Page[ActionOut],
    summary="The action plan (theory of change per prioritised area)",
)
def list_twinning_actions(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    params: PageDep,
    status: ActionStatus | None = None,
    category: ChallengeCategory | None = None,
) -> Page[ActionOut]:
    twinning_for(session, twinning_id, principal)
    query = select(ActionRow).where(ActionRow.twinning_id == twinning_id)
    if status is not None:
        query = query.where(ActionRow.status == status.value)
    if category is not None:
        query = query.where(ActionRow.category == category.value)
    page = paginate(session, query.order_by(col(ActionRow.id)), params)
    today = utc_today()
    return Page[ActionOut](
        items=[action_out(row, today) for row in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/twinnings/{twinning_id}/actions",
    response_model=ActionOut,
    status_code=201,
    summary="Add an item to the action plan",
)
def create_twinning_action(
    twinning_id: Id,
    body: ActionIn,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> ActionOut:
    """Filed under a challenge category, a dimension of the twinning's model, or both."""
    twinning = twinning_for(session, twinning_id, principal, write=True)
    _check_area(models, twinning, body.category, body.dimension)
    row = ActionRow(twinning_id=twinning_id, **body.model_dump(mode="json", exclude={"due_date"}))
    row.due_date = body.due_date
    save(session, row)
    return action_out(row, utc_today())


@router.get(
    "/twinnings/{twinning_id}/actions/{action_id}",
    response_model=ActionOut,
    summary="One item of the action plan",
)
def get_twinning_action(
    twinning_id: Id,
    action_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> ActionOut:
    twinning = twinning_for(session, twinning_id, principal)
    return action_out(_action(session, twinning, action_id), utc_today())


@router.patch(
    "/twinnings/{twinning_id}/actions/{action_id}",
    response_model=ActionOut,
    summary="Change an item of the action plan (e.g. its status)",
)
def update_twinning_action(
    twinning_id: Id,
    action_id: Id,
    body: ActionUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    models: ModelsDep,
) -> ActionOut:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    row = _action(session, twinning, action_id)
    changes = patch_changes(body, "title", "status")
    _check_area(
        models,
        twinning,
        changes.get("category", row.category),
        changes.get("dimension", row.dimension),
    )
    apply_changes(row, changes)
    save(session, row)
    return action_out(row, utc_today())


@router.delete(
    "/twinnings/{twinning_id}/actions/{action_id}",
    status_code=204,
    response_class=Response,
    summary="Remove an item of the action plan",
)
def delete_twinning_action(
    twinning_id: Id,
    action_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    twinning = twinning_for(session, twinning_id, principal, write=True)
    session.delete(_action(session, twinning, action_id))
    session.commit()
    return Response(status_code=204)
