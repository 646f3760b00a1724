"""The periodic reports' tables: private to `qurb.watch` (and the migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    # where its alert's triage stands (triage_model.TriageState): open, monitoring, closed
    triage_state: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    version: Mapped[int] = row_version()  # one more at each rerun that changes it, each step
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class TriageStepRow(Base):
    """One step of a signal's alert triage (triage_model.Stage), appended, never changed:
    a verification's decision or an outcome (`decision`), an assessment's three texts, a
    characterisation's likelihood, consequences and the risk level they give, a note."""

    __tablename__ = "watch_triage_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("watch_signals.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    likelihood: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consequences: Mapped[str | None] = mapped_column(String(32), nullable=True)
    risk_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    hazard: Mapped[str | None] = mapped_column(Text, nullable=True)  # free text, FR or AR
    exposure: Mapped[str | None] = mapped_column(Text, nullable=True)
    context: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))  # an account's id, or a local name
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignalInvitationRow(Base):
    """An account invited to a signal's alert: it may read the alert and add notes."""

    __tablename__ = "watch_signal_invitations"

    signal_id: Mapped[int] = mapped_column(
        ForeignKey("watch_signals.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invited_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
