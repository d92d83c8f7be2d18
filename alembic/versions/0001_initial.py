"""Regions, stakeholders, assessment rounds, ratings, consensus, flags and API keys.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=True),
        sa.Column("public_profile", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_regions_country", "regions", ["country"])
    op.create_index("ix_regions_kind", "regions", ["kind"])
    op.create_index("ix_regions_parent_id", "regions", ["parent_id"])

    op.create_table(
        "stakeholders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "region_id",
            sa.Integer(),
            sa.ForeignKey("regions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.UniqueConstraint("region_id", "name", name="uq_stakeholders_name"),
    )
    op.create_index("ix_stakeholders_region_id", "stakeholders", ["region_id"])

    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("created_at"),
        _timestamp("published_at", nullable=True),
    )
    op.create_index("ix_rounds_region_id", "rounds", ["region_id"])
    op.create_index("ix_rounds_status", "rounds", ["status"])

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "round_id", sa.Integer(), sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("stakeholder_id", sa.Integer(), sa.ForeignKey("stakeholders.id"), nullable=False),
        sa.Column("dimension", sa.String(100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        _timestamp("updated_at"),
        sa.UniqueConstraint("round_id", "stakeholder_id", "dimension", name="uq_ratings_cell"),
    )
    op.create_index("ix_ratings_round_id", "ratings", ["round_id"])
    op.create_index("ix_ratings_stakeholder_id", "ratings", ["stakeholder_id"])

    for table, extra in (
        (
            "consensus_scores",
            [
                sa.Column("score", sa.Integer(), nullable=True),
                sa.Column("justification", sa.Text(), nullable=False),
                _timestamp("updated_at"),
            ],
        ),
        (
            "dimension_flags",
            [
                sa.Column("for_improvement", sa.Boolean(), nullable=False),
                sa.Column("for_coaching", sa.Boolean(), nullable=False),
            ],
        ),
    ):
        constraint = "uq_consensus_cell" if table == "consensus_scores" else "uq_flags_cell"
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column(
                "round_id",
                sa.Integer(),
                sa.ForeignKey("rounds.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("dimension", sa.String(100), nullable=False),
            *extra,
            sa.UniqueConstraint("round_id", "dimension", name=constraint),
        )
        op.create_index(f"ix_{table}_round_id", table, ["round_id"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column(
            "region_id",
            sa.Integer(),
            sa.ForeignKey("regions.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "stakeholder_id",
            sa.Integer(),
            sa.ForeignKey("stakeholders.id", ondelete="CASCADE"),
            nullable=True,
        ),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
    )
    op.create_index("ix_api_keys_region_id", "api_keys", ["region_id"])


def downgrade() -> None:
    for table in (
        "api_keys",
        "dimension_flags",
        "consensus_scores",
        "ratings",
        "rounds",
        "stakeholders",
        "regions",
    ):
        op.drop_table(table)
