"""Stored matching runs keep what they showed: each pair's structured reasons, the context
dimensions that made the two regions alike or different and the dimension's name; each run's
load per transferring region; and the regions each run matched, so that a region's members
can find the runs that involve their region.

Runs stored before keep reading with what they have: their pairs' new columns stay null and
their load null. The regions they matched are filled from what they stored: the regions of
their pairs (receiving and transferring) and of their unmet needs.

Revision ID: 0008_run_reasons
Revises: 0007_names
Create Date: 2025-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0008_run_reasons"
down_revision: str | None = "0007_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAIR_COLUMNS = ("dimension_name", "reasons", "alike", "different")


def upgrade() -> None:
    op.add_column("matching_pairs", sa.Column("dimension_name", sa.String(200), nullable=True))
    for name in PAIR_COLUMNS[1:]:
        op.add_column("matching_pairs", sa.Column(name, sa.JSON(), nullable=True))
    op.add_column("matching_runs", sa.Column("load", sa.JSON(), nullable=True))
    op.create_table(
        "matching_run_regions",
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("matching_runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "region_id",
            sa.Integer(),
            sa.ForeignKey("regions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_matching_run_regions_region_id", "matching_run_regions", ["region_id"])
    _fill_run_regions()


def _fill_run_regions() -> None:
    """The regions of earlier runs' pairs and unmet needs (regions deleted since are left
    out: their pairs went with them)."""
    bind = op.get_bind()
    runs = sa.table("matching_runs", sa.column("id"), sa.column("unmet", sa.JSON()))
    pairs = sa.table(
        "matching_pairs",
        sa.column("run_id"),
        sa.column("receiving_region_id"),
        sa.column("transferring_region_id"),
    )
    regions = sa.table("regions", sa.column("id"))
    known = {row.id for row in bind.execute(sa.select(regions.c.id))}
    found: set[tuple[int, int]] = set()
    for run_id, receiving, transferring in bind.execute(
        sa.select(pairs.c.run_id, pairs.c.receiving_region_id, pairs.c.transferring_region_id)
    ):
        found |= {(run_id, receiving), (run_id, transferring)}
    for run_id, unmet in bind.execute(sa.select(runs.c.id, runs.c.unmet)):
        needs: list[dict[str, Any]] = unmet or []
        found |= {
            (run_id, need["receiving_region_id"])
            for need in needs
            if isinstance(need.get("receiving_region_id"), int)
        }
    rows = [
        {"run_id": run_id, "region_id": region_id}
        for run_id, region_id in sorted(found)
        if region_id in known
    ]
    if rows:
        table = sa.table("matching_run_regions", sa.column("run_id"), sa.column("region_id"))
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_matching_run_regions_region_id", table_name="matching_run_regions")
    op.drop_table("matching_run_regions")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of matching_runs would cascade-delete
    # its pairs.
    op.drop_column("matching_runs", "load")
    for name in reversed(PAIR_COLUMNS):
        op.drop_column("matching_pairs", name)
