"""watch triage: the outbreak signals' alert triage, its steps and invitations

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 03:45:00

`watch_signals` gains `triage_state` (open, monitoring, closed; `open` for the signals
kept before) and `version` (the row's version, for If-Match). `watch_triage_steps` keeps
each step of a signal's triage, appended; `watch_signal_invitations` the accounts invited
to read its alert and add notes, one row per signal and account.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

STEPS = "watch_triage_steps"
INVITATIONS = "watch_signal_invitations"


def upgrade() -> None:
    with op.batch_alter_table("watch_signals") as batch:
        batch.add_column(
            sa.Column("triage_state", sa.String(length=16), nullable=False, server_default="open")
        )
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        STEPS,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "signal_id",
            sa.Integer(),
            sa.ForeignKey("watch_signals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("likelihood", sa.String(length=32), nullable=True),
        sa.Column("consequences", sa.String(length=32), nullable=True),
        sa.Column("risk_level", sa.String(length=16), nullable=True),
        sa.Column("hazard", sa.Text(), nullable=True),
        sa.Column("exposure", sa.Text(), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f(f"ix_{STEPS}_signal_id"), STEPS, ["signal_id"])
    op.create_table(
        INVITATIONS,
        sa.Column(
            "signal_id",
            sa.Integer(),
            sa.ForeignKey("watch_signals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("account_id", sa.Integer(), primary_key=True),
        sa.Column("invited_by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(INVITATIONS)
    op.drop_index(op.f(f"ix_{STEPS}_signal_id"), table_name=STEPS)
    op.drop_table(STEPS)
    with op.batch_alter_table("watch_signals") as batch:
        batch.drop_column("version")
        batch.drop_column("triage_state")
