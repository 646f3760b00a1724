"""conventions_committee: the conventions' steering committees

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 19:30:00

`conventions_committee_rules` holds a convention's meeting rule (meetings per year or
every so many months, or neither: unknown) and its quorum; `conventions_committee_members`
the members named for a party (no account needed); `conventions_committee_meetings` the
meetings (a whole date, place, kind, the quorum of the rule then), with their attendance
(`..._attendance`), agenda items tied to articles (`..._agenda`) and decisions owned by a
party with a deadline, tracked as actions (`..._decisions`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

CONVENTION = "conventions_conventions.id"
MEETING = "conventions_committee_meetings.id"


def _convention_id(primary: bool = False) -> sa.Column:
    return sa.Column(
        "convention_id",
        sa.Integer(),
        sa.ForeignKey(CONVENTION),
        nullable=False,
        primary_key=primary,
    )


def _meeting_id() -> sa.Column:
    return sa.Column("meeting_id", sa.Integer(), sa.ForeignKey(MEETING), nullable=False)


def _stamp(prefix: str) -> list[sa.Column]:
    return [
        sa.Column(f"{prefix}_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(f"{prefix}_by", sa.String(length=120), nullable=False),
    ]


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer(), nullable=False, server_default="1")


def upgrade() -> None:
    op.create_table(
        "conventions_committee_rules",
        _convention_id(primary=True),
        sa.Column("meetings_per_year", sa.Integer(), nullable=True),
        sa.Column("every_months", sa.Integer(), nullable=True),
        sa.Column("quorum", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        *_stamp("updated"),
        _version(),
    )
    op.create_table(
        "conventions_committee_members",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _convention_id(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=False),
        *_stamp("created"),
    )
    op.create_index(
        "ix_conventions_committee_members_convention_id",
        "conventions_committee_members",
        ["convention_id"],
    )
    op.create_table(
        "conventions_committee_meetings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _convention_id(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        *_stamp("created"),
        sa.UniqueConstraint("convention_id", "number", name="uq_conventions_committee_meeting"),
    )
    op.create_index(
        "ix_conventions_committee_meetings_convention_id",
        "conventions_committee_meetings",
        ["convention_id"],
    )
    op.create_table(
        "conventions_committee_attendance",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _meeting_id(),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("conventions_committee_members.id"),
            nullable=True,
        ),
        sa.Column("guest_name", sa.String(length=200), nullable=True),
        sa.Column("presence", sa.String(length=16), nullable=False),
    )
    op.create_index(
        "ix_conventions_committee_attendance_meeting_id",
        "conventions_committee_attendance",
        ["meeting_id"],
    )
    op.create_table(
        "conventions_committee_agenda",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _meeting_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("article_number", sa.Integer(), nullable=True),
    )
    op.create_index(
        "ix_conventions_committee_agenda_meeting_id", "conventions_committee_agenda", ["meeting_id"]
    )
    op.create_table(
        "conventions_committee_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _meeting_id(),
        _convention_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "owner_partner_id", sa.String(length=80), sa.ForeignKey("partners.id"), nullable=False
        ),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamp("updated"),
        _version(),
    )
    for column in ("meeting_id", "convention_id", "status"):
        op.create_index(
            f"ix_conventions_committee_decisions_{column}",
            "conventions_committee_decisions",
            [column],
        )


def downgrade() -> None:
    for table in ("decisions", "agenda", "attendance", "meetings", "members", "rules"):
        op.drop_table(f"conventions_committee_{table}")
