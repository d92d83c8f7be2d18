"""Personal invitation links: one per stakeholder and round, the way into the questionnaire.

A link carries a random token (256 bits) that is shown once, when the facilitator creates it;
only its SHA-256 is stored, like an API key's. Opening a link looks the token up by its hash
(the database compares hashes, never the secret itself) and confirms the match with a
constant-time comparison. A link expires, can be revoked, and creating a new link for the same
stakeholder and round revokes the old one, so each person has one working link at a time.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from app.auth import hash_token
from app.problems import ApiProblem
from app.store import ensure_status, round_stakeholder
from app.tables import AssessmentRound, RoundStatus, utcnow
from app.tables_web import Invitation

TOKEN_PREFIX = "tw_inv_"
DEFAULT_VALIDITY = timedelta(days=30)
MAX_VALIDITY = timedelta(days=365)


class InvitationState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def state_of(invitation: Invitation, now: datetime | None = None) -> InvitationState:
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if aware(invitation.expires_at) <= (now or utcnow()):
        return InvitationState.EXPIRED
    return InvitationState.ACTIVE


def create_invitation(
    session: Session,
    round_: AssessmentRound,
    stakeholder_id: int,
    *,
    created_by: int | None,
    valid_for: timedelta = DEFAULT_VALIDITY,
    token: str | None = None,
) -> tuple[Invitation, str]:
    """A new link for the stakeholder in this round (draft or open), revoking any earlier one.

    Returns the stored invitation and its token, which is never known again. ``token`` is for
    the demo database's documented links; real links are random. The caller commits.
    """
    ensure_status(round_, RoundStatus.DRAFT, RoundStatus.OPEN)
    round_stakeholder(session, round_, stakeholder_id, "body.stakeholder_id")
    if not timedelta(hours=1) <= valid_for <= MAX_VALIDITY:
        raise ApiProblem(422, "a link is valid for 1 hour to 365 days", field="body.valid_for_days")
    assert round_.id is not None
    now = utcnow()
    for earlier in _links(session, round_.id, stakeholder_id):
        if earlier.revoked_at is None:
            earlier.revoked_at = now
            session.add(earlier)
    token = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(
        round_id=round_.id,
        stakeholder_id=stakeholder_id,
        token_hash=hash_token(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def _links(session: Session, round_id: int, stakeholder_id: int) -> Sequence[Invitation]:
    return session.exec(
        select(Invitation).where(
            Invitation.round_id == round_id, Invitation.stakeholder_id == stakeholder_id
        )
    ).all()


def revoke_invitation(session: Session, invitation: Invitation) -> None:
    """Stop the link working; sessions opened from it end with it. The caller commits."""
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.add(invitation)


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The active invitation behind ``token``, or None (unknown, revoked or expired)."""
    digest = hash_token(token)
    found = session.exec(select(Invitation).where(Invitation.token_hash == digest)).first()
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    return found if state_of(found) is InvitationState.ACTIVE else None


def latest_invitations(session: Session, round_id: int) -> dict[int, Invitation]:
    """Each stakeholder's most recent link in the round, by stakeholder id."""
    rows = session.exec(
        select(Invitation).where(Invitation.round_id == round_id).order_by(col(Invitation.id))
    ).all()
    return {row.stakeholder_id: row for row in rows}
