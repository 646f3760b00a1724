"""slots for heavy work, leased across server processes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 19:40:00

`job_slots` holds one row per heavy job running (siting, what-if, campaign planning) on
any server process of this database: at most N rows (`platform.job_slots`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_slots",
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_job_slots")),
    )


def downgrade() -> None:
    op.drop_table("job_slots")
