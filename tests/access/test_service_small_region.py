"""Travel-time access on the small region of `tests/regions.py`: the communes lie on a
meridian 0.1° (STEP_KM = 11.1195 km) apart and the straight-line model at 60 km/h takes a
minute per km, so every time is a multiple of a step worked out by hand. On SQLite and
PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.access.referral import compute_referrals
from qurb.access.service import compute_access, compute_catchment_rows
from qurb.algo.travel import EARTH_RADIUS_KM, StraightLineModel
from qurb.registry.points import FacilitySelector
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model, read_commune_graph_inputs
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


def test_the_commune_graph_reads_the_region_from_the_database(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        inputs = read_commune_graph_inputs(s)
    # Communes in code order; urban ones have no distance to a paved road.
    assert inputs.codes == (TIZGUI, OULED_AMAR, AIT_LHOU, TAFRAOUT, IMI)
    assert list(inputs.urban) == [True, True, False, False, False]
    assert list(inputs.population) == [60_000, 24_000, 12_000, 9_000, 4_500]
    assert list(inputs.area_km2) == [20.0, 30.0, 100.0, 150.0, 200.0]
    assert list(inputs.paved_road_km[2:]) == [1.5, 4.0, 8.0]
    assert np.isnan(inputs.paved_road_km[:2]).all()
    assert set(inputs.adjacency) == {
        (OULED_AMAR, TIZGUI),
        (TIZGUI, AIT_LHOU),
        (AIT_LHOU, TAFRAOUT),
        (TAFRAOUT, IMI),
    }


def test_minutes_to_the_hospital_on_the_bundled_commune_graph(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        index = TerritoryIndex.from_session(s)
        model = commune_graph_model(s)
        report = compute_access(s, index.resolve(PROVINCE_CODE), HOSPITALS, model, (60,), index)
    minutes = {r["code"]: r["minutes"] for r in report.rows}
    terrain = {r["code"]: r["terrain"] for r in report.rows}
    # Terrain: Aït Lhou 120 /km², road 1.5 km < 3 → rural; Tafraout 60 /km² and Imi
    # n'Ouzrou 22.5 /km² (≥ 10), roads 4 and 8 km ≥ 3 → remote.
    assert terrain == {
        TIZGUI: "urban",
        OULED_AMAR: "urban",
        AIT_LHOU: "rural",
        TAFRAOUT: "remote",
        IMI: "remote",
    }
    # Minutes per great-circle km (bundled detour / speed × 60): urban 1.3 / 30 × 60 = 2.6,
    # rural 1.3 / 60 × 60 = 1.3, remote 1.6 / 35 × 60 = 2.742857.
    urban, rural, remote = 2.6, 1.3, 1.6 / 35 * 60

    def access(paved_km: float, area_km2: float, per_km: float) -> float:
        # Dwelling → reference point: the paved-road distance at 10 km/h, then 2/3 of the
        # radius of the commune's disc on the road.
        return paved_km / 10 * 60 + 0.667 * math.sqrt(area_km2 / math.pi) * per_km

    # Each leg between neighbours is half in each commune's terrain; the HP stands on
    # Tizgui's node, so nothing is added at the end.
    expected = {
        # Tizgui holds the HP: 2/3 of √(20/π) = 2.523 km at 2.6 → 4.376
        TIZGUI: access(0, 20, urban),
        # Ouled Amar: its access (√(30/π) = 3.090 km → 5.359) + one urban step (28.911)
        OULED_AMAR: access(0, 30, urban) + STEP_KM * urban,
        # Aït Lhou: 9 + 6.324 + half rural, half urban (21.683)
        AIT_LHOU: access(1.5, 100, rural) + STEP_KM * (rural + urban) / 2,
        # Tafraout: 24 + 12.642 + (remote + rural)/2 + (rural + urban)/2 steps (44.163)
        TAFRAOUT: access(4, 150, remote) + STEP_KM * ((remote + rural) / 2 + (rural + urban) / 2),
        # Imi n'Ouzrou: 48 + 14.597 + (remote + remote)/2 + (remote + rural)/2 +
        # (rural + urban)/2 steps = 74.658
        IMI: access(8, 200, remote) + STEP_KM * (1.5 * remote + rural + urban / 2),
    }
    for code, value in expected.items():
        assert minutes[code] == pytest.approx(value, abs=0.051), code
    assert (minutes[TAFRAOUT], minutes[IMI]) == pytest.approx((80.8, 137.3), abs=0.051)
    # Beyond an hour: Tafraout's 9,000 and Imi n'Ouzrou's 4,500 (Aït Lhou: 37.0 min)
    assert report.total.beyond[60.0] == 13_500
