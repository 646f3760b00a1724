"""Shared resources: registry equipment or visiting specialists made shareable with their
booking rules, their weekly availability, and their slots materialised ahead (rows of
`sharing_slots`, unique by resource and start) up to `max_notice_days`.

Who may: `resources.manage` over the resource's facility (its commune's territory, or a
facilities scope naming it) to make it shareable and to set its availability; anyone
signed in reads the slots (a booking is what is checked). A local actor is trusted. Every
write is audited in its transaction (entity kind "resource")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.grant_service import permissions_for, target_in
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, Forbidden, NotFound, QurbError
from qurb.registry._tables import EquipmentRow, FacilityRow, SpecialistRow
from qurb.sharing._tables import AvailabilityRow, DowntimeRow, MissionRow, ResourceRow, SlotRow
from qurb.sharing.model import Opening, Rules, Slot, day_slots, grid, local_day, parse_hhmm
from qurb.sharing.offers import offer_freed
from qurb.territory.service import TerritoryIndex

MAX_NOTICE_DAYS = 366  # a resource's horizon: slots are materialised this far at most


@dataclass(frozen=True)
class RuleInput:
    """The booking rules a manager gives, in the units their names say."""

    slot_minutes: int
    buffer_minutes: int = 0
    min_notice_hours: int = 24
    max_notice_days: int = 60
    approval_required: bool = False
    grace_minutes: int = 30


@dataclass(frozen=True)
class Resource:
    id: int
    kind: str
    equipment_id: int | None
    specialist_id: int | None
    facility_id: str
    specialty: str
    service: str
    label: str
    slot_minutes: int
    buffer_minutes: int
    min_notice_hours: int
    max_notice_days: int
    approval_required: bool
    grace_minutes: int
    active: bool


@dataclass(frozen=True)
class FreeSlot:
    id: int
    resource_id: int
    facility_id: str
    specialty: str
    start: datetime
    end: datetime


class ResourceNotFound(NotFound):
    """No shared resource has this id."""


def to_resource(row: ResourceRow) -> Resource:
    return Resource(
        row.id,
        row.kind,
        row.equipment_id,
        row.specialist_id,
        row.facility_id,
        row.specialty,
        row.service,
        row.label,
        row.slot_minutes,
        row.buffer_minutes,
        row.min_notice_hours,
        row.max_notice_days,
        row.approval_required,
        row.grace_minutes,
        row.active,
    )


def rules_of(row: ResourceRow) -> Rules:
    return Rules(row.slot_minutes, row.buffer_minutes, row.min_notice_hours, row.max_notice_days)


def resource_row(session: Session, resource_id: int, *, lock: bool = False) -> ResourceRow:
    """The resource's row; `lock`: locked until the write's commit, FOR NO KEY UPDATE on
    PostgreSQL (a booking's insert holds KEY SHARE on it through its foreign key: a plain
    FOR UPDATE after it would deadlock two bookings)."""
    row = session.get(
        ResourceRow, resource_id, with_for_update={"key_share": True} if lock else None
    )
    if row is None:
        raise ResourceNotFound(code="resource_not_found", values={"id": resource_id})
    return row


def facility_row(session: Session, facility_id: str) -> FacilityRow:
    row = session.get(FacilityRow, facility_id)
    if row is None:
        raise NotFound(code="facility_not_found", values={"id": facility_id})
    return row


def require(
    session: Session,
    actor: Actor,
    needed: Permission,
    facility_id: str,
    partner: str | None = None,
) -> str:
    """Refused (`outside_scope`) unless the actor holds `needed` over the facility (its
    commune's territory, or a facilities scope naming it) and the partner given; the
    facility's commune (the audit's territory)."""
    facility = facility_row(session, facility_id)
    if actor.kind is not ActorKind.ACCOUNT:
        return facility.commune_code
    index = TerritoryIndex.from_session(session)
    partners = () if partner is None else (partner,)
    target = target_in(index, facility.commune_code, facility=facility_id, partners=partners)
    if needed not in permissions_for(session, int(actor.name), target):
        raise Forbidden(code="outside_scope", values={"needed": needed.value})
    return facility.commune_code


def _check_rules(rules: RuleInput) -> None:
    bounds = {
        "slot_minutes": (rules.slot_minutes, 5, 24 * 60),
        "buffer_minutes": (rules.buffer_minutes, 0, 24 * 60),
        "min_notice_hours": (rules.min_notice_hours, 0, 24 * 90),
        "max_notice_days": (rules.max_notice_days, 1, MAX_NOTICE_DAYS),
        "grace_minutes": (rules.grace_minutes, 0, 24 * 60),
    }
    for name, (value, low, high) in bounds.items():
        if not low <= value <= high:
            raise QurbError(
                code="sharing_rule_out_of_range",
                values={"field": name, "low": low, "high": high, "got": value},
            )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    resource_id: int,
    territory: str,
    after: Mapping[str, object] | None,
    before: Mapping[str, object] | None = None,
) -> None:
    event = AuditEvent(action, "resource", str(resource_id), territory, before, after)
    audit.record(session, actor, event)


def _new_resource(
    session: Session,
    actor: Actor,
    values: dict[str, object],
    rules: RuleInput,
    territory: str,
) -> Resource:
    row = ResourceRow(
        **values,
        slot_minutes=rules.slot_minutes,
        buffer_minutes=rules.buffer_minutes,
        min_notice_hours=rules.min_notice_hours,
        max_notice_days=rules.max_notice_days,
        approval_required=rules.approval_required,
        grace_minutes=rules.grace_minutes,
        active=True,
        created_at=clock.now(),
        created_by=str(actor),
    )
    session.add(row)
    session.flush()
    resource = to_resource(row)
    after = {k: v for k, v in resource.__dict__.items() if k != "id"}
    _audit(session, actor, "resource.share", row.id, territory, after)
    return resource


def _not_shared_yet(session: Session, equipment_id: int | None, specialist_id: int | None) -> None:
    column = ResourceRow.equipment_id if equipment_id is not None else ResourceRow.specialist_id
    value = equipment_id if equipment_id is not None else specialist_id
    if session.scalar(select(ResourceRow.id).where(column == value)) is not None:
        raise Conflict(code="resource_already_shared", values={"id": value})


def share_equipment(
    session: Session,
    actor: Actor,
    equipment_id: int,
    rules: RuleInput,
    service: str,
    label: str | None = None,
    manager_partner_id: str | None = None,
) -> Resource:
    """Make a registry equipment item shareable where it stands (its facility)."""
    equipment = session.get(EquipmentRow, equipment_id)
    if equipment is None:
        raise NotFound(code="equipment_not_found", values={"id": equipment_id})
    territory = require(session, actor, Permission.RESOURCES_MANAGE, equipment.facility_id)
    _check_rules(rules)
    _not_shared_yet(session, equipment_id, None)
    values: dict[str, object] = {
        "kind": "equipment",
        "equipment_id": equipment_id,
        "facility_id": equipment.facility_id,
        "specialty": equipment.kind,
        "service": service,
        "label": label or equipment.model or equipment.kind,
        "manager_partner_id": manager_partner_id,
    }
    return _new_resource(session, actor, values, rules, territory)


def share_specialist(
    session: Session,
    actor: Actor,
    specialist_id: int,
    rules: RuleInput,
    service: str,
    manager_partner_id: str | None = None,
) -> Resource:
    """Make a visiting specialist shareable, at home in its facility."""
    specialist = session.get(SpecialistRow, specialist_id)
    if specialist is None:
        raise NotFound(code="specialist_not_found", values={"id": specialist_id})
    territory = require(session, actor, Permission.RESOURCES_MANAGE, specialist.home_facility_id)
    _check_rules(rules)
    _not_shared_yet(session, None, specialist_id)
    values: dict[str, object] = {
        "kind": "specialist",
        "specialist_id": specialist_id,
        "facility_id": specialist.home_facility_id,
        "specialty": specialist.specialty,
        "service": service,
        "label": specialist.label,
        "manager_partner_id": manager_partner_id,
    }
    return _new_resource(session, actor, values, rules, territory)


def equipment_facility(session: Session, equipment_id: int) -> str:
    equipment = session.get(EquipmentRow, equipment_id)
    if equipment is None:
        raise NotFound(code="equipment_not_found", values={"id": equipment_id})
    return equipment.facility_id


def specialist_facility(session: Session, specialist_id: int) -> str:
    specialist = session.get(SpecialistRow, specialist_id)
    if specialist is None:
        raise NotFound(code="specialist_not_found", values={"id": specialist_id})
    return specialist.home_facility_id


def get_resource(session: Session, resource_id: int) -> Resource:
    return to_resource(resource_row(session, resource_id))


def list_resources(session: Session, specialty: str | None = None) -> list[Resource]:
    query = select(ResourceRow).order_by(ResourceRow.id)
    if specialty is not None:
        query = query.where(ResourceRow.specialty == specialty)
    return [to_resource(r) for r in session.scalars(query)]


@dataclass(frozen=True)
class OpeningInput:
    """A weekly opening as given: weekday 0–6, local HH:MM, capacity, dates."""

    weekday: int
    opens: str
    closes: str
    daily_capacity: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None


def _opening(o: OpeningInput) -> Opening:
    try:
        opens, closes = parse_hhmm(o.opens), parse_hhmm(o.closes)
    except ValueError:
        raise QurbError(code="sharing_bad_time", values={"got": f"{o.opens}–{o.closes}"}) from None
    if not 0 <= o.weekday <= 6 or closes <= opens:
        raise QurbError(code="sharing_bad_opening", values={"weekday": o.weekday})
    if o.daily_capacity is not None and o.daily_capacity < 1:
        raise QurbError(code="sharing_bad_opening", values={"weekday": o.weekday})
    return Opening(o.weekday, opens, closes, o.daily_capacity, o.valid_from, o.valid_to)


def openings_of(session: Session, resource_id: int) -> list[Opening]:
    rows = session.scalars(
        select(AvailabilityRow)
        .where(AvailabilityRow.resource_id == resource_id)
        .order_by(AvailabilityRow.weekday, AvailabilityRow.opens)
    )
    return [
        Opening(
            r.weekday,
            parse_hhmm(r.opens),
            parse_hhmm(r.closes),
            r.daily_capacity,
            r.valid_from,
            r.valid_to,
        )
        for r in rows
    ]


def set_availability(
    session: Session, actor: Actor, resource_id: int, openings: Sequence[OpeningInput]
) -> tuple[int, int]:
    """Replace the resource's weekly openings and materialise its slots again: (slots
    added, free slots removed)."""
    row = resource_row(session, resource_id, lock=True)
    territory = require(session, actor, Permission.RESOURCES_MANAGE, row.facility_id)
    checked = [_opening(o) for o in openings]
    before = [o.__dict__ for o in openings_of(session, resource_id)]
    session.execute(delete(AvailabilityRow).where(AvailabilityRow.resource_id == resource_id))
    for o, c in zip(openings, checked, strict=True):
        session.add(
            AvailabilityRow(
                resource_id=resource_id,
                weekday=c.weekday,
                opens=o.opens,
                closes=o.closes,
                daily_capacity=c.daily_capacity,
                valid_from=c.valid_from,
                valid_to=c.valid_to,
            )
        )
    session.flush()
    after = {"openings": [_jsonable(o.__dict__) for o in checked]}
    _audit(
        session,
        actor,
        "resource.availability",
        resource_id,
        territory,
        after,
        {"openings": [_jsonable(b) for b in before]},
    )
    return materialise(session, resource_id, clock.now())


def _jsonable(values: dict[str, object]) -> dict[str, object]:
    return {k: v if isinstance(v, int | str | None) else str(v) for k, v in values.items()}


def _missions_grid(session: Session, row: ResourceRow, first: date, last: date) -> list[Slot]:
    missions = session.scalars(
        select(MissionRow).where(
            MissionRow.resource_id == row.id,
            MissionRow.status == "planned",
            MissionRow.day >= first,
            MissionRow.day <= last,
        )
    )
    return [
        s
        for m in missions
        for s in day_slots(m.day, parse_hhmm(m.opens), parse_hhmm(m.closes), rules_of(row))
    ]


def materialise(session: Session, resource_id: int, now: datetime) -> tuple[int, int]:
    """Bring the resource's weekly slots from today to `max_notice_days` ahead in line
    with its availability: the missing rows inserted (closed at once when a downtime
    covers them) and offered to the waiting list, a free future slot no longer in the grid
    deleted, a booked one kept.
    Mission slots are their missions' (`booking_service.add_mission`). (added, deleted)."""
    row = resource_row(session, resource_id)
    first = local_day(now)
    last = first + timedelta(days=row.max_notice_days)
    wanted = {
        s.start: s
        for s in grid(openings_of(session, resource_id), rules_of(row), first, last)
        if s.start > now
    }
    existing = {
        s.start: s
        for s in session.scalars(
            select(SlotRow).where(
                SlotRow.resource_id == resource_id,
                SlotRow.start > now,
                SlotRow.mission_id.is_(None),
            )
        )
    }
    stale = [
        s.id
        for start, s in existing.items()
        if start not in wanted and s.booking_id is None and s.held_for is None
    ]
    if stale:
        session.execute(delete(SlotRow).where(SlotRow.id.in_(stale)))
    downtimes = list(session.scalars(select(DowntimeRow).where(DowntimeRow.resource_id == row.id)))
    added = [
        _slot_row(row, row.facility_id, slot, None, _closing(downtimes, slot))
        for start, slot in wanted.items()
        if start not in existing
    ]
    session.add_all(added)
    session.flush()
    offer_freed(session, row, added, now)  # new slots: the waiting list offered them first
    return len(added), len(stale)


