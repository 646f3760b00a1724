"""conventions_deliverables: a convention's deliverables, the objects they concern, their
indicator's actuals per period and their evidence

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 19:30:00

`conventions_deliverables`: what a party committed to (FR, AR), its owner (a partner),
the article it implements, its deadline (a partial date: three nullable integers), its
weight, status, indicator (kind, unit, baseline and target as numbers; yes 1, no 0) and
row version. `conventions_deliverable_refs`: the objects it concerns (a facility, an
equipment item, a plan project, a caravan campaign, a territory) by kind and id.
`conventions_deliverable_actuals`: every report of its actual for a period (a year or a
year-month), with who and when. `conventions_deliverable_documents`: the convention
documents given as its evidence.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

DELIVERABLES = "conventions_deliverables.id"


def _value(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(18, 4), nullable=True)


def _deliverable_id(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "deliverable_id",
        sa.Integer(),
        sa.ForeignKey(DELIVERABLES),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "conventions_deliverables",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "convention_id",
            sa.Integer(),
            sa.ForeignKey("conventions_conventions.id"),
            nullable=False,
        ),
        sa.Column("what_fr", sa.Text(), nullable=False),
        sa.Column("what_ar", sa.Text(), nullable=True),
        sa.Column(
            "owner_partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=False
        ),
        sa.Column("article_number", sa.Integer(), nullable=True),
        *(
            sa.Column(f"deadline_{part}", sa.Integer(), nullable=True)
            for part in ("year", "month", "day")
        ),
        _value("weight"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("indicator_kind", sa.String(length=16), nullable=False),
        sa.Column("indicator_unit", sa.String(length=80), nullable=True),
        _value("baseline"),
        _value("target"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    for column in ("convention_id", "owner_partner_id", "status"):
        op.create_index(
            op.f(f"ix_conventions_deliverables_{column}"), "conventions_deliverables", [column]
        )
    op.create_table(
        "conventions_deliverable_refs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _deliverable_id(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
    )
    op.create_index(
        op.f("ix_conventions_deliverable_refs_deliverable_id"),
        "conventions_deliverable_refs",
        ["deliverable_id"],
    )
    op.create_table(
        "conventions_deliverable_actuals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _deliverable_id(),
        sa.Column("period", sa.String(length=7), nullable=False),
        _value("value"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
    )
    op.create_index(
        "ix_conventions_deliverable_actuals_period",
        "conventions_deliverable_actuals",
        ["deliverable_id", "period"],
    )
    op.create_table(
        "conventions_deliverable_documents",
        _deliverable_id(primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("conventions_documents.id"),
            nullable=False,
            primary_key=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("conventions_deliverable_documents")
    op.drop_index(
        "ix_conventions_deliverable_actuals_period", table_name="conventions_deliverable_actuals"
    )
    op.drop_table("conventions_deliverable_actuals")
    op.drop_index(
        op.f("ix_conventions_deliverable_refs_deliverable_id"),
        table_name="conventions_deliverable_refs",
    )
    op.drop_table("conventions_deliverable_refs")
    for column in ("convention_id", "owner_partner_id", "status"):
        op.drop_index(
            op.f(f"ix_conventions_deliverables_{column}"), table_name="conventions_deliverables"
        )
    op.drop_table("conventions_deliverables")
