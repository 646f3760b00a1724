"""deliverable_changes: every change of a deliverable after it was added

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:10:00

`conventions_deliverable_changes` keeps, for each field of a deliverable changed after it
was added (what, owner, article, deadline, weight, indicator, references), the value it
replaced and the new one as text, who, when and the amendment (avenant) that made it: a
deliverable's figures keep their history across amendments, as the contributions' do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLE = "conventions_deliverable_changes"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "deliverable_id",
            sa.Integer(),
            sa.ForeignKey("conventions_deliverables.id"),
            nullable=False,
        ),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("previous", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("amendment_number", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
    )
    op.create_index(op.f(f"ix_{TABLE}_deliverable_id"), TABLE, ["deliverable_id"])


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{TABLE}_deliverable_id"), table_name=TABLE)
    op.drop_table(TABLE)
