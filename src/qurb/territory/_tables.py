"""SQLAlchemy tables of the registry. Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base


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
