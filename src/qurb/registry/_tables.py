"""SQLAlchemy tables of the registry. Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


class FacilityRow(Base):
    """The registry: the current state of each facility (public and private)."""

    __tablename__ = "facilities"
    __table_args__ = (Index("ix_facilities_commune_category", "commune_code", "category"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_ar: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(16), index=True)
    family: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16), index=True)
    sector: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default="open")
    province_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    commune_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    arrondissement_code: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("territories.code")
    )
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    location_source: Mapped[str] = mapped_column(String(24))
    location_precision_m: Mapped[float | None] = mapped_column(Float)
    osm_id: Mapped[str | None] = mapped_column(String(32))
    beds: Mapped[int | None] = mapped_column(Integer)
    doctors: Mapped[int | None] = mapped_column(Integer)
    # The services it offers (names of services.toml), sorted: its category's defaults and
    # the reviewed lines of services.csv at load, then registry edits. None: recorded before
    # services were kept per facility, read as the category's defaults.
    services: Mapped[list[str] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200))
    source_row: Mapped[int | None] = mapped_column(Integer)
    link_method: Mapped[str | None] = mapped_column(String(16))
    link_score: Mapped[float | None] = mapped_column(Float)
    moh_delegation: Mapped[str | None] = mapped_column(String(200))
    moh_commune: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class FacilityEditionRow(Base):
    """A facility as printed in one edition of the Ministry's list (2020, 2022, 2024)."""

    __tablename__ = "facility_editions"
    __table_args__ = (UniqueConstraint("facility_id", "edition", "source_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(String(80), index=True)
    edition: Mapped[int] = mapped_column(Integer, index=True)
    family: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    source_file: Mapped[str] = mapped_column(String(200))
    source_row: Mapped[int] = mapped_column(Integer)


class CapacityValueRow(Base):
    """One capacity value of a facility as entered: a count (beds, staff) or a text
    (hours), with its source, date and who entered it. Every value is kept; the current
    one of a measure is its latest row (the highest id). Count and text both None: the
    measure was entered as unknown."""

    __tablename__ = "capacity_values"
    __table_args__ = (Index("ix_capacity_values_facility_measure", "facility_id", "measure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"))
    measure: Mapped[str] = mapped_column(String(64))
    count: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    import_id: Mapped[int | None] = mapped_column(Integer)


class EquipmentRow(Base):
    """A piece of equipment a facility holds: its kind (capacity.toml), model, the
    délégation's inventory number, date in service, status and its details."""

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    model: Mapped[str | None] = mapped_column(String(200))
    inventory_ref: Mapped[str | None] = mapped_column(String(80))
    in_service: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    down_reason: Mapped[str | None] = mapped_column(String(300))
    down_since: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class SpecialistRow(Base):
    """A visiting specialist: a doctor of a specialty (capacity.toml) whose home is a
    facility (a CHU's), named by a label the home institution chooses (a function, a
    team), which may be shared with partner hospitals (sharing/)."""

    __tablename__ = "registry_specialists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    specialty: Mapped[str] = mapped_column(String(64), index=True)
    home_facility_id: Mapped[str] = mapped_column(String(80), ForeignKey("facilities.id"))
    label: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class CapacityImportRow(Base):
    """One workbook of capacity imported for a province: the file, its digest and what
    it wrote (the values carry its id)."""

    __tablename__ = "capacity_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    province_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    facilities: Mapped[int] = mapped_column(Integer)
    values: Mapped[int] = mapped_column(Integer)
    equipment: Mapped[int] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
