"""partners: the organisations that sign conventions, and their contact persons

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:10:00

`partners` holds each partner (`qurb.identity.partners`): its kind, names, the territory
it covers, the registry facility a health body is; `partner_contacts` its contact
persons, one row each, in their order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name_fr", sa.String(length=300), nullable=False),
        sa.Column("name_ar", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("territory_code", sa.String(length=16), nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_partners_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_index(op.f("ix_partners_kind"), "partners", ["kind"])
    op.create_index(op.f("ix_partners_territory_code"), "partners", ["territory_code"])
    op.create_table(
        "partner_contacts",
        sa.Column("partner_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_contacts_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "position", name=op.f("pk_partner_contacts")),
    )


def downgrade() -> None:
    op.drop_table("partner_contacts")
    op.drop_index(op.f("ix_partners_territory_code"), table_name="partners")
    op.drop_index(op.f("ix_partners_kind"), table_name="partners")
    op.drop_table("partners")
