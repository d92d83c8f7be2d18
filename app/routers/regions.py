"""Regions (organisations being assessed) and their stakeholders."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, col, or_, select

from app.auth import Principal, ensure_can_manage, ensure_can_read, require_key
from app.deps import (
    AdminDep,
    KeyCacheDep,
    OptionalPrincipalDep,
    PageDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
)
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import (
    Id,
    Page,
    RegionCreate,
    RegionKind,
    RegionOut,
    RegionUpdate,
    StakeholderCreate,
    StakeholderOut,
    StakeholderUpdate,
)
from app.store import ensure_room, get_or_404, lock_region
from app.tables import AssessmentRound, Region, Role, Stakeholder
from app.text import name_key

router = APIRouter(
    route_class=ApiRoute, tags=["regions"], responses=problem_responses(400, 401, 403, 404, 422)
)


def _check_parent(session: Session, region_id: Id | None, parent_id: Id | None) -> None:
    """The parent exists and is not the region itself or one of its descendants."""
    seen = {region_id}
    current = parent_id
    while current is not None:
        if current in seen:
            raise ApiProblem(422, "a region cannot be its own ancestor", field="body.parent_id")
        parent = session.get(Region, current)
        if parent is None:
            raise ApiProblem(422, f"no region with id {current}", field="body.parent_id")
        seen.add(current)
        current = parent.parent_id


def _check_parent_change(principal: Principal, parent_id: Id | None) -> None:
    """Where a region sits decides who sees it beside its parent and whether the parent can
    be deleted: only admins move regions, except into a region the caller manages too."""
    if principal.is_admin:
        return
    if parent_id is None or not principal.can_manage_region(parent_id):
        raise ApiProblem(
            403,
            "only an admin may change a region's parent, except to a region this key manages",
            field="body.parent_id",
        )


def _check_unique_name(session: Session, name: str, region_id: Id | None) -> None:
    """Names are unique by ``name_key``: "Skåne", "skåne " and "SKÅNE" are one name."""
    clash = session.exec(select(Region).where(Region.name_key == name_key(name))).first()
    if clash is not None and clash.id != region_id:
        raise ApiProblem(409, f"a region named {clash.name!r} exists already", field="body.name")


@router.get("/regions", response_model=Page[RegionOut], summary="List regions")
def list_regions(
    params: PageDep,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    country: str | None = Query(None, pattern=r"^[A-Z]{2}$"),
    kind: RegionKind | None = None,
    parent_id: Id | None = None,
    q: str | None = Query(None, max_length=200, description="name contains (any case)"),
) -> Page[Region]:
    """Regions with public profiles, and those the key may read: every region for admins
    and coordinators, a member's own region besides the public ones."""
    query = select(Region).order_by(col(Region.name))
    if principal is None:
        query = query.where(col(Region.public_profile).is_(True))
    elif principal.role is Role.MEMBER:
        query = query.where(
            or_(col(Region.public_profile).is_(True), Region.id == principal.region_id)
        )
    if country is not None:
        query = query.where(Region.country == country)
    if kind is not None:
        query = query.where(Region.kind == kind)
    if parent_id is not None:
        query = query.where(Region.parent_id == parent_id)
    if q:
        query = query.where(col(Region.name).ilike(f"%{q}%"))
    return paginate(session, query, params)


@router.post(
    "/regions",
    response_model=RegionOut,
    status_code=201,
    summary="Create a region (admin)",
    responses=problem_responses(409),
)
def create_region(
    body: RegionCreate,
    _: AdminDep,
    session: SessionDep,
) -> Region:
    _check_unique_name(session, body.name, None)
    _check_parent(session, None, body.parent_id)
    region = Region.model_validate(body.model_dump())
    session.add(region)
    session.commit()
    return region


@router.get("/regions/{region_id}", response_model=RegionOut, summary="A region")
def get_region(
    region_id: Id,
    principal: OptionalPrincipalDep,
    session: SessionDep,
) -> Region:
    region = get_or_404(session, Region, region_id, "path.region_id")
    if not region.public_profile:
        ensure_can_read(require_key(principal), region_id)
    return region


