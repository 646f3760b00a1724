"""The national dataset as loaded by `qurb db init`, checked against the real sources."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.app.dataset import init_database
from qurb.platform.database import make_engine
from qurb.registry._tables import FacilityEditionRow, FacilityRow
from qurb.territory._tables import CensusRow, TerritoryRow
from tests.databases import NationalDatabase
from tests.environment import SOURCES


def _ministry_counts(name: str, category_column: str) -> Counter[str]:
    """Categories counted straight from a Ministry workbook, independently of our build."""
    sheet = openpyxl.load_workbook(SOURCES / "moh" / name, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(
        i for i, r in enumerate(rows) if category_column in [str(c).strip() for c in r if c]
    )
    column = [str(c).strip() if c else "" for c in rows[header_at]].index(category_column)
    return Counter(str(r[column]).strip() for r in rows[header_at + 1 :] if r[column] and r[3])


def test_territory_counts(national_session: Session) -> None:
    levels = dict(
        national_session.execute(
            select(TerritoryRow.level, func.count()).group_by(TerritoryRow.level)
        ).all()
    )
    assert levels == {
        "country": 1,
        "region": 12,
        "province": 83,
        "cercle": 213,
        "commune": 1503,
        "arrondissement": 41,
    }


def test_national_legal_population_2024(national_session: Session) -> None:
    country = national_session.get(TerritoryRow, "MA")
    assert country is not None and country.population_2024 == 36_828_330
    communes = national_session.scalar(
        select(func.sum(TerritoryRow.population_2024)).where(TerritoryRow.level == "commune")
    )
    assert communes == 36_828_330
    census = national_session.scalars(
        select(CensusRow).where(
            CensusRow.code == "MA",
            CensusRow.census == "2024",
            CensusRow.area == "total",
            CensusRow.sex == "all",
        )
    ).one()
    assert census.figures["population_legal"] == 36_828_330


def test_2024_facilities_by_category_match_the_ministry_files(national_session: Session) -> None:
    essp = _ministry_counts("etablissements-de-soins-de-sante-primaire-2024.xlsx", "Catégorie")
    hospitals = _ministry_counts(
        "repartition-des-hopitaux-par-region-et-province-2024.xlsx", "Catégorie"
    )
    assert sum(essp.values()) == 3224 and sum(hospitals.values()) == 177
    assert essp == Counter(
        {
            "CSR-1": 893,
            "DR": 859,
            "CSU-1": 692,
            "CSR-2": 431,
            "CSU-2": 190,
            "CDTMR": 71,
            "CRSR": 53,
            "LSP": 35,
        }
    )
    loaded = Counter(
        dict(
            national_session.execute(
                select(FacilityRow.category, func.count())
                .where(FacilityRow.family.in_(["ESSP", "hospital"]))
                .group_by(FacilityRow.category)
            ).all()
        )
    )
    assert loaded == essp + hospitals


def test_every_facility_is_linked_to_a_commune(national_session: Session) -> None:
    orphans = national_session.scalar(
        select(func.count())
        .select_from(FacilityRow)
        .outerjoin(TerritoryRow, TerritoryRow.code == FacilityRow.commune_code)
        .where((TerritoryRow.code.is_(None)) | (TerritoryRow.level != "commune"))
    )
    assert orphans == 0
    methods = set(
        national_session.scalars(
            select(FacilityRow.link_method).where(FacilityRow.family != "osm").distinct()
        )
    )
    assert methods <= {"exact", "fuzzy", "override"}


def test_unknown_attributes_stay_unknown(national_session: Session) -> None:
    with_beds = national_session.scalar(select(func.count()).where(FacilityRow.beds.is_not(None)))
    assert with_beds == 0  # the Ministry lists give no beds: unknown, not zero


def test_private_sector_is_kept_apart(national_session: Session) -> None:
    sectors = dict(
        national_session.execute(
            select(FacilityRow.family, func.count()).group_by(FacilityRow.family)
        ).all()
    )
    assert sectors["ESSP"] == 3224 and sectors["hospital"] == 177
    assert sectors["osm"] > 7000
    ministry_sectors = set(
        national_session.scalars(
            select(FacilityRow.sector).where(FacilityRow.family != "osm").distinct()
        )
    )
    assert ministry_sectors == {"public"}
    # Pharmacies from OSM are private unless OSM tags them public; clinics and doctors
    # without an operator are of unknown sector (743), in neither the public nor the
    # private offer.
    unknown = dict(
        national_session.execute(
            select(FacilityRow.category, func.count())
            .where(FacilityRow.sector == "unknown", FacilityRow.category.in_(["clinic", "doctor"]))
            .group_by(FacilityRow.category)
        ).all()
    )
    assert unknown == {"doctor": 515, "clinic": 228}
    osm_pharmacy_sectors = set(
        national_session.scalars(
            select(FacilityRow.sector).where(FacilityRow.category == "pharmacy").distinct()
        )
    )
    assert "private" in osm_pharmacy_sectors and "unknown" not in osm_pharmacy_sectors


def test_earlier_editions_are_loaded(national_session: Session) -> None:
    editions = dict(
        national_session.execute(
            select(FacilityEditionRow.edition, func.count()).group_by(FacilityEditionRow.edition)
        ).all()
    )
    assert editions[2024] == 3224 + 177
    assert editions[2022] > 3000 and editions[2020] > 150


def test_init_is_idempotent(scratch_db: str, national_db: NationalDatabase) -> None:
    engine = make_engine(scratch_db)
    again = init_database(engine)
    assert again.loaded is False
    assert again.dataset_sha256 == national_db.report.dataset_sha256
    assert again.facilities_public == 3224 + 177
    engine.dispose()


def test_a_bad_bundled_services_line_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load checks the bundled per-facility services again: one line naming a facility
    that is not in the lists stops it, and the database stays empty."""
    import qurb.app.dataset as dataset
    from qurb.registry.facility_services import ServicesFileError

    real = dataset.read_bundled_csv

    def with_a_bad_line(name: str) -> list[dict[str, str]]:
        rows = real(name)
        if name == "facility_services.csv":
            rows = [*rows, {**rows[0], "facility_id": "hosp-00.000-nowhere"}]
        return rows

    monkeypatch.setattr(dataset, "read_bundled_csv", with_a_bad_line)
    engine = make_engine(f"sqlite:///{tmp_path / 'bad.sqlite'}")
    with pytest.raises(ServicesFileError, match="row 94, facility_id"):
        init_database(engine)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TerritoryRow)) == 0
        assert connection.scalar(select(func.count()).select_from(FacilityRow)) == 0
    engine.dispose()
