"""A facility's capacity: beds (in total and by service), staff by profession, specialist
doctors by specialty, opening hours; each value with its source, date and who entered it,
every value kept (`capacity_values`), the current one of a measure its latest row.

`facilities.beds` and `facilities.doctors` stay the totals every other feature reads: a
capacity write sets them (beds: the current `beds`; doctors: general practitioners plus
specialist doctors when both are known, else unknown) and moves the facility's version
on. Unknown stays unknown: a measure never entered has no value; one entered as unknown
is a row with no count. The workbook import writes through `write_capacity_batch`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.account_service import usernames
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, FieldError
from qurb.kernel.i18n import problem
from qurb.registry._tables import CapacityImportRow, CapacityValueRow, FacilityRow
from qurb.registry.capacity_model import (
    BEDS,
    DOCTOR_MEASURES,
    HOURS,
    CapacityChange,
    EquipmentCreate,
    EquipmentUpdate,
    all_measures,
    change_errors,
    change_texts,
    doctors_total,
    older_errors,
)
from qurb.registry.model import Status
from qurb.registry.service import IfVersion, RegistryError, _editable_here, _facility_row

__all__ = [
    "CapacityBatch",
    "CapacityChange",
    "CapacityImported",
    "CapacityKnown",
    "CapacityValue",
    "FacilityCapacity",
    "capacity_history",
    "capacity_known",
    "read_capacity",
    "set_capacity",
    "write_capacity_batch",
]

_VALUES = cast(Table, CapacityValueRow.__table__)
_FACILITIES = cast(Table, FacilityRow.__table__)
_ORDER = {measure: n for n, measure in enumerate(all_measures())}


@dataclass(frozen=True)
class CapacityValue:
    """One value as entered: a count or a text (both None: entered as unknown)."""

    id: int
    facility_id: str
    measure: str
    count: int | None
    text: str | None
    source: str
    as_of: date
    entered_by: str  # the actor as the audit trail names it (an account: its username)
    entered_at: datetime
    import_id: int | None = None

    @property
    def known(self) -> bool:
        return self.count is not None or self.text is not None


@dataclass(frozen=True)
class FacilityCapacity:
    """A facility's current capacity: one value per measure entered (a measure never
    entered is absent), the totals the other features read, and the facility's version
    (a write names it)."""

    facility_id: str
    version: int
    beds: int | None
    doctors: int | None
    values: tuple[CapacityValue, ...]

    def value(self, measure: str) -> CapacityValue | None:
        return next((v for v in self.values if v.measure == measure), None)

    @property
    def hours(self) -> str | None:
        found = self.value(HOURS)
        return None if found is None else found.text


@dataclass(frozen=True)
class CapacityKnown:
    """Of some facilities, how many have their beds and their doctors known."""

    facilities: int
    beds_known: int
    doctors_known: int

    def share(self, known: int) -> float | None:
        return None if self.facilities == 0 else known / self.facilities


def _value(row: Any, names: Mapping[int, str]) -> CapacityValue:
    who = row.entered_by
    return CapacityValue(
        id=row.id,
        facility_id=row.facility_id,
        measure=row.measure,
        count=row.count,
        text=row.text,
        source=row.source,
        as_of=row.as_of,
        entered_by=names.get(int(who), who) if who.isdigit() else who,
        entered_at=row.entered_at,
        import_id=row.import_id,
    )


def _names(session: Session, rows: Sequence[Any]) -> dict[int, str]:
    # An account is named by its id in the rows, as in the audit trail: its username now.
    return usernames(session, {int(r.entered_by) for r in rows if r.entered_by.isdigit()})


def _current_rows(session: Session, facility_ids: Sequence[str]) -> list[CapacityValueRow]:
    """The current value of each measure of these facilities (the latest row of each)."""
    latest = (
        select(func.max(CapacityValueRow.id))
        .where(CapacityValueRow.facility_id.in_(facility_ids))
        .group_by(CapacityValueRow.facility_id, CapacityValueRow.measure)
    )
    rows = session.scalars(select(CapacityValueRow).where(CapacityValueRow.id.in_(latest)))
    return sorted(rows, key=lambda r: (r.facility_id, _ORDER.get(r.measure, len(_ORDER))))


def _capacity(session: Session, row: FacilityRow) -> FacilityCapacity:
    current = _current_rows(session, [row.id])
    names = _names(session, current)
    return FacilityCapacity(
        facility_id=row.id,
        version=row.version,
        beds=row.beds,
        doctors=row.doctors,
        values=tuple(_value(r, names) for r in current),
    )


def read_capacity(session: Session, facility_id: str) -> FacilityCapacity:
    """The facility's current capacity; NotFound for an unknown id."""
    return _capacity(session, _facility_row(session, facility_id))


