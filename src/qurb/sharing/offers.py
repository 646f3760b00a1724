"""The waiting list's offers: a slot that becomes free or opens (a booking cancelled,
refused or moved; a downtime's displaced slots; new weekly openings; the horizon moving
on a day; a visiting specialist's mission) is offered to the first waiting entry whose
dates hold the slot's local day, first come first served, and that entry's account (or
the resource's bookers in the commune) alerted.

An entry offered a slot that is then lost (another partner booked it, it was closed by a
downtime, or its time passed) waits again for the next one: an offer is news, not a
claim, except for a referral's, whose slot is held for it (48 h, or until the minimum
notice begins)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from qurb.identity.permissions import Permission
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.registry._tables import FacilityRow
from qurb.sharing._tables import ResourceRow, SlotRow, WaitingRow
from qurb.sharing.model import local_day

HOLD_HOURS = 48  # a slot offered to a referral or a waiting partner is kept for it this long


def hold_until(slot_start: datetime, min_notice_hours: int, now: datetime) -> datetime:
    """A slot offered first is held 48 h, or until its minimum notice begins if sooner."""
    return min(now + timedelta(hours=HOLD_HOURS), slot_start - timedelta(hours=min_notice_hours))


def _lost_offer(now: datetime) -> ColumnElement[bool]:
    """An `offered` entry whose slot is gone: booked by another, closed, or past."""
    lost = select(SlotRow.id).where(
        SlotRow.id == WaitingRow.offered_slot,
        or_(SlotRow.booking_id.is_not(None), SlotRow.closed_by.is_not(None), SlotRow.start <= now),
    )
    return and_(
        WaitingRow.status == "offered", or_(exists(lost), WaitingRow.offered_slot.is_(None))
    )


def _first_waiting(
    session: Session, resource_id: int, slot: SlotRow, now: datetime
) -> WaitingRow | None:
    day = local_day(slot.start)
    return session.scalar(
        select(WaitingRow)
        .where(
            WaitingRow.resource_id == resource_id,
            or_(WaitingRow.status == "waiting", _lost_offer(now)),
            WaitingRow.wanted_from <= day,
            WaitingRow.wanted_to >= day,
        )
        .order_by(WaitingRow.id)
        .limit(1)
    )


def offer_freed(
    session: Session, resource: ResourceRow, freed: Iterable[SlotRow], now: datetime
) -> int:
    """Offer free future slots to the waiting list, first come first served, soonest slot
    first: the first waiting whose dates hold the slot's local day is `offered` it (held for
    its referral when it has one) and alerted. How many offers."""
    offers = 0
    bookable_from = now + timedelta(hours=resource.min_notice_hours)
    for slot in sorted(freed, key=lambda s: s.start):
        taken = slot.booking_id is not None or slot.held_for is not None
        if slot.start <= bookable_from or slot.closed_by is not None or taken:
            continue
        waiting = _first_waiting(session, resource.id, slot, now)
        if waiting is None:
            continue
        waiting.status, waiting.offered_slot = "offered", slot.id
        if waiting.referral_id is not None:
            slot.held_for = waiting.referral_id
            slot.held_until = hold_until(slot.start, resource.min_notice_hours, now)
        session.flush()  # the next slot's query sees this entry offered
        commune = session.get_one(FacilityRow, slot.facility_id).commune_code
        alert = NewAlert(
            kind="sharing.waiting",
            dedupe_key=f"sharing.waiting:{waiting.id}:{slot.id}",
            subject_kind="waiting",
            subject_id=str(waiting.id),
            words_key="alert.sharing_slot_offered",
            words_values={"resource": resource.label, "start": slot.start.isoformat()},
            territory_code=None if waiting.account_id is not None else commune,
            permission=None if waiting.account_id is not None else Permission.RESOURCES_BOOK.value,
            account_id=waiting.account_id,
        )
        raise_alert(session, alert, now)
        offers += 1
    session.flush()
    return offers
