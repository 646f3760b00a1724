"""Capacity and equipment on the small region of `tests/regions.py`, on SQLite and
PostgreSQL: values with their provenance and history, the totals every feature reads,
the bounds and lists, equipment's status moves, audit entries in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import StaleVersion
from qurb.platform.database import transaction
from qurb.registry._tables import CapacityValueRow, FacilityRow
from qurb.registry.capacity import (
    CapacityChange,
    CapacityKnown,
    capacity_history,
    capacity_known,
    read_capacity,
    set_capacity,
)
from qurb.registry.service import RegistryError
from tests.regions import HP_TIZGUI, SMALL_FACILITIES

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("planner")
CSU = "ESSP-99.991.01.01-csu-centre"
DAY = date(2026, 11, 30)


def change(**values: int | None) -> CapacityChange:
    return CapacityChange(source="Délégation de Tizgui, inventaire 2026", as_of=DAY, values=values)


def test_beds_set_become_the_facility_s_beds_with_their_provenance(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        version = s.get(FacilityRow, HP_TIZGUI).version
        got = set_capacity(s, BY, HP_TIZGUI, change(beds=120, **{"beds.surgery": 30}))
    assert got.beds == 120 and got.doctors is None
    assert got.version == version + 1
    beds = got.value("beds")
    assert beds is not None and beds.count == 120 and beds.as_of == DAY
    assert beds.source == "Délégation de Tizgui, inventaire 2026" and beds.entered_by == "planner"
    assert [v.measure for v in got.values] == ["beds", "beds.surgery"]
    with transaction(factory) as s:
        assert s.get(FacilityRow, HP_TIZGUI).beds == 120
        entries = audit.entries(s, audit.EntryFilter(entity_kind="facility", entity_id=HP_TIZGUI))
        [entry] = [e for e in entries if e.action == "facility.capacity"]
        assert entry.before == {"beds": None, "beds.surgery": None}
        assert entry.after["beds"] == 120 and entry.after["as_of"] == "2026-11-30"


def _codes(error: RegistryError) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.errors]


def test_history_keeps_every_value_and_an_unchanged_value_is_not_written_again(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        set_capacity(s, BY, HP_TIZGUI, change(beds=120))
    later = CapacityChange(source="Recensement des lits", as_of=date(2026, 12, 1), values={})
    with transaction(factory) as s:
        set_capacity(s, BY, HP_TIZGUI, replace(later, values={"beds": 130}))
        version = s.get(FacilityRow, HP_TIZGUI).version
        again = set_capacity(s, BY, HP_TIZGUI, replace(later, values={"beds": 130}))
        assert again.version == version  # nothing changed: nothing written
    with transaction(factory) as s:
        history = capacity_history(s, HP_TIZGUI)
        now = read_capacity(s, HP_TIZGUI)
    assert [(v.measure, v.count, v.as_of) for v in history] == [
        ("beds", 120, DAY),
        ("beds", 130, date(2026, 12, 1)),
    ]
    assert now.beds == 130 and now.value("beds").source == "Recensement des lits"


def test_doctors_are_general_plus_specialists_when_both_are_known(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        first = set_capacity(s, BY, CSU, change(**{"staff.doctor_general": 3}))
        assert first.doctors is None  # the specialists are not known yet
        both = set_capacity(s, BY, CSU, change(**{"staff.doctor_specialist": 2}))
        assert both.doctors == 5
        assert s.get(FacilityRow, CSU).doctors == 5
        unknown = set_capacity(s, BY, CSU, change(**{"staff.doctor_general": None}))
    # Entered as unknown: a value with no count; never entered: no value at all.
    assert unknown.doctors is None
    general = unknown.value("staff.doctor_general")
    assert general is not None and general.count is None and not general.known
    assert unknown.value("staff.nurse") is None
    with transaction(factory) as s:
        assert s.get(FacilityRow, CSU).doctors is None
        assert len(capacity_history(s, CSU)) == 3


def test_the_beds_set_before_capacity_was_kept_stay_when_staff_are_entered(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()  # the provincial hospital has 100 beds in the registry
    with transaction(factory) as s:
        got = set_capacity(s, BY, HP_TIZGUI, change(**{"staff.nurse": 40}))
    assert got.beds == 100 and got.value("beds") is None


def test_bounds_negative_counts_unknown_lists_and_a_future_date_are_named_nothing_written(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    bad = CapacityChange(
        source="inventaire",
        as_of=clock.today() + timedelta(days=1),
        values={
            "beds": 3001,
            "beds.surgery": -1,
            "staff.nurse": 10_001,
            "staff.surgeon": 1,
            "specialists.astrology": 1,
            "beds.cardiology": 2,
            "chairs": 4,
        },
    )
    with transaction(factory) as s:
        version = s.get(FacilityRow, HP_TIZGUI).version
        with pytest.raises(RegistryError) as refused:
            set_capacity(s, BY, HP_TIZGUI, bad)
    assert _codes(refused.value) == [
        ("as_of", "date_in_future"),
        ("beds", "count_above_bound"),
        ("beds.surgery", "count_negative"),
        ("staff.nurse", "count_above_bound"),
        ("staff.surgeon", "unknown_profession"),
        ("specialists.astrology", "unknown_specialty"),
        ("beds.cardiology", "unknown_bed_service"),
        ("chairs", "unknown_measure"),
    ]
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(CapacityValueRow)) == 0
        assert s.get(FacilityRow, HP_TIZGUI).version == version
        # The bounds themselves are accepted.
        got = set_capacity(s, BY, HP_TIZGUI, change(beds=3000, **{"staff.nurse": 10_000}))
        assert got.beds == 3000


def test_hours_a_stale_version_and_a_missing_source(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        version = s.get(FacilityRow, HP_TIZGUI).version
        got = set_capacity(s, BY, HP_TIZGUI, replace(change(), hours="24/7"), if_version=version)
        assert got.hours == "24/7" and got.value("hours").count is None
        with pytest.raises(StaleVersion):
            set_capacity(s, BY, HP_TIZGUI, change(beds=5), if_version=version)
        with pytest.raises(RegistryError) as refused:
            set_capacity(s, BY, HP_TIZGUI, replace(change(beds=5), source=" "))
        assert _codes(refused.value) == [("source", "source_missing")]
        with pytest.raises(RegistryError) as refused:
            set_capacity(s, BY, HP_TIZGUI, replace(change(), hours="Mo-Fr 08:00-16:00\nSa"))
        assert _codes(refused.value) == [("hours", "hours_invalid")]


def test_capacity_known_counts_the_facilities_whose_totals_are_known(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    ids = [f.id for f in SMALL_FACILITIES]
    with transaction(factory) as s:
        assert capacity_known(s, ids) == CapacityKnown(6, 1, 0)  # the hospital's 100 beds
        set_capacity(
            s, BY, CSU, change(beds=4, **{"staff.doctor_general": 1, "staff.doctor_specialist": 0})
        )
        known = capacity_known(s, ids)
    assert known == CapacityKnown(6, 2, 1) and known.share(known.beds_known) == 2 / 6
    with transaction(factory) as s:
        assert capacity_known(s, []) == CapacityKnown(0, 0, 0)


def test_a_value_older_than_the_current_one_or_before_1956_is_refused(
    small_region_db: Factory,
) -> None:
    # The current value is the latest entered: a count dated before it would become the
    # current one while an older fact. Dates before 1956 are mistyped.
    factory = small_region_db()
    with transaction(factory) as s:
        set_capacity(s, BY, HP_TIZGUI, replace(change(beds=120), as_of=date(2024, 6, 1)))
    older = replace(change(beds=90, **{"staff.nurse": 40}), as_of=date(2023, 1, 1))
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        set_capacity(s, BY, HP_TIZGUI, older)
    [error] = refused.value.errors
    assert (error.field, error.code) == ("as_of", "as_of_before_current")
    assert error.values["measure"] == "beds" and error.values["current"] == "2024-06-01"
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        set_capacity(s, BY, HP_TIZGUI, replace(change(beds=90), as_of=date(1955, 12, 31)))
    assert [(e.field, e.code) for e in refused.value.errors] == [("as_of", "as_of_too_early")]
    with factory() as s:
        assert read_capacity(s, HP_TIZGUI).beds == 120
        assert s.scalar(select(func.count()).select_from(CapacityValueRow)) == 1
    # The same date as the current one, or a newer one, is a correction or a newer fact.
    with transaction(factory) as s:
        same_day = replace(change(beds=118), as_of=date(2024, 6, 1))
        assert set_capacity(s, BY, HP_TIZGUI, same_day).beds == 118


def test_hours_given_among_the_counts_are_refused_not_kept_as_unknown(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        set_capacity(s, BY, HP_TIZGUI, change(hours=5))
    assert [(e.field, e.code) for e in refused.value.errors] == [("values.hours", "hours_as_value")]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(CapacityValueRow)) == 0
