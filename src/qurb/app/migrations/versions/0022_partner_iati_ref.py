"""partner_iati_ref: a partner's IATI organisation identifier

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 20:00:00

`partners.iati_ref` holds the identifier a partner has in the IATI organisation registers
(e.g. "XM-DAC-41114"), when it has one: the conventions' IATI export names an
organisation's `ref` only then, and its reporting organisation must have one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("iati_ref", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("iati_ref")
