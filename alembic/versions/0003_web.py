"""The web application: invitation links, browser sessions and questionnaire submissions.

Revision ID: 0003_web
Revises: 0002_matching
Create Date: 2025-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_web"
down_revision: str | None = "0002_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _reference(name: str, target: str, *, nullable: bool, ondelete: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{target}.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _reference("round_id", "rounds", nullable=False, ondelete="CASCADE"),
        _reference("stakeholder_id", "stakeholders", nullable=False, ondelete="CASCADE"),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _reference("created_by", "api_keys", nullable=True, ondelete="SET NULL"),
        _timestamp("created_at"),
        _timestamp("expires_at"),
        _timestamp("revoked_at", nullable=True),
        _timestamp("last_used_at", nullable=True),
    )
    op.create_index("ix_invitations_round_id", "invitations", ["round_id"])
    op.create_index("ix_invitations_stakeholder_id", "invitations", ["stakeholder_id"])

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        _reference("key_id", "api_keys", nullable=True, ondelete="CASCADE"),
        _reference("invitation_id", "invitations", nullable=True, ondelete="CASCADE"),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_seen_at"),
        _timestamp("expires_at"),
    )
    op.create_index("ix_web_sessions_key_id", "web_sessions", ["key_id"])
    op.create_index("ix_web_sessions_invitation_id", "web_sessions", ["invitation_id"])

    op.create_table(
        "rating_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _reference("round_id", "rounds", nullable=False, ondelete="CASCADE"),
        _reference("stakeholder_id", "stakeholders", nullable=False, ondelete="CASCADE"),
        _timestamp("submitted_at"),
        sa.UniqueConstraint("round_id", "stakeholder_id", name="uq_rating_submissions"),
    )
    op.create_index("ix_rating_submissions_round_id", "rating_submissions", ["round_id"])
    op.create_index(
        "ix_rating_submissions_stakeholder_id", "rating_submissions", ["stakeholder_id"]
    )


def downgrade() -> None:
    op.drop_table("rating_submissions")
    op.drop_table("web_sessions")
    op.drop_table("invitations")
