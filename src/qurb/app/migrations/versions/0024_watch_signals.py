"""watch_signals: the outbreak signals detected on the periodic reports

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 23:50:00

`watch_signals` keeps every unit-week of a data set's element whose detection alarmed
(facility, commune, province or region; the method, its parameters and why, observed,
expected and upper bound), unique per data set, element, unit and week: a rerun updates
it, an alarm that disappears is `revised`, never deleted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLE = "watch_signals"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.String(length=64), nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("territory_code", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("parameters", sa.String(length=500), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=True),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("upperbound", sa.Float(), nullable=True),
        sa.Column("alarm", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("first_raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dataset_id", "element", "unit_code", "week"),
    )
    op.create_index("ix_watch_signals_week", TABLE, ["week", "status"])
    op.create_index(op.f(f"ix_{TABLE}_territory_code"), TABLE, ["territory_code"])


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{TABLE}_territory_code"), table_name=TABLE)
    op.drop_index("ix_watch_signals_week", table_name=TABLE)
    op.drop_table(TABLE)
