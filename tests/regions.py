"""Small regions whose answers can be worked out on paper, for the tests of the algorithms
and the services."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert

from qurb.algo.commune_graph_inputs import CommuneGraphInputs
from qurb.algo.travel import EARTH_RADIUS_KM
from qurb.app.dataset import LOADER
from qurb.app.schema import migrate
from qurb.audit import service as audit
from qurb.kernel.actor import Actor
from qurb.platform.database import make_sessionmaker, transaction
from qurb.platform.tables import DatasetMetaRow
from qurb.registry._tables import FacilityRow
from qurb.registry.model import categories
from qurb.registry.service import change_event
from qurb.territory._tables import AdjacencyRow, CensusRow, CommuneGeometryRow, TerritoryRow
from qurb.territory.census import AGE_BANDS

# Three communes 0.1° apart on the meridian 7° W: A (urban), B (rural), C (remote: its
# households live 5 km from a paved road). Areas: A 4 km², B 100 km², C π km² (radius 1).
STEP_KM = EARTH_RADIUS_KM * math.radians(0.1)  # 11.1195 km between reference points
LINE = CommuneGraphInputs(
    codes=("A", "B", "C"),
    ref_lon=np.array([-7.0, -7.0, -7.0]),
    ref_lat=np.array([31.0, 31.1, 31.2]),
    area_km2=np.array([4.0, 100.0, math.pi]),
    population=np.array([20_000.0, 3_000.0, 500.0]),
    urban=np.array([True, False, False]),
    paved_road_km=np.array([np.nan, 1.0, 5.0]),
    adjacency=(("A", "B"), ("B", "C")),
)


# ---------------------------------------------------------------------------- small region
#
# Morocco (MA, holding nothing else) › region 99 "Région de Test" › province 99.991
# "Tizgui" › five communes stacked on the meridian 7° W, 0.1° of latitude
# (STEP_KM = 11.1195 km) apart, south to north:
#
#   lat 30.9  99.991.01.03  Ouled Amar      urban  24,000
#   lat 31.0  99.991.01.01  Tizgui          urban  60,000  (59,500 municipal: 500 in barracks)
#   lat 31.1  99.991.03.05  Aït Lhou        rural  12,000  ┐
#   lat 31.2  99.991.03.07  Tafraout n'Aït  rural   9,000  ├ cercle 99.991.03 "Aït Lhou"
#   lat 31.3  99.991.03.09  Imi n'Ouzrou    rural   4,500  ┘
#                                            total 109,500
#
# Each commune's outline is the box lon −7.05…−6.95, lat ref ± 0.05 (so neighbours on the
# meridian share an edge of 0.1° of longitude ≈ 9.5 km); its reference point is the box's
# centre (−7.0, lat). Areas are the HCP-style figures below, not the boxes'.
#
# Facilities (public, Ministry family), with their coordinates:
#   HP   Hôpital provincial de Tizgui   Tizgui      (−7.00, 31.00) 100 beds  ← on the ref point
#   CSU-1 CSU Tizgui Centre             Tizgui      (−6.99, 31.01)
#   CSU-1 CSU Hay Salam                 Tizgui      (−7.01, 30.99)
#   CSU-1 CSU Ouled Amar                Ouled Amar  (−7.00, 30.91)
#   CSR-2 CSR Aït Lhou                  Aït Lhou    (−7.00, 31.11)
#   DR    DR Tafraout                   Tafraout    (−7.00, 31.21)
#   Imi n'Ouzrou has none.
#
# Straight-line travel at 60 km/h (1 km = 1 min) from each reference point to the HP:
#   Tizgui 0 · Ouled Amar, Aït Lhou 1 step = 11.1195 → 11.1 min · Tafraout 2 steps =
#   22.2390 → 22.2 min · Imi n'Ouzrou 3 steps = 33.3585 → 33.4 min.
#
# Census 2024 (HCP percentages of the municipal population). Urban communes: age 0–4 8 %,
# 60+ 12 % (60–64 5, 65–69 3, 70–74 2, 75+ 2), women's bands 15–19…45–49 8 % each (56 %),
# TFR 2.1. Rural communes: 0–4 10 %, 60+ 14 % (6, 4, 2, 2), women 15–49 7 % each (49 %),
# TFR 2.8. Women are half the municipal population. The cercle, the province and the
# region have the sums (percentages of the summed municipal population, no TFR): the
# province has 109,000 municipal people, 54,500 women.

COUNTRY_CODE = "MA"
REGION_CODE = "99"
PROVINCE_CODE = "99.991"
CERCLE_CODE = "99.991.03"
TIZGUI, OULED_AMAR = "99.991.01.01", "99.991.01.03"
AIT_LHOU, TAFRAOUT, IMI = "99.991.03.05", "99.991.03.07", "99.991.03.09"
SMALL_REGION_SHA = "small-region-for-tests"  # the dataset_meta checksum it is stored under


@dataclass(frozen=True)
class SmallCommune:
    code: str
    name_fr: str
    name_ar: str
    kind: str  # urban | rural
    population: int  # legal, 2024
    municipal: int
    population_2014: int
    households: int
    lat: float
    area_km2: float
    paved_road_km: float | None  # households' mean distance to a paved road (rural)

    @property
    def lon(self) -> float:
        return -7.0

    def box(self) -> dict[str, Any]:
        west, east, south, north = -7.05, -6.95, self.lat - 0.05, self.lat + 0.05
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return {"type": "Polygon", "coordinates": [[[round(x, 6) for x in p] for p in ring]]}


SMALL_COMMUNES = (
    SmallCommune(
        OULED_AMAR,
        "Ouled Amar",
        "أولاد عمار",
        "urban",
        24_000,
        24_000,
        20_000,
        6_000,
        30.9,
        30.0,
        None,
    ),
    SmallCommune(
        TIZGUI, "Tizgui", "تيزكي", "urban", 60_000, 59_500, 50_000, 15_000, 31.0, 20.0, None
    ),
    SmallCommune(
        AIT_LHOU, "Aït Lhou", "آيت لحو", "rural", 12_000, 12_000, 12_500, 2_400, 31.1, 100.0, 1.5
    ),
    SmallCommune(
        TAFRAOUT,
        "Tafraout n'Aït",
        "تافراوت نايت",
        "rural",
        9_000,
        9_000,
        9_600,
        1_800,
        31.2,
        150.0,
        4.0,
    ),
    SmallCommune(
        IMI, "Imi n'Ouzrou", "إيمي نوزرو", "rural", 4_500, 4_500, 5_000, 900, 31.3, 200.0, 8.0
    ),
)

URBAN_AGES = {
    "age_0_4": 8.0,
    "age_60_64": 5.0,
    "age_65_69": 3.0,
    "age_70_74": 2.0,
    "age_75_plus": 2.0,
}
RURAL_AGES = {
    "age_0_4": 10.0,
    "age_60_64": 6.0,
    "age_65_69": 4.0,
    "age_70_74": 2.0,
    "age_75_plus": 2.0,
}
WOMEN_BANDS = (
    "age_15_19",
    "age_20_24",
    "age_25_29",
    "age_30_34",
    "age_35_39",
    "age_40_44",
    "age_45_49",
)
URBAN_TFR, RURAL_TFR = 2.1, 2.8
URBAN_WOMEN_BAND_PCT, RURAL_WOMEN_BAND_PCT = 8.0, 7.0


@dataclass(frozen=True)
class SmallFacility:
    id: str
    name: str
    category: str
    commune: str
    lon: float
    lat: float
    beds: int | None = None
    doctors: int | None = None


HP_TIZGUI = "hospital-99.991.01.01-hp-tizgui"
SMALL_FACILITIES = (
    SmallFacility(HP_TIZGUI, "Hôpital provincial de Tizgui", "HP", TIZGUI, -7.0, 31.0, 100),
    SmallFacility(
        "ESSP-99.991.01.01-csu-centre", "CSU Tizgui Centre", "CSU-1", TIZGUI, -6.99, 31.01
    ),
    SmallFacility(
        "ESSP-99.991.01.01-csu-hay-salam", "CSU Hay Salam", "CSU-1", TIZGUI, -7.01, 30.99
    ),
    SmallFacility(
        "ESSP-99.991.01.03-csu-ouled-amar", "CSU Ouled Amar", "CSU-1", OULED_AMAR, -7.0, 30.91
    ),
    SmallFacility("ESSP-99.991.03.05-csr-ait-lhou", "CSR Aït Lhou", "CSR-2", AIT_LHOU, -7.0, 31.11),
    SmallFacility("ESSP-99.991.03.07-dr-tafraout", "DR Tafraout", "DR", TAFRAOUT, -7.0, 31.21),
)

# A norm set whose "1 per N" gives answers worked out in the tests.
SMALL_NORMS: dict[str, Any] = {
    "id": "small-test",
    "version": "1",
    "name_fr": "Normes d'essai",
    "source": "tests/regions.py",
    "kind": "norm",
    "rule": [
        {
            "id": "centres",
            "label_fr": "1 centre de santé pour 10 000 habitants",
            "population": "total",
            "per_population": 10_000,
            "categories": ["DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2"],
            "missing_category": "CSR-1",
            "scale": "commune",
        },
        {
            "id": "beds",
            "label_fr": "1 lit pour 1 000 habitants, par province",
            "population": "total",
            "per_population": 1_000,
            "supply": "beds",
            "families": ["hospital"],
            "scale": "province",
        },
        {
            "id": "beds-commune",
            "label_fr": "1 lit pour 1 000 habitants, par commune",
            "population": "total",
            "per_population": 1_000,
            "supply": "beds",
            "families": ["hospital"],
            "scale": "commune",
        },
    ],
}


def _census_rows(c: SmallCommune) -> list[dict[str, Any]]:
    urban = c.kind == "urban"
    ages = URBAN_AGES if urban else RURAL_AGES
    women = URBAN_WOMEN_BAND_PCT if urban else RURAL_WOMEN_BAND_PCT
    total: dict[str, float | None] = {
        "population_legal": c.population,
        "population_municipal": c.municipal,
        **ages,
        "fertility_total_fertility_rate": URBAN_TFR if urban else RURAL_TFR,
        "households_count": c.households,
    }
    if c.paved_road_km is not None:
        total["households_distance_to_paved_road_km"] = c.paved_road_km
    female: dict[str, float | None] = {
        "population_municipal": c.municipal / 2,
        **dict.fromkeys(WOMEN_BANDS, women),
    }
    return [
        {"code": c.code, "census": "2024", "area": "total", "sex": "all", "figures": total},
        {"code": c.code, "census": "2024", "area": "total", "sex": "female", "figures": female},
        {
            "code": c.code,
            "census": "2024",
            "area": c.kind,
            "sex": "all",
            "figures": {"population_legal": c.population, "population_municipal": c.municipal},
        },
    ]


def _aggregate_census(code: str, members: Sequence[SmallCommune]) -> list[dict[str, Any]]:
    """A larger unit's census lines as HCP gives them: people summed, percentages of the
    summed municipal population (kept unrounded); no fertility rate."""
    lines = [line for c in members for line in _census_rows(c)]
    out = []
    for area, sex in sorted({(line["area"], line["sex"]) for line in lines}):
        same = [line["figures"] for line in lines if (line["area"], line["sex"]) == (area, sex)]
        municipal = sum(f["population_municipal"] for f in same)
        figures: dict[str, float | None] = {"population_municipal": municipal}
        if all("population_legal" in f for f in same):
            figures["population_legal"] = sum(f["population_legal"] for f in same)
        for band in AGE_BANDS:
            people = sum(f[band] / 100.0 * f["population_municipal"] for f in same if band in f)
            if any(band in f for f in same):
                figures[band] = 100.0 * people / municipal
        out.append({"code": code, "census": "2024", "area": area, "sex": sex, "figures": figures})
    return out


def small_census_rows() -> list[dict[str, Any]]:
    """Every unit's 2024 census lines: the communes' as chosen above, the cercle's, the
    province's and the region's summed from them."""
    rural = [c for c in SMALL_COMMUNES if c.kind == "rural"]
    return [
        *(line for c in SMALL_COMMUNES for line in _census_rows(c)),
        *_aggregate_census(CERCLE_CODE, rural),
        *_aggregate_census(PROVINCE_CODE, SMALL_COMMUNES),
        *_aggregate_census(REGION_CODE, SMALL_COMMUNES),
        *_aggregate_census(COUNTRY_CODE, SMALL_COMMUNES),
    ]


def small_territory_rows() -> list[dict[str, Any]]:
    rural = [c for c in SMALL_COMMUNES if c.kind == "rural"]

    def unit(
        code: str,
        level: str,
        parent: str | None,
        name: str,
        name_ar: str,
        kind: str,
        members: Sequence[SmallCommune],
    ) -> dict[str, Any]:
        return {
            "code": code,
            "level": level,
            "parent_code": parent,
            "cercle_code": None,
            "name_fr": name,
            "name_ar": name_ar,
            "kind": kind,
            "population_2024": sum(c.population for c in members),
            "households_2024": sum(c.households for c in members),
            "population_2014": sum(c.population_2014 for c in members),
            "area_km2": sum(c.area_km2 for c in members),
            "ref_lon": None,
            "ref_lat": None,
        }

    rows = [
        # The root of the tree is the country, as in the national dataset (code "MA").
        unit(COUNTRY_CODE, "country", None, "Maroc", "المغرب", "country", SMALL_COMMUNES),
        unit(
            REGION_CODE,
            "region",
            COUNTRY_CODE,
            "Région de Test",
            "جهة الاختبار",
            "region",
            SMALL_COMMUNES,
        ),
        unit(PROVINCE_CODE, "province", REGION_CODE, "Tizgui", "تيزكي", "province", SMALL_COMMUNES),
        unit(CERCLE_CODE, "cercle", PROVINCE_CODE, "Aït Lhou", "آيت لحو", "", rural),
    ]
    rows += [
        {
            "code": c.code,
            "level": "commune",
            "parent_code": PROVINCE_CODE,
            "cercle_code": CERCLE_CODE if c.kind == "rural" else None,
            "name_fr": c.name_fr,
            "name_ar": c.name_ar,
            "kind": c.kind,
            "population_2024": c.population,
            "households_2024": c.households,
            "population_2014": c.population_2014,
            "area_km2": c.area_km2,
            "ref_lon": c.lon,
            "ref_lat": c.lat,
        }
        for c in SMALL_COMMUNES
    ]
    return rows


def _facility_row(f: SmallFacility, now: datetime) -> dict[str, Any]:
    spec = categories()[f.category]
    return {
        "id": f.id,
        "name": f.name,
        "name_ar": None,
        "category": f.category,
        "family": spec.family,
        "level": spec.level.value,
        "sector": "public",
        "status": "open",
        "province_code": PROVINCE_CODE,
        "commune_code": f.commune,
        "arrondissement_code": None,
        "lon": f.lon,
        "lat": f.lat,
        "location_source": "moh",
        "location_precision_m": 25.0,
        "osm_id": None,
        "beds": f.beds,
        "doctors": f.doctors,
        "services": sorted(spec.services),
        "source": "small test region",
        "source_row": None,
        "link_method": None,
        "link_score": None,
        "moh_delegation": None,
        "moh_commune": None,
        "updated_at": now,
    }


def write_small_region(
    engine: Engine, facilities: Sequence[SmallFacility] = SMALL_FACILITIES
) -> None:
    """Migrate an empty database to the app's schema and write the small region into it,
    the way `qurb db init` writes the bundled dataset (same tables, same history rows)."""
    migrate(engine)
    now = datetime.now(UTC)
    facility_rows = [_facility_row(f, now) for f in facilities]
    with transaction(make_sessionmaker(engine)) as session:
        session.execute(insert(TerritoryRow), small_territory_rows())
        session.execute(insert(CensusRow), small_census_rows())
        session.execute(
            insert(CommuneGeometryRow),
            [{"code": c.code, "geojson": json.dumps(c.box())} for c in SMALL_COMMUNES],
        )
        session.execute(
            insert(AdjacencyRow),
            [
                {"code_a": a.code, "code_b": b.code, "shared_border_km": 9.5}
                for a, b in itertools.pairwise(SMALL_COMMUNES)
            ],
        )
        if facility_rows:
            session.execute(insert(FacilityRow), facility_rows)
            audit.record_many(
                session,
                Actor.system(LOADER),
                [
                    change_event(row["id"], "create", None, row, "small test region")
                    for row in facility_rows
                ],
            )
        session.add(DatasetMetaRow(key="dataset_sha256", value=SMALL_REGION_SHA))
        session.add(DatasetMetaRow(key="loaded_at", value=now.isoformat()))