def _closing(downtimes: Iterable[DowntimeRow], slot: Slot) -> int | None:
    for d in downtimes:
        if d.start < slot.buffer_end and (d.end is None or slot.start < d.end):
            return d.id
    return None


def _slot_row(
    row: ResourceRow, facility_id: str, slot: Slot, mission_id: int | None, closed: int | None
) -> SlotRow:
    return SlotRow(
        resource_id=row.id,
        facility_id=facility_id,
        specialty=row.specialty,
        start=slot.start,
        end=slot.end,
        buffer_end=slot.buffer_end,
        mission_id=mission_id,
        closed_by=closed,
    )


def slot_row_for(row: ResourceRow, facility_id: str, slot: Slot, mission_id: int) -> SlotRow:
    return _slot_row(row, facility_id, slot, mission_id, None)


def next_free_slots(
    session: Session,
    specialty: str,
    region: str | None,
    after: datetime,
    limit: int = 20,
    index: TerritoryIndex | None = None,
) -> list[FreeSlot]:
    """The next free slots of a specialty that may be booked now (open, unbooked, not
    held, beyond their resource's minimum notice) after a moment, in a territory (a
    region, a province… by its code) when given, soonest first: the active resources'
    notices read, then one query walking the slots of the specialty in time order
    (ix_sharing_slots_specialty_start), kept at the territory's facilities."""
    notices: dict[int, list[int]] = {}  # minimum notice (hours) → resources
    for resource_id, hours in session.execute(
        select(ResourceRow.id, ResourceRow.min_notice_hours).where(
            ResourceRow.specialty == specialty, ResourceRow.active.is_(True)
        )
    ):
        notices.setdefault(hours, []).append(resource_id)
    if not notices:
        return []
    bookable = or_(
        *(
            and_(SlotRow.resource_id.in_(ids), SlotRow.start >= after + timedelta(hours=hours))
            for hours, ids in notices.items()
        )
    )
    query = (
        select(SlotRow)
        .where(
            SlotRow.specialty == specialty,
            SlotRow.start > after,
            bookable,
            SlotRow.booking_id.is_(None),
            SlotRow.closed_by.is_(None),
            (SlotRow.held_for.is_(None)) | (SlotRow.held_until < after),
        )
        .order_by(SlotRow.start, SlotRow.id)
        .limit(limit)
    )
    if region is not None:
        facilities = _facilities_in(index or TerritoryIndex.from_session(session), region)
        if facilities is not None:
            query = query.where(SlotRow.facility_id.in_(facilities))
    return [
        FreeSlot(s.id, s.resource_id, s.facility_id, s.specialty, s.start, s.end)
        for s in session.scalars(query)
    ]


def _facilities_in(index: TerritoryIndex, territory: str) -> Select[str] | None:
    """The ids of the facilities in a territory, as a subquery (None: the whole country):
    by its communes, or by arrondissements for a préfecture d'arrondissements, as the
    registry selects them (`TerritoryIndex.scope`)."""
    if territory not in index.by_code:
        raise NotFound(code="no_territory", values={"code": territory})
    scope = index.scope(index.by_code[territory])
    if scope.communes is None and scope.arrondissements is None:
        return None
    query = select(FacilityRow.id)
    if scope.arrondissements is not None:
        return query.where(FacilityRow.arrondissement_code.in_(scope.arrondissements))
    return query.where(FacilityRow.commune_code.in_(scope.communes or []))


def slot_count(session: Session, resource_id: int) -> int:
    query = select(func.count()).select_from(SlotRow).where(SlotRow.resource_id == resource_id)
    return session.scalar(query) or 0