def capacity_history(session: Session, facility_id: str) -> list[CapacityValue]:
    """Every value entered for the facility, oldest first; NotFound for an unknown id."""
    _facility_row(session, facility_id)
    rows = list(
        session.scalars(
            select(CapacityValueRow)
            .where(CapacityValueRow.facility_id == facility_id)
            .order_by(CapacityValueRow.id)
        )
    )
    names = _names(session, rows)
    return [_value(r, names) for r in rows]


def capacity_known(session: Session, facility_ids: Iterable[str]) -> CapacityKnown:
    """How many of these facilities have their beds known, and their doctors."""
    wanted = sorted(set(facility_ids))
    facilities = beds = doctors = 0
    for start in range(0, len(wanted), 900):  # under SQLite's bound parameters
        chunk = wanted[start : start + 900]
        n, b, d = session.execute(
            select(
                func.count(),
                func.count(FacilityRow.beds),
                func.count(FacilityRow.doctors),
            ).where(FacilityRow.id.in_(chunk))
        ).one()
        facilities, beds, doctors = facilities + n, beds + b, doctors + d
    return CapacityKnown(facilities, beds, doctors)


def _pair(row: CapacityValueRow | None) -> tuple[int | None, str | None] | None:
    return None if row is None else (row.count, row.text)


def _changed(
    current: Mapping[str, CapacityValueRow], change: CapacityChange
) -> dict[str, tuple[int | None, str | None]]:
    """The measures whose value the change changes (a measure never entered changes when
    it is entered, even as unknown)."""
    return {m: pair for m, pair in change_texts(change).items() if _pair(current.get(m)) != pair}


def _totals(
    facility: Any,
    current: Mapping[str, CapacityValueRow],
    changed: Mapping[str, tuple[int | None, str | None]],
) -> tuple[int | None, int | None]:
    """The facility's beds and doctors after the change: a total none of whose measures
    changes stays as it is (it may have been set before capacity was kept by measure)."""

    def count(measure: str) -> int | None:
        if measure in changed:
            return changed[measure][0]
        row = current.get(measure)
        return None if row is None else row.count

    beds = count(BEDS) if BEDS in changed else facility.beds
    if not any(m in changed for m in DOCTOR_MEASURES):
        return beds, facility.doctors
    return beds, doctors_total({m: count(m) for m in DOCTOR_MEASURES})


def _shown(pair: tuple[int | None, str | None] | None) -> int | str | None:
    return None if pair is None else pair[0] if pair[1] is None else pair[1]


def _event(
    facility: Any,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    change: CapacityChange,
) -> AuditEvent:
    return AuditEvent(
        "facility.capacity",
        "facility",
        facility.id,
        territory_code=facility.commune_code,
        before=dict(before),
        after={**after, "source": change.source.strip(), "as_of": change.as_of.isoformat()},
    )


def _value_rows(
    facility_id: str,
    changed: Mapping[str, tuple[int | None, str | None]],
    change: CapacityChange,
    actor: Actor,
    now: datetime,
    import_id: int | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "facility_id": facility_id,
            "measure": measure,
            "count": count,
            "text": text,
            "source": change.source.strip(),
            "as_of": change.as_of,
            "entered_by": actor.name,
            "entered_at": now,
            "import_id": import_id,
        }
        for measure, (count, text) in changed.items()
    ]


def _diff(
    facility: Any,
    current: Mapping[str, CapacityValueRow],
    changed: Mapping[str, tuple[int | None, str | None]],
) -> tuple[dict[str, Any], dict[str, Any], int | None, int | None]:
    """The before and after of the audit entry, and the new totals."""
    beds, doctors = _totals(facility, current, changed)
    before = {m: _shown(_pair(current.get(m))) for m in changed}
    after = {m: _shown(pair) for m, pair in changed.items()}
    if doctors != facility.doctors:
        before["doctors"], after["doctors"] = facility.doctors, doctors
    return before, after, beds, doctors


def set_capacity(
    session: Session,
    actor: Actor,
    facility_id: str,
    change: CapacityChange,
    *,
    if_version: IfVersion = None,
) -> FacilityCapacity:
    """Enter capacity values for a facility, with their source and date: every measure,
    count, bound and the date checked first (RegistryError naming each, nothing written);
    only the measures whose value changes are written; the totals follow, the facility's
    version moves on, and one audit entry `facility.capacity` is recorded. StaleVersion if
    `if_version` is not the facility's version; Conflict for a closed facility."""
    row = _facility_row(session, facility_id, if_version=if_version, lock=True)
    _editable_here(row)
    if row.status == Status.CLOSED.value:
        raise Conflict(code="facility_closed", values={"id": facility_id})
    errors = change_errors(change, clock.today())
    if errors:
        raise RegistryError(errors, facility_id)
    current = {r.measure: r for r in _current_rows(session, [facility_id])}
    changed = _changed(current, change)
    if not changed:
        return _capacity(session, row)
    errors = older_errors(changed, {m: r.as_of for m, r in current.items()}, change.as_of)
    if errors:
        raise RegistryError(errors, facility_id)
    before, after, beds, doctors = _diff(row, current, changed)
    now = clock.now()
    session.execute(insert(_VALUES), _value_rows(facility_id, changed, change, actor, now))
    row.beds, row.doctors, row.updated_at = beds, doctors, now
    session.flush()  # the facility's version moves on
    audit.record(session, actor, _event(row, before, after, change))
    return _capacity(session, row)


