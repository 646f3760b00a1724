"""SQLAlchemy tables of the registry. Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
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
