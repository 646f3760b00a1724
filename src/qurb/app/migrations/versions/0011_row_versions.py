"""row versions and each kind's last audit entry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:30:00

`version` on the editable records (`facilities`, `partners`, `accounts`): 1 for every
record there is, one more at each change; the web gives it as the ETag and a write names
it in If-Match. `audit_kind_heads`: the last audit entry's seq for each kind of entity,
filled from the trail, then moved on by every append in its transaction (the caches of
every server process are keyed by it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

VERSIONED = ("facilities", "partners", "accounts")


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "audit_kind_heads",
        sa.Column("entity_kind", sa.String(length=50), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity_kind", name=op.f("pk_audit_kind_heads")),
    )
    op.execute(
        "INSERT INTO audit_kind_heads (entity_kind, seq) "
        "SELECT entity_kind, MAX(seq) FROM audit_entries GROUP BY entity_kind"
    )


def downgrade() -> None:
    op.drop_table("audit_kind_heads")
    for table in VERSIONED:
        # ALTER TABLE … DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no rebuild of the
        # table, whose DROP would cascade to the rows that point at it (partner contacts).
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
