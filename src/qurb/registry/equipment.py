"""Equipment as registry entities: a piece of equipment of a kind (`capacity.toml`), held
by a facility, with its model, the délégation's inventory number, date in service and
status (working; down, with its reason and since when; retired, with its date: final).
Every change is an audit entry `equipment.*`: the equipment's history is a view of the
trail (`equipment_history`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEntry, AuditEvent
from qurb.identity.account_service import usernames
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, FieldError, NotFound, StaleVersion
from qurb.kernel.i18n import problem
from qurb.registry._tables import EquipmentRow, FacilityRow
from qurb.registry.capacity_model import (
    EquipmentCreate,
    EquipmentStatus,
    EquipmentUpdate,
    equipment_text_errors,
    new_equipment_errors,
    source_error,
    status_move_errors,
)
from qurb.registry.model import Status
from qurb.registry.service import IfVersion, RegistryError, _facility_row
from qurb.territory.service import TerritoryIndex

__all__ = [
    "Equipment",
    "EquipmentChange",
    "EquipmentCreate",
    "EquipmentFilter",
    "EquipmentStatus",
    "EquipmentUpdate",
    "add_equipment",
    "equipment_history",
    "get_equipment",
    "list_equipment",
    "update_equipment",
]

_EQUIPMENT = cast(Table, EquipmentRow.__table__)
KEPT = (
    "facility_id",
    "kind",
    "model",
    "inventory_ref",
    "in_service",
    "status",
    "down_reason",
    "down_since",
    "retired_on",
    "source",
)


@dataclass(frozen=True)
class Equipment:
    """A piece of equipment, with the province of the facility that holds it (whose
    registry editors may change it)."""

    id: int
    facility_id: str
    province_code: str
    kind: str
    model: str | None
    inventory_ref: str | None
    in_service: date | None
    status: str
    down_reason: str | None
    down_since: date | None
    retired_on: date | None
    source: str
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class EquipmentFilter:
    """Which equipment to list (None: not filtered on); `territory` needs the index."""

    facility: str | None = None
    territory: str | None = None
    kind: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class EquipmentChange:
    """One change of a piece of equipment, as the audit trail holds it."""

    id: int
    equipment_id: int
    action: str  # add | update
    changed_by: str
    changed_at: datetime
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if k in KEPT
    }


def _as_dict(row: EquipmentRow) -> dict[str, Any]:
    return {k: getattr(row, k) for k in KEPT}


def _equipment(row: EquipmentRow, province_code: str) -> Equipment:
    return Equipment(
        id=row.id,
        province_code=province_code,
        updated_at=row.updated_at,
        version=row.version,
        **_as_dict(row),
    )


def _query() -> Select[EquipmentRow, str]:
    return select(EquipmentRow, FacilityRow.province_code).join(
        FacilityRow, FacilityRow.id == EquipmentRow.facility_id
    )


def list_equipment(
    session: Session, where: EquipmentFilter, index: TerritoryIndex | None = None
) -> list[Equipment]:
    """The equipment matching the filter, by facility, kind and id."""
    query = _query()
    if where.facility is not None:
        query = query.where(EquipmentRow.facility_id == where.facility)
    if where.territory:
        if index is None:
            raise ValueError("a territory filter needs the territory index")
        scope = index.scope(index.resolve(where.territory))
        if scope.communes is not None:
            query = query.where(FacilityRow.commune_code.in_(scope.communes))
        if scope.arrondissements is not None:
            query = query.where(FacilityRow.arrondissement_code.in_(scope.arrondissements))
    if where.kind is not None:
        query = query.where(EquipmentRow.kind == where.kind)
    if where.status is not None:
        query = query.where(EquipmentRow.status == where.status)
    query = query.order_by(EquipmentRow.facility_id, EquipmentRow.kind, EquipmentRow.id)
    return [_equipment(row, province) for row, province in session.execute(query)]


def _row(
    session: Session, equipment_id: int, *, if_version: IfVersion = None, lock: bool = False
) -> tuple[EquipmentRow, FacilityRow]:
    row = session.get(
        EquipmentRow, equipment_id, with_for_update=lock or None, populate_existing=lock
    )
    if row is None:
        raise NotFound(errors=[problem("id", "no_equipment", id=equipment_id)])
    wanted = {if_version} if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion("equipment", str(equipment_id), max(wanted, default=None), row.version)
    return row, _facility_row(session, row.facility_id)


def get_equipment(session: Session, equipment_id: int) -> Equipment:
    """One piece of equipment; NotFound for an unknown id."""
    row, facility = _row(session, equipment_id)
    return _equipment(row, facility.province_code)


def _event(
    action: str,
    equipment_id: int,
    commune_code: str | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    reason: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        f"equipment.{action}",
        "equipment",
        str(equipment_id),
        territory_code=commune_code,
        before=None if before is None else _snapshot(before),
        after=_snapshot(after),
        reason=reason,
    )


def _new_values(item: EquipmentCreate, now: datetime) -> dict[str, Any]:
    return {
        "facility_id": item.facility_id,
        "kind": item.kind,
        "model": _text(item.model),
        "inventory_ref": _text(item.inventory_ref),
        "in_service": item.in_service,
        "status": EquipmentStatus(item.status).value,
        "down_reason": _text(item.down_reason) if item.status == EquipmentStatus.DOWN else None,
        "down_since": item.down_since if item.status == EquipmentStatus.DOWN else None,
        "retired_on": item.retired_on if item.status == EquipmentStatus.RETIRED else None,
        "source": item.source.strip(),
        "updated_at": now,
        "version": 1,
    }


def _text(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()


def _open(facility: FacilityRow) -> None:
    """A closed facility's equipment is read-only until it is reopened, as its capacity."""
    if facility.status == Status.CLOSED.value:
        raise Conflict(code="facility_closed", values={"id": facility.id})


