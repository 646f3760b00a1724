"""Territorial units of the HCP 2024 scheme: country, region, province, cercle, commune."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Morocco's extent (lon/lat, WGS84), Sahara regions included, with a margin of ~0.3°.
MOROCCO_BBOX = (-17.5, 20.5, -0.7, 36.2)


class TerritoryLevel(enum.StrEnum):
    COUNTRY = "country"
    REGION = "region"
    PROVINCE = "province"
    CERCLE = "cercle"
    COMMUNE = "commune"
    ARRONDISSEMENT = "arrondissement"

    @property
    def depth(self) -> int:
        return list(TerritoryLevel).index(self)


@dataclass(frozen=True)
class Territory:
    """A unit with its HCP code (a string: dots and leading zeros kept)."""

    code: str
    level: TerritoryLevel
    name_fr: str
    name_ar: str
    parent_code: str | None
    kind: str
    population_2024: int | None
    households_2024: int | None = None
    population_2014: int | None = None
    cercle_code: str | None = None
    area_km2: float | None = None
    ref_lon: float | None = None
    ref_lat: float | None = None


def inside_morocco(lon: float, lat: float) -> bool:
    west, south, east, north = MOROCCO_BBOX
    return west <= lon <= east and south <= lat <= north
