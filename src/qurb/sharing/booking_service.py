"""Bookings of shared resources: a partner claims consecutive slot rows, checked against
the rules (a coded refusal each: `outside_availability`, `in_buffer`, `not_slot_start`,
`inside_min_notice`, `beyond_max_notice`, `slots_not_consecutive`, `resource_down`,
`beyond_quota`), then cancelled, rescheduled, approved or refused, checked in; a waiting
list offered the slots a cancellation frees.

Two bookings can never hold the same slot: the slot rows are claimed with ONE conditional
UPDATE (`booking_id IS NULL AND closed_by IS NULL AND` not held for another referral) whose
row count must be the number of slots wanted, else the transaction is rolled back and the
booking refused `slot_taken` (409). Never read-then-write: on PostgreSQL the second of two
concurrent UPDATEs waits for the first's commit and then finds the rows taken.

Who may: `resources.book` over the booking's facility (the booker's, or the resource's
when none is named) on behalf of the account's partner; `resources.manage` over the
resource's facility to approve, refuse and check in (and to cancel anyone's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, Forbidden, NotFound, QurbError
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.sharing import referral_seam
from qurb.sharing._tables import BookingRow, ResourceRow, SlotRow, WaitingRow
from qurb.sharing.model import Refusal, Slot, check_consecutive, check_notice, where_is
from qurb.sharing.offers import offer_freed
from qurb.sharing.quota_service import allowance
from qurb.sharing.service import facility_row, require, resource_row, rules_of

ACTIVE = ("requested", "confirmed", "checked_in")
OPEN = ("requested", "confirmed")  # may still be cancelled, rescheduled
ALERT_KIND = "sharing.booking"


@dataclass(frozen=True)
class Booking:
    id: int
    resource_id: int
    partner_id: str | None
    facility_id: str | None
    referral_id: int | None
    start: datetime
    end: datetime
    slots: int
    status: str
    from_pool: int
    note: str | None
    reason: str | None
    version: int


def to_booking(row: BookingRow) -> Booking:
    return Booking(
        row.id,
        row.resource_id,
        row.partner_id,
        row.facility_id,
        row.referral_id,
        row.start,
        row.end,
        row.slots,
        row.status,
        row.from_pool,
        row.note,
        row.reason,
        row.version,
    )


class BookingNotFound(NotFound):
    """No booking has this id."""


class SlotTaken(Conflict):
    """Another booking (or a downtime, or a referral's hold) has one of the slots."""


def booking_row(session: Session, booking_id: int) -> BookingRow:
    row = session.get(BookingRow, booking_id, with_for_update=True)
    if row is None:
        raise BookingNotFound(code="booking_not_found", values={"id": booking_id})
    return row


def _refuse(refusal: Refusal | None, start: datetime) -> None:
    if refusal is not None:
        raise QurbError(code=refusal.value, values={"start": start.isoformat()})


def _partner(actor: Actor, partner_id: str | None) -> str | None:
    """The booking partner: the account's (a grant's `on_behalf_of`); a local actor names
    one (or none: a booking from the pool)."""
    if actor.kind is not ActorKind.ACCOUNT:
        return partner_id
    if partner_id is not None and partner_id != actor.partner:
        raise Forbidden(code="outside_scope", values={"needed": Permission.RESOURCES_BOOK.value})
    return actor.partner


def _wanted_rows(
    session: Session, resource: ResourceRow, start: datetime, count: int
) -> list[SlotRow]:
    """The `count` slot rows from `start`, or a coded refusal: the start not a slot's
    (in a use, in a buffer, outside availability), the rows not consecutive, one closed."""
    before = session.scalar(
        select(SlotRow)
        .where(SlotRow.resource_id == resource.id, SlotRow.start <= start)
        .order_by(SlotRow.start.desc())
        .limit(1)
    )
    near = [] if before is None else [Slot(before.start, before.end, before.buffer_end)]
    _refuse(where_is(start, near), start)
    rows = list(
        session.scalars(
            select(SlotRow)
            .where(SlotRow.resource_id == resource.id, SlotRow.start >= start)
            .order_by(SlotRow.start)
            .limit(count)
        )
    )
    slots = [Slot(r.start, r.end, r.buffer_end) for r in rows]
    if len(rows) < count:
        _refuse(Refusal.SLOTS_NOT_CONSECUTIVE, start)
    _refuse(check_consecutive(slots), start)
    if any(r.closed_by is not None for r in rows) or not resource.active:
        raise Conflict(code="resource_down", values={"id": resource.id})
    return rows


def _claim(session: Session, ids: list[int], booking_id: int, referral: int | None) -> None:
    """The one conditional UPDATE that takes the slots; all of them or `slot_taken`."""
    now = clock.now()
    held = or_(SlotRow.held_for.is_(None), SlotRow.held_until < now)
    if referral is not None:
        held = or_(held, SlotRow.held_for == referral)
    claimed = session.execute(
        update(SlotRow)
        .where(
            SlotRow.id.in_(ids),
            SlotRow.booking_id.is_(None),
            SlotRow.closed_by.is_(None),
            held,
        )
        .values(booking_id=booking_id, held_for=None, held_until=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
        raise SlotTaken(code="slot_taken", values={"wanted": len(ids)})


def _free(session: Session, booking_id: int) -> list[SlotRow]:
    """Release the booking's slots; the rows released, soonest first."""
    rows = list(
        session.scalars(
            select(SlotRow).where(SlotRow.booking_id == booking_id).order_by(SlotRow.start)
        )
    )
    for r in rows:
        r.booking_id = None
    session.flush()
    return rows


def audit_booking(
    session: Session,
    actor: Actor,
    action: str,
    row: BookingRow,
    territory: str,
    before: Mapping[str, object] | None,
) -> None:
    after = {
        "resource_id": row.resource_id,
        "partner_id": row.partner_id,
        "facility_id": row.facility_id,
        "referral_id": row.referral_id,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "slots": row.slots,
        "status": row.status,
        "from_pool": row.from_pool,
        "reason": row.reason,
    }
    event = AuditEvent(action, "booking", str(row.id), territory, before, after)
    audit.record(session, actor, event)


def _state(row: BookingRow) -> dict[str, object]:
    return {"status": row.status, "start": row.start.isoformat(), "slots": row.slots}


def book(
    session: Session,
    actor: Actor,
    resource_id: int,
    start: datetime,
    slots: int = 1,
    *,
    partner_id: str | None = None,
    facility_id: str | None = None,
    referral_id: int | None = None,
    note: str | None = None,
) -> Booking:
    """Book `slots` consecutive slots from `start` (UTC), in the caller's transaction."""
    now = clock.now()
    resource = resource_row(session, resource_id)
    partner = _partner(actor, partner_id)
    facility = facility_id or resource.facility_id
    territory = require(session, actor, Permission.RESOURCES_BOOK, facility, partner)
    if not 1 <= slots <= 12:
        raise QurbError(code="sharing_bad_slot_count", values={"got": slots})
    _refuse(check_notice(start, now, rules_of(resource)), start)
    rows = _wanted_rows(session, resource, start, slots)
    status = "requested" if resource.approval_required else "confirmed"
    row = BookingRow(
        resource_id=resource_id,
        partner_id=partner,
        facility_id=facility,
        referral_id=referral_id,
        start=rows[0].start,
        end=rows[-1].end,
        slots=slots,
        status=status,
        from_pool=0,
        note=note,
        created_at=now,
        created_by=str(actor),
        account_id=int(actor.name) if actor.kind is ActorKind.ACCOUNT else None,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _claim(session, [r.id for r in rows], row.id, referral_id)
    row.from_pool = allowance(session, resource, partner, row.start, slots, row.id).from_pool
    _waiting_served(session, resource_id, partner, referral_id)
    session.flush()
    audit_booking(session, actor, "booking.create", row, territory, None)
    if referral_id is not None:
        referral_seam.tell(session, actor, referral_id, row.id, "booked", now)
    return to_booking(row)


def _waiting_served(
    session: Session, resource_id: int, partner: str | None, referral: int | None
) -> None:
    """A partner (or referral) offered a slot from the waiting list has booked."""
    for w in session.scalars(
        select(WaitingRow).where(
            WaitingRow.resource_id == resource_id,
            WaitingRow.status == "offered",
            WaitingRow.partner_id == partner
            if referral is None
            else WaitingRow.referral_id == referral,
        )
    ):
        w.status = "booked"


def _manager_or_booker(session: Session, actor: Actor, row: BookingRow) -> str:
    """The booking's partner (`resources.book` over its facility) or the resource's
    manager (`resources.manage` over the resource's facility)."""
    resource = resource_row(session, row.resource_id)
    try:
        return require(session, actor, Permission.RESOURCES_MANAGE, resource.facility_id)
    except Forbidden:
        facility = row.facility_id or resource.facility_id
        territory = require(session, actor, Permission.RESOURCES_BOOK, facility, row.partner_id)
        if actor.kind is ActorKind.ACCOUNT and actor.partner != row.partner_id:
            raise
        return territory


def _status_conflict(row: BookingRow, allowed: tuple[str, ...]) -> None:
    if row.status not in allowed:
        raise Conflict(code="booking_status_conflict", values={"id": row.id, "status": row.status})


def cancel(session: Session, actor: Actor, booking_id: int, reason: str | None = None) -> Booking:
    """Cancel a requested or confirmed booking: its slots freed, the first waiting for
    that resource and those dates offered one, its referral told."""
    row = booking_row(session, booking_id)
    territory = _manager_or_booker(session, actor, row)
    _status_conflict(row, OPEN)
    before = _state(row)
    now = clock.now()
    row.status, row.reason, row.updated_at = "cancelled", reason, now
    freed = _free(session, row.id)
    audit_booking(session, actor, "booking.cancel", row, territory, before)
    if row.referral_id is not None:
        referral_seam.tell(session, actor, row.referral_id, row.id, "cancelled", now)
    offer_freed(session, resource_row(session, row.resource_id), freed, now)
    return to_booking(row)


def reschedule(session: Session, actor: Actor, booking_id: int, start: datetime) -> Booking:
    """Move a requested or confirmed booking to other slots (as many) in one transaction:
    the new ones claimed, the old ones freed; refused as a new booking would be."""
    row = booking_row(session, booking_id)
    territory = _manager_or_booker(session, actor, row)
    _status_conflict(row, OPEN)
    resource = resource_row(session, row.resource_id)
    now = clock.now()
    _refuse(check_notice(start, now, rules_of(resource)), start)
    rows = _wanted_rows(session, resource, start, row.slots)
    before = _state(row)
    freed = [r for r in _free(session, row.id) if r.id not in {n.id for n in rows}]
    _claim(session, [r.id for r in rows], row.id, row.referral_id)
    row.start, row.end, row.updated_at = rows[0].start, rows[-1].end, now
    session.flush()
    row.from_pool = allowance(
        session, resource, row.partner_id, row.start, row.slots, row.id
    ).from_pool
    audit_booking(session, actor, "booking.reschedule", row, territory, before)
    offer_freed(session, resource, freed, now)
    return to_booking(row)


def _decide(session: Session, actor: Actor, booking_id: int) -> tuple[BookingRow, str]:
    row = booking_row(session, booking_id)
    resource = resource_row(session, row.resource_id)
    return row, require(session, actor, Permission.RESOURCES_MANAGE, resource.facility_id)


def approve(session: Session, actor: Actor, booking_id: int) -> Booking:
    """A resource manager confirms a requested booking."""
    row, territory = _decide(session, actor, booking_id)
    _status_conflict(row, ("requested",))
    before = _state(row)
    row.status, row.updated_at = "confirmed", clock.now()
    session.flush()
    audit_booking(session, actor, "booking.approve", row, territory, before)
    _tell_holder(session, row, "alert.sharing_booking_approved", territory)
    return to_booking(row)


def refuse(session: Session, actor: Actor, booking_id: int, reason: str) -> Booking:
    """A resource manager refuses a requested booking, with why: its slots freed."""
    row, territory = _decide(session, actor, booking_id)
    _status_conflict(row, ("requested",))
    if not reason.strip():
        raise QurbError(code="sharing_reason_required")
    before = _state(row)
    now = clock.now()
    row.status, row.reason, row.updated_at = "refused", reason.strip(), now
    freed = _free(session, row.id)
    audit_booking(session, actor, "booking.refuse", row, territory, before)
    if row.referral_id is not None:
        referral_seam.tell(session, actor, row.referral_id, row.id, "cancelled", now)
    _tell_holder(session, row, "alert.sharing_booking_refused", territory)
    offer_freed(session, resource_row(session, row.resource_id), freed, now)
    return to_booking(row)


def check_in(session: Session, actor: Actor, booking_id: int) -> Booking:
    """The patient (or the user of the equipment) came: confirmed → checked_in."""
    row, territory = _decide(session, actor, booking_id)
    _status_conflict(row, ("confirmed",))
    before = _state(row)
    now = clock.now()
    row.status, row.updated_at = "checked_in", now
    session.flush()
    audit_booking(session, actor, "booking.check_in", row, territory, before)
    if row.referral_id is not None:
        referral_seam.tell(session, actor, row.referral_id, row.id, "checked_in", now)
    return to_booking(row)


def get_booking(session: Session, booking_id: int) -> Booking:
    row = session.get(BookingRow, booking_id)
    if row is None:
        raise BookingNotFound(code="booking_not_found", values={"id": booking_id})
    return to_booking(row)


def list_bookings(
    session: Session, resource_id: int | None = None, partner_id: str | None = None
) -> list[Booking]:
    query = select(BookingRow).order_by(BookingRow.start, BookingRow.id)
    if resource_id is not None:
        query = query.where(BookingRow.resource_id == resource_id)
    if partner_id is not None:
        query = query.where(BookingRow.partner_id == partner_id)
    return [to_booking(r) for r in session.scalars(query)]


# ------------------------------------------------------------------------ alerts, waiting


def _tell_holder(session: Session, row: BookingRow, words_key: str, territory: str) -> None:
    """The booking's holder hears of it: the account that booked, else the holders of
    `resources.book` over the booking's facility's commune."""
    values = {"id": row.id, "resource": row.resource_id, "start": row.start.isoformat()}
    commune = facility_row(session, row.facility_id).commune_code if row.facility_id else territory
    alert = NewAlert(
        kind=ALERT_KIND,
        dedupe_key=f"{ALERT_KIND}:{words_key}:{row.id}:{row.version}",
        subject_kind="booking",
        subject_id=str(row.id),
        words_key=words_key,
        words_values=values,
        territory_code=None if row.account_id is not None else commune,
        permission=None if row.account_id is not None else Permission.RESOURCES_BOOK.value,
        account_id=row.account_id,
    )
    raise_alert(session, alert, clock.now())


@dataclass(frozen=True)
class Waiting:
    id: int
    resource_id: int
    partner_id: str | None
    referral_id: int | None
    wanted_from: date
    wanted_to: date
    status: str
    offered_slot: int | None


def _waiting(row: WaitingRow) -> Waiting:
    return Waiting(
        row.id,
        row.resource_id,
        row.partner_id,
        row.referral_id,
        row.wanted_from,
        row.wanted_to,
        row.status,
        row.offered_slot,
    )


def add_waiting(
    session: Session,
    actor: Actor,
    resource_id: int,
    wanted_from: date,
    wanted_to: date,
    *,
    partner_id: str | None = None,
    facility_id: str | None = None,
    referral_id: int | None = None,
) -> Waiting:
    """Wait for a slot of the resource between two local dates (inclusive)."""
    resource = resource_row(session, resource_id)
    partner = _partner(actor, partner_id)
    territory = require(
        session, actor, Permission.RESOURCES_BOOK, facility_id or resource.facility_id, partner
    )
    if wanted_to < wanted_from:
        raise QurbError(code="sharing_bad_dates", values={"from": str(wanted_from)})
    row = WaitingRow(
        resource_id=resource_id,
        partner_id=partner,
        referral_id=referral_id,
        wanted_from=wanted_from,
        wanted_to=wanted_to,
        status="waiting",
        created_at=clock.now(),
        created_by=str(actor),
        account_id=int(actor.name) if actor.kind is ActorKind.ACCOUNT else None,
    )
    session.add(row)
    session.flush()
    after = {
        "resource_id": resource_id,
        "partner_id": partner,
        "referral_id": referral_id,
        "wanted_from": str(wanted_from),
        "wanted_to": str(wanted_to),
        "status": "waiting",
    }
    audit.record(
        session, actor, AuditEvent("waiting.add", "waiting", str(row.id), territory, None, after)
    )
    return _waiting(row)


def waiting_resource(session: Session, waiting_id: int) -> int:
    row = session.get(WaitingRow, waiting_id)
    if row is None:
        raise NotFound(code="waiting_not_found", values={"id": waiting_id})
    return row.resource_id


def withdraw_waiting(session: Session, actor: Actor, waiting_id: int) -> Waiting:
    row = session.get(WaitingRow, waiting_id)
    if row is None:
        raise NotFound(code="waiting_not_found", values={"id": waiting_id})
    resource = resource_row(session, row.resource_id)
    territory = require(
        session, actor, Permission.RESOURCES_BOOK, resource.facility_id, row.partner_id
    )
    if row.status not in ("waiting", "offered"):
        raise Conflict(
            code="waiting_status_conflict", values={"id": waiting_id, "status": row.status}
        )
    before = {"status": row.status}
    row.status = "withdrawn"
    session.flush()
    event = AuditEvent(
        "waiting.withdraw", "waiting", str(row.id), territory, before, {"status": "withdrawn"}
    )
    audit.record(session, actor, event)
    return _waiting(row)


def list_waiting(session: Session, resource_id: int) -> list[Waiting]:
    query = select(WaitingRow).where(WaitingRow.resource_id == resource_id).order_by(WaitingRow.id)
    return [_waiting(r) for r in session.scalars(query)]
