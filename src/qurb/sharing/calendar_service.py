"""What changes a resource's calendar beside its weekly openings: downtime (the resource
out of use, with why: the slots it covers closed, their bookings `displaced` and their
holders told) and missions (a visiting specialist's day at a host facility: slots opened
there, offered first to the referrals pending at that facility for the specialty, each
held for one referral 48 h or until the slot's minimum notice, the host's referral
clerks alerted).

Who may: `resources.manage` over the resource's facility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, QurbError
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.sharing import referral_seam
from qurb.sharing._tables import BookingRow, DowntimeRow, MissionRow, SlotRow
from qurb.sharing.booking_service import ACTIVE, _tell_holder
from qurb.sharing.model import day_slots, parse_hhmm
from qurb.sharing.offers import hold_until, offer_freed
from qurb.sharing.service import facility_row, require, resource_row, rules_of, slot_row_for


@dataclass(frozen=True)
class Downtime:
    id: int
    resource_id: int
    start: datetime
    end: datetime | None
    reason: str
    slots_closed: int
    bookings_displaced: int


def add_downtime(
    session: Session,
    actor: Actor,
    resource_id: int,
    start: datetime,
    end: datetime | None,
    reason: str,
) -> Downtime:
    """The resource is out of use from `start` to `end` (None: until said otherwise):
    every slot it covers (its use or its buffer) closed; each active booking holding one
    displaced with the reason, all its slots freed, its holder alerted, its referral told."""
    resource = resource_row(session, resource_id, lock=True)
    territory = require(session, actor, Permission.RESOURCES_MANAGE, resource.facility_id)
    if not reason.strip():
        raise QurbError(code="sharing_reason_required")
    if end is not None and end <= start:
        raise QurbError(code="sharing_bad_period", values={"start": start.isoformat()})
    now = clock.now()
    row = DowntimeRow(
        resource_id=resource_id,
        start=start,
        end=end,
        reason=reason.strip(),
        created_at=now,
        created_by=str(actor),
    )
    session.add(row)
    session.flush()
    query = select(SlotRow).where(
        SlotRow.resource_id == resource_id,
        SlotRow.buffer_end > start,
        SlotRow.closed_by.is_(None),
    )
    if end is not None:
        query = query.where(SlotRow.start < end)
    covered = list(session.scalars(query))
    booking_ids = {s.booking_id for s in covered if s.booking_id is not None}
    for s in covered:
        s.closed_by, s.held_for, s.held_until = row.id, None, None
    displaced = 0
    for booking in session.scalars(
        select(BookingRow).where(BookingRow.id.in_(booking_ids), BookingRow.status.in_(ACTIVE))
    ):
        displaced += 1
        booking.status, booking.reason, booking.updated_at = "displaced", row.reason, now
        for s in session.scalars(select(SlotRow).where(SlotRow.booking_id == booking.id)):
            s.booking_id = None
        session.flush()
        _tell_holder(session, booking, "alert.sharing_booking_displaced", territory)
        if booking.referral_id is not None:
            referral_seam.tell(session, actor, booking.referral_id, booking.id, "displaced", now)
    session.flush()
    after = {
        "resource_id": resource_id,
        "start": start.isoformat(),
        "end": None if end is None else end.isoformat(),
        "reason": row.reason,
        "slots_closed": len(covered),
        "bookings_displaced": displaced,
    }
    event = AuditEvent("resource.downtime", "resource", str(resource_id), territory, None, after)
    audit.record(session, actor, event)
    return Downtime(row.id, resource_id, start, end, row.reason, len(covered), displaced)


def resource_down(session: Session, resource_id: int, at: datetime) -> bool:
    """True when a downtime of the resource covers the moment."""
    query = select(DowntimeRow.id).where(
        DowntimeRow.resource_id == resource_id,
        DowntimeRow.start <= at,
        or_(DowntimeRow.end.is_(None), DowntimeRow.end > at),
    )
    return session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class Mission:
    id: int
    resource_id: int
    facility_id: str
    day: date
    opens: str
    closes: str
    slots: int
    held: tuple[int, ...]  # the referrals each offered a slot first, in slot order


def add_mission(
    session: Session,
    actor: Actor,
    resource_id: int,
    facility_id: str,
    day: date,
    opens: str,
    closes: str,
) -> Mission:
    """A visiting specialist's day at a host facility, local `opens`–`closes`: its slots
    opened there; the referrals pending at the host for the specialty each held one slot
    (oldest referral, soonest slot), and the host's `referrals.handle` holders alerted."""
    resource = resource_row(session, resource_id, lock=True)
    territory = require(session, actor, Permission.RESOURCES_MANAGE, resource.facility_id)
    host = facility_row(session, facility_id)
    if resource.kind != "specialist":
        raise QurbError(code="sharing_mission_not_specialist", values={"id": resource_id})
    try:
        slots = day_slots(day, parse_hhmm(opens), parse_hhmm(closes), rules_of(resource))
    except ValueError:
        raise QurbError(code="sharing_bad_time", values={"got": f"{opens}–{closes}"}) from None
    now = clock.now()
    if not slots or slots[0].start <= now:
        raise QurbError(code="sharing_bad_opening", values={"weekday": day.weekday()})
    starts = [s.start for s in slots]
    clash = session.scalar(
        select(SlotRow.id).where(SlotRow.resource_id == resource_id, SlotRow.start.in_(starts))
    )
    if clash is not None:
        raise Conflict(code="sharing_mission_overlaps", values={"day": day.isoformat()})
    mission = MissionRow(
        resource_id=resource_id,
        facility_id=facility_id,
        day=day,
        opens=opens,
        closes=closes,
        status="planned",
        created_at=now,
        created_by=str(actor),
    )
    session.add(mission)
    session.flush()
    rows = [slot_row_for(resource, facility_id, s, mission.id) for s in slots]
    session.add_all(rows)
    pending = referral_seam.pending_for(session, facility_id, resource.specialty)
    held = []
    for slot, referral in zip(rows, pending, strict=False):
        slot.held_for = referral
        slot.held_until = hold_until(slot.start, resource.min_notice_hours, now)
        held.append(referral)
    session.flush()
    offer_freed(session, resource, rows, now)  # the slots no referral holds: the waiting list
    after = {
        "facility_id": facility_id,
        "day": day.isoformat(),
        "opens": opens,
        "closes": closes,
        "slots": len(rows),
        "held_for": held,
    }
    event = AuditEvent("resource.mission", "resource", str(resource_id), territory, None, after)
    audit.record(session, actor, event)
    if held:
        alert = NewAlert(
            kind="sharing.mission",
            dedupe_key=f"sharing.mission:{mission.id}",
            subject_kind="mission",
            subject_id=str(mission.id),
            words_key="alert.sharing_mission_offered",
            words_values={"resource": resource.label, "day": day.isoformat(), "count": len(held)},
            territory_code=host.commune_code,
            permission=Permission.REFERRALS_HANDLE.value,
        )
        raise_alert(session, alert, now)
    return Mission(mission.id, resource_id, facility_id, day, opens, closes, len(rows), tuple(held))


def list_missions(session: Session, resource_id: int) -> list[Mission]:
    out = []
    for m in session.scalars(
        select(MissionRow).where(MissionRow.resource_id == resource_id).order_by(MissionRow.day)
    ):
        slots = list(session.scalars(select(SlotRow).where(SlotRow.mission_id == m.id)))
        held = tuple(s.held_for for s in sorted(slots, key=lambda s: s.start) if s.held_for)
        out.append(
            Mission(m.id, m.resource_id, m.facility_id, m.day, m.opens, m.closes, len(slots), held)
        )
    return out
