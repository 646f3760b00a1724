"""SQLAlchemy tables of the conventions' steering committees (a `conventions_committee_`
prefix): the convention's meeting rule and quorum, the members named for a party (who
need no account), the meetings with their attendance, agenda items and decisions, each
decision a tracked action. Whole dates are `Date` columns. Portable SQL only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version

CONVENTION = "conventions_conventions.id"
MEETING = "conventions_committee_meetings.id"


class CommitteeRuleRow(Base):
    """How often the committee meets (one of the two, or neither: unknown) and its quorum
    (a number of members present, or unknown)."""

    __tablename__ = "conventions_committee_rules"

    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey(CONVENTION), primary_key=True)
    meetings_per_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    every_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quorum: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class CommitteeMemberRow(Base):
    """A member named for a party of the convention (an account is not needed)."""

    __tablename__ = "conventions_committee_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey(CONVENTION), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class MeetingRow(Base):
    __tablename__ = "conventions_committee_meetings"
    __table_args__ = (
        UniqueConstraint("convention_id", "number", name="uq_conventions_committee_meeting"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey(CONVENTION), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the convention
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    quorum: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the rule's, then
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class AttendanceRow(Base):
    """One line of a meeting's attendance: an account, a named member, or a guest."""

    __tablename__ = "conventions_committee_attendance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey(MEETING), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    member_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("conventions_committee_members.id"), nullable=True
    )
    guest_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    presence: Mapped[str] = mapped_column(String(16))


class AgendaItemRow(Base):
    __tablename__ = "conventions_committee_agenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey(MEETING), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    article_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DecisionRow(Base):
    """A decision of a meeting, owned by a party with a deadline: a tracked action."""

    __tablename__ = "conventions_committee_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey(MEETING), index=True)
    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey(CONVENTION), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner_partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"))
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it
