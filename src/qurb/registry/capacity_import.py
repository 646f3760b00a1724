"""The capacity workbook of a province, as a service: the template (its facilities with
what is recorded) and the import of a filled one, all or nothing: every bad cell named
(its sheet, address, field, value and reason; the first 50 with the total), nothing
written while one remains; then only what changed is written, in the caller's
transaction, by the capacity's bulk writer (`write_capacity_batch`: one audit entry per
facility and per piece of equipment changed, and the import's record), the services
offered through `update_facility` (one facility entry each)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.attribution import Attribution, facility_sources
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import LANGS, problem, translate
from qurb.kernel.rows import too_many
from qurb.platform.files import FileLimits, InputFileError, sha256_of
from qurb.registry._tables import CapacityValueRow
from qurb.registry.capacity import CapacityBatch, CapacityImported, write_capacity_batch
from qurb.registry.capacity_model import (
    BEDS_PREFIX,
    HOURS,
    SPECIALISTS_PREFIX,
    CapacityChange,
    EquipmentCreate,
    EquipmentStatus,
    EquipmentUpdate,
    capacity_catalogue,
    source_error,
)
from qurb.registry.capacity_plan import FacilityChanges, Plan, ProvinceState, plan_changes
from qurb.registry.capacity_reader import ReadWorkbook, read_workbook
from qurb.registry.capacity_sheets import (
    INSTRUCTIONS,
    NAMED_ROWS,
    TEMPLATE_KIND,
    CodeLists,
    at_cell,
)
from qurb.registry.capacity_workbook import (
    TemplateContent,
    TemplateEquipment,
    TemplateFacility,
    template_workbook,
)
from qurb.registry.equipment import EquipmentFilter, list_equipment
from qurb.registry.facility_services import facility_services, known_services
from qurb.registry.service import FacilityFilter, FacilityUpdate, list_facilities, update_facility
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex

SERVICES_SOURCE = "data/services.toml"
STATUS_WORDS = {
    "working": "label.workbook.status.working",
    "down": "label.workbook.status.down",
    "retired": "label.workbook.status.retired",
}
_CHUNK = 900  # ids per IN (…): below SQLite's bound on parameters


def code_lists() -> CodeLists:
    """The codes a workbook's cells take: `capacity.toml`'s lists, the equipment's
    statuses and the registry's services, with their labels and sources."""
    catalogue = capacity_catalogue()
    lists = {
        name: {code: vars(entry) for code, entry in getattr(catalogue, name).entries.items()}
        for name in ("professions", "specialties", "bed_services", "equipment_kinds")
    }
    lists["statuses"] = {
        status.value: {
            f"name_{lang}": translate(lang, STATUS_WORDS[status.value]) for lang in LANGS
        }
        for status in EquipmentStatus
    }
    sources = {name: getattr(catalogue, name).source for name in lists if name != "statuses"}
    return CodeLists(
        lists=lists,
        sources={**sources, "statuses": "Qurb"},
        bounds={"beds": catalogue.bounds.beds_max, "staff": catalogue.bounds.staff_max},
        services=frozenset(known_services()),
    )


def province_of(index: TerritoryIndex, code: str) -> Territory:
    """The province (or prefecture) of this code; `not_a_province` otherwise."""
    found = index.by_code.get(code.strip())
    if found is None or found.level != TerritoryLevel.PROVINCE:
        raise InputError(code="not_a_province", values={"code": code})
    return found


def current_values(
    session: Session, facility_ids: Sequence[str]
) -> dict[str, dict[str, tuple[int | None, str | None]]]:
    """The current (count, text) of each measure entered, by facility: the latest row."""
    found: dict[str, dict[str, tuple[int | None, str | None]]] = {f: {} for f in facility_ids}
    for start in range(0, len(facility_ids), _CHUNK):
        ids = facility_ids[start : start + _CHUNK]
        latest = (
            select(func.max(CapacityValueRow.id))
            .where(CapacityValueRow.facility_id.in_(ids))
            .group_by(CapacityValueRow.facility_id, CapacityValueRow.measure)
        )
        rows = session.execute(
            select(
                CapacityValueRow.facility_id,
                CapacityValueRow.measure,
                CapacityValueRow.count,
                CapacityValueRow.text,
            ).where(CapacityValueRow.id.in_(latest))
        )
        for facility_id, measure, count, text in rows:
            found[facility_id][measure] = (count, text)
    return found