@dataclass(frozen=True)
class CapacityBatch:
    """What a workbook import writes, validated: capacity changes by facility, equipment
    added, and equipment changed (by id), with the file it came from."""

    province_code: str
    file_name: str
    sha256: str
    capacity: Mapping[str, CapacityChange]
    equipment: Sequence[EquipmentCreate] = ()
    equipment_updates: Mapping[int, EquipmentUpdate] | None = None


@dataclass(frozen=True)
class CapacityImported:
    """What a batch wrote: its import's id, the facilities whose capacity changed, the
    values written, the equipment added and changed."""

    import_id: int
    facilities: int
    values: int
    equipment_added: int
    equipment_changed: int


def _batch_errors(batch: CapacityBatch, today: date) -> list[FieldError]:
    return [
        replace(e, field=f"{fid}: {e.field}")
        for fid, change in batch.capacity.items()
        for e in change_errors(change, today)
    ]


def write_capacity_batch(session: Session, actor: Actor, batch: CapacityBatch) -> CapacityImported:
    """Write a validated batch in the caller's transaction, fast: Core inserts of the
    values and the equipment, the facilities' totals and versions in one statement, and
    the audit entries at once (`audit.record_many`: one per facility changed, one per
    piece of equipment added or changed). The caller has checked every cell and the
    actor's grant over the province; the values are checked again here (RegistryError,
    nothing written). The facilities must be open ones of the province."""
    from qurb.registry.equipment import write_equipment_rows  # equipment imports this one

    now, today = clock.now(), clock.today()
    errors = _batch_errors(batch, today)
    if errors:
        raise RegistryError(errors, batch.file_name)
    ids = sorted(batch.capacity)
    facilities = {
        f.id: f
        for start in range(0, len(ids), 900)
        for f in session.execute(
            select(
                _FACILITIES.c.id,
                _FACILITIES.c.commune_code,
                _FACILITIES.c.beds,
                _FACILITIES.c.doctors,
            )
            .where(_FACILITIES.c.id.in_(ids[start : start + 900]))
            .with_for_update()
        )
    }
    current: dict[str, dict[str, CapacityValueRow]] = {fid: {} for fid in ids}
    for start in range(0, len(ids), 900):
        for r in _current_rows(session, ids[start : start + 900]):
            current[r.facility_id][r.measure] = r
    import_id = session.execute(
        insert(CapacityImportRow).returning(CapacityImportRow.id),
        [
            {
                "province_code": batch.province_code,
                "file_name": batch.file_name[:200],
                "sha256": batch.sha256,
                "facilities": 0,
                "values": 0,
                "equipment": 0,
                "entered_by": actor.name,
                "entered_at": now,
            }
        ],
    ).scalar_one()
    values: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    events: list[AuditEvent] = []
    errors = []
    for fid in ids:
        facility, change = facilities.get(fid), batch.capacity[fid]
        if facility is None:
            raise RegistryError([problem("facility", "no_facility", id=repr(fid))], fid)
        changed = _changed(current[fid], change)
        if not changed:
            continue
        dates = {m: r.as_of for m, r in current[fid].items()}
        errors += older_errors(changed, dates, change.as_of, field=f"{fid}.as_of")
        before, after, beds, doctors = _diff(facility, current[fid], changed)
        values += _value_rows(fid, changed, change, actor, now, import_id)
        totals.append({"fid": fid, "beds": beds, "doctors": doctors, "now": now})
        events.append(_event(facility, before, after, change))
    if errors:
        raise RegistryError(errors, batch.file_name)
    if values:
        session.execute(insert(_VALUES), values)
        session.execute(
            update(_FACILITIES)
            .where(_FACILITIES.c.id == bindparam("fid"))
            .values(
                beds=bindparam("beds"),
                doctors=bindparam("doctors"),
                updated_at=bindparam("now"),
                version=_FACILITIES.c.version + 1,
            ),
            totals,
        )
    added, changed_items, equipment_events = write_equipment_rows(
        session, batch.equipment, batch.equipment_updates or {}, now, today
    )
    events += equipment_events
    session.execute(
        update(CapacityImportRow)
        .where(CapacityImportRow.id == import_id)
        .values(facilities=len(totals), values=len(values), equipment=added + changed_items)
    )
    if events:
        audit.record_many(session, actor, events)
    return CapacityImported(import_id, len(totals), len(values), added, changed_items)
