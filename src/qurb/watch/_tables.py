"""The periodic reports' tables: private to `qurb.watch` (and the migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


class DatasetValidationRow(Base):
    """A data set version validated by a user holding watch.confirm over the country
    (the file says what it is; whether it was validated lives here)."""

    __tablename__ = "watch_dataset_validations"

    dataset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dataset_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    validated_by: Mapped[str] = mapped_column(String(200))


class ReportRow(Base):
    """One version of a facility's report for a period: a correction adds a version and
    keeps the earlier ones (`current` marks the one that counts)."""

    __tablename__ = "watch_reports"
    __table_args__ = (
        UniqueConstraint("dataset_id", "facility_id", "period", "revision"),
        Index("ix_watch_reports_period", "dataset_id", "period", "current"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(64))
    dataset_version: Mapped[str] = mapped_column(String(64))
    facility_id: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the first version's
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())  # this version's
    submitted_by: Mapped[str] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class ReportValueRow(Base):
    """One cell of a report version: a count for an element and a disaggregation ("" for
    the total). A cell not given has no row (unknown); a zero is a row holding 0."""

    __tablename__ = "watch_report_values"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("watch_reports.id", ondelete="CASCADE"), primary_key=True
    )
    element: Mapped[str] = mapped_column(String(64), primary_key=True)
    disaggregation: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class SignalRow(Base):
    """An outbreak signal: a unit-week of a data set's element whose detection alarmed
    once. Kept for good: a rerun that no longer alarms marks it `revised` (never deleted),
    one that alarms again makes it `active` again. Only alarms get a row; a triage hangs
    on its id."""

    __tablename__ = "watch_signals"
    __table_args__ = (
        UniqueConstraint("dataset_id", "element", "unit_code", "week"),
        Index("ix_watch_signals_week", "week", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(64))
    element: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(200))  # a facility id or a territory code
    level: Mapped[str] = mapped_column(String(16))  # facility, commune, province, region
    territory_code: Mapped[str] = mapped_column(
        String(32), index=True
    )  # grants: a facility's commune
    week: Mapped[str] = mapped_column(String(16))  # ISO week as DHIS2 writes it: 2026W5
    method: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[str] = mapped_column(String(500))  # JSON: the method's settings, why
    observed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected: Mapped[float | None] = mapped_column(Float, nullable=True)
    upperbound: Mapped[float | None] = mapped_column(Float, nullable=True)  # NULL: NA
    alarm: Mapped[bool] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    provisional: Mapped[bool] = mapped_column()  # a report counted is not yet confirmed
    first_raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
