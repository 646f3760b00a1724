"""watch_reports: facilities' periodic reports and the validation of data sets

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:40:00

`watch_reports` holds each version of a facility's report for a data set and a period
(a correction adds a version, `current` marks the one that counts; the first version's
`received_at` says whether it came on time), its status (submitted, then confirmed by the
province, which freezes it). `watch_report_values` holds its cells: a count per element
and disaggregation; a cell not given has no row, a zero is a row holding 0.
`watch_dataset_validations` records who validated which version of a data set.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_dataset_validations",
        sa.Column("dataset_id", sa.String(length=64), nullable=False),
        sa.Column("dataset_version", sa.String(length=64), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint(
            "dataset_id", "dataset_version", name=op.f("pk_watch_dataset_validations")
        ),
    )
    op.create_table(
        "watch_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.String(length=64), nullable=False),
        sa.Column("dataset_version", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_reports")),
        sa.UniqueConstraint(
            "dataset_id",
            "facility_id",
            "period",
            "revision",
            name=op.f("uq_watch_reports_dataset_id"),
        ),
    )
    op.create_index(op.f("ix_watch_reports_facility_id"), "watch_reports", ["facility_id"])
    op.create_index("ix_watch_reports_period", "watch_reports", ["dataset_id", "period", "current"])
    op.create_table(
        "watch_report_values",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.Column("disaggregation", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["watch_reports.id"],
            name=op.f("fk_watch_report_values_report_id_watch_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "report_id", "element", "disaggregation", name=op.f("pk_watch_report_values")
        ),
    )


def downgrade() -> None:
    op.drop_table("watch_report_values")
    op.drop_index("ix_watch_reports_period", table_name="watch_reports")
    op.drop_index(op.f("ix_watch_reports_facility_id"), table_name="watch_reports")
    op.drop_table("watch_reports")
    op.drop_table("watch_dataset_validations")
