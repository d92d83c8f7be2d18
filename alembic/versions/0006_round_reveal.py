"""Rounds may reveal their ratings while open (``reveal_while_open``), for open workshops.

Existing rounds keep independent rating: the column defaults to false.

Revision ID: 0006_round_reveal
Revises: 0004_twinnings
Create Date: 2025-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006_round_reveal"
down_revision: str | None = "0004_twinnings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "rounds",
        sa.Column("reveal_while_open", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), never a batch copy of the table: recreating
    # ``rounds`` on SQLite would cascade-delete its ratings.
    op.drop_column("rounds", "reveal_while_open")
