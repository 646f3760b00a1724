"""conventions_money: contributions, their history, tranches, disbursements

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:30:00

`conventions_contributions`: what a party of a convention brings, per year (unknown: null):
money (its committed amount in MAD) or in kind (staff, equipment, medicines and supplies,
vehicles, premises: a quantity with its unit, a valuation in MAD with its stated method;
for equipment the registry item and the receiving facility); an `item` key shared by
co-funded contributions; its row version. `conventions_contribution_changes`: every change
of an amount, quantity or valuation, with the value replaced, who, when and the amendment.
`conventions_tranches`: a money contribution's planned tranches (a partial due date, an
amount, a condition). `conventions_disbursements`: disbursements and expenditures (a
whole date, an amount, from a party, to a party or a named payee, a reference, the money
contribution they pay). Every amount is Numeric(14, 2), unknown left null.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

CONTRIBUTIONS = "conventions_contributions.id"


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(14, 2), nullable=True)


def _made(versioned: bool = True) -> list[sa.Column]:
    columns: list[sa.Column] = [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
    ]
    if versioned:
        columns += [
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        ]
    return columns


def _contribution_id() -> sa.Column:
    return sa.Column("contribution_id", sa.Integer(), sa.ForeignKey(CONTRIBUTIONS), nullable=False)


def upgrade() -> None:
    op.create_table(
        "conventions_contributions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "convention_id",
            sa.Integer(),
            sa.ForeignKey("conventions_conventions.id"),
            nullable=False,
        ),
        sa.Column("partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("item", sa.String(length=80), nullable=True),
        sa.Column("description_fr", sa.Text(), nullable=True),
        sa.Column("description_ar", sa.Text(), nullable=True),
        _money("amount"),
        _money("quantity"),
        sa.Column("unit", sa.String(length=24), nullable=True),
        sa.Column("profession", sa.String(length=80), nullable=True),
        sa.Column("specialty", sa.String(length=80), nullable=True),
        _money("valuation"),
        sa.Column("valuation_method", sa.Text(), nullable=True),
        sa.Column("equipment_id", sa.Integer(), sa.ForeignKey("equipment.id"), nullable=True),
        sa.Column(
            "facility_id", sa.String(length=80), sa.ForeignKey("facilities.id"), nullable=True
        ),
        *_made(),
    )
    for column in ("convention_id", "partner_id"):
        op.create_index(
            op.f(f"ix_conventions_contributions_{column}"), "conventions_contributions", [column]
        )
    op.create_table(
        "conventions_contribution_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _contribution_id(),
        sa.Column("field", sa.String(length=16), nullable=False),
        _money("previous"),
        _money("value"),
        sa.Column("amendment_number", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
    )
    op.create_index(
        op.f("ix_conventions_contribution_changes_contribution_id"),
        "conventions_contribution_changes",
        ["contribution_id"],
    )
    op.create_table(
        "conventions_tranches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _contribution_id(),
        *(sa.Column(f"due_{p}", sa.Integer(), nullable=True) for p in ("year", "month", "day")),
        _money("amount"),
        sa.Column("condition", sa.Text(), nullable=True),
        *_made(),
    )
    op.create_index(
        op.f("ix_conventions_tranches_contribution_id"), "conventions_tranches", ["contribution_id"]
    )
    op.create_table(
        "conventions_disbursements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "convention_id",
            sa.Integer(),
            sa.ForeignKey("conventions_conventions.id"),
            nullable=False,
        ),
        _contribution_id(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
        _money("amount"),
        sa.Column(
            "from_partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=False
        ),
        sa.Column(
            "to_partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=True
        ),
        sa.Column("to_payee", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=True),
        *_made(),
    )
    for column in ("convention_id", "contribution_id"):
        op.create_index(
            op.f(f"ix_conventions_disbursements_{column}"), "conventions_disbursements", [column]
        )


def downgrade() -> None:
    op.drop_table("conventions_disbursements")
    op.drop_table("conventions_tranches")
    op.drop_table("conventions_contribution_changes")
    op.drop_table("conventions_contributions")
