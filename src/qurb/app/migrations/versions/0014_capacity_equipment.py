"""capacity values, equipment and capacity imports

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:30:00

`capacity_values`: every capacity value of a facility as entered (beds, beds by service,
staff by profession, specialists by specialty, opening hours), with its source, date, who
entered it and the import it came from; the current value of a measure is its latest row.
`equipment`: the equipment a facility holds, its kind, status and row version.
`capacity_imports`: one row per province workbook imported. Every facility's capacity
starts unknown: nothing is filled here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_capacity_values_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_values")),
    )
    op.create_index(
        "ix_capacity_values_facility_measure", "capacity_values", ["facility_id", "measure"]
    )
    op.create_table(
        "equipment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("inventory_ref", sa.String(length=80), nullable=True),
        sa.Column("in_service", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("down_reason", sa.String(length=300), nullable=True),
        sa.Column("down_since", sa.Date(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_equipment_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment")),
    )
    op.create_index(op.f("ix_equipment_facility_id"), "equipment", ["facility_id"])
    op.create_index(op.f("ix_equipment_kind"), "equipment", ["kind"])
    op.create_index(op.f("ix_equipment_status"), "equipment", ["status"])
    op.create_table(
        "capacity_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("facilities", sa.Integer(), nullable=False),
        sa.Column("values", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.Integer(), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["territories.code"],
            name=op.f("fk_capacity_imports_province_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_imports")),
    )


def downgrade() -> None:
    op.drop_table("capacity_imports")
    op.drop_index(op.f("ix_equipment_status"), table_name="equipment")
    op.drop_index(op.f("ix_equipment_kind"), table_name="equipment")
    op.drop_index(op.f("ix_equipment_facility_id"), table_name="equipment")
    op.drop_table("equipment")
    op.drop_index("ix_capacity_values_facility_measure", table_name="capacity_values")
    op.drop_table("capacity_values")