@router.patch(
    "/regions/{region_id}",
    response_model=RegionOut,
    summary="Change a region (admin or its facilitator)",
    responses=problem_responses(409),
)
def update_region(
    region_id: Id,
    body: RegionUpdate,
    principal: PrincipalDep,
    session: SessionDep,
) -> Region:
    ensure_can_manage(principal, region_id)
    region = get_or_404(session, Region, region_id, "path.region_id")
    changes = body.model_dump(exclude_unset=True)
    for name in ("name", "country", "kind", "public_profile"):
        if name in changes and changes[name] is None:
            raise ApiProblem(422, f"{name} cannot be null", field=f"body.{name}")
    if "name" in changes:
        _check_unique_name(session, changes["name"], region_id)
    if "parent_id" in changes and changes["parent_id"] != region.parent_id:
        _check_parent_change(principal, changes["parent_id"])
        _check_parent(session, region_id, changes["parent_id"])
    for name, value in changes.items():
        setattr(region, name, value)
    session.add(region)
    session.commit()
    return region


@router.delete(
    "/regions/{region_id}",
    status_code=204,
    summary="Delete a region without rounds or sub-regions (admin)",
    responses=problem_responses(409),
)
def delete_region(
    region_id: Id,
    _: AdminDep,
    session: SessionDep,
    checked_keys: KeyCacheDep,
) -> Response:
    """The region's keys go with it (at once in this worker, within ``key_cache_seconds`` in
    the others)."""
    region = get_or_404(session, Region, region_id, "path.region_id")
    if session.exec(select(AssessmentRound).where(AssessmentRound.region_id == region_id)).first():
        raise ApiProblem(409, "the region has assessment rounds", field="path.region_id")
    if session.exec(select(Region).where(Region.parent_id == region_id)).first():
        raise ApiProblem(409, "the region has sub-regions", field="path.region_id")
    session.delete(region)
    session.commit()
    checked_keys.clear()
    return Response(status_code=204)


@router.get(
    "/regions/{region_id}/stakeholders",
    response_model=Page[StakeholderOut],
    tags=["stakeholders"],
    summary="Stakeholders of a region",
)
def list_stakeholders(
    region_id: Id,
    params: PageDep,
    principal: PrincipalDep,
    session: SessionDep,
    role: str | None = Query(None, description="only this role label"),
) -> Page[Stakeholder]:
    ensure_can_read(principal, region_id)
    get_or_404(session, Region, region_id, "path.region_id")
    query = select(Stakeholder).where(Stakeholder.region_id == region_id)
    if role is not None:
        query = query.where(Stakeholder.role == role)
    return paginate(session, query.order_by(col(Stakeholder.id)), params)


def _check_stakeholder_name(session: Session, region_id: Id, name: str, own: int | None) -> None:
    clash = session.exec(
        select(Stakeholder).where(
            Stakeholder.region_id == region_id, Stakeholder.name_key == name_key(name)
        )
    ).first()
    if clash is not None and clash.id != own:
        raise ApiProblem(
            409, f"stakeholder {clash.name!r} exists in this region", field="body.name"
        )


@router.post(
    "/regions/{region_id}/stakeholders",
    response_model=StakeholderOut,
    status_code=201,
    tags=["stakeholders"],
    summary="Add a stakeholder (admin or facilitator)",
    responses=problem_responses(409),
)
def create_stakeholder(
    region_id: Id,
    body: StakeholderCreate,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Stakeholder:
    ensure_can_manage(principal, region_id)
    lock_region(session, region_id)
    ensure_room(
        session,
        select(Stakeholder.id).where(Stakeholder.region_id == region_id),
        settings.max_stakeholders_per_region,
        f"region {region_id} has as many stakeholders as allowed",
        "max_stakeholders_per_region",
        "path.region_id",
    )
    _check_stakeholder_name(session, region_id, body.name, None)
    stakeholder = Stakeholder(region_id=region_id, name=body.name, role=body.role)
    session.add(stakeholder)
    session.commit()
    return stakeholder


@router.patch(
    "/regions/{region_id}/stakeholders/{stakeholder_id}",
    response_model=StakeholderOut,
    tags=["stakeholders"],
    summary="Rename a stakeholder or change the role label (admin or facilitator)",
    responses=problem_responses(409),
)
def update_stakeholder(
    region_id: Id,
    stakeholder_id: Id,
    body: StakeholderUpdate,
    principal: PrincipalDep,
    session: SessionDep,
) -> Stakeholder:
    ensure_can_manage(principal, region_id)  # before any lookup: 403 whatever exists
    stakeholder = get_or_404(session, Stakeholder, stakeholder_id, "path.stakeholder_id")
    if stakeholder.region_id != region_id:
        raise ApiProblem(
            404,
            f"no stakeholder {stakeholder_id} in region {region_id}",
            field="path.stakeholder_id",
        )
    if body.name is not None:
        _check_stakeholder_name(session, region_id, body.name, stakeholder_id)
        stakeholder.name = body.name
    if body.role is not None:
        stakeholder.role = body.role
    session.add(stakeholder)
    session.commit()
    return stakeholder
