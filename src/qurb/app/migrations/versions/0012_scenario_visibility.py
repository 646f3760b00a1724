"""scenarios: who may see them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:20:00

`partner_id`: the partner the saving account acted for (null: saved by a local actor or
by an account acting for no partner, as every scenario saved before this revision).
`visibility`: "partner" (its partner's accounts, and the administrators) or "public"
(every account that reads scenarios over its territory). No foreign key on the partner:
a scenario keeps naming the partner it was saved for.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("partner_id", sa.String(length=80), nullable=True))
        batch.add_column(
            sa.Column("visibility", sa.String(length=16), nullable=False, server_default="partner")
        )
    op.create_index(op.f("ix_scenarios_partner_id"), "scenarios", ["partner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scenarios_partner_id"), table_name="scenarios")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no rebuild.
    op.execute("ALTER TABLE scenarios DROP COLUMN visibility")
    op.execute("ALTER TABLE scenarios DROP COLUMN partner_id")
