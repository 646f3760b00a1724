"""SQLAlchemy tables of the registry. Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TerritoryRow(Base):
    __tablename__ = "territories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("territories.code"), index=True
    )
    cercle_code: Mapped[str | None] = mapped_column(String(16))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    population_2024: Mapped[int | None] = mapped_column(Integer)
    households_2024: Mapped[int | None] = mapped_column(Integer)
    population_2014: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float | None] = mapped_column(Float)
    ref_lon: Mapped[float | None] = mapped_column(Float)
    ref_lat: Mapped[float | None] = mapped_column(Float)


class CensusRow(Base):
    """One (unit, census, area, sex) line of HCP figures; percentages as HCP gives them."""

    __tablename__ = "census_figures"
    __table_args__ = (UniqueConstraint("code", "census", "area", "sex"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"), index=True)
    census: Mapped[str] = mapped_column(String(4))
    area: Mapped[str] = mapped_column(String(8))
    sex: Mapped[str] = mapped_column(String(8))
    figures: Mapped[dict[str, float | None]] = mapped_column(JSON)


class CommuneGeometryRow(Base):
    __tablename__ = "commune_geometries"

    code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"), primary_key=True)
    geojson: Mapped[str] = mapped_column(Text)


class AdjacencyRow(Base):
    __tablename__ = "commune_adjacency"

    code_a: Mapped[str] = mapped_column(
        String(16), ForeignKey("territories.code"), primary_key=True
    )
    code_b: Mapped[str] = mapped_column(
        String(16), ForeignKey("territories.code"), primary_key=True
    )
    shared_border_km: Mapped[float] = mapped_column(Float)


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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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


class FacilityChangeRow(Base):
    """Every change to the registry: who, when, what before, what after."""

    __tablename__ = "facility_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(24))
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)


class DatasetMetaRow(Base):
    __tablename__ = "dataset_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ScenarioRow(Base):
    """A saved planning scenario (e.g. a siting run): its parameters and its result, as
    JSON, so that scenarios can be listed, shown again and compared."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    territory_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(120))


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
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
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(120))
