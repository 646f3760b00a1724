"""What a filled capacity workbook changes, pure: its rows (read and checked cell by
cell by `capacity_reader`) against what is recorded for the province's facilities and
equipment. A row names a facility of the province, once; a read-only cell holds what the
template wrote; a value equal to the recorded one is no change (nothing is rewritten); a
blank cell is no change; an equipment item's status moves as the registry allows; a row
that changes a facility or an item whose record moved on since the template was made
(its version, in a read-only cell) is refused: its cells would silently undo the newer
values. Every problem is kept with its cell."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem
from qurb.registry.capacity_model import EquipmentStatus, status_move_errors
from qurb.registry.capacity_sheets import (
    BEDS,
    CAPACITY,
    EQUIPMENT,
    EQUIPMENT_COLUMNS,
    SPECIALISTS,
    UNKNOWN,
    CodeLists,
    at_cell,
    capacity_columns,
    sheet_columns,
)
from qurb.registry.capacity_workbook import TemplateEquipment, TemplateFacility

WORKING = EquipmentStatus.WORKING.value
# What an item keeps for good: another kind or another facility is another item.
FIXED_EQUIPMENT_FIELDS = ("facility_id", "kind")
EQUIPMENT_FIELDS = tuple(c.key for c in EQUIPMENT_COLUMNS[2:] if not c.read_only)
_LONG = {
    BEDS: ("service", "beds", "beds."),
    SPECIALISTS: ("specialty", "headcount", "specialists."),
}


@dataclass(frozen=True)
class ProvinceState:
    """What is recorded for a province: its facilities (those a template lists) with their
    current capacity, and the equipment they hold."""

    province_code: str
    facilities: Mapping[str, TemplateFacility]
    equipment: Mapping[str, TemplateEquipment]
    sources: str = ""  # where the facilities' records come from, with their licences


@dataclass
class FacilityChanges:
    facility_id: str
    values: dict[str, int | None] = field(default_factory=dict)  # measure → new (None: unknown)
    hours: str | None = None  # new opening hours, when they change
    services: tuple[str, ...] | None = None  # the services offered, when they change


@dataclass(frozen=True)
class EquipmentChanges:
    """An item to add (`id` None) or the fields of one that change."""

    id: str | None
    facility_id: str
    fields: Mapping[str, Any]


@dataclass
class Plan:
    facilities: dict[str, FacilityChanges] = field(default_factory=dict)
    equipment: list[EquipmentChanges] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)

    def facility(self, facility_id: str) -> FacilityChanges:
        return self.facilities.setdefault(facility_id, FacilityChanges(facility_id))

    @property
    def empty(self) -> bool:
        return not self.equipment and not any(
            c.values or c.hours is not None or c.services is not None
            for c in self.facilities.values()
        )


def _index(sheet: str, key: str, lists: CodeLists) -> int:
    return next(i for i, c in enumerate(sheet_columns(sheet, lists), 1) if c.key == key)


def plan_changes(
    rows: Mapping[str, list[Any]], state: ProvinceState, lists: CodeLists, today: date
) -> Plan:
    """The changes of the workbook's rows (`ReadWorkbook.rows`), with every problem."""
    plan = Plan()
    _capacity_sheet(rows.get(CAPACITY, []), state, lists, plan)
    versions: dict[str, Any] = {}  # facility → the version its capacity row was written at
    for row in rows.get(CAPACITY, []):
        versions.setdefault(row.cells.get("facility_id"), row.fixed.get("version"))
    for sheet in (BEDS, SPECIALISTS):
        _long_sheet(sheet, rows.get(sheet, []), state, lists, plan, versions)
    _equipment_sheet(rows.get(EQUIPMENT, []), state, lists, plan, today)
    plan.facilities = {k: v for k, v in plan.facilities.items() if _changes(v)}
    return plan


def _changes(changes: FacilityChanges) -> bool:
    return bool(changes.values) or changes.hours is not None or changes.services is not None


def _stale(
    sheet: str, column: int, number: int, key: str, item: str, written: Any, recorded: int
) -> FieldError | None:
    """The problem of a row changing a record whose version is no longer the one the
    template was made at (None when it still is)."""
    if written == str(recorded):
        return None
    found = problem(
        key, "changed_since_template", id=item, written=written or "", recorded=recorded
    )
    return at_cell(sheet, column, number, key, found)


def _facility_problem(
    sheet: str, row: Any, state: ProvinceState, lists: CodeLists
) -> FieldError | None:
    """A row's facility: one of the province's (a row naming none has its problem)."""
    facility_id = row.cells.get("facility_id")
    column = _index(sheet, "facility_id", lists)
    if facility_id is not None and facility_id not in state.facilities:
        found = problem(
            "facility_id", "facility_not_in_province", id=facility_id, province=state.province_code
        )
        return at_cell(sheet, column, row.number, "facility_id", found)
    return None


