"""jobs: heavy work that outlives its request

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:30:00

`jobs` holds one row per background job (a campaign planned from the page): its status
(queued, running, done, failed, cancelled), who asked and for which partner, over which
territory, when it started and ended, whether a cancel was asked, the id of its result
(the campaign) or its problem document, and what it is doing now (`phase`). Any server
process on the database answers a job's polls and its cancel from this row
(`platform.background`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("territory_code", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("partner_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("result_id", sa.String(length=80), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("phase", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_status"), table_name="jobs")
    op.drop_table("jobs")
