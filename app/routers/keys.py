"""API keys: created by admins (and by a region's facilitator for its own region's members),
shown once, revocable."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import col, select

from app.auth import ensure_can_manage, issue_key
from app.deps import AdminDep, KeyCacheDep, PageDep, PrincipalDep, SessionDep, SettingsDep
from app.pagination import paginate
from app.problems import ApiProblem, problem_responses
from app.routing import ApiRoute
from app.schemas import Id, KeyCreate, KeyCreated, KeyOut, Page
from app.store import ensure_room, get_or_404, lock_region
from app.tables import ApiKey, Role, utcnow

router = APIRouter(
    route_class=ApiRoute,
    prefix="/keys",
    tags=["keys"],
    responses=problem_responses(400, 401, 403, 422),
)


@router.get("", response_model=Page[KeyOut], summary="List keys (admin)")
def list_keys(
    params: PageDep,
    _: AdminDep,
    session: SessionDep,
    role: Role | None = None,
    region_id: Id | None = None,
    revoked: bool | None = None,
) -> Page[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.id))
    if role is not None:
        query = query.where(ApiKey.role == role.value)
    if region_id is not None:
        query = query.where(ApiKey.region_id == region_id)
    if revoked is not None:
        revoked_at = col(ApiKey.revoked_at)
        query = query.where(revoked_at.is_not(None) if revoked else revoked_at.is_(None))
    return paginate(session, query, params)


@router.post(
    "",
    response_model=KeyCreated,
    status_code=201,
    summary="Create a key; the token is in this response only",
    responses=problem_responses(404),
)
def create_key(
    body: KeyCreate,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> KeyCreated:
    """Admins create any key; a region's facilitator creates member keys of its region.
    Active keys are limited in all and per region (the settings ``max_keys`` and
    ``max_keys_per_region``; 409 beyond)."""
    if not principal.is_admin:
        if body.role is not Role.MEMBER or body.region_id is None:
            raise ApiProblem(403, "only an admin may create admin and coordinator keys")
        ensure_can_manage(principal, body.region_id)
    active = select(ApiKey.id).where(col(ApiKey.revoked_at).is_(None))
    if body.role is Role.MEMBER and body.region_id is not None:
        lock_region(session, body.region_id, "body.region_id")
        ensure_room(
            session,
            active.where(ApiKey.region_id == body.region_id),
            settings.max_keys_per_region,
            f"region {body.region_id} has as many active keys as allowed",
            "max_keys_per_region",
            "body.region_id",
        )
    ensure_room(
        session,
        active,
        settings.max_keys,
        "as many active keys as allowed",
        "max_keys",
        "body.role",
    )
    key, token = issue_key(
        session,
        name=body.name,
        role=body.role,
        region_id=body.region_id,
        stakeholder_id=body.stakeholder_id,
    )
    session.commit()
    return KeyCreated(**KeyOut.model_validate(key).model_dump(), token=token)


@router.get("/me", response_model=KeyOut, summary="The key making this request")
def who_am_i(principal: PrincipalDep, session: SessionDep) -> ApiKey:
    return get_or_404(session, ApiKey, principal.key_id, "header.x-api-key")


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke a key (admin, the region's facilitator, or the key itself)",
    responses=problem_responses(404),
)
def revoke_key(
    key_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    checked_keys: KeyCacheDep,
) -> Response:
    """The key stops working at once in this worker, and within ``key_cache_seconds`` in the
    others (they keep a key they checked that long)."""
    if principal.is_admin or key_id == principal.key_id:
        key = get_or_404(session, ApiKey, key_id, "path.key_id")
    else:
        # A facilitator revokes its region's member keys; whether any other key exists is
        # none of its business: 403 for all of them alike.
        found = session.get(ApiKey, key_id)
        if (
            found is None
            or found.region_id is None
            or found.role != Role.MEMBER.value
            or not principal.can_manage_region(found.region_id)
        ):
            raise ApiProblem(403, f"this key may not revoke key {key_id}")
        key = found
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.commit()
        checked_keys.clear()
    return Response(status_code=204)
