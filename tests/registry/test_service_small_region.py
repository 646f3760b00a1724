"""Registry writes and their history on the small region of `tests/regions.py`, on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, InputError
from qurb.platform.database import transaction
from qurb.registry._tables import FacilityRow
from qurb.registry.model import Facility
from qurb.registry.service import (
    FacilityCreate,
    FacilityFilter,
    FacilityUpdate,
    RegistryError,
    close_facility,
    create_facilities,
    facility_history,
    list_facilities,
    reopen_facility,
    update_facility,
)
from tests.regions import HP_TIZGUI, IMI, PROVINCE_CODE, TIZGUI

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("planner")

# The registry writes, in one place: when they take who acts as second argument, only
# these three lines change.


def create(session: Session, payloads: Iterable[FacilityCreate]) -> list[str]:
    return create_facilities(session, BY, [(None, p) for p in payloads])


def update(session: Session, facility_id: str, change: FacilityUpdate) -> Facility:
    return update_facility(session, BY, facility_id, change)


def close(session: Session, facility_id: str) -> Facility:
    return close_facility(session, BY, facility_id, "merged into CSR Aït Lhou")


def test_a_facility_without_coordinates_stands_at_its_communes_reference_point(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        [fid] = create(
            s, [FacilityCreate(name="DR Imi n'Ouzrou", category="DR", commune="Imi n'Ouzrou")]
        )
    with transaction(factory) as s:
        row = s.get(FacilityRow, fid)
        assert row is not None
        # user-<province>-<slug of the name: the apostrophe folded away>-<8 random hex>
        assert fid.startswith(f"user-{PROVINCE_CODE}-dr-imi-nouzrou-")
        assert len(fid) == len(f"user-{PROVINCE_CODE}-dr-imi-nouzrou-") + 8
        assert (row.commune_code, row.province_code, row.family, row.level, row.status) == (
            IMI,
            PROVINCE_CODE,
            "ESSP",
            "primary",
            "open",
        )
        assert (row.lon, row.lat, row.location_source) == (-7.0, 31.3, "commune_reference")
        # The radius of a disc of the commune's 200 km²: √(200/π) = 7.9788 km → 7,980 m
        assert row.location_precision_m == 7980.0


def test_recategorise_move_close_and_read_the_history(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        [fid] = create(s, [FacilityCreate(name="DR Imi n'Ouzrou", category="DR", commune=IMI)])
    with transaction(factory) as s:
        update(s, fid, FacilityUpdate(category="CSR-1"))
        # Inside its box (lat 31.25…31.35): accepted, now placed by the user
        moved = update(s, fid, FacilityUpdate(lon=-6.98, lat=31.32))
        assert (moved.location_source, moved.location_precision_m) == ("user", 25.0)
        close(s, fid)
    with transaction(factory) as s:
        history = facility_history(s, fid)
        assert [h.action for h in history] == ["create", "recategorise", "update", "close"]
        assert {h.changed_by for h in history} == {BY.name}
        assert history[0].before is None and history[0].after is not None
        recategorised = history[1]
        assert recategorised.before is not None and recategorised.after is not None
        assert (recategorised.before["category"], recategorised.after["category"]) == (
            "DR",
            "CSR-1",
        )
        assert recategorised.before["level"] == recategorised.after["level"] == "primary"
        assert history[2].after is not None
        assert (history[2].after["lon"], history[2].after["lat"]) == (-6.98, 31.32)
        assert history[3].reason == "merged into CSR Aït Lhou"
        assert history[3].after is not None and history[3].after["status"] == "closed"
        with pytest.raises(RegistryError, match="already closed"):
            close(s, fid)


def test_a_point_in_the_neighbouring_commune_is_refused_and_nothing_is_written(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    # (−7.0, 31.2) is Tafraout's reference point, 0.05° ≈ 5.6 km beyond Imi n'Ouzrou's box:
    # more than the 2 km of tolerance.
    with pytest.raises(RegistryError) as caught, transaction(factory) as s:
        create(s, [FacilityCreate(name="DR X", category="DR", commune=IMI, lon=-7.0, lat=31.2)])
    [error] = caught.value.errors
    assert error.field == "lon/lat"
    assert "lies in Tafraout n'Aït (99.991.03.07), not in commune 99.991.03.09" in error.reason
    with transaction(factory) as s:
        assert list_facilities(s, FacilityFilter(territory=IMI)) == []


def test_a_second_facility_of_the_same_name_category_and_commune_is_a_duplicate(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with pytest.raises(RegistryError) as caught, transaction(factory) as s:
        create(s, [FacilityCreate(name="csu hay salam", category="CSU-1", commune=TIZGUI)])
    [error] = caught.value.errors
    assert error.field == "name"
    assert "ESSP-99.991.01.01-csu-hay-salam" in error.reason


def test_listing_by_territory_follows_the_cercle(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        # The cercle "Aït Lhou" holds the three rural communes: a CSR-2 and a DR.
        in_cercle = list_facilities(s, FacilityFilter(territory="99.991.03"))
        assert [r.name for r in in_cercle] == ["CSR Aït Lhou", "DR Tafraout"]
        # The province: all six; hospitals alone: the HP.
        assert len(list_facilities(s, FacilityFilter(territory="Tizgui"))) == 6
        hospitals = list_facilities(s, FacilityFilter(territory="Tizgui", level="secondary"))
        assert [r.id for r in hospitals] == [HP_TIZGUI]
        close(s, HP_TIZGUI)
        assert list_facilities(s, FacilityFilter(territory="Tizgui", level="secondary")) == []


def test_a_closed_facility_is_read_only_until_reopened(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        close(s, HP_TIZGUI)
    with transaction(factory) as s, pytest.raises(Conflict) as refused:
        update(s, HP_TIZGUI, FacilityUpdate(name_ar="مستشفى"))
    assert str(refused.value) == (
        f"facility {HP_TIZGUI} is closed; reopen it first "
        f"(`qurb facilities reopen {HP_TIZGUI} --reason …`)"
    )
    with transaction(factory) as s, pytest.raises(InputError) as no_reason:
        reopen_facility(s, BY, HP_TIZGUI, "  ")
    assert [e.field for e in no_reason.value.errors] == ["reason"]
    with transaction(factory) as s:
        reopened = reopen_facility(s, BY, HP_TIZGUI, "rebuilt after the flood")
        assert reopened.status == "open"
    with transaction(factory) as s, pytest.raises(Conflict, match="is open"):
        reopen_facility(s, BY, HP_TIZGUI, "again")
    with transaction(factory) as s:
        assert update(s, HP_TIZGUI, FacilityUpdate(name_ar="مستشفى")).name_ar == "مستشفى"
        history = facility_history(s, HP_TIZGUI)
    assert [h.action for h in history] == ["create", "close", "reopen", "update"]
    reopen = history[2]
    assert (reopen.changed_by, reopen.reason) == (BY.name, "rebuilt after the flood")
    assert reopen.before is not None and reopen.after is not None
    assert (reopen.before["status"], reopen.after["status"]) == ("closed", "open")


def test_beds_and_doctors_are_written_by_the_capacity_service_only(
    small_region_db: Factory,
) -> None:
    # A count written here would have no source, date nor capacity row behind it.
    factory = small_region_db()
    with transaction(factory) as s:
        before = s.get(FacilityRow, HP_TIZGUI)
        assert before is not None
        beds, doctors, version = before.beds, before.doctors, before.version
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        update(s, HP_TIZGUI, FacilityUpdate(name="HP de Tizgui", beds=5, doctors=2))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("beds", "capacity_through_capacity_service"),
        ("doctors", "capacity_through_capacity_service"),
    ]
    assert "qurb capacity set" in refused.value.errors[0].reason
    new = FacilityCreate(name="DR Imi n'Ouzrou", category="DR", commune=IMI, beds=3)
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        create(s, [new])
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("beds", "capacity_through_capacity_service")
    ]
    with factory() as s:
        after = s.get(FacilityRow, HP_TIZGUI)
        assert after is not None
        assert (after.beds, after.doctors, after.version, after.name) == (
            beds,
            doctors,
            version,
            before.name,
        )
        assert len(list_facilities(s, FacilityFilter(territory=IMI))) == 0
