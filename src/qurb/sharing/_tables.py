"""The shared resources' tables: private to `qurb.sharing` (and the migrations).

A resource's time is cut into slot rows, materialised ahead (`sharing_slots`): one row
per use of the resource, its buffer (cleaning, calibration) included in its span, unique
by (resource, start). A booking claims its slot rows with one conditional UPDATE and
checks it got them all: two bookings can never hold the same slot, on SQLite as on
PostgreSQL with several server processes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


class ResourceRow(Base):
    """A registry equipment item or a visiting specialist made shareable, with the rules of
    its bookings. Times of day are the facility's local time (Africa/Casablanca); minutes
    and hours are the units the column names say."""

    __tablename__ = "sharing_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # equipment | specialist
    equipment_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("equipment.id"), unique=True
    )
    specialist_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("registry_specialists.id"), unique=True
    )
    # Where it is used by default: the equipment's facility, the specialist's home.
    facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"), index=True)
    # What it is looked up by: the equipment's kind, the specialist's specialty.
    specialty: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(64))  # the registry service it gives
    label: Mapped[str] = mapped_column(String(200))
    manager_partner_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("partners.id"))
    slot_minutes: Mapped[int] = mapped_column(Integer)  # one use
    buffer_minutes: Mapped[int] = mapped_column(Integer)  # after each use
    min_notice_hours: Mapped[int] = mapped_column(Integer)
    max_notice_days: Mapped[int] = mapped_column(Integer)
    approval_required: Mapped[bool] = mapped_column(Boolean)
    grace_minutes: Mapped[int] = mapped_column(Integer)  # a no-show released after it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class AvailabilityRow(Base):
    """One weekly opening of a resource: a weekday (0 Monday … 6 Sunday), local times
    HH:MM, and at most `daily_capacity` uses that day (None: as many as fit)."""

    __tablename__ = "sharing_availability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_resources.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    daily_capacity: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class MissionRow(Base):
    """A visiting specialist's day at a host facility (a CHU specialist's rotation to a
    provincial hospital): it opens the specialist's slots there."""

    __tablename__ = "sharing_missions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_resources.id", ondelete="CASCADE"), index=True
    )
    facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16))  # planned | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


class SlotRow(Base):
    """One use of a resource, its buffer included: [start, end) is the use, [end,
    buffer_end) the buffer. `booking_id` is who holds it (None: free); `closed_by` the
    downtime that closed it; `held_for` a referral offered it first until `held_until`."""

    __tablename__ = "sharing_slots"
    __table_args__ = (
        UniqueConstraint("resource_id", "start", name="uq_sharing_slots_resource_start"),
        Index("ix_sharing_slots_free", "facility_id", "start"),
        # The next free slots of a specialty walk this index in time order.
        Index("ix_sharing_slots_specialty_start", "specialty", "start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_resources.id", ondelete="CASCADE")
    )
    facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"))
    specialty: Mapped[str] = mapped_column(String(64))  # the resource's, copied
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    buffer_end: Mapped[datetime] = mapped_column(UTCDateTime())
    mission_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("sharing_missions.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[int | None] = mapped_column(Integer, index=True)
    closed_by: Mapped[int | None] = mapped_column(Integer)  # a downtime's id
    held_for: Mapped[int | None] = mapped_column(Integer)  # a referral's id
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BookingRow(Base):
    """A booking of consecutive slots by a partner institution, for a facility (and a
    referral, when it books one). Statuses: requested (awaiting approval), confirmed,
    checked_in, cancelled, no_show (released after the grace period), displaced (its slots
    closed by a downtime)."""

    __tablename__ = "sharing_bookings"
    __table_args__ = (Index("ix_sharing_bookings_resource_start", "resource_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(Integer, ForeignKey("sharing_resources.id"))
    partner_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("partners.id"))
    facility_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("facilities.id"))
    referral_id: Mapped[int | None] = mapped_column(Integer, index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    slots: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    from_pool: Mapped[int] = mapped_column(Integer, default=0)  # slots beyond its quota
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)  # a cancellation's or a refusal's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    # The account that booked (None: a local actor): whom its news is sent to.
    account_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class DowntimeRow(Base):
    """A resource out of use from `start` to `end` (None: until said otherwise), with why:
    the slots it covers are closed and their bookings' holders told."""

    __tablename__ = "sharing_downtime"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_resources.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


class QuotaRow(Base):
    """A partner's share of a resource's time under a convention: `amount` slots or hours
    (`unit`) per calendar month, from `valid_from` to `valid_to`; what is unused
    `release_days` before a month's end returns to the pool (the release job)."""

    __tablename__ = "sharing_quotas"
    __table_args__ = (UniqueConstraint("resource_id", "partner_id", "convention_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_resources.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"), index=True)
    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey("conventions_conventions.id"))
    unit: Mapped[str] = mapped_column(String(8))  # slots | hours
    amount: Mapped[int] = mapped_column(Integer)
    release_days: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


class QuotaReleaseRow(Base):
    """A month's unused quota returned to the pool by the release job: how many slots."""

    __tablename__ = "sharing_quota_releases"

    quota_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_quotas.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    slots: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WaitingRow(Base):
    """A partner waiting for a resource's slot between two dates (for a referral, or
    not): offered the first slot freed or opened, first come first served."""

    __tablename__ = "sharing_waiting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sharing_resources.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("partners.id"))
    referral_id: Mapped[int | None] = mapped_column(Integer)
    wanted_from: Mapped[date] = mapped_column(Date)
    wanted_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # waiting | offered | booked | withdrawn
    offered_slot: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(Integer)  # whom an offer is sent to
