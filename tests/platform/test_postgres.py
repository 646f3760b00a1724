"""The same storage, registry and gaps on PostgreSQL: no SQLite-only SQL.

Runs when QURB_TEST_POSTGRES_URL names a database the tests may wipe (CI starts a local
PostgreSQL server and sets it); skipped otherwise, and failed under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from qurb.app.dataset import init_database
from qurb.kernel.actor import Actor
from qurb.norms.norm_sets import available_norm_sets
from qurb.norms.service import compute_territory_gaps
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.platform.tables import Base
from qurb.registry._tables import FacilityRow
from qurb.registry.imports import import_facilities
from qurb.registry.service import (
    FacilityCreate,
    FacilityUpdate,
    RegistryError,
    create_facilities,
    facility_history,
    update_facility,
)
from qurb.territory._tables import TerritoryRow
from tests.environment import unavailable

URL = os.environ.get("QURB_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    if not URL:
        unavailable(
            "QURB_TEST_POSTGRES_URL is not set: set it to a disposable PostgreSQL database "
            "to run the PostgreSQL storage tests"
        )
    engine = make_engine(URL)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    report = init_database(engine)
    assert report.loaded
    yield engine
    engine.dispose()


def test_dataset_loads_with_the_same_figures(pg_engine: Engine) -> None:
    with make_sessionmaker(pg_engine)() as s:
        assert s.scalar(select(func.count()).where(TerritoryRow.level == "commune")) == 1503
        assert (
            s.scalar(select(TerritoryRow.population_2024).where(TerritoryRow.code == "MA"))
            == 36_828_330
        )
        assert s.scalar(select(func.count()).where(FacilityRow.family != "osm")) == 3224 + 177
    assert init_database(pg_engine).loaded is False


def test_gaps_equal_sqlite(pg_engine: Engine, national_session: Session) -> None:
    sets = list(available_norm_sets().values())
    with make_sessionmaker(pg_engine)() as s:
        on_pg = compute_territory_gaps(s, "Fès-Meknès", sets).lines
    on_sqlite = compute_territory_gaps(national_session, "Fès-Meknès", sets).lines
    assert on_pg == on_sqlite and len(on_pg) > 100


def test_registry_writes_and_rolls_back(pg_engine: Engine, tmp_path: Path) -> None:
    factory = make_sessionmaker(pg_engine)
    with transaction(factory) as s:
        [fid] = create_facilities(
            s,
            Actor.local("ci"),
            [(None, FacilityCreate(name="PG Test", category="DR", commune="03.231.81.03"))],
        )
        update_facility(s, Actor.local("ci"), fid, FacilityUpdate(category="CSR-1"))
    with transaction(factory) as s:
        assert [h.action for h in facility_history(s, fid)] == ["create", "recategorise"]
        before = s.scalar(select(func.count()).select_from(FacilityRow))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,category,commune\nOK One,DR,03.231.81.03\nBad,ZZZ,03.231.81.03\n", encoding="utf-8"
    )
    with pytest.raises(RegistryError), transaction(factory) as s:
        import_facilities(s, Actor.local("ci"), bad)
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(FacilityRow)) == before