def _capacity_sheet(rows: list[Any], state: ProvinceState, lists: CodeLists, plan: Plan) -> None:
    columns = capacity_columns(lists)
    seen: dict[str, int] = {}
    for row in rows:
        bad = _facility_problem(CAPACITY, row, state, lists)
        if bad is not None or "facility_id" not in row.cells:
            plan.problems.extend([bad] if bad else [])
            continue
        facility = state.facilities[row.cells["facility_id"]]
        if facility.id in seen:
            found = problem("facility_id", "row_twice", id=facility.id, first=seen[facility.id])
            plan.problems.append(at_cell(CAPACITY, 1, row.number, "facility_id", found))
            continue
        seen[facility.id] = row.number
        recorded = {
            "name": facility.name,
            "name_ar": facility.name_ar or None,
            "category": facility.category,
            "commune": facility.commune,
        }
        for index, column in enumerate(columns, start=1):
            written = row.fixed.get(column.key)
            if column.key in recorded and written != recorded[column.key]:
                found = problem(
                    column.key,
                    "read_only_changed",
                    value=written or "",
                    expected=recorded[column.key] or "",
                )
                plan.problems.append(at_cell(CAPACITY, index, row.number, column.key, found))
        if not row.valid:
            continue
        changes = plan.facility(facility.id)
        for key, value in row.cells.items():
            if key == "hours":
                if value != (facility.hours or None):
                    changes.hours = value
            elif key == "services":
                if tuple(value) != tuple(sorted(facility.services)):
                    changes.services = tuple(value)
            elif key != "facility_id":
                _count_change(changes, facility, key, value)
        if _changes(changes):
            written = row.fixed.get("version")
            at = _index(CAPACITY, "version", lists)
            stale = _stale(
                CAPACITY, at, row.number, "version", facility.id, written, facility.version
            )
            plan.problems.extend([stale] if stale else [])


def _count_change(
    changes: FacilityChanges, facility: TemplateFacility, measure: str, value: Any
) -> bool:
    """Whether the value changes what is recorded (then it is kept as a change)."""
    new = None if value is UNKNOWN else int(value)
    if measure not in facility.values or facility.values[measure] != new:
        changes.values[measure] = new
        return True
    return False


def _long_sheet(
    sheet: str,
    rows: list[Any],
    state: ProvinceState,
    lists: CodeLists,
    plan: Plan,
    versions: Mapping[str, Any],
) -> None:
    """Rows of counts by facility and code; a change is refused when the facility's
    version on the capacity sheet is not its recorded one."""
    code_key, count_key, prefix = _LONG[sheet]
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        bad = _facility_problem(sheet, row, state, lists)
        if bad is not None or code_key not in row.cells or "facility_id" not in row.cells:
            plan.problems.extend([bad] if bad else [])
            continue
        key = (row.cells["facility_id"], row.cells[code_key])
        if key in seen:
            found = problem(code_key, "row_twice", id=f"{key[0]} {key[1]}", first=seen[key])
            plan.problems.append(
                at_cell(sheet, _index(sheet, code_key, lists), row.number, code_key, found)
            )
            continue
        seen[key] = row.number
        if row.valid and count_key in row.cells:
            facility = state.facilities[key[0]]
            count = row.cells[count_key]
            if _count_change(plan.facility(facility.id), facility, prefix + key[1], count):
                column = _index(sheet, count_key, lists)
                written = versions.get(facility.id)
                stale = _stale(
                    sheet, column, row.number, count_key, facility.id, written, facility.version
                )
                plan.problems.extend([stale] if stale else [])


def _equipment_sheet(
    rows: list[Any], state: ProvinceState, lists: CodeLists, plan: Plan, today: date
) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        bad = _facility_problem(EQUIPMENT, row, state, lists)
        if bad is not None:
            plan.problems.append(bad)
        item_id = row.cells.get("equipment_id")
        current = None
        if item_id is not None:
            if item_id in seen:
                found = problem("equipment_id", "row_twice", id=item_id, first=seen[item_id])
                plan.problems.append(at_cell(EQUIPMENT, 1, row.number, "equipment_id", found))
                continue
            seen[item_id] = row.number
            current = state.equipment.get(item_id)
            if current is None:
                found = problem(
                    "equipment_id",
                    "equipment_not_in_province",
                    id=item_id,
                    province=state.province_code,
                )
                plan.problems.append(at_cell(EQUIPMENT, 1, row.number, "equipment_id", found))
                continue
        if row.valid and bad is None:
            _equipment_row(row, current, lists, plan, today)


def _equipment_row(
    row: Any, current: TemplateEquipment | None, lists: CodeLists, plan: Plan, today: date
) -> None:
    given = {k: v for k, v in row.cells.items() if k in EQUIPMENT_FIELDS}
    problems: list[FieldError] = []
    if current is None:
        fields = {"status": WORKING, **given}
        changed = fields
    else:
        was = {k: getattr(current, k) for k in EQUIPMENT_FIELDS}
        was["facility_id"] = current.facility_id
        given["facility_id"] = row.cells["facility_id"]
        changed = {k: v for k, v in given.items() if was[k] != v}
        fields = {**was, **changed}
        problems += [
            problem(
                key, "equipment_field_fixed", value=changed[key], expected=was[key], field_name=key
            )
            for key in FIXED_EQUIPMENT_FIELDS
            if key in changed
        ]
    if current is not None and changed:
        version = _index(EQUIPMENT, "version", lists)
        written = row.fixed.get("version")
        stale = _stale(
            EQUIPMENT, version, row.number, "version", current.id, written, current.version
        )
        problems_at = [stale] if stale else []
    else:
        problems_at = []
    before = None if current is None else current.status
    problems += status_problems(fields, before, today)
    for found in problems:
        column = _index(EQUIPMENT, found.field, lists)
        plan.problems.append(at_cell(EQUIPMENT, column, row.number, found.field, found))
    plan.problems += problems_at
    if not problems and not problems_at and (current is None or changed):
        item_id = None if current is None else current.id
        plan.equipment.append(EquipmentChanges(item_id, row.cells["facility_id"], changed))


def status_problems(fields: Mapping[str, Any], before: str | None, today: date) -> list[FieldError]:
    """An item's status as the registry allows (`capacity_model.status_move_errors`):
    down with its reason and since when, retired with its date, retired for good."""
    status = EquipmentStatus(fields.get("status") or WORKING)
    return status_move_errors(
        None if before is None else EquipmentStatus(before),
        status,
        down_reason=fields.get("down_reason"),
        down_since=fields.get("down_since"),
        retired_on=fields.get("retired_on"),
        today=today,
    )
