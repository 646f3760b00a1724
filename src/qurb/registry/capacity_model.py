"""What a facility has, as pure rules: the lists of `capacity.toml` (professions,
specialties, bed services, equipment kinds, with their sources), the measures a capacity
value is kept under, their bounds, and the statuses of equipment and the moves between
them. No database here: the services (`capacity.py`, `equipment.py`) and the workbook
import check their input with these.

A measure is a string: `beds` (total beds), `beds.<bed_service>`, `staff.<profession>`
(headcount), `specialists.<specialty>` (specialist doctors by specialty), `hours` (text:
`24/7` or an OpenStreetMap `opening_hours` value). Unknown stays unknown: a measure never
entered has no value; one entered as unknown is kept with no count."""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem

CATALOGUE = Path(__file__).with_name("capacity.toml")

BEDS = "beds"
HOURS = "hours"
BEDS_PREFIX = "beds."
STAFF_PREFIX = "staff."
SPECIALISTS_PREFIX = "specialists."
DOCTOR_MEASURES = ("staff.doctor_general", "staff.doctor_specialist")
MEASURE_MAX_LENGTH = 64
HOURS_ALWAYS = "24/7"


@dataclass(frozen=True)
class Entry:
    """One entry of a list: its code and its labels (read with `kernel.i18n.data_label`)."""

    code: str
    name_fr: str
    name_ar: str
    name_en: str
    group: str | None = None  # an equipment kind's group


@dataclass(frozen=True)
class EntryList:
    """A list of `capacity.toml` with its source."""

    name: str
    source: str
    entries: dict[str, Entry]


@dataclass(frozen=True)
class Bounds:
    beds_max: int
    staff_max: int
    hours_max_length: int


@dataclass(frozen=True)
class CapacityCatalogue:
    bounds: Bounds
    professions: EntryList
    specialties: EntryList
    bed_services: EntryList
    equipment_kinds: EntryList
    equipment_groups: EntryList


def _entries(name: str, data: dict[str, Any], source: str = "") -> EntryList:
    table = data[name]
    entries = {
        code: Entry(
            code=code,
            name_fr=spec["name_fr"],
            name_ar=spec["name_ar"],
            name_en=spec["name_en"],
            group=spec.get("group"),
        )
        for code, spec in table.items()
        if isinstance(spec, dict)
    }
    return EntryList(name, str(table.get("source", source)), entries)


@cache
def capacity_catalogue() -> CapacityCatalogue:
    """The lists of `registry/capacity.toml`, read once."""
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    bounds = data["bounds"]
    kinds = _entries("equipment_kinds", data)
    return CapacityCatalogue(
        bounds=Bounds(
            beds_max=int(bounds["beds_max"]),
            staff_max=int(bounds["staff_max"]),
            hours_max_length=int(bounds["hours_max_length"]),
        ),
        professions=_entries("professions", data),
        specialties=_entries("specialties", data),
        bed_services=_entries("bed_services", data),
        equipment_kinds=kinds,
        equipment_groups=_entries("equipment_groups", data, kinds.source),
    )


def count_measures() -> tuple[str, ...]:
    """Every measure kept as a count, in the order the page and the workbook list them."""
    lists = capacity_catalogue()
    return (
        BEDS,
        *(BEDS_PREFIX + code for code in lists.bed_services.entries),
        *(STAFF_PREFIX + code for code in lists.professions.entries),
        *(SPECIALISTS_PREFIX + code for code in lists.specialties.entries),
    )


def all_measures() -> tuple[str, ...]:
    return (*count_measures(), HOURS)


def measure_error(measure: str, field: str | None = None) -> FieldError | None:
    """Why `measure` is no measure (an unknown profession, specialty or bed service named
    as such), None if it is one."""
    lists = capacity_catalogue()
    where = field or measure
    name = measure.partition(".")[2]
    if measure.startswith(BEDS_PREFIX):
        if name in lists.bed_services.entries:
            return None
        choices = list(lists.bed_services.entries)
        return problem(where, "unknown_bed_service", value=repr(name), choices=choices)
    if measure.startswith(STAFF_PREFIX):
        if name in lists.professions.entries:
            return None
        choices = list(lists.professions.entries)
        return problem(where, "unknown_profession", value=repr(name), choices=choices)
    if measure.startswith(SPECIALISTS_PREFIX):
        if name in lists.specialties.entries:
            return None
        choices = list(lists.specialties.entries)
        return problem(where, "unknown_specialty", value=repr(name), choices=choices)
    if measure in (BEDS, HOURS):
        return None
    return problem(where, "unknown_measure", value=repr(measure), choices=_measure_forms())


