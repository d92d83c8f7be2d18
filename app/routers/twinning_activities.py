"""Activities of twinnings: study visits, workshops, webinars, knowledge-sharing events.

One activity may join several twinnings (the three Procure4Health twinnings of Lund-Helsingborg,
Höganäs-Lidingö and Ystad-Ängelholm shared two digital events): an activity is created under
one twinning and other twinnings join it. A key reads an activity through any twinning it may
read, and changes it through any twinning it may change; an activity no twinning holds any
more is deleted.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import Session

from app.auth import Principal
from app.deps import PageDep, PrincipalDep, SessionDep
from app.pagination import page_of
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, Page
from app.schemas_twinning import ActivityIn, ActivityOut, ActivityUpdate
from app.services.twinnings import (
    activities_of,
    activity_out,
    apply_changes,
    can_read,
    can_write,
    linked_twinnings,
    patch_changes,
    save,
    twinning_for,
)
from app.store import get_or_404
from app.tables_twinning import ActivityLink, TwinningActivity

router = APIRouter(
    route_class=ApiRoute, tags=["twinnings"], responses=problem_responses(400, 401, 403, 404, 422)
)


def _activity(
    session: Session, activity_id: int, principal: Principal, *, write: bool = False
) -> TwinningActivity:
    """An activity the key may read (through any twinning it joins) or change."""
    row = get_or_404(session, TwinningActivity, activity_id, "path.activity_id")
    twinnings = linked_twinnings(session, activity_id)
    allowed = can_write if write else can_read
    if not any(allowed(principal, t) for t in twinnings):
        verb = "change" if write else "read"
        raise ApiProblem(403, f"this key cannot {verb} activity {activity_id}")
    return row


@router.get(
    "/twinnings/{twinning_id}/activities",
    response_model=Page[ActivityOut],
    summary="Study visits, workshops, webinars and events of a twinning, by date",
)
def list_twinning_activities(
    twinning_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    params: PageDep,
) -> Page[ActivityOut]:
    twinning_for(session, twinning_id, principal)
    rows = [activity_out(session, a) for a in activities_of(session, twinning_id)]
    return page_of(rows, params)


@router.post(
    "/twinnings/{twinning_id}/activities",
    response_model=ActivityOut,
    status_code=201,
    summary="Record an activity of this twinning",
)
def create_twinning_activity(
    twinning_id: Id,
    body: ActivityIn,
    principal: PrincipalDep,
    session: SessionDep,
) -> ActivityOut:
    """Other twinnings that took part in the same event join it with
    ``PUT /twinnings/{their id}/activities/{activity id}``."""
    twinning_for(session, twinning_id, principal, write=True)
    row = TwinningActivity(**body.model_dump(mode="json"))
    row.date = body.date
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add(ActivityLink(twinning_id=twinning_id, activity_id=row.id))
    session.commit()
    return activity_out(session, row)


@router.put(
    "/twinnings/{twinning_id}/activities/{activity_id}",
    response_model=ActivityOut,
    summary="Join an existing activity (a shared event) to this twinning",
)
def link_twinning_activity(
    twinning_id: Id,
    activity_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> ActivityOut:
    """The key must be able to change this twinning and read the activity; linking twice
    changes nothing."""
    twinning_for(session, twinning_id, principal, write=True)
    row = _activity(session, activity_id, principal)
    existing = session.get(ActivityLink, (twinning_id, activity_id))
    if existing is None:
        session.add(ActivityLink(twinning_id=twinning_id, activity_id=activity_id))
        session.commit()
    return activity_out(session, row)


@router.delete(
    "/twinnings/{twinning_id}/activities/{activity_id}",
    status_code=204,
    response_class=Response,
    summary="Take an activity out of this twinning (deleted when no twinning is left)",
)
def unlink_twinning_activity(
    twinning_id: Id,
    activity_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    twinning_for(session, twinning_id, principal, write=True)
    link = session.get(ActivityLink, (twinning_id, activity_id))
    if link is None:
        raise ApiProblem(
            404,
            f"twinning {twinning_id} has no activity {activity_id}",
            field="path.activity_id",
        )
    session.delete(link)
    session.flush()
    if not linked_twinnings(session, activity_id):
        activity = session.get(TwinningActivity, activity_id)
        if activity is not None:
            session.delete(activity)
    session.commit()
    return Response(status_code=204)


@router.get(
    "/activities/{activity_id}",
    response_model=ActivityOut,
    summary="An activity, with every twinning it joins",
)
def get_activity(
    activity_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
) -> ActivityOut:
    return activity_out(session, _activity(session, activity_id, principal))


@router.patch(
    "/activities/{activity_id}",
    response_model=ActivityOut,
    summary="Change an activity (for every twinning it joins)",
)
def update_activity(
    activity_id: Id,
    body: ActivityUpdate,
    principal: PrincipalDep,
    session: SessionDep,
) -> ActivityOut:
    row = _activity(session, activity_id, principal, write=True)
    apply_changes(row, patch_changes(body, "kind", "title", "format"))
    save(session, row)
    return activity_out(session, row)