def add_equipment(session: Session, actor: Actor, item: EquipmentCreate) -> Equipment:
    """Add a piece of equipment to a facility: its kind, source, dates and status checked
    (RegistryError naming each problem, nothing written); one audit entry
    `equipment.add`. NotFound for an unknown facility."""
    facility = _facility_row(session, item.facility_id)
    _open(facility)
    errors = new_equipment_errors(item, clock.today())
    if errors:
        raise RegistryError(errors, item.facility_id)
    row = EquipmentRow(**_new_values(item, clock.now()))
    session.add(row)
    session.flush()
    audit.record(session, actor, _event("add", row.id, facility.commune_code, None, _as_dict(row)))
    return _equipment(row, facility.province_code)


def _updated(row: EquipmentRow, change: EquipmentUpdate) -> dict[str, Any]:
    """The equipment's fields after the change: a status's details follow it (working
    clears the down details; retired keeps its date)."""
    after = _as_dict(row)
    for f in fields(change):
        value = getattr(change, f.name)
        if value is not None:
            after[f.name] = value.value if isinstance(value, EquipmentStatus) else value
    status = EquipmentStatus(after["status"])
    if status != EquipmentStatus.DOWN:
        after["down_reason"] = after["down_since"] = None
    if status != EquipmentStatus.RETIRED:
        after["retired_on"] = None
    for key in ("model", "inventory_ref", "down_reason", "source"):
        after[key] = _text(after[key])
    return after


def _update_errors(row: EquipmentRow, after: Mapping[str, Any], today: date) -> list[FieldError]:
    if row.status == EquipmentStatus.RETIRED.value == after["status"]:
        # Retired is final (a move out is refused below), and so is what the item was.
        changed = sorted(k for k, v in after.items() if getattr(row, k) != v)
        if changed:
            return [problem(changed[0], "equipment_retired_unchangeable", id=row.id)]
    errors = status_move_errors(
        EquipmentStatus(row.status),
        EquipmentStatus(after["status"]),
        down_reason=after["down_reason"],
        down_since=after["down_since"],
        retired_on=after["retired_on"],
        today=today,
    )
    if after["source"] != row.source:
        errors += [e for e in (source_error(after["source"]),) if e]
    errors += equipment_text_errors(after)
    if after["in_service"] is not None and after["in_service"] > today:
        values = {"value": after["in_service"].isoformat(), "today": today.isoformat()}
        errors.append(problem("in_service", "date_in_future", **values))
    return errors


def update_equipment(
    session: Session,
    actor: Actor,
    equipment_id: int,
    change: EquipmentUpdate,
    *,
    if_version: IfVersion = None,
) -> Equipment:
    """Change a piece of equipment: a status move (working → down needs its reason and the
    date since when; down → working; any → retired with its date; retired is final) or
    its details. RegistryError naming each problem (nothing written); StaleVersion if
    `if_version` is not its version; one audit entry `equipment.update`."""
    row, facility = _row(session, equipment_id, if_version=if_version, lock=True)
    _open(facility)
    after = _updated(row, change)
    errors = _update_errors(row, after, clock.today())
    if errors:
        raise RegistryError(errors, str(equipment_id))
    before = _as_dict(row)
    if after == before:
        return _equipment(row, facility.province_code)
    for key, value in after.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    session.flush()
    event = _event("update", row.id, facility.commune_code, before, after)
    audit.record(session, actor, event)
    return _equipment(row, facility.province_code)


