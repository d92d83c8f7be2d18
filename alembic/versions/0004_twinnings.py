"""Twinnings after the match: participants, condition notes, activities (shared between
twinnings through a link table) and action plans.

Revision ID: 0004_twinnings
Revises: 0003_web
Create Date: 2025-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_twinnings"
down_revision: str | None = "0003_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _text(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def _twinning() -> sa.Column[object]:
    return sa.Column(
        "twinning_id",
        sa.Integer(),
        sa.ForeignKey("twinnings.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "twinnings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        _text("aim"),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("receiving_region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column(
            "transferring_region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False
        ),
        sa.Column("receiving_round_id", sa.Integer(), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column(
            "transferring_round_id", sa.Integer(), sa.ForeignKey("rounds.id"), nullable=False
        ),
        sa.Column("focus", sa.JSON(), nullable=False),
        sa.Column(
            "practice_id",
            sa.Integer(),
            sa.ForeignKey("good_practices.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "matching_pair_id",
            sa.Integer(),
            sa.ForeignKey("matching_pairs.id", ondelete="SET NULL"),
            nullable=True,
            unique=True,
        ),
        sa.Column("rationale", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        *(
            _text(name)
            for name in (
                "conditions_note",
                "expected_at_conclusion",
                "results_at_conclusion",
                "expected_after_6_months",
                "results_after_6_months",
                "expected_after_12_months",
                "results_after_12_months",
                "deviations",
                "worked_well",
                "needs_attention",
                "sustainability",
            )
        ),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("api_keys.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    for column in ("status", "receiving_region_id", "transferring_region_id", "practice_id"):
        op.create_index(f"ix_twinnings_{column}", "twinnings", [column])

    op.create_table(
        "twinning_participants",
        sa.Column("id", sa.Integer(), primary_key=True),
        _twinning(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
    )
    op.create_index(
        "ix_twinning_participants_twinning_id", "twinning_participants", ["twinning_id"]
    )

    op.create_table(
        "twinning_condition_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _twinning(),
        sa.Column("dimension", sa.String(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _timestamp("updated_at"),
        sa.UniqueConstraint("twinning_id", "dimension", name="uq_twinning_condition_note"),
    )
    op.create_index(
        "ix_twinning_condition_notes_twinning_id", "twinning_condition_notes", ["twinning_id"]
    )

    op.create_table(
        "twinning_activities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        _text("notes"),
        _text("outcomes"),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index("ix_twinning_activities_date", "twinning_activities", ["date"])

    op.create_table(
        "twinning_activity_links",
        sa.Column(
            "twinning_id",
            sa.Integer(),
            sa.ForeignKey("twinnings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "activity_id",
            sa.Integer(),
            sa.ForeignKey("twinning_activities.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_twinning_activity_links_activity_id", "twinning_activity_links", ["activity_id"]
    )

    op.create_table(
        "twinning_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _twinning(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("dimension", sa.String(100), nullable=True),
        *(
            _text(name)
            for name in (
                "current_situation",
                "desired_situation",
                "outcomes",
                "activities",
                "resources",
            )
        ),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index("ix_twinning_actions_twinning_id", "twinning_actions", ["twinning_id"])


def downgrade() -> None:
    op.drop_table("twinning_actions")
    op.drop_table("twinning_activity_links")
    op.drop_table("twinning_activities")
    op.drop_table("twinning_condition_notes")
    op.drop_table("twinning_participants")
    op.drop_table("twinnings")
