"""API keys and who may do what.

A key is a random token shown once at creation; only its SHA-256 is stored, so a leaked
database does not leak working keys (the tokens carry 256 bits of entropy, so a fast hash is
enough, unlike passwords). Roles:

- ``admin``: everything, including keys and regions;
- ``coordinator``: reads every region (and runs matching);
- ``member``: bound to one region. Without a stakeholder it facilitates that region
  (stakeholders, rounds, ratings on behalf of stakeholders, consensus); bound to a stakeholder
  it reads the region's rounds and edits only its own ratings, while the round is open.

Missing or unknown keys get 401, known keys outside their rights 403. The key is checked
by ``app.guard`` before the request's body is read (``find_principal``); the FastAPI
dependencies that hand the caller to a handler and apply the roles are in ``app.deps``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from app.db import Database
from app.problems import ApiProblem
from app.tables import ApiKey, Region, Role, Stakeholder

API_KEY_HEADER_NAME = "X-API-Key"
TOKEN_PREFIX = "tw_"
KEY_FIELD = f"header.{API_KEY_HEADER_NAME.lower()}"
CHALLENGE = {"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER_NAME}"'}
UNKNOWN_KEY = "unknown or revoked API key"
KEY_REQUIRED = f"an API key is required in the {API_KEY_HEADER_NAME} header"
# Issued tokens are 46 characters; anything much longer is not worth hashing.
MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """The caller behind a valid key."""

    key_id: int
    role: Role
    region_id: int | None = None
    stakeholder_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can_read_region(self, region_id: int) -> bool:
        return self.role in (Role.ADMIN, Role.COORDINATOR) or self.region_id == region_id

    def can_manage_region(self, region_id: int) -> bool:
        """Admins, and the region's members not bound to a stakeholder (its facilitators)."""
        return self.is_admin or (
            self.role is Role.MEMBER and self.region_id == region_id and self.stakeholder_id is None
        )

    def can_rate_as(self, region_id: int, stakeholder_id: int) -> bool:
        if self.can_manage_region(region_id):
            return True
        return self.region_id == region_id and self.stakeholder_id == stakeholder_id


def issue_key(
    session: Session,
    *,
    name: str,
    role: Role,
    region_id: int | None = None,
    stakeholder_id: int | None = None,
    token: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its token (the only time the token is known).

    ``token`` is for the demo database's documented keys; real keys are random.
    """
    if role is Role.MEMBER and region_id is None:
        raise ApiProblem(422, "a member key needs a region_id", field="body.region_id")
    if role is not Role.MEMBER and (region_id is not None or stakeholder_id is not None):
        raise ApiProblem(
            422, f"a {role.value} key is not bound to a region", field="body.region_id"
        )
    if region_id is not None and session.get(Region, region_id) is None:
        raise ApiProblem(404, f"no region with id {region_id}", field="body.region_id")
    if stakeholder_id is not None:
        stakeholder = session.get(Stakeholder, stakeholder_id)
        if stakeholder is None or stakeholder.region_id != region_id:
            raise ApiProblem(
                422,
                f"stakeholder {stakeholder_id} does not belong to region {region_id}",
                field="body.stakeholder_id",
            )
    token = token or new_token()
    key = ApiKey(
        name=name,
        prefix=token[:10],
        key_hash=hash_token(token),
        role=role.value,
        region_id=region_id,
        stakeholder_id=stakeholder_id,
    )
    session.add(key)
    session.flush()
    return key, token


def principal_of(key: ApiKey) -> Principal | None:
    """The caller a stored key stands for; None once it is revoked."""
    if key.revoked_at is not None or key.id is None:
        return None
    return Principal(
        key_id=key.id,
        role=Role(key.role),
        region_id=key.region_id,
        stakeholder_id=key.stakeholder_id,
    )


_KEY_BY_HASH = sa.select(
    col(ApiKey.id),
    col(ApiKey.role),
    col(ApiKey.region_id),
    col(ApiKey.stakeholder_id),
    col(ApiKey.revoked_at),
).where(col(ApiKey.key_hash) == sa.bindparam("key_hash"))


def find_principal(database: Database, token: str) -> Principal | None:
    """The caller behind ``token``, None for an unknown or revoked one (``principal_by_hash``)."""
    key_hash = key_hash_of(token)
    return None if key_hash is None else principal_by_hash(database, key_hash)


def principal_by_hash(database: Database, key_hash: str) -> Principal | None:
    """The caller behind a key's hash, None for an unknown or revoked key: one indexed read on
    a connection of its own (``Database.read``: the request's own session has not begun
    yet), from a statement built once, since every keyed request the key cache does not
    answer pays for it."""
    rows = database.read(_KEY_BY_HASH, {"key_hash": key_hash})
    if not rows:
        return None
    key_id, role, region_id, stakeholder_id, revoked_at = rows[0]
    if revoked_at is not None or key_id is None:
        return None
    return Principal(
        key_id=key_id, role=Role(role), region_id=region_id, stakeholder_id=stakeholder_id
    )


def key_hash_of(token: str) -> str | None:
    """The hash a key is stored under, None for a token no issued key can be."""
    if not token.isascii() or len(token) > MAX_TOKEN_LENGTH:
        return None
    return hash_token(token)


def unknown_key() -> ApiProblem:
    return ApiProblem(401, UNKNOWN_KEY, field=KEY_FIELD, headers=CHALLENGE)


def require_key(principal: Principal | None) -> Principal:
    """The caller, who must have sent a key (401 otherwise)."""
    if principal is None:
        raise ApiProblem(401, KEY_REQUIRED, field=KEY_FIELD, headers=CHALLENGE)
    return principal


def ensure_role(principal: Principal, allowed: frozenset[Role]) -> Principal:
    """The caller, when its key has one of the ``allowed`` roles (403 otherwise)."""
    if principal.role not in allowed:
        names = " or ".join(sorted(role.value for role in allowed))
        raise ApiProblem(403, f"this needs a {names} key, not {principal.role.value}")
    return principal


def ensure_can_read(principal: Principal, region_id: int) -> None:
    if not principal.can_read_region(region_id):
        raise ApiProblem(403, f"this key cannot read region {region_id}")


def ensure_can_manage(principal: Principal, region_id: int) -> None:
    if not principal.can_manage_region(region_id):
        raise ApiProblem(
            403, f"only an admin or a facilitator key of region {region_id} may change this"
        )