def equipment_history(session: Session, equipment_id: int) -> list[EquipmentChange]:
    """Every change of the piece of equipment, oldest first, from the audit trail;
    NotFound for an unknown id."""
    _row(session, equipment_id)
    trail = audit.entries(
        session, audit.EntryFilter(entity_kind="equipment", entity_id=str(equipment_id))
    )
    names = usernames(session, {int(e.actor) for e in trail if e.actor_kind == ActorKind.ACCOUNT})
    return [_change(entry, names) for entry in trail]


def _change(entry: AuditEntry, names: Mapping[int, str]) -> EquipmentChange:
    who = entry.actor
    if entry.actor_kind == ActorKind.ACCOUNT:
        who = names.get(int(entry.actor), f"account {entry.actor}")
    return EquipmentChange(
        id=entry.seq,
        equipment_id=int(entry.entity_id),
        action=entry.action.removeprefix("equipment."),
        changed_by=who,
        changed_at=entry.time,
        reason=entry.reason,
        before=None if entry.before is None else dict(entry.before),
        after=None if entry.after is None else dict(entry.after),
    )


def write_equipment_rows(
    session: Session,
    added: Sequence[EquipmentCreate],
    updates: Mapping[int, EquipmentUpdate],
    now: datetime,
    today: date,
) -> tuple[int, int, list[AuditEvent]]:
    """The equipment part of a capacity batch (`capacity.write_capacity_batch`): Core
    inserts of the equipment added, the changes written, and their audit events (the
    caller records them with the rest). Every item is checked again: RegistryError naming
    each problem, nothing written."""
    errors = [
        replace(e, field=f"equipment {n + 1}: {e.field}")
        for n, item in enumerate(added)
        for e in new_equipment_errors(item, today)
    ]
    communes = _communes(session, {item.facility_id for item in added})
    errors += [
        problem(f"equipment {n + 1}: facility", "no_facility", id=repr(item.facility_id))
        for n, item in enumerate(added)
        if item.facility_id not in communes
    ]
    rows = (
        {
            row.id: row
            for row in session.scalars(
                select(EquipmentRow).where(EquipmentRow.id.in_(sorted(updates))).with_for_update()
            )
        }
        if updates
        else {}
    )
    changed: list[tuple[EquipmentRow, dict[str, Any], dict[str, Any]]] = []
    for equipment_id, change in sorted(updates.items()):
        row = rows.get(equipment_id)
        if row is None:
            errors.append(problem(f"equipment {equipment_id}", "no_equipment", id=equipment_id))
            continue
        after = _updated(row, change)
        problems = _update_errors(row, after, today)
        errors += [replace(e, field=f"equipment {equipment_id}: {e.field}") for e in problems]
        if not problems and after != _as_dict(row):
            changed.append((row, _as_dict(row), after))
    if errors:
        raise RegistryError(errors)
    events: list[AuditEvent] = []
    if added:
        values = [_new_values(item, now) for item in added]
        ids = session.scalars(
            insert(_EQUIPMENT).returning(_EQUIPMENT.c.id, sort_by_parameter_order=True), values
        ).all()
        events += [
            _event("add", new_id, communes[v["facility_id"]], None, v)
            for new_id, v in zip(ids, values, strict=True)
        ]
    communes |= _communes(session, {row.facility_id for row, _, _ in changed})
    for row, before, after in changed:
        for key, value in after.items():
            setattr(row, key, value)
        row.updated_at = now
        events.append(_event("update", row.id, communes.get(row.facility_id), before, after))
    session.flush()
    return len(added), len(changed), events


def _communes(session: Session, facility_ids: set[str]) -> dict[str, str]:
    wanted = sorted(facility_ids)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 900):
        rows = session.execute(
            select(FacilityRow.id, FacilityRow.commune_code).where(
                FacilityRow.id.in_(wanted[start : start + 900])
            )
        )
        found.update((facility_id, commune) for facility_id, commune in rows)
    return found
