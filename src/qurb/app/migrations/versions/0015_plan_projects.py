"""the regional plan's projects and their status moves

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:40:00

`plan_projects`: a project of the regional plan (PROS) — its kind and subject (a new
facility's point and category, an upgrade's facility and target category, new
equipment's facility and kind, a new service's facility and service), territory, cost
(MAD, null when unknown), priority (1–5), the saved scenario and site it came from (one
project per site: unique), partner, status with the day of its last move, the reason it
was dropped, and what it became once opened (a registry facility, or an equipment item).
`plan_project_events`: every status move, with its day, time, actor and note.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_projects",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=16),
            sa.ForeignKey("territories.code"),
            nullable=False,
        ),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column(
            "facility_id", sa.String(length=80), sa.ForeignKey("facilities.id"), nullable=True
        ),
        sa.Column("equipment_kind", sa.String(length=64), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=True),
        sa.Column("cost_amount_mad", sa.Float(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "scenario_id", sa.String(length=40), sa.ForeignKey("scenarios.id"), nullable=True
        ),
        sa.Column("site_rank", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("drop_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "opened_facility_id",
            sa.String(length=80),
            sa.ForeignKey("facilities.id"),
            nullable=True,
        ),
        sa.Column(
            "opened_equipment_id", sa.Integer(), sa.ForeignKey("equipment.id"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.UniqueConstraint("scenario_id", "site_rank", name="uq_plan_projects_site"),
    )
    op.create_index(op.f("ix_plan_projects_territory_code"), "plan_projects", ["territory_code"])
    op.create_index(op.f("ix_plan_projects_partner_id"), "plan_projects", ["partner_id"])
    op.create_index(op.f("ix_plan_projects_status"), "plan_projects", ["status"])
    op.create_table(
        "plan_project_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("plan_projects.id"), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
    )
    op.create_index(
        op.f("ix_plan_project_events_project_id"), "plan_project_events", ["project_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_project_events_project_id"), table_name="plan_project_events")
    op.drop_table("plan_project_events")
    for column in ("status", "partner_id", "territory_code"):
        op.drop_index(op.f(f"ix_plan_projects_{column}"), table_name="plan_projects")
    op.drop_table("plan_projects")