def province_state(session: Session, index: TerritoryIndex, province: Territory) -> ProvinceState:
    """The province's open public facilities with their current capacity and services,
    and the equipment they hold."""
    facilities = list_facilities(session, FacilityFilter(territory=province.code), index)
    values = current_values(session, [f.id for f in facilities])
    communes = {f.commune_code for f in facilities}
    names = {c: index.by_code[c].name_fr for c in communes if c in index.by_code}
    listed: dict[str, TemplateFacility] = {}
    for facility in facilities:
        current = values[facility.id]
        hours = current.get(HOURS, (None, None))[1]
        listed[facility.id] = TemplateFacility(
            id=facility.id,
            name=facility.name,
            name_ar=facility.name_ar or None,
            category=facility.category,
            commune=names.get(facility.commune_code, facility.commune_code),
            values={m: count for m, (count, _) in current.items() if m != HOURS},
            hours=hours,
            services=tuple(sorted(facility_services(facility.category, facility.services))),
            version=facility.version,
        )
    items = list_equipment(session, EquipmentFilter(territory=province.code), index)
    equipment = {
        str(e.id): TemplateEquipment(
            id=str(e.id),
            facility_id=e.facility_id,
            kind=e.kind,
            model=e.model,
            inventory_ref=e.inventory_ref,
            in_service=e.in_service,
            status=e.status,
            down_reason=e.down_reason,
            down_since=e.down_since,
            retired_on=e.retired_on,
            version=e.version,
        )
        for e in items
        if e.facility_id in listed
    }
    attribution = Attribution.of(facility_sources(f.values() for f in facilities))
    sources = f"{attribution.attribution_text()} ({attribution.licence_text()})"
    return ProvinceState(province.code, listed, equipment, sources)


def capacity_template(
    session: Session, province_code: str, lang: str, index: TerritoryIndex | None = None
) -> tuple[str, bytes]:
    """The template of a province: its file name and its bytes."""
    index = index or TerritoryIndex.from_session(session)
    province = province_of(index, province_code)
    state = province_state(session, index, province)
    services = {code: vars(name) for code, name in known_services().items()}
    content = TemplateContent(
        province_code=province.code,
        province_name=province.name_ar if lang == "ar" else province.name_fr,
        facilities=list(state.facilities.values()),
        equipment=list(state.equipment.values()),
        lists=code_lists(),
        service_labels=services,
        services_source=SERVICES_SOURCE,
        today=clock.today(),
        sources=state.sources,
    )
    return f"capacity-{province.code}.xlsx", template_workbook(content, lang)


@dataclass(frozen=True)
class FacilityChanged:
    """One facility's line of an import's summary: the measures written, the services."""

    facility_id: str
    name: str
    measures: tuple[str, ...]
    services_changed: bool
    equipment: int  # items added or changed among those it holds


@dataclass(frozen=True)
class CapacityImportResult:
    province_code: str
    file_name: str
    source: str
    as_of: date
    written: CapacityImported
    services_changed: int
    changed: tuple[FacilityChanged, ...]


# Who writes: the actor for a province (the guard's `over` it), refusing outside the grants.
Authorise = Callable[[str], Actor]


def _refuse(problems: Sequence[FieldError], name: str) -> None:
    if problems:
        raise too_many(problems, name)


def _meta_problems(read_source: str | None, source: str | None) -> list[FieldError]:
    found = source_error(source)
    if found is None:
        return []
    row = NAMED_ROWS["qurb_source"]
    return [at_cell(INSTRUCTIONS, 2, row, "qurb_source", found)] if read_source is None else []


def read_capacity_file(
    path: Path, *, name: str | None = None, limits: FileLimits | None = None
) -> ReadWorkbook:
    """The workbook read and its cells checked, without the database: done before a
    write transaction opens (reading a large or odd file holds no lock)."""
    name = name or path.name
    read = read_workbook(path, code_lists(), clock.today(), name=name, limits=limits)
    if read.template != TEMPLATE_KIND or read.province is None:
        raise InputFileError(code="not_a_capacity_template", values={"path": name})
    return read


