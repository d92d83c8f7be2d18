"""Published rounds' profiles and group statistics, stored once at publishing.

A published round is final, so the service computes its profile and group statistics when it
is published and reads them from ``published_profiles`` instead of re-scoring its ratings on
every request. This migration creates the table and fills it for every round published
before it, computed from the rows exactly as the service computes them at publishing
(``app.store.rebuild_results``, which reads named columns only).

The rounds' maturity models come from the deployment's settings (``TWINNING_MODELS_DIR``
for models of its own); a round whose model cannot be found stops the migration with a
message naming it, and nothing is written.

Revision ID: 0009_published_profiles
Revises: 0008_run_reasons
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from alembic import op

revision: str = "0009_published_profiles"
down_revision: str | None = "0008_run_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = "published"


def upgrade() -> None:
    op.create_table(
        "published_profiles",
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("rounds.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("group_scores", sa.JSON(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
    _fill()


def _fill() -> None:
    """Compute and store the results of every round published so far."""
    # Imported here: only a database with published rounds needs the service's code.
    from app.services.profiles import stored_row
    from app.settings import Settings
    from app.store import rebuild_results
    from assessment import ModelCatalog, ModelError

    connection = op.get_bind()
    rounds = connection.execute(
        sa.text(
            "SELECT r.id, r.region_id, r.label, r.model_id, r.model_version, g.name "
            "FROM rounds r JOIN regions g ON g.id = r.region_id "
            "WHERE r.status = :published ORDER BY r.id"
        ),
        {"published": PUBLISHED},
    ).all()
    if not rounds:
        return
    settings = Settings()
    catalog = ModelCatalog(
        settings.models_dir, settings.default_model, settings.default_model_version
    )
    table = sa.table(
        "published_profiles",
        sa.column("round_id", sa.Integer()),
        sa.column("model_id", sa.String()),
        sa.column("model_version", sa.String()),
        sa.column("profile", sa.JSON()),
        sa.column("group_scores", sa.JSON(none_as_null=True)),
        sa.column("computed_at", sa.DateTime(timezone=True)),
    )
    session = Session(bind=connection)
    for round_id, region_id, label, model_id, model_version, region in rounds:
        try:
            model = catalog.find(model_id, model_version)
        except ModelError:
            raise RuntimeError(
                f"round {round_id} was assessed with model {model_id} {model_version}, which "
                "this deployment does not have: set TWINNING_MODELS_DIR to the directory "
                "holding its file and migrate again"
            ) from None
        profile, group = rebuild_results(
            session, model, round_id=round_id, region_id=region_id, region=region, label=label
        )
        row = stored_row(round_id, profile, group)
        connection.execute(table.insert().values(**row.model_dump()))


def downgrade() -> None:
    op.drop_table("published_profiles")