def _measure_forms() -> list[str]:
    return [BEDS, "beds.<bed_service>", "staff.<profession>", "specialists.<specialty>", HOURS]


def bound_of(measure: str) -> int:
    """The largest count `measure` accepts (beds per facility, staff per profession)."""
    bounds = capacity_catalogue().bounds
    return (
        bounds.beds_max if measure == BEDS or measure.startswith(BEDS_PREFIX) else bounds.staff_max
    )


def count_error(measure: str, count: object, field: str | None = None) -> FieldError | None:
    """Why `count` is no count of `measure` (not a whole number, negative, above its
    bound), None if it is one or None (entered as unknown)."""
    where = field or measure
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int):
        return problem(where, "count_not_whole", value=repr(count))
    if count < 0:
        return problem(where, "count_negative", value=count)
    bound = bound_of(measure)
    if count > bound:
        return problem(where, "count_above_bound", value=count, bound=bound)
    return None


def hours_error(hours: str | None, field: str = HOURS) -> FieldError | None:
    """Why `hours` is no opening-hours text (empty, too long, on several lines)."""
    if hours is None:
        return None
    limit = capacity_catalogue().bounds.hours_max_length
    if not hours.strip() or len(hours) > limit or "\n" in hours:
        return problem(field, "hours_invalid", value=repr(hours[:40]), limit=limit)
    return None


# The earliest date a capacity value may carry: Morocco's independence (1956), when its
# Ministry of Health and public health service begin; a facility's count dated earlier
# is a mistyped date (0956, 1065…), not a fact the registry holds.
EARLIEST_AS_OF = date(1956, 1, 1)


def as_of_error(as_of: date | None, today: date, field: str = "as_of") -> FieldError | None:
    """A value's date is required, not in the future, and not before EARLIEST_AS_OF."""
    if as_of is None:
        return problem(field, "as_of_missing")
    if as_of > today:
        return problem(field, "date_in_future", value=as_of.isoformat(), today=today.isoformat())
    if as_of < EARLIEST_AS_OF:
        values = {"value": as_of.isoformat(), "earliest": EARLIEST_AS_OF.isoformat()}
        return problem(field, "as_of_too_early", **values)
    return None


def older_errors(
    changed: Iterable[str], current_as_of: Mapping[str, date], as_of: date, field: str = "as_of"
) -> list[FieldError]:
    """A value dated before the current one of its measure: the history is for newer facts
    (the current value is the latest entered, whatever its date)."""
    return [
        problem(
            field,
            "as_of_before_current",
            measure=m,
            value=as_of.isoformat(),
            current=current_as_of[m].isoformat(),
        )
        for m in changed
        if m in current_as_of and as_of < current_as_of[m]
    ]


def source_error(source: str | None, field: str = "source") -> FieldError | None:
    if source is None or not source.strip():
        return problem(field, "source_missing")
    if len(source) > 200:
        return problem(field, "source_too_long", limit=200)
    return None


def doctors_total(values: dict[str, int | None]) -> int | None:
    """`facilities.doctors`: general practitioners plus specialist doctors when both are
    known, else unknown."""
    counts = [values.get(m) for m in DOCTOR_MEASURES]
    if any(c is None for c in counts):
        return None
    return sum(c for c in counts if c is not None)


class EquipmentStatus(enum.StrEnum):
    WORKING = "working"
    DOWN = "down"
    RETIRED = "retired"


# The moves a status may make (a status staying the same is no move). Retired is final.
STATUS_MOVES: dict[EquipmentStatus, frozenset[EquipmentStatus]] = {
    EquipmentStatus.WORKING: frozenset({EquipmentStatus.DOWN, EquipmentStatus.RETIRED}),
    EquipmentStatus.DOWN: frozenset({EquipmentStatus.WORKING, EquipmentStatus.RETIRED}),
    EquipmentStatus.RETIRED: frozenset(),
}


def kind_error(kind: str, field: str = "kind") -> FieldError | None:
    kinds = capacity_catalogue().equipment_kinds.entries
    if kind in kinds:
        return None
    return problem(field, "unknown_equipment_kind", value=repr(kind), choices=list(kinds))


