"""caravans: mobile medical caravan campaigns, their planned visits and what they recorded

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caravan_campaigns",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("territory_code", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_caravan_campaigns_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caravan_campaigns")),
    )
    op.create_table(
        "caravan_stops",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("arrival", sa.String(length=5), nullable=False),
        sa.Column("departure", sa.String(length=5), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["caravan_campaigns.id"],
            name=op.f("fk_caravan_stops_campaign_id_caravan_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["territories.code"],
            name=op.f("fk_caravan_stops_commune_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caravan_stops")),
        sa.UniqueConstraint("campaign_id", "number", name=op.f("uq_caravan_stops_campaign_id")),
    )
    op.create_index(
        op.f("ix_caravan_stops_campaign_id"), "caravan_stops", ["campaign_id"], unique=False
    )
    op.create_index(
        op.f("ix_caravan_stops_visit_date"), "caravan_stops", ["visit_date"], unique=False
    )
    op.create_table(
        "caravan_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=True),
        sa.Column("service", sa.String(length=120), nullable=True),
        sa.Column("batch_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["caravan_stops.id"],
            name=op.f("fk_caravan_records_stop_id_caravan_stops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_caravan_records_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caravan_records")),
    )
    op.create_index(
        op.f("ix_caravan_records_stop_id"), "caravan_records", ["stop_id"], unique=False
    )
    op.create_index(
        op.f("ix_caravan_records_facility_id"), "caravan_records", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_caravan_records_batch_sha256"), "caravan_records", ["batch_sha256"], unique=False
    )


def downgrade() -> None:
    op.drop_table("caravan_records")
    op.drop_table("caravan_stops")
    op.drop_table("caravan_campaigns")
