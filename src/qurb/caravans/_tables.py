"""SQLAlchemy tables of the registry. Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime


class CaravanCampaignRow(Base):
    """A mobile medical caravan campaign: the planner's file (spec) and its plan, as JSON
    (priority scores, routes, dropped communes), so the plan can be shown again."""

    __tablename__ = "caravan_campaigns"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    territory_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    spec: Mapped[dict[str, object]] = mapped_column(JSON)
    plan: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class CaravanStopRow(Base):
    """One planned visit of a campaign: a commune (or a user's site) on a date, by a unit."""

    __tablename__ = "caravan_stops"
    __table_args__ = (UniqueConstraint("campaign_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("caravan_campaigns.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1-based, in date order
    commune_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    label: Mapped[str] = mapped_column(String(200))
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    unit: Mapped[str] = mapped_column(String(120))
    team: Mapped[str] = mapped_column(String(120))
    # HH:MM local time the visit opens (in tours the team may have arrived the evening
    # before; the plan JSON keeps that arrival time).
    arrival: Mapped[str] = mapped_column(String(5))
    departure: Mapped[str] = mapped_column(String(5))
    expected: Mapped[dict[str, float]] = mapped_column(JSON)  # patients per specialty


class CaravanRecordRow(Base):
    """What a visit actually gave: consultations by specialty, sex and age band,
    screenings, medicines handed out, referrals issued (to a facility, for a service)."""

    __tablename__ = "caravan_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stop_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("caravan_stops.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # consultation|screening|medicine|referral
    item: Mapped[str] = mapped_column(String(120))  # specialty, screening or medicine
    sex: Mapped[str | None] = mapped_column(String(1))
    age_band: Mapped[str | None] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer)
    facility_id: Mapped[str | None] = mapped_column(
        String(80), ForeignKey("facilities.id"), index=True
    )
    service: Mapped[str | None] = mapped_column(String(120))
    # SHA-256 of the rows recorded together, so that one file is not counted twice.
    batch_sha256: Mapped[str] = mapped_column(String(64), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
