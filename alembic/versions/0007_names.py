"""Names as identities: a stored name key with a unique index per scope.

Regions are unique by ``name_key`` over the deployment, stakeholders within their region,
good practices over the deployment, a twinning's participants within it
(``app.text.name_key``: NFKC, case-folded, spaces collapsed). Existing names are repaired
first, without losing a row:

- trimmed and NFC-normalised; control and bidirectional characters removed (a control
  character becomes a space); a name left empty becomes "Region 7" / "Stakeholder 12" /
  "Practice 3" / "Participant 5" (its kind and id);
- names that are then the same within their scope: the oldest row (lowest id) keeps its name,
  the others get " (2)", " (3)"... so people can tell them apart and rename them.

Every rename is logged (logger ``alembic``, warning). A name that differs only in case or
spacing from another is a mistake more often than a second organisation, which is why the
migration repairs rather than refuses: refusing would stop a deployment's upgrade on data only
an administrator can fix by hand.

Revision ID: 0007_names
Revises: 0006_round_reveal
Create Date: 2025-11-25
"""

import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.text import is_bidi_control, is_control, name_key

revision: str = "0007_names"
down_revision: str | None = "0006_round_reveal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_LENGTH = 200
# (table, column scoping uniqueness or None, word for an empty name)
SCOPES = (
    ("regions", None, "Region"),
    ("stakeholders", "region_id", "Stakeholder"),
    ("good_practices", None, "Practice"),
    ("twinning_participants", "twinning_id", "Participant"),
)
_log = logging.getLogger("alembic")


def repaired(name: str) -> str:
    """``name`` with what a name may not hold removed (see the module's docstring)."""
    kept = (
        "" if is_bidi_control(c) else " " if is_control(c) else c
        for c in unicodedata.normalize("NFC", name)
    )
    return "".join(kept).strip()


def _suffixed(name: str, number: int) -> str:
    suffix = f" ({number})"
    return name[: NAME_LENGTH - len(suffix)].rstrip() + suffix


def _new_names(rows: Sequence[tuple[int, str, int | None]], word: str) -> dict[int, str]:
    """Row id -> its repaired, unique name, for the rows whose name changes."""
    taken: dict[int | None, set[str]] = {}
    changed: dict[int, str] = {}
    for row_id, name, scope in rows:
        base = repaired(name) or f"{word} {row_id}"
        keys = taken.setdefault(scope, set())
        unique, number = base, 2
        while name_key(unique) in keys:
            unique, number = _suffixed(base, number), number + 1
        keys.add(name_key(unique))
        if unique != name:
            changed[row_id] = unique
    return changed


def upgrade() -> None:
    bind = op.get_bind()
    for table, scope, word in SCOPES:
        op.add_column(
            table,
            sa.Column(
                "name_key", sa.String(NAME_LENGTH), nullable=False, server_default=sa.text("''")
            ),
        )
        scope_column = scope or "NULL"
        query = sa.text(f"SELECT id, name, {scope_column} FROM {table} ORDER BY id")
        rows = [(int(i), str(n), s) for i, n, s in bind.execute(query).all()]
        changed = _new_names(rows, word)
        rename = sa.text(f"UPDATE {table} SET name = :name WHERE id = :id")
        # Two steps, so that a new name never meets an old one under the old unique rules.
        for row_id in changed:
            bind.execute(rename, {"id": row_id, "name": f"renaming {table} {row_id}"})
        original = {row_id: name for row_id, name, _ in rows}
        for row_id, name in changed.items():
            bind.execute(rename, {"id": row_id, "name": name})
            _log.warning("%s %d renamed from %r to %r", table, row_id, original[row_id], name)
        keys = sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id")
        for row_id, name, _ in rows:
            bind.execute(keys, {"id": row_id, "key": name_key(changed.get(row_id, name))})
        columns = [scope, "name_key"] if scope else ["name_key"]
        op.create_index(f"uq_{table}_name_key", table, columns, unique=True)


def downgrade() -> None:
    # The repaired names stay as they are: the old rules accept them.
    for table, _, _ in reversed(SCOPES):
        op.drop_index(f"uq_{table}_name_key", table_name=table)
        op.drop_column(table, "name_key")
