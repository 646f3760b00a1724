"""Equipment on the small region of `tests/regions.py`, on SQLite and PostgreSQL: its kind
from the list, its status moves (down with its reason and since when; retired final),
its history from the audit trail; and the workbook's bulk writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit._tables import AuditEntryRow
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, NotFound, StaleVersion
from qurb.platform.database import transaction
from qurb.registry._tables import CapacityImportRow, CapacityValueRow, FacilityRow
from qurb.registry.capacity import (
    CapacityBatch,
    CapacityChange,
    read_capacity,
    write_capacity_batch,
)
from qurb.registry.equipment import (
    EquipmentCreate,
    EquipmentFilter,
    EquipmentStatus,
    EquipmentUpdate,
    add_equipment,
    equipment_history,
    list_equipment,
    update_equipment,
)
from qurb.registry.service import RegistryError, close_facility
from tests.regions import HP_TIZGUI

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("planner")
CSU = "ESSP-99.991.01.01-csu-centre"
SOURCE = "Inventaire de la délégation, 2026"
DOWN = EquipmentStatus.DOWN


def _codes(error: RegistryError) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.errors]


def test_equipment_moves_working_down_working_retired_and_retired_is_final(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        scanner = add_equipment(
            s, BY, EquipmentCreate(HP_TIZGUI, "ct_scanner", SOURCE, model="Optima CT540")
        )
    assert (scanner.status, scanner.version, scanner.province_code) == ("working", 1, "99.991")
    with transaction(factory) as s:
        # Down needs its reason and the date since when: both named, nothing written.
        with pytest.raises(RegistryError) as refused:
            update_equipment(s, BY, scanner.id, EquipmentUpdate(status=DOWN))
        assert _codes(refused.value) == [
            ("down_reason", "down_without_reason"),
            ("down_since", "down_without_since"),
        ]
    with transaction(factory) as s:
        down = update_equipment(
            s,
            BY,
            scanner.id,
            EquipmentUpdate(status=DOWN, down_reason="tube", down_since=date(2026, 11, 2)),
            if_version=1,
        )
        assert (down.status, down.down_reason, down.version) == ("down", "tube", 2)
        with pytest.raises(StaleVersion):
            update_equipment(s, BY, scanner.id, EquipmentUpdate(model="x"), if_version=1)
        back = update_equipment(s, BY, scanner.id, EquipmentUpdate(status=EquipmentStatus.WORKING))
        assert (back.status, back.down_reason, back.down_since) == ("working", None, None)
        with pytest.raises(RegistryError) as refused:
            update_equipment(s, BY, scanner.id, EquipmentUpdate(status=EquipmentStatus.RETIRED))
        assert _codes(refused.value) == [("retired_on", "retired_without_date")]
        retired = update_equipment(
            s,
            BY,
            scanner.id,
            EquipmentUpdate(status=EquipmentStatus.RETIRED, retired_on=date(2026, 12, 1)),
        )
        assert retired.retired_on == date(2026, 12, 1)
    with transaction(factory) as s:
        with pytest.raises(RegistryError) as refused:
            update_equipment(s, BY, scanner.id, EquipmentUpdate(status=EquipmentStatus.WORKING))
        assert _codes(refused.value) == [("status", "status_move_refused")]
        # Nor does anything else of a retired item change.
        with pytest.raises(RegistryError) as refused:
            update_equipment(s, BY, scanner.id, EquipmentUpdate(model="Optima CT660"))
        assert _codes(refused.value) == [("model", "equipment_retired_unchangeable")]
        history = equipment_history(s, scanner.id)
    assert [(c.action, (c.after or {}).get("status")) for c in history] == [
        ("add", "working"),
        ("update", "down"),
        ("update", "working"),
        ("update", "retired"),
    ]
    assert history[1].after["down_since"] == "2026-11-02" and history[0].changed_by == "planner"


def test_an_unknown_kind_a_future_date_and_an_unknown_facility_are_refused(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        with pytest.raises(RegistryError) as refused:
            add_equipment(
                s,
                BY,
                EquipmentCreate(HP_TIZGUI, "teleporter", SOURCE, in_service=date(2999, 1, 1)),
            )
        assert _codes(refused.value) == [
            ("kind", "unknown_equipment_kind"),
            ("in_service", "date_in_future"),
        ]
        with pytest.raises(NotFound):
            add_equipment(s, BY, EquipmentCreate("no-such-facility", "xray", SOURCE))
        with pytest.raises(NotFound):
            update_equipment(s, BY, 999, EquipmentUpdate(model="x"))
        assert list_equipment(s, EquipmentFilter()) == []


def test_texts_longer_than_their_columns_are_refused_on_every_path(
    small_region_db: Factory,
) -> None:
    """model holds 200 characters, inventory_ref 80, down_reason 300: longer is refused,
    named, before the database would cut or refuse it."""
    factory = small_region_db()
    long = EquipmentCreate(HP_TIZGUI, "xray", SOURCE, model="m" * 201, inventory_ref="i" * 81)
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        add_equipment(s, BY, long)
    assert _codes(refused.value) == [("model", "too_long"), ("inventory_ref", "too_long")]
    with transaction(factory) as s:
        item = add_equipment(
            s,
            BY,
            EquipmentCreate(HP_TIZGUI, "xray", SOURCE, model="m" * 200, inventory_ref="i" * 80),
        )
        assert (len(item.model or ""), len(item.inventory_ref or "")) == (200, 80)
    down = EquipmentUpdate(status=DOWN, down_reason="r" * 301, down_since=date(2026, 11, 2))
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        update_equipment(s, BY, item.id, down)
    assert _codes(refused.value) == [("down_reason", "too_long")]
    batch = CapacityBatch(
        "99.991",
        "long.xlsx",
        "3" * 64,
        {},
        equipment=(long,),
        equipment_updates={item.id: EquipmentUpdate(inventory_ref="i" * 81)},
    )
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        write_capacity_batch(s, BY, batch)
    assert _codes(refused.value) == [
        ("equipment 1: model", "too_long"),
        ("equipment 1: inventory_ref", "too_long"),
        (f"equipment {item.id}: inventory_ref", "too_long"),
    ]
    with transaction(factory) as s:
        assert len(list_equipment(s, EquipmentFilter())) == 1


def test_equipment_is_listed_by_facility_kind_and_status(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        for facility, kind in ((HP_TIZGUI, "xray"), (HP_TIZGUI, "ambulance"), (CSU, "ultrasound")):
            add_equipment(s, BY, EquipmentCreate(facility, kind, SOURCE))
        add_equipment(
            s,
            BY,
            EquipmentCreate(
                CSU,
                "ambulance",
                SOURCE,
                status=DOWN,
                down_reason="moteur",
                down_since=date(2026, 10, 1),
            ),
        )
        everything = list_equipment(s, EquipmentFilter())
        at_hp = list_equipment(s, EquipmentFilter(facility=HP_TIZGUI))
        down = list_equipment(s, EquipmentFilter(status="down"))
        ambulances = list_equipment(s, EquipmentFilter(kind="ambulance"))
    assert [(e.facility_id, e.kind) for e in everything] == [
        (CSU, "ambulance"),
        (CSU, "ultrasound"),
        (HP_TIZGUI, "ambulance"),
        (HP_TIZGUI, "xray"),
    ]
    assert [e.kind for e in at_hp] == ["ambulance", "xray"]
    assert [(e.facility_id, e.down_reason) for e in down] == [(CSU, "moteur")]
    assert len(ambulances) == 2


def test_the_bulk_writer_writes_values_equipment_and_one_entry_each(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    as_of = date(2026, 11, 30)
    with transaction(factory) as s:
        [xray] = [add_equipment(s, BY, EquipmentCreate(CSU, "xray", SOURCE))]
        before = s.scalar(select(func.count()).select_from(AuditEntryRow)) or 0
        hp_version = s.get(FacilityRow, HP_TIZGUI).version
    batch = CapacityBatch(
        province_code="99.991",
        file_name="capacite-99.991.xlsx",
        sha256="0" * 64,
        capacity={
            HP_TIZGUI: CapacityChange(SOURCE, as_of, {"beds": 110, "staff.nurse": 35}),
            CSU: CapacityChange(
                SOURCE,
                as_of,
                {"staff.doctor_general": 2, "staff.doctor_specialist": 0},
                hours="Mo-Fr 08:00-16:00",
            ),
        },
        equipment=(
            EquipmentCreate(HP_TIZGUI, "ct_scanner", SOURCE),
            EquipmentCreate(HP_TIZGUI, "dialysis_station", SOURCE, inventory_ref="HD-01"),
        ),
        equipment_updates={
            xray.id: EquipmentUpdate(status=DOWN, down_reason="panne", down_since=as_of)
        },
    )
    with transaction(factory) as s:
        done = write_capacity_batch(s, BY, batch)
    assert (done.facilities, done.values, done.equipment_added, done.equipment_changed) == (
        2,
        5,
        2,
        1,
    )
    with transaction(factory) as s:
        hp, csu = read_capacity(s, HP_TIZGUI), read_capacity(s, CSU)
        assert (hp.beds, hp.version, csu.doctors, csu.hours) == (
            110,
            hp_version + 1,
            2,
            "Mo-Fr 08:00-16:00",
        )
        assert {v.import_id for v in hp.values} == {done.import_id}
        imported = s.get(CapacityImportRow, done.import_id)
        assert (imported.facilities, imported.values, imported.equipment) == (2, 5, 3)
        # One entry per facility changed, one per piece of equipment added or changed.
        assert (s.scalar(select(func.count()).select_from(AuditEntryRow)) or 0) == before + 5
        kinds = [e.action for e in audit.entries(s, audit.EntryFilter(after_seq=before))]
        assert sorted(kinds) == [
            "equipment.add",
            "equipment.add",
            "equipment.update",
            "facility.capacity",
            "facility.capacity",
        ]
        assert [e.status for e in list_equipment(s, EquipmentFilter(facility=CSU))] == ["down"]
        assert audit.verify(s, audit.signer_for(s).public_key) == []  # the chain holds
    # The same batch again changes no value: nothing written but its import's row.
    with transaction(factory) as s:
        again = write_capacity_batch(
            s, BY, CapacityBatch("99.991", "again.xlsx", "1" * 64, batch.capacity)
        )
        assert (again.facilities, again.values) == (0, 0)
        assert s.scalar(select(func.count()).select_from(CapacityValueRow)) == 5


def test_the_bulk_writer_refuses_a_bad_batch_whole(small_region_db: Factory) -> None:
    factory = small_region_db()
    batch = CapacityBatch(
        "99.991",
        "bad.xlsx",
        "2" * 64,
        {HP_TIZGUI: CapacityChange(SOURCE, date(2026, 11, 30), {"beds": -3})},
        equipment=(EquipmentCreate(CSU, "hovercraft", SOURCE),),
    )
    with transaction(factory) as s, pytest.raises(RegistryError) as refused:
        write_capacity_batch(s, BY, batch)
    assert _codes(refused.value) == [(f"{HP_TIZGUI}: beds", "count_negative")]
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(CapacityValueRow)) == 0
        assert s.scalar(select(func.count()).select_from(CapacityImportRow)) == 0


def test_a_closed_facility_s_equipment_is_read_only_until_it_reopens(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        scanner = add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "ct_scanner", SOURCE))
    with transaction(factory) as s:
        close_facility(s, BY, HP_TIZGUI, "destroyed by the flood")
    with transaction(factory) as s, pytest.raises(Conflict) as refused:
        add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "xray", SOURCE))
    assert refused.value.code == "facility_closed"
    with transaction(factory) as s, pytest.raises(Conflict) as refused:
        update_equipment(s, BY, scanner.id, EquipmentUpdate(model="Optima CT660"))
    assert refused.value.code == "facility_closed"
    with factory() as s:
        [item] = list_equipment(s, EquipmentFilter(facility=HP_TIZGUI))
        assert (item.id, item.model, item.version) == (scanner.id, None, 1)
