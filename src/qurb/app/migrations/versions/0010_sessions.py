"""web sessions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 23:00:00

`sessions`: one row per signed-in browser, keyed by the SHA-256 of its cookie's random
id, with its account, when it was created and last seen, its idle and absolute expiry,
its CSRF token and when it was revoked. Empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("last_seen_at"),
        _time("idle_expires_at"),
        _time("expires_at"),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sessions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_sessions_account_id", table_name="sessions")
    op.drop_table("sessions")