def import_capacity_workbook(
    session: Session,
    authorise: Authorise,
    path: Path,
    *,
    name: str | None = None,
    source: str | None = None,
    as_of: date | None = None,
    province: str | None = None,
    index: TerritoryIndex | None = None,
    limits: FileLimits | None = None,
    progress: Callable[[str], None] | None = None,
    read: ReadWorkbook | None = None,
) -> CapacityImportResult:
    """Check the whole workbook, then write what it changes (nothing if any cell is bad).
    `source` and `as_of` given here win over the workbook's named cells (the date: today
    when neither gives it); `province`, when given, is the province the workbook must be.
    The actor comes from `authorise(province code)`, asked before any row is checked.
    `progress` hears each phase: "read", "check", "write". `read` is the workbook as
    `read_capacity_file` read it (else it is read here)."""
    phase = progress or (lambda _phase: None)
    name = name or path.name
    phase("read")
    today = clock.today()
    lists = code_lists()
    if read is None:
        read = read_capacity_file(path, name=name, limits=limits)
    assert read.province is not None  # read_capacity_file refuses a workbook without one
    if province is not None and province.strip() != read.province:
        values = {"path": name, "given": read.province, "expected": province.strip()}
        raise InputFileError(code="workbook_other_province", values=values)
    index = index or TerritoryIndex.from_session(session)
    territory = province_of(index, read.province)
    actor = authorise(territory.code)
    source = (source or "").strip() or read.source
    as_of = as_of or read.as_of or today
    problems = list(read.problems)
    if as_of > today:
        problems.append(
            problem("as_of", "date_in_future", value=as_of.isoformat(), today=today.isoformat())
        )
    phase("check")
    state = province_state(session, index, territory)
    plan = plan_changes(read.rows, state, lists, today)
    if not plan.empty:  # what changes says where it comes from
        problems += _meta_problems(read.source, source)
    _refuse(problems + plan.problems, name)
    source = source or ""
    phase("write")
    return _write(session, actor, path, name, source, as_of, state, plan)


def _batch(
    path: Path, name: str, source: str, as_of: date, state: ProvinceState, plan: Plan
) -> CapacityBatch:
    capacity = {
        fid: CapacityChange(source=source, as_of=as_of, values=c.values, hours=c.hours)
        for fid, c in plan.facilities.items()
        if c.values or c.hours is not None
    }
    added = [
        EquipmentCreate(facility_id=e.facility_id, source=source, **_fields(e.fields))
        for e in plan.equipment
        if e.id is None
    ]
    updates = {
        int(e.id): EquipmentUpdate(source=source, **_fields(e.fields))
        for e in plan.equipment
        if e.id is not None
    }
    return CapacityBatch(
        province_code=state.province_code,
        file_name=name,
        sha256=sha256_of(path),
        capacity=capacity,
        equipment=added,
        equipment_updates=updates,
    )


def _fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    values.pop("facility_id", None)
    if "status" in values and values["status"] is not None:
        values["status"] = EquipmentStatus(str(values["status"]))
    return values


def _write(
    session: Session,
    actor: Actor,
    path: Path,
    name: str,
    source: str,
    as_of: date,
    state: ProvinceState,
    plan: Plan,
) -> CapacityImportResult:
    written = write_capacity_batch(session, actor, _batch(path, name, source, as_of, state, plan))
    services = 0
    for facility_id, changes in plan.facilities.items():
        if changes.services is None:
            continue
        before = set(state.facilities[facility_id].services)
        after = set(changes.services)
        update = FacilityUpdate(
            add_services=sorted(after - before), remove_services=sorted(before - after)
        )
        update_facility(session, actor, facility_id, update, reason=f"import of {name}: {source}")
        services += 1
    held: dict[str, int] = {}
    for item in plan.equipment:
        held[item.facility_id] = held.get(item.facility_id, 0) + 1
    changed = tuple(
        _changed_line(state, plan.facilities.get(fid), fid, held.get(fid, 0))
        for fid in sorted(set(plan.facilities) | set(held))
    )
    return CapacityImportResult(
        state.province_code, name, source, as_of, written, services, changed
    )


def _changed_line(
    state: ProvinceState, changes: FacilityChanges | None, facility_id: str, equipment: int
) -> FacilityChanged:
    measures: list[str] = []
    if changes is not None:
        measures = sorted(changes.values, key=_rank) + ([HOURS] if changes.hours else [])
    return FacilityChanged(
        facility_id=facility_id,
        name=state.facilities[facility_id].name,
        measures=tuple(measures),
        services_changed=changes is not None and changes.services is not None,
        equipment=equipment,
    )


def _rank(measure: str) -> tuple[int, str]:
    """Beds first, then beds by service, staff, specialists."""
    order = ((BEDS_PREFIX, 1), ("staff.", 2), (SPECIALISTS_PREFIX, 3))
    return next((n for prefix, n in order if measure.startswith(prefix)), 0), measure
