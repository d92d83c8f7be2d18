"""Matching runs with their proposed pairs under review, and good practices.

Revision ID: 0002_matching
Revises: 0001_initial
Create Date: 2025-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002_matching"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _region(name: str, nullable: bool, ondelete: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("regions.id", ondelete=ondelete), nullable=nullable
    )


def _key(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    )


def upgrade() -> None:
    op.create_table(
        "matching_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("regions", sa.Integer(), nullable=False),
        sa.Column("needs", sa.Integer(), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.Column("unmet", sa.JSON(), nullable=False),
        _key("created_by"),
        _timestamp("created_at"),
    )
    op.create_index("ix_matching_runs_created_by", "matching_runs", ["created_by"])

    op.create_table(
        "matching_pairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("matching_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _region("receiving_region_id", nullable=False, ondelete="CASCADE"),
        _region("transferring_region_id", nullable=False, ondelete="CASCADE"),
        sa.Column("dimension", sa.String(100), nullable=False),
        sa.Column("receiving_score", sa.Integer(), nullable=False),
        sa.Column("transferring_score", sa.Integer(), nullable=False),
        sa.Column("gap", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("shared_context", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _key("reviewed_by"),
        _timestamp("reviewed_at", nullable=True),
    )
    for column in ("run_id", "receiving_region_id", "transferring_region_id", "status"):
        op.create_index(f"ix_matching_pairs_{column}", "matching_pairs", [column])

    op.create_table(
        "good_practices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        _region("transferring_region_id", nullable=True, ondelete="SET NULL"),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index(
        "ix_good_practices_transferring_region_id", "good_practices", ["transferring_region_id"]
    )


def downgrade() -> None:
    op.drop_table("good_practices")
    op.drop_table("matching_pairs")
    op.drop_table("matching_runs")
