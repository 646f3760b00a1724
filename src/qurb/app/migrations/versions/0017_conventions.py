"""conventions: partnership conventions, their territories, articles, parties, amendments
and documents

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:10:00

`conventions_conventions`: a convention — its unique reference, titles and object (FR,
AR), kind, the council's deliberation (number, date), whether an approval is required and
its date, signature (date, place), start and end, status, published flag, the source of
its facts, its row version. Every date is partial: three nullable integers (year, month,
day), unknown parts left null. `conventions_territories`: the HCP territories it covers.
`conventions_articles`: its numbered articles. `conventions_parties`: a registered
partner and its role; `conventions_people`: a party's signatories and contact persons.
`conventions_amendments`: numbered amendments, with the end date each set and the one it
replaced. `conventions_documents`: a document's bytes, kind, size and SHA-256, attached to
the convention or one of its amendments.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

CONVENTIONS = "conventions_conventions.id"


def _partial(name: str) -> list[sa.Column]:
    return [
        sa.Column(f"{name}_{part}", sa.Integer(), nullable=True)
        for part in ("year", "month", "day")
    ]


def _convention_id() -> sa.Column:
    return sa.Column("convention_id", sa.Integer(), sa.ForeignKey(CONVENTIONS), nullable=False)


def _made() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "conventions_conventions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(length=80), nullable=False, unique=True),
        sa.Column("title_fr", sa.String(length=300), nullable=False),
        sa.Column("title_ar", sa.String(length=300), nullable=True),
        sa.Column("object_fr", sa.Text(), nullable=True),
        sa.Column("object_ar", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("deliberation_number", sa.String(length=200), nullable=True),
        *_partial("deliberation"),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        *_partial("approval"),
        *_partial("signature"),
        sa.Column("signature_place", sa.String(length=200), nullable=True),
        *_partial("start"),
        *_partial("end"),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        *_made(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index(
        op.f("ix_conventions_conventions_status"), "conventions_conventions", ["status"]
    )
    op.create_table(
        "conventions_territories",
        sa.Column("convention_id", sa.Integer(), sa.ForeignKey(CONVENTIONS), primary_key=True),
        sa.Column(
            "territory_code",
            sa.String(length=16),
            sa.ForeignKey("territories.code"),
            primary_key=True,
        ),
    )
    op.create_index(
        op.f("ix_conventions_territories_territory_code"),
        "conventions_territories",
        ["territory_code"],
    )
    op.create_table(
        "conventions_articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _convention_id(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("text_fr", sa.Text(), nullable=True),
        sa.Column("text_ar", sa.Text(), nullable=True),
        sa.UniqueConstraint("convention_id", "number", name="uq_conventions_article"),
    )
    op.create_table(
        "conventions_parties",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _convention_id(),
        sa.Column("partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=True),
        sa.UniqueConstraint("convention_id", "partner_id", "role", name="uq_conventions_party"),
    )
    op.create_index(
        op.f("ix_conventions_parties_partner_id"), "conventions_parties", ["partner_id"]
    )
    op.create_table(
        "conventions_people",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "party_id", sa.Integer(), sa.ForeignKey("conventions_parties.id"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=200), nullable=True),
    )
    op.create_table(
        "conventions_amendments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _convention_id(),
        sa.Column("number", sa.Integer(), nullable=False),
        *_partial("on"),
        sa.Column("changes_end", sa.Boolean(), nullable=False),
        *_partial("end"),
        *_partial("previous_end"),
        sa.Column("note", sa.Text(), nullable=True),
        *_made(),
        sa.UniqueConstraint("convention_id", "number", name="uq_conventions_amendment"),
    )
    op.create_table(
        "conventions_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _convention_id(),
        sa.Column(
            "amendment_id",
            sa.Integer(),
            sa.ForeignKey("conventions_amendments.id"),
            nullable=True,
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        *_made(),
    )
    for table in ("articles", "parties", "amendments", "documents"):
        op.create_index(
            op.f(f"ix_conventions_{table}_convention_id"),
            f"conventions_{table}",
            ["convention_id"],
        )
    op.create_index(op.f("ix_conventions_people_party_id"), "conventions_people", ["party_id"])


def downgrade() -> None:
    for table in ("documents", "amendments", "people", "parties", "articles", "territories"):
        op.drop_table(f"conventions_{table}")
    op.drop_table("conventions_conventions")