def status_move_errors(
    before: EquipmentStatus | None,
    after: EquipmentStatus,
    *,
    down_reason: str | None,
    down_since: date | None,
    retired_on: date | None,
    today: date,
) -> list[FieldError]:
    """Why equipment may not go from `before` (None: new) to `after` with these details:
    retired is final; down needs its reason and the date since when; retired needs its
    date; no date in the future."""
    errors: list[FieldError] = []
    if before is not None and before != after and after not in STATUS_MOVES[before]:
        errors.append(
            problem("status", "status_move_refused", before=before.value, after=after.value)
        )
        return errors
    if after is EquipmentStatus.DOWN:
        if not (down_reason or "").strip():
            errors.append(problem("down_reason", "down_without_reason"))
        if down_since is None:
            errors.append(problem("down_since", "down_without_since"))
    if after is EquipmentStatus.RETIRED and retired_on is None:
        errors.append(problem("retired_on", "retired_without_date"))
    for name, moment in (("down_since", down_since), ("retired_on", retired_on)):
        if moment is not None and moment > today:
            errors.append(
                problem(name, "date_in_future", value=moment.isoformat(), today=today.isoformat())
            )
    return errors


@dataclass(frozen=True)
class CapacityChange:
    """Capacity values entered together, with their one source and date: `values` maps a
    measure to its count (None: entered as unknown); `hours` the opening hours (None: not
    changed; enter them as unknown with `values={"hours": None}`)."""

    source: str
    as_of: date
    values: Mapping[str, int | None] = field(default_factory=dict)
    hours: str | None = None


def change_errors(change: CapacityChange, today: date) -> list[FieldError]:
    """Every problem of a change (each measure, count, bound; the hours; source; date),
    pure: the service and the workbook import both call it."""
    errors = [e for e in (source_error(change.source), as_of_error(change.as_of, today)) if e]
    for measure, count in change.values.items():
        problem_ = measure_error(measure)
        if problem_ is None and measure == HOURS and count is not None:
            # Hours are text, given as `hours`: a value here would be kept as unknown.
            problem_ = problem(f"values.{HOURS}", "hours_as_value", value=repr(count))
        elif problem_ is None and measure != HOURS:
            problem_ = count_error(measure, count)
        if problem_ is not None:
            errors.append(problem_)
    if change.hours is not None:
        errors += [e for e in (hours_error(change.hours),) if e]
    return errors


def change_texts(change: CapacityChange) -> dict[str, tuple[int | None, str | None]]:
    """The change as (count, text) per measure, the hours as the text of `hours`."""
    values: dict[str, tuple[int | None, str | None]] = {
        m: (None, None) if m == HOURS else (c, None) for m, c in change.values.items()
    }
    if change.hours is not None:
        values[HOURS] = (None, change.hours.strip())
    return values


@dataclass(frozen=True)
class EquipmentCreate:
    """A piece of equipment to add to a facility (status working unless said)."""

    facility_id: str
    kind: str
    source: str
    model: str | None = None
    inventory_ref: str | None = None
    in_service: date | None = None
    status: EquipmentStatus = EquipmentStatus.WORKING
    down_reason: str | None = None
    down_since: date | None = None
    retired_on: date | None = None


@dataclass(frozen=True)
class EquipmentUpdate:
    """A change of a piece of equipment: the fields given (not None) change; a status
    move brings its details (down: reason and since; retired: the date)."""

    status: EquipmentStatus | None = None
    down_reason: str | None = None
    down_since: date | None = None
    retired_on: date | None = None
    model: str | None = None
    inventory_ref: str | None = None
    in_service: date | None = None
    source: str | None = None


# The most characters each text of a piece of equipment holds (its column's width).
EQUIPMENT_TEXT_MAX = {"model": 200, "inventory_ref": 80, "down_reason": 300}


def equipment_text_errors(values: Mapping[str, Any]) -> list[FieldError]:
    """The texts of a piece of equipment longer than their columns, each named."""
    return [
        problem(key, "too_long", max=most)
        for key, most in EQUIPMENT_TEXT_MAX.items()
        if values.get(key) is not None and len(values[key]) > most
    ]


def new_equipment_errors(item: EquipmentCreate, today: date) -> list[FieldError]:
    """Every problem of a new piece of equipment, pure (its facility is the service's)."""
    errors = [e for e in (kind_error(item.kind), source_error(item.source)) if e]
    errors += equipment_text_errors(vars(item))
    if item.in_service is not None and item.in_service > today:
        values = {"value": item.in_service.isoformat(), "today": today.isoformat()}
        errors.append(problem("in_service", "date_in_future", **values))
    errors += status_move_errors(
        None,
        item.status,
        down_reason=item.down_reason,
        down_since=item.down_since,
        retired_on=item.retired_on,
        today=today,
    )
    return errors
