"""Norm gaps on the real data: supply counted where it belongs, unknowns reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.norms.gaps import GapLine, GapStatus
from qurb.norms.norm_sets import available_norm_sets, read_norm_file
from qurb.norms.service import GapInputError, compute_needs_table, compute_territory_gaps
from qurb.registry._tables import FacilityRow
from qurb.registry.service import FacilityFilter, list_facilities
from qurb.territory.model import TerritoryLevel

RATIOS = [available_norm_sets()["maroc-ratios-2023"]]


def _essp(lines: list[GapLine], code: str) -> GapLine:
    return next(g for g in lines if g.code == code and g.rule == "essp-per-12300")


def test_essp_supply_of_a_commune_is_its_ministry_essp(national_session: Session) -> None:
    report = compute_territory_gaps(national_session, "03.231", RATIOS)
    fes = _essp(report.lines, "03.231.01.0")
    counted = national_session.scalar(
        select(func.count()).where(
            FacilityRow.commune_code == "03.231.01.0",
            FacilityRow.family == "ESSP",
            FacilityRow.category.in_(["DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2"]),
        )
    )
    assert fes.supply == counted and fes.population == 1_167_842


def test_prefecture_of_arrondissements_counts_its_arrondissements(
    national_session: Session,
) -> None:
    """Sidi Bernoussi (06.141.01.50) holds the arrondissements 06.141.01.51 and .53."""
    report = compute_territory_gaps(national_session, "06.141.01.50", RATIOS)
    assert report.by.value == "arrondissement"
    by_code = {g.code: g for g in report.lines if g.rule == "essp-per-12300"}
    assert set(by_code) == {"06.141.01.51", "06.141.01.53"}
    for code, line in by_code.items():
        in_arrondissement = national_session.scalar(
            select(func.count()).where(
                FacilityRow.arrondissement_code == code,
                FacilityRow.category.in_(["DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2"]),
            )
        )
        assert line.supply == in_arrondissement
    listed = list_facilities(national_session, FacilityFilter(territory="Sidi Bernoussi"))
    assert listed and {f.arrondissement_code for f in listed} <= {"06.141.01.51", "06.141.01.53"}


def test_openstreetmap_points_never_count_as_public_supply(national_session: Session) -> None:
    public = list_facilities(national_session, FacilityFilter(territory="06.141"))
    assert public and all(f.family != "osm" for f in public)
    tagged_public = national_session.scalar(
        select(func.count()).where(FacilityRow.family == "osm", FacilityRow.sector == "public")
    )
    assert tagged_public and tagged_public > 0  # OSM does tag some points public…
    report = compute_territory_gaps(national_session, "Casablanca", RATIOS)
    # …yet Casablanca's bed supply is unknown (Ministry hospitals, beds not given), not a
    # figure polluted by OSM points.
    beds = next(g for g in report.lines if g.rule == "beds-per-1364" and g.code == "06.141")
    assert beds.status is GapStatus.SUPPLY_UNKNOWN


def test_births_norm_and_unknown_fertility(national_session: Session, tmp_path: Path) -> None:
    path = tmp_path / "births.toml"
    path.write_text(
        'id = "births"\nkind = "norm"\nversion = "1"\nname_fr = "Test"\nsource = "test"\n'
        '[[rule]]\nid = "maternity"\nlabel_fr = "1 CSR-2 pour 300 naissances"\n'
        'categories = ["CSR-2"]\npopulation = "births"\nper_population = 300\n',
        encoding="utf-8",
    )
    report = compute_territory_gaps(national_session, "MA", [read_norm_file(path)], by=None)
    assert {g.status for g in report.lines} <= {GapStatus.GAP, GapStatus.MET}
    by_commune = compute_territory_gaps(national_session, "12", [read_norm_file(path)])
    statuses = {g.status for g in by_commune.lines}
    # Some Sahara communes have no fertility figure in the census: unknown, never "met".
    assert GapStatus.POPULATION_UNKNOWN in statuses
    assert all(
        g.missing is None for g in by_commune.lines if g.status is GapStatus.POPULATION_UNKNOWN
    )


def test_by_level_above_the_territory_is_refused(national_session: Session) -> None:
    with pytest.raises(GapInputError, match="above"):
        compute_territory_gaps(national_session, "Fès-Meknès", RATIOS, by=TerritoryLevel.COUNTRY)


def test_needs_table_of_morocco_by_region(national_session: Session) -> None:
    _, level, rows = compute_needs_table(national_session, "MA", TerritoryLevel.REGION)
    assert level is TerritoryLevel.REGION and len(rows) == 12
    assert sum(r["population"] for r in rows) == 36_828_330
    assert sum(r["essp"] for r in rows) == 3224 and sum(r["hospitals"] for r in rows) == 177
    [country] = compute_needs_table(national_session, "MA", TerritoryLevel.COUNTRY)[2]
    assert country["inhabitants_per_essp"] == round(36_828_330 / 3224)
    dakhla = next(r for r in rows if r["code"] == "12")
    assert dakhla["hospitals"] == 1 and dakhla["inhabitants_per_hospitals"] == dakhla["population"]
