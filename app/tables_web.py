"""Rows of the web application: stakeholders' invitation links, signed-in browser sessions and
the stamp a stakeholder sets by submitting a round's questionnaire.

Invitation tokens and session ids are secrets, so like API keys only their SHA-256 is stored:
a copy of the database opens no questionnaire and continues no session.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.tables import utcnow


def _timestamp(nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)


class Invitation(SQLModel, table=True):
    """A personal link to one round's questionnaire for one stakeholder."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    stakeholder_id: int = Field(foreign_key="stakeholders.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by: int | None = Field(default=None, foreign_key="api_keys.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=_timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class SessionKind(StrEnum):
    STAFF = "staff"  # signed in with an API key: a facilitator, coordinator or admin
    STAKEHOLDER = "stakeholder"  # opened from an invitation link


class WebSession(SQLModel, table=True):
    """A browser's session: who it is (a key or an invitation) and its CSRF token."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    kind: str = Field(max_length=16)
    key_id: int | None = Field(
        default=None, foreign_key="api_keys.id", index=True, ondelete="CASCADE"
    )
    invitation_id: int | None = Field(
        default=None, foreign_key="invitations.id", index=True, ondelete="CASCADE"
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=_timestamp())


class Submission(SQLModel, table=True):
    """A stakeholder declared their ratings of a round complete ("submit")."""

    __tablename__ = "rating_submissions"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "stakeholder_id", name="uq_rating_submissions"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    stakeholder_id: int = Field(foreign_key="stakeholders.id", index=True, ondelete="CASCADE")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
