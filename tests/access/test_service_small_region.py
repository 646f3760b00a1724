"""Travel-time access on the small region of `tests/regions.py`: the communes lie on a
meridian 0.1° (STEP_KM = 11.1195 km) apart and the straight-line model at 60 km/h takes a
minute per km, so every time is a multiple of a step worked out by hand. On SQLite and
PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.access.service import (
    FacilitySelector,
    compute_access,
    compute_catchment_rows,
    compute_referrals,
)
from qurb.algo.travel import EARTH_RADIUS_KM, StraightLineModel
from qurb.territory.service import TerritoryIndex
from tests.regions import (
    AIT_LHOU,
    CERCLE_CODE,
    HP_TIZGUI,
    IMI,
    OULED_AMAR,
    PROVINCE_CODE,
    STEP_KM,
    TAFRAOUT,
    TIZGUI,
)

Factory = Callable[..., sessionmaker[Session]]
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)
HOSPITALS = FacilitySelector.from_options(levels=["secondary"])  # general hospitals


def test_minutes_to_the_hospital_per_commune(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        index = TerritoryIndex.from_session(s)
        report = compute_access(
            s, index.resolve(PROVINCE_CODE), HOSPITALS, ONE_KM_A_MINUTE, (15, 30), index
        )
    # The HP stands on Tizgui's reference point; the others are 1, 1, 2 and 3 steps away.
    minutes = {r["code"]: (r["minutes"], r["facility_id"]) for r in report.rows}
    assert minutes == {
        TIZGUI: (0.0, HP_TIZGUI),
        OULED_AMAR: (11.1, HP_TIZGUI),  # 11.1195
        AIT_LHOU: (11.1, HP_TIZGUI),
        TAFRAOUT: (22.2, HP_TIZGUI),  # 22.2390
        IMI: (33.4, HP_TIZGUI),  # 33.3585
    }
    total = report.total
    # Beyond 15 min: Tafraout and Imi, 9,000 + 4,500; beyond 30: Imi's 4,500.
    assert (total.population, total.beyond[15.0], total.beyond[30.0]) == (109_500, 13_500, 4_500)
    # Mean: STEP × (1 × (24,000 + 12,000) + 2 × 9,000 + 3 × 4,500) / 109,500
    #     = STEP × 67,500 / 109,500 = 6.8545 min
    assert total.mean_minutes == pytest.approx(STEP_KM * 67_500 / 109_500)
    assert total.max_minutes == pytest.approx(3 * STEP_KM)
    # Grouped by cercle; urban communes, in no cercle, stand for themselves.
    groups = {g.group: (g.population, g.beyond[15.0]) for g in report.groups}
    assert groups == {TIZGUI: (60_000, 0), OULED_AMAR: (24_000, 0), CERCLE_CODE: (25_500, 13_500)}


def test_referral_minutes_from_each_centre(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        index = TerritoryIndex.from_session(s)
        rows = compute_referrals(s, index.resolve(CERCLE_CODE), ONE_KM_A_MINUTE, 20, ["HP"], index)
    # From the centres of the cercle, on the meridian: 0.11° and 0.21° south to the HP.
    one_hundredth = EARTH_RADIUS_KM * math.radians(0.01)  # 1.11195 km
    got = {r["name"]: (r["HP_facility"], r["HP_minutes"], r["HP_beyond"]) for r in rows}
    assert got == {
        "CSR Aït Lhou": ("Hôpital provincial de Tizgui", round(11 * one_hundredth, 1), False),
        "DR Tafraout": ("Hôpital provincial de Tizgui", round(21 * one_hundredth, 1), True),
    }
    assert (round(11 * one_hundredth, 1), round(21 * one_hundredth, 1)) == (12.2, 23.4)


def test_the_hospitals_catchment_is_the_whole_country(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        index = TerritoryIndex.from_session(s)
        [row] = compute_catchment_rows(s, index.resolve("Tizgui"), HOSPITALS, ONE_KM_A_MINUTE)
    # The only hospital: all five communes, 109,500 people, on 100 beds: 1,095.0 per bed.
    assert (row["id"], row["communes_served"], row["catchment_population"]) == (
        HP_TIZGUI,
        5,
        109_500,
    )
    assert (row["beds"], row["population_per_bed"]) == (100, 1_095.0)
