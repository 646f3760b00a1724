"""The same storage, registry and gaps on PostgreSQL: no SQLite-only SQL.

The national dataset, loaded once per run on the server QURB_TEST_POSTGRES_URL names (CI
starts a local PostgreSQL server and sets it; tests/databases.py), is compared with SQLite;
the storage round-trips (registry writes and history, a scenario, a caravan campaign) run
on the small region on both engines. The PostgreSQL tests are skipped without the
variable, and failed under CI=true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.app.dataset import InitReport, init_database
from qurb.caravans.catalogue import parse_campaign
from qurb.caravans.service import plan_campaign
from qurb.caravans.store import campaign_plan, get_campaign, list_campaigns, save_campaign
from qurb.kernel.actor import Actor
from qurb.norms.norm_sets import available_norm_sets
from qurb.norms.service import compute_territory_gaps
from qurb.platform.database import make_engine, make_sessionmaker, transaction
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
from qurb.siting.service import (
    SitingRequest,
    get_scenario,
    list_scenarios,
    run_siting,
    save_scenario,
)
from qurb.territory._tables import TerritoryRow
from tests.databases import NationalDatabase
from tests.regions import AIT_LHOU, CERCLE_CODE, HP_TIZGUI, IMI, PROVINCE_CODE, TAFRAOUT

Factory = Callable[..., sessionmaker[Session]]

# The national dataset as the run loaded it into PostgreSQL (tests/databases.py), beside
# the SQLite file it is compared with.
ON_POSTGRES = pytest.mark.parametrize("national_db", ["postgres"], indirect=True)


@pytest.fixture
def pg_engine(national_db: NationalDatabase) -> Iterator[Engine]:
    engine = make_engine(national_db.url)
    yield engine
    engine.dispose()


@ON_POSTGRES
def test_dataset_loads_with_the_same_figures(
    pg_engine: Engine, national_db: NationalDatabase, national_db_file: tuple[Path, InitReport]
) -> None:
    assert national_db.report.loaded
    assert national_db.report.dataset_sha256 == national_db_file[1].dataset_sha256
    with make_sessionmaker(pg_engine)() as s:
        assert s.scalar(select(func.count()).where(TerritoryRow.level == "commune")) == 1503
        assert (
            s.scalar(select(TerritoryRow.population_2024).where(TerritoryRow.code == "MA"))
            == 36_828_330
        )
        assert s.scalar(select(func.count()).where(FacilityRow.family != "osm")) == 3224 + 177
    assert init_database(pg_engine).loaded is False


@ON_POSTGRES
def test_gaps_equal_sqlite(pg_engine: Engine, national_db_file: tuple[Path, InitReport]) -> None:
    sets = list(available_norm_sets().values())
    with make_sessionmaker(pg_engine)() as s:
        on_pg = compute_territory_gaps(s, "Fès-Meknès", sets).lines
    sqlite = make_engine(f"sqlite:///{national_db_file[0]}")
    with make_sessionmaker(sqlite)() as s:
        on_sqlite = compute_territory_gaps(s, "Fès-Meknès", sets).lines
    sqlite.dispose()
    assert on_pg == on_sqlite and len(on_pg) > 100


# ------------------------------------------- storage round-trips, on SQLite and PostgreSQL
# On the small region of tests/regions.py (fixture `small_region_db`): each test has an
# empty database of its own; the PostgreSQL one runs when QURB_TEST_POSTGRES_URL is set.

BY = Actor.local("ci")


def create(session: Session, payloads: list[FacilityCreate]) -> list[str]:
    return create_facilities(session, BY, [(None, p) for p in payloads])


def update(session: Session, facility_id: str, change: FacilityUpdate) -> None:
    update_facility(session, BY, facility_id, change)


def test_registry_writes_and_rolls_back(small_region_db: Factory, tmp_path: Path) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        [fid] = create(s, [FacilityCreate(name="PG Test", category="DR", commune=IMI)])
        update(s, fid, FacilityUpdate(category="CSR-1"))
    with transaction(factory) as s:
        history = facility_history(s, fid)
        assert [h.action for h in history] == ["create", "recategorise"]
        # The JSON snapshots come back as written, the changes in their order.
        assert history[1].before is not None and history[1].before["category"] == "DR"
        assert history[1].after is not None and history[1].after["category"] == "CSR-1"
        assert history[0].changed_at <= history[1].changed_at
        before = s.scalar(select(func.count()).select_from(FacilityRow))
    assert before == 6 + 1  # the region's six and the new one
    # A file with one good row and one bad: nothing of it is written.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"name,category,commune\nOK One,DR,{IMI}\nBad,ZZZ,{IMI}\n", encoding="utf-8")
    with pytest.raises(RegistryError), transaction(factory) as s:
        import_facilities(s, BY, bad)
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(FacilityRow)) == before


def test_a_scenario_round_trips(small_region_db: Factory) -> None:
    """A siting run on the small region, saved and read back as it was written."""
    factory = small_region_db()
    request = SitingRequest(PROVINCE_CODE, level="primary", add=1, within_minutes=15.0)
    with factory() as s:
        scenario = run_siting(s, request, StraightLineModel(speed_kph=60.0))
    # One site asked, one chosen; adding a health centre never uncovers anyone.
    assert len(scenario.sites) == 1
    assert scenario.summary.covered_after >= scenario.summary.covered_before
    with transaction(factory) as s:
        saved = save_scenario(s, BY, "Un centre de plus", scenario)
    with transaction(factory) as s:
        row = get_scenario(s, saved.id)
        assert (row.name, row.scenario.territory.code, row.created_by) == (
            "Un centre de plus",
            PROVINCE_CODE,
            BY.name,
        )
        assert row.scenario.document() == scenario.document()
        assert [r.id for r in list_scenarios(s, "siting")] == [saved.id]
        assert list_scenarios(s, "other") == []


def test_a_caravan_campaign_round_trips(small_region_db: Factory) -> None:
    factory = small_region_db()
    start = date(2027, 3, 1)  # a Monday
    spec = parse_campaign(
        {
            "name": "Caravane du cercle d'Aït Lhou",
            "territory": CERCLE_CODE,
            "start": start,
            "end": start + timedelta(days=4),
            "specialties": ["general_medicine"],
            "bases": [{"name": "HP Tizgui", "facility": HP_TIZGUI}],
            "teams": [{"name": "Équipe A", "staff": {"general_medicine": 2}}],
            "units": [
                {
                    "name": "Unité 1",
                    "base": "HP Tizgui",
                    "team": "Équipe A",
                    "capacity": {"general_medicine": 120},
                }
            ],
            "settings": {"time_limit_s": 1},
        }
    )
    with factory() as s:
        plan = plan_campaign(s, spec, StraightLineModel(speed_kph=60.0), start - timedelta(days=7))
    stops = [stop for day in plan.days for stop in day.stops]
    assert stops and {stop.code for stop in stops} <= {AIT_LHOU, TAFRAOUT, IMI}
    with transaction(factory) as s:
        campaign_id = save_campaign(s, BY, spec, plan)
    with transaction(factory) as s:
        [listed] = list_campaigns(s)
        assert (listed.id, listed.territory, listed.visits, listed.created_by) == (
            campaign_id,
            CERCLE_CODE,
            len(stops),
            BY.name,
        )
        assert (listed.start, listed.end) == ("2027-03-01", "2027-03-05")
        row = get_campaign(s, campaign_id)
        assert campaign_plan(s, campaign_id) == plan
        assert row.spec == spec.model_dump(mode="json")
