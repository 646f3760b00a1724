"""The referrals' tables: private to `qurb.referrals` (and the migrations).

A referral names no person: the patient's commune of residence, age band and sex, and a
pseudonymous reference the sending facility keeps beside its own record (law 09-08: what
identifies a person stays in the facility's records). Each status change is a row of
`referral_events`; the referral row carries the time of each milestone too, so that
waiting times are read without replaying the events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


class ReferralRow(Base):
    """A referral (or a tele-expertise request) along a care pathway."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_destination_status", "destination_facility_id", "status"),
        Index("ix_referrals_region_sent", "region_code", "sent_at"),
        # Covers the waiting-time measures (measures.py): a region's referrals over a
        # range of sending dates read from the index alone, never the rows' texts.
        Index(
            "ix_referrals_measures",
            "region_code",
            "sent_at",
            "kind",
            "pathway",
            "service",
            "commune_code",
            "destination_facility_id",
            "booked_at",
            "seen_at",
            "counter_referred_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)  # pseudonymous
    kind: Mapped[str] = mapped_column(String(16))  # referral | tele_expertise
    pathway: Mapped[str | None] = mapped_column(String(64), index=True)
    step: Mapped[int | None] = mapped_column(Integer)  # the pathway's level sent to (0-based)
    service: Mapped[str] = mapped_column(String(64))  # the registry service asked for
    specialty: Mapped[str | None] = mapped_column(String(64))
    origin_facility_id: Mapped[str | None] = mapped_column(
        String(80), ForeignKey("facilities.id"), index=True
    )
    origin_stop_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("caravan_stops.id"), index=True
    )
    origin_record_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("caravan_records.id"), index=True
    )
    destination_facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"))
    # The destination's region, copied: a region's measures read its referrals by index.
    region_code: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    age_band: Mapped[str | None] = mapped_column(String(8))
    sex: Mapped[str | None] = mapped_column(String(1))
    reason: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))  # routine | urgent | emergency
    status: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("referrals.id"))
    booking_id: Mapped[int | None] = mapped_column(Integer)
    # A tele-expertise request answered without a transfer: the travel it saved (km,
    # the travel-time model's road distance origin → destination, both ways).
    transfer_avoided: Mapped[bool] = mapped_column(Boolean, default=False)
    km_saved: Mapped[float | None] = mapped_column(Float)
    answer: Mapped[str | None] = mapped_column(Text)  # a counter-referral's or an advice
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counter_referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class ReferralEventRow(Base):
    """One status change of a referral, with its time, its author and its reason."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
