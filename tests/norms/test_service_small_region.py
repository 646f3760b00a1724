"""Norm gaps, the needs table and the nearest hospital on the small region of
`tests/regions.py`, worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.kernel.actor import Actor
from qurb.norms.gaps import GapLine, GapStatus
from qurb.norms.model import NormSet, norm_set_from_mapping
from qurb.norms.service import compute_needs_table, compute_territory_gaps
from qurb.platform.database import transaction
from qurb.registry.service import close_facility
from qurb.territory.model import TerritoryLevel
from tests.regions import (
    AIT_LHOU,
    HP_TIZGUI,
    IMI,
    OULED_AMAR,
    PROVINCE_CODE,
    SMALL_NORMS,
    TAFRAOUT,
    TIZGUI,
)

Factory = Callable[..., sessionmaker[Session]]
# 60 km/h in a straight line: one minute per km; communes are 11.1195 km apart.
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)


@pytest.fixture
def norms() -> list[NormSet]:
    return [norm_set_from_mapping(SMALL_NORMS, "tests/regions.py")]


def _by_rule(lines: list[GapLine], rule: str) -> dict[str, GapLine]:
    return {g.code: g for g in lines if g.rule == rule}


def test_health_centre_gaps_per_commune(small_region_db: Factory, norms: list[NormSet]) -> None:
    with small_region_db()() as s:
        report = compute_territory_gaps(s, "Tizgui", norms, model=ONE_KM_A_MINUTE)
    assert report.territory.code == PROVINCE_CODE and report.by is TerritoryLevel.COMMUNE
    centres = _by_rule(report.lines, "centres")
    # 1 centre per 10,000: required = population / 10,000; missing = ⌈required − supply⌉;
    # beyond reach = population − supply × 10,000.
    expected = {
        TIZGUI: (60_000, 2, 6.0, 4, 40_000),  # two CSU-1
        OULED_AMAR: (24_000, 1, 2.4, 2, 14_000),  # ⌈1.4⌉
        AIT_LHOU: (12_000, 1, 1.2, 1, 2_000),  # ⌈0.2⌉
        TAFRAOUT: (9_000, 1, 0.9, 0, 0),  # the DR covers 10,000 ≥ 9,000: met
        IMI: (4_500, 0, 0.45, 1, 4_500),  # nothing there
    }
    got = {
        code: (g.population, g.supply, round(g.required, 2), g.missing, g.unserved_population)
        for code, g in centres.items()
    }
    assert got == expected
    assert centres[TAFRAOUT].status is GapStatus.MET
    # Ranked by the people beyond reach: 40,000, 14,000, 4,500, 2,000, then the met one.
    ranked = [g.code for g in report.lines if g.rule == "centres"]
    assert ranked == [TIZGUI, OULED_AMAR, IMI, AIT_LHOU, TAFRAOUT]


def test_beds_per_province_and_the_nearest_hospital_of_communes_without_one(
    small_region_db: Factory, norms: list[NormSet]
) -> None:
    with small_region_db()() as s:
        report = compute_territory_gaps(s, PROVINCE_CODE, norms, model=ONE_KM_A_MINUTE)
    # Rule "beds" is a province rule: one line for 99.991. 109,500 / 1,000 = 109.5 beds
    # required, 100 at the HP: ⌈9.5⌉ = 10 missing, 109,500 − 100 × 1,000 = 9,500 beyond.
    [province] = [g for g in report.lines if g.rule == "beds"]
    assert (province.code, province.supply, province.required, province.missing) == (
        PROVINCE_CODE,
        100.0,
        109.5,
        10,
    )
    assert province.unserved_population == 9_500
    beds = _by_rule(report.lines, "beds-commune")
    # Tizgui: 60 beds required, 100 there: met.
    assert (beds[TIZGUI].status, beds[TIZGUI].missing) == (GapStatus.MET, 0)
    # The other communes have no hospital: their line names the HP and the minutes to it
    # from their reference point, 1, 1, 2 and 3 steps of 11.1195 km at 1 km a minute.
    nearest = {
        code: (g.status, g.nearest_hospital_id, g.nearest_hospital_minutes)
        for code, g in beds.items()
        if code != TIZGUI
    }
    assert nearest == {
        OULED_AMAR: (GapStatus.NO_HOSPITAL, HP_TIZGUI, 11.1),
        AIT_LHOU: (GapStatus.NO_HOSPITAL, HP_TIZGUI, 11.1),
        TAFRAOUT: (GapStatus.NO_HOSPITAL, HP_TIZGUI, 22.2),  # 22.239
        IMI: (GapStatus.NO_HOSPITAL, HP_TIZGUI, 33.4),  # 33.3585
    }
    assert beds[IMI].nearest_hospital_distance_km == 33.4
    assert beds[IMI].nearest_hospital_commune_code == TIZGUI
    assert beds[IMI].nearest_hospital_model == "straight-line"


def test_a_closed_facility_no_longer_counts(small_region_db: Factory, norms: list[NormSet]) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        close_facility(s, Actor.local("planner"), "ESSP-99.991.03.07-dr-tafraout", "staff moved")
    with factory() as s:
        report = compute_territory_gaps(s, TAFRAOUT, norms, model=ONE_KM_A_MINUTE)
    # Tafraout alone: 9,000 people, no centre left: ⌈0.9⌉ = 1 missing, 9,000 beyond.
    [line] = [g for g in report.lines if g.rule == "centres"]
    assert (line.supply, line.missing, line.unserved_population) == (0.0, 1, 9_000)
    # The province rule cannot be read on a commune: it is skipped, and said so.
    assert [s.split(":")[0] for s in report.skipped] == ["small-test/beds"]


def test_needs_table(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        territory, by, rows = compute_needs_table(s, "Tizgui")
    assert (territory.code, by) == (PROVINCE_CODE, TerritoryLevel.COMMUNE)
    table = {r["code"]: r for r in rows}
    assert list(table) == [TIZGUI, OULED_AMAR, AIT_LHOU, TAFRAOUT, IMI]
    tizgui = table[TIZGUI]
    # Urban profile on 59,500 municipal: 0–4 8 % → 4,760; 60+ 12 % → 7,140; women 15–49
    # 56 % of the 29,750 women → 16,660; births 2.1 / 35 × 16,660 = 999.6 → 1,000.
    assert {
        k: tizgui[k]
        for k in (
            "population",
            "rural_pct",
            "children_0_4",
            "people_60_plus",
            "women_15_49",
            "births_per_year",
        )
    } == {
        "population": 60_000,
        "rural_pct": 0.0,
        "children_0_4": 4_760,
        "people_60_plus": 7_140,
        "women_15_49": 16_660,
        "births_per_year": 1_000,
    }
    # Two CSU-1 (primary) and the HP (secondary): 60,000 / 2 = 30,000 per centre.
    assert (tizgui["primary_facilities"], tizgui["secondary_facilities"]) == (2, 1)
    assert (tizgui["health_centres"], tizgui["inhabitants_per_health_centres"]) == (2, 30_000)
    assert (tizgui["general_hospitals"], tizgui["inhabitants_per_general_hospital"]) == (
        1,
        60_000,
    )
    ait_lhou = table[AIT_LHOU]
    # Rural profile on 12,000: 0–4 10 % → 1,200; 60+ 14 % → 1,680; women 49 % of 6,000
    # → 2,940; births 2.8 / 35 × 2,940 = 235.2 → 235.
    assert (
        ait_lhou["rural_pct"],
        ait_lhou["children_0_4"],
        ait_lhou["people_60_plus"],
        ait_lhou["women_15_49"],
        ait_lhou["births_per_year"],
    ) == (100.0, 1_200, 1_680, 2_940, 235)
    assert (ait_lhou["csr"], ait_lhou["inhabitants_per_csr"]) == (1, 12_000)
    imi = table[IMI]
    assert (imi["health_centres"], imi["inhabitants_per_health_centres"]) == (0, None)


def test_needs_table_by_province_sums_the_communes(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        _, by, rows = compute_needs_table(s, "Région de Test", TerritoryLevel.PROVINCE)
    assert by is TerritoryLevel.PROVINCE
    [province] = rows
    # 109,500 legal, 25,500 of them rural: 23.29 % → 23.3. On the 83,500 urban and 25,500
    # rural municipal people: 0–4 0.08 × 83,500 + 0.10 × 25,500 = 6,680 + 2,550 = 9,230;
    # 60+ 0.12 × 83,500 + 0.14 × 25,500 = 10,020 + 3,570 = 13,590; women 15–49
    # 0.56 × 41,750 + 0.49 × 12,750 = 23,380 + 6,247.5 = 29,627.5 → 29,628. No TFR: no births.
    assert (
        province["code"],
        province["population"],
        province["rural_pct"],
        province["children_0_4"],
        province["people_60_plus"],
        province["women_15_49"],
        province["births_per_year"],
    ) == (PROVINCE_CODE, 109_500, 23.3, 9_230, 13_590, 29_628, None)
    # Five centres and the HP: 109,500 / 5 = 21,900 per centre.
    assert (province["primary_facilities"], province["secondary_facilities"]) == (5, 1)
    assert (province["health_centres"], province["inhabitants_per_health_centres"]) == (
        5,
        21_900,
    )


def test_the_nearest_hospital_by_default_is_by_the_bundled_commune_graph(
    small_region_db: Factory, norms: list[NormSet]
) -> None:
    with small_region_db()() as s:
        report = compute_territory_gaps(s, IMI, norms)
    [line] = [g for g in report.lines if g.rule == "beds-commune"]
    # The minutes tests/access/test_service_small_region.py works out: 48 + 14.597 + 74.658
    assert (line.status, line.nearest_hospital_id, line.nearest_hospital_model) == (
        GapStatus.NO_HOSPITAL,
        HP_TIZGUI,
        "commune-graph",
    )
    assert line.nearest_hospital_minutes == 137.3
