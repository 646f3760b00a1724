"""Editing the registry: validation, history (who, when, before, after)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit._tables import AuditEntryRow
from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound
from qurb.platform.database import transaction
from qurb.registry._tables import FacilityRow
from qurb.registry.model import Facility, FacilityChange, categories
from qurb.registry.service import (
    FacilityCreate,
    FacilityFilter,
    FacilityUpdate,
    RegistryError,
    close_facility,
    create_facilities,
    facility_history,
    facility_page,
    get_facility,
    list_facilities,
    update_facility,
)
from qurb.territory._tables import TerritoryRow
from qurb.territory.service import TerritoryIndex

# The facility history: the audit entries about facilities.
FACILITY_ENTRIES = (
    select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.entity_kind == "facility")
)

AIN_BIDA = "03.231.81.03"  # rural commune of the prefecture of Fès


def _count(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(FacilityRow)) or 0,
        session.scalar(
            select(func.count())
            .select_from(AuditEntryRow)
            .where(AuditEntryRow.entity_kind == "facility")
        )
        or 0,
    )


def test_add_update_recategorise_close_keeps_history(
    scratch_factory: sessionmaker[Session],
) -> None:
    with transaction(scratch_factory) as s:
        [fid] = create_facilities(
            s,
            Actor.local("amina"),
            [(None, FacilityCreate(name="Douar Test", category="DR", commune="Ain Bida"))],
        )
    with transaction(scratch_factory) as s:
        row = s.get(FacilityRow, fid)
        commune = s.get(TerritoryRow, AIN_BIDA)
        assert row is not None and commune is not None
        assert row.commune_code == AIN_BIDA and row.province_code == "03.231"
        # No coordinates given: the commune's reference point, and precision says so.
        assert (row.lon, row.lat) == (commune.ref_lon, commune.ref_lat)
        assert row.location_source == "commune_reference" and row.beds is None
        update_facility(
            s,
            Actor.local("youssef"),
            fid,
            FacilityUpdate(category="CSR-1", name_ar="مستوصف"),
            "upgraded",
        )
    with transaction(scratch_factory) as s:
        close_facility(s, Actor.local("amina"), fid, "merged")
        history = facility_history(s, fid)
    assert [h.action for h in history] == ["create", "recategorise", "close"]
    assert [h.changed_by for h in history] == ["amina", "youssef", "amina"]
    recategorised = history[1]
    assert recategorised.before is not None and recategorised.after is not None
    assert recategorised.before["category"] == "DR" and recategorised.after["category"] == "CSR-1"
    assert recategorised.before["name_ar"] is None
    assert recategorised.after["name_ar"] == "مستوصف"
    assert recategorised.reason == "upgraded"
    with transaction(scratch_factory) as s:
        open_ids = {f.id for f in list_facilities(s, FacilityFilter(territory=AIN_BIDA))}
        all_ids = {
            f.id for f in list_facilities(s, FacilityFilter(territory=AIN_BIDA, status="all"))
        }
    assert fid not in open_ids and fid in all_ids


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"category": "XYZ"}, "category", "unknown category 'XYZ'"),
        ({"commune": "Atlantis"}, "commune", "no territory named or coded 'Atlantis'"),
        ({"commune": "03.231"}, "commune", "is a province"),
        ({"lon": -3.7, "lat": 40.4}, "lon/lat", "outside Morocco"),  # Madrid
        ({"lon": -6.84, "lat": 34.02}, "lon/lat", "not in commune 03.231.81.03"),  # Rabat
        ({"lon": -4.9}, "lat", "give both lon and lat"),
    ],
)
def test_invalid_facility_is_refused_and_nothing_written(
    scratch_factory: sessionmaker[Session], payload: dict[str, object], field: str, reason: str
) -> None:
    with transaction(scratch_factory) as s:
        before = _count(s)
    values = {"name": "Test", "category": "DR", "commune": AIN_BIDA, **payload}
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        create_facilities(s, Actor.local("amina"), [(None, FacilityCreate.model_validate(values))])
    [error] = caught.value.errors
    assert error.field == field and reason in error.reason
    with transaction(scratch_factory) as s:
        assert _count(s) == before


def test_duplicate_of_an_existing_facility_is_refused(
    scratch_factory: sessionmaker[Session],
) -> None:
    with transaction(scratch_factory) as s:
        existing = list_facilities(s, FacilityFilter(territory=AIN_BIDA))[0]
        payload = FacilityCreate(
            name=existing.name.upper(), category=existing.category, commune=AIN_BIDA
        )
        with pytest.raises(RegistryError, match="duplicate"):
            create_facilities(s, Actor.local("amina"), [(None, payload)])


def test_filters_by_territory_category_level_and_sector(national_session: Session) -> None:
    fes = list_facilities(national_session, FacilityFilter(territory="Fès", categories=("CSU-1",)))
    assert fes and all(f.category == "CSU-1" and f.province_code == "03.231" for f in fes)
    tertiary = list_facilities(national_session, FacilityFilter(level="tertiary"))
    assert {f.category for f in tertiary} == {"HIR", "CPU"}
    private = list_facilities(
        national_session, FacilityFilter(territory="03.231", sector="private")
    )
    assert private and all(f.family == "osm" and f.sector == "private" for f in private)
    unknown = list_facilities(national_session, FacilityFilter(sector="unknown"))
    counts = Counter(f.category for f in unknown)
    assert counts["clinic"] + counts["doctor"] == 743
    assert not {f.id for f in unknown} & {
        f.id for f in list_facilities(national_session, FacilityFilter(sector="private"))
    }
    arabic = list_facilities(national_session, FacilityFilter(territory="فاس"))
    assert {f.id for f in arabic} == {
        f.id for f in list_facilities(national_session, FacilityFilter(territory="03.231"))
    }


def test_new_ids_never_reuse_a_closed_facilitys(scratch_factory: sessionmaker[Session]) -> None:
    with transaction(scratch_factory) as s:
        [first] = create_facilities(
            s,
            Actor.local("amina"),
            [(None, FacilityCreate(name="Douar X", category="DR", commune=AIN_BIDA))],
        )
        close_facility(s, Actor.local("amina"), first, "duplicate")
        [second] = create_facilities(
            s,
            Actor.local("amina"),
            [(None, FacilityCreate(name="Douar X", category="DR", commune=AIN_BIDA))],
        )
    assert first != second  # same name and commune again after a closure: a new facility


def test_services_return_typed_facilities_with_every_field_of_the_record(
    scratch_factory: sessionmaker[Session],
) -> None:
    assert [f.name for f in dataclasses.fields(Facility)] == [
        c.key for c in FacilityRow.__table__.columns
    ]
    with transaction(scratch_factory) as s:
        [fid] = create_facilities(
            s,
            Actor.local("amina"),
            [
                (
                    None,
                    FacilityCreate(
                        name="Douar Typé", category="DR", commune=AIN_BIDA, name_ar="دوار"
                    ),
                )
            ],
        )
    with transaction(scratch_factory) as s:
        got = get_facility(s, fid)
        row = s.get(FacilityRow, fid)
        assert row is not None
        assert got.values() == {
            **{c.key: getattr(row, c.key) for c in FacilityRow.__table__.columns},
            "services": tuple(row.services or ()),
        }
        updated = update_facility(s, Actor.local("youssef"), fid, FacilityUpdate(name_ar="دوار 7"))
        closed = close_facility(s, Actor.local("amina"), fid, "merged")
    # Plain values, readable once the session is gone, and not to be changed in place.
    assert (got.name_ar, got.status) == ("دوار", "open")
    assert (updated.name_ar, updated.status) == ("دوار 7", "open")
    assert (closed.name_ar, closed.status) == ("دوار 7", "closed")
    assert got.name == "Douar Typé" and got.services == tuple(sorted(categories()["DR"].services))
    with pytest.raises(dataclasses.FrozenInstanceError):
        closed.status = "open"  # type: ignore[misc]
    with transaction(scratch_factory) as s:
        history = facility_history(s, fid)
        with pytest.raises(NotFound, match="no facility with id 'nowhere'"):
            get_facility(s, "nowhere")
    assert all(isinstance(h, FacilityChange) for h in history)
    assert [(h.action, h.changed_by) for h in history] == [
        ("create", "amina"),
        ("update", "youssef"),
        ("close", "amina"),
    ]
    assert history[1].before and history[1].before["name_ar"] == "دوار"


def test_a_page_is_the_slice_of_the_listing(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    for flt in (FacilityFilter(territory="03.231"), FacilityFilter(territory="03.231", name="al")):
        listed = list_facilities(national_session, flt, index)
        total, page = facility_page(national_session, flt, index, limit=5, offset=3)
        assert len(listed) > 8 and total == len(listed)
        assert page == listed[3:8] and all(isinstance(f, Facility) for f in page)


@pytest.mark.parametrize("reason", ["", "  \n"])
def test_a_closure_without_a_reason_is_refused_on_its_field(
    scratch_factory: sessionmaker[Session], reason: str
) -> None:
    with transaction(scratch_factory) as s:
        [fid] = create_facilities(
            s,
            Actor.local("amina"),
            [(None, FacilityCreate(name="Douar Y", category="DR", commune=AIN_BIDA))],
        )
    with pytest.raises(RegistryError) as refused, transaction(scratch_factory) as s:
        close_facility(s, Actor.local("amina"), fid, reason)
    assert [e.field for e in refused.value.errors] == ["reason"]
    with scratch_factory() as s:
        assert get_facility(s, fid).status == "open"
        assert s.scalar(FACILITY_ENTRIES.where(AuditEntryRow.entity_id == fid)) == 1
