"""SQLAlchemy tables of siting: saved scenarios and the regional plan's projects.
Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


class ScenarioRow(Base):
    """A saved planning scenario (a siting run, a what-if): its parameters and its result,
    as JSON, so that scenarios can be listed, shown again and compared."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    territory_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    # The partner the saving account acted for (None: a local actor, or no partner), and
    # who may see it: "partner" (that partner's accounts, administrators) or "public".
    partner_id: Mapped[str | None] = mapped_column(String(80), index=True)
    visibility: Mapped[str] = mapped_column(
        String(16), nullable=False, default="partner", server_default="partner"
    )


class ProjectRow(Base):
    """A project of the regional plan (PROS): what it is (kind and its subject), where,
    its cost and priority, the scenario it came from, its status and, once opened, what
    it became in the registry."""

    __tablename__ = "plan_projects"
    __table_args__ = (UniqueConstraint("scenario_id", "site_rank", name="uq_plan_projects_site"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    territory_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("territories.code"), index=True
    )
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    category: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    facility_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("facilities.id"))
    equipment_kind: Mapped[str | None] = mapped_column(String(64))
    service: Mapped[str | None] = mapped_column(String(64))
    cost_amount_mad: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[int] = mapped_column(Integer)
    scenario_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("scenarios.id"))
    site_rank: Mapped[int | None] = mapped_column(Integer)
    partner_id: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    status_on: Mapped[date] = mapped_column(Date)
    drop_reason: Mapped[str | None] = mapped_column(String(500))
    opened_facility_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("facilities.id"))
    opened_equipment_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("equipment.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class ProjectEventRow(Base):
    """A project's status moves, every one kept: the status reached, on which day, when
    it was written, by whom, with the note given (a drop's reason)."""

    __tablename__ = "plan_project_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(Integer, ForeignKey("plan_projects.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    moved_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))
