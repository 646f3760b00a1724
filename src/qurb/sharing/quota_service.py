"""Quotas under conventions: a partner's share of a resource's time per local calendar
month, the pool (capacity no quota allocates, plus quotas released), the allowance of a
booking (its partner's quota left first, then the pool; beyond both `beyond_quota`), the
release of unused quota, and the measures (utilisation, the monthly reconciliation).

Counting rules (the README says them too): a booking counts in the month of its start;
requested, confirmed, checked-in and no-show bookings count (a no-show's time is gone),
cancelled, refused and displaced ones do not; capacity is the month's slot rows not closed
by a downtime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, QurbError
from qurb.platform.jobs import Job, JobOutcome
from qurb.sharing._tables import (
    BookingRow,
    QuotaReleaseRow,
    QuotaRow,
    ResourceRow,
    SlotRow,
)
from qurb.sharing.model import (
    Allowance,
    Month,
    PartnerMonth,
    Refusal,
    allow,
    month_bounds,
    month_of,
    quota_in_slots,
    release_due,
    unused,
)
from qurb.sharing.service import require, resource_row

HOLDING = ("requested", "confirmed", "checked_in", "no_show")  # bookings whose time is taken
UNITS = ("slots", "hours")


@dataclass(frozen=True)
class Quota:
    id: int
    resource_id: int
    partner_id: str
    convention_id: int
    unit: str
    amount: int
    release_days: int
    valid_from: date | None
    valid_to: date | None
    slots: int  # a month's quota in slots


def _quota(row: QuotaRow, slot_minutes: int) -> Quota:
    return Quota(
        row.id,
        row.resource_id,
        row.partner_id,
        row.convention_id,
        row.unit,
        row.amount,
        row.release_days,
        row.valid_from,
        row.valid_to,
        quota_in_slots(row.unit, row.amount, slot_minutes),
    )


def set_quota(
    session: Session,
    actor: Actor,
    resource_id: int,
    partner_id: str,
    convention_id: int,
    unit: str,
    amount: int,
    release_days: int,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Quota:
    """Give a partner its share of the resource under a convention (or change it)."""
    resource = resource_row(session, resource_id)
    territory = require(session, actor, Permission.RESOURCES_MANAGE, resource.facility_id)
    if unit not in UNITS or amount < 0 or not 0 <= release_days <= 27:
        raise QurbError(code="sharing_bad_quota", values={"unit": unit, "amount": amount})
    if valid_from and valid_to and valid_to < valid_from:
        raise QurbError(code="sharing_bad_quota", values={"unit": unit, "amount": amount})
    row = session.scalar(
        select(QuotaRow).where(
            QuotaRow.resource_id == resource_id,
            QuotaRow.partner_id == partner_id,
            QuotaRow.convention_id == convention_id,
        )
    )
    before = None if row is None else _values(row)
    if row is None:
        row = QuotaRow(
            resource_id=resource_id,
            partner_id=partner_id,
            convention_id=convention_id,
            created_at=clock.now(),
            created_by=str(actor),
        )
        session.add(row)
    row.unit, row.amount, row.release_days = unit, amount, release_days
    row.valid_from, row.valid_to = valid_from, valid_to
    session.flush()
    event = AuditEvent("quota.set", "quota", str(row.id), territory, before, _values(row))
    audit.record(session, actor, event)
    return _quota(row, resource.slot_minutes)


def _values(row: QuotaRow) -> dict[str, object]:
    return {
        "resource_id": row.resource_id,
        "partner_id": row.partner_id,
        "convention_id": row.convention_id,
        "unit": row.unit,
        "amount": row.amount,
        "release_days": row.release_days,
        "valid_from": None if row.valid_from is None else row.valid_from.isoformat(),
        "valid_to": None if row.valid_to is None else row.valid_to.isoformat(),
    }


def _in_month(row: QuotaRow, month: str) -> bool:
    first = date(int(month[:4]), int(month[5:7]), 1)
    last = month_bounds(month)[1].date()  # a day of the next month at most: enough here
    return (row.valid_from is None or row.valid_from < last) and (
        row.valid_to is None or row.valid_to >= first
    )


def quotas(session: Session, resource_id: int, month: str | None = None) -> list[Quota]:
    resource = resource_row(session, resource_id)
    rows = session.scalars(
        select(QuotaRow).where(QuotaRow.resource_id == resource_id).order_by(QuotaRow.id)
    )
    return [_quota(r, resource.slot_minutes) for r in rows if month is None or _in_month(r, month)]


def _booked(
    session: Session, resource_id: int, month: str, partner: str | None, exclude: int | None
) -> tuple[int, int]:
    """(slots within quota, slots from the pool) of the month's holding bookings, of one
    partner (or of all when `partner` is None)."""
    start, end = month_bounds(month)
    query = select(
        func.coalesce(func.sum(BookingRow.slots - BookingRow.from_pool), 0),
        func.coalesce(func.sum(BookingRow.from_pool), 0),
    ).where(
        BookingRow.resource_id == resource_id,
        BookingRow.start >= start,
        BookingRow.start < end,
        BookingRow.status.in_(HOLDING),
    )
    if partner is not None:
        query = query.where(BookingRow.partner_id == partner)
    if exclude is not None:
        query = query.where(BookingRow.id != exclude)
    in_quota, pool = session.execute(query).one()
    return int(in_quota), int(pool)


def _released(session: Session, quota_ids: list[int], month: str) -> int:
    if not quota_ids:
        return 0
    query = select(func.coalesce(func.sum(QuotaReleaseRow.slots), 0)).where(
        QuotaReleaseRow.quota_id.in_(quota_ids), QuotaReleaseRow.month == month
    )
    return int(session.scalar(query) or 0)


def capacity(session: Session, resource_id: int, month: str) -> int:
    start, end = month_bounds(month)
    query = (
        select(func.count())
        .select_from(SlotRow)
        .where(
            SlotRow.resource_id == resource_id,
            SlotRow.start >= start,
            SlotRow.start < end,
            SlotRow.closed_by.is_(None),
        )
    )
    return session.scalar(query) or 0


def month_state(
    session: Session, resource_id: int, month: str, exclude: int | None = None
) -> Month:
    month_quotas = quotas(session, resource_id, month)
    _, pool_used = _booked(session, resource_id, month, None, exclude)
    return Month(
        capacity(session, resource_id, month),
        sum(q.slots for q in month_quotas),
        _released(session, [q.id for q in month_quotas], month),
        pool_used,
    )


def partner_month(
    session: Session, resource_id: int, partner: str | None, month: str, exclude: int | None = None
) -> PartnerMonth:
    if partner is None:
        return PartnerMonth(None, 0)
    own = [q for q in quotas(session, resource_id, month) if q.partner_id == partner]
    in_quota, _ = _booked(session, resource_id, month, partner, exclude)
    if not own:
        return PartnerMonth(None, in_quota)
    released = _released(session, [q.id for q in own], month)
    return PartnerMonth(sum(q.slots for q in own), in_quota, released)


def allowance(
    session: Session,
    resource: ResourceRow,
    partner: str | None,
    start: datetime,
    wanted: int,
    booking_id: int,
) -> Allowance:
    """How a booking's slots are counted, under row locks taken after its slots were
    claimed, always in this order: the partner's quota rows (a second booking of the
    partner waits for the first's commit), then the resource's row (the pool is shared by
    all partners). SQLite serialises writers anyway."""
    if partner is not None:
        session.scalars(
            select(QuotaRow.id)
            .where(QuotaRow.resource_id == resource.id, QuotaRow.partner_id == partner)
            .order_by(QuotaRow.id)
            .with_for_update()
        ).all()
    # FOR NO KEY UPDATE: the booking's insert holds KEY SHARE on this row (its foreign key)
    lock = select(ResourceRow.id).where(ResourceRow.id == resource.id)
    session.execute(lock.with_for_update(key_share=True))
    month = month_of(start)
    counted = allow(
        wanted,
        partner_month(session, resource.id, partner, month, booking_id),
        month_state(session, resource.id, month, booking_id),
    )
    if isinstance(counted, Refusal):
        raise Conflict(code=counted.value, values={"month": month, "wanted": wanted})
    return counted


def release(session: Session, now: datetime) -> JobOutcome:
    """The month's unused quotas, `release_days` before its end: a release row each
    (once per quota and month)."""
    month = month_of(now)
    counts = {"quotas": 0, "released": 0, "slots": 0}
    for row in session.scalars(select(QuotaRow).order_by(QuotaRow.id)).all():
        counts["quotas"] += 1
        if not _in_month(row, month) or not release_due(month, row.release_days, now):
            continue
        if session.get(QuotaReleaseRow, (row.id, month)) is not None:
            continue
        resource = resource_row(session, row.resource_id)
        slots = quota_in_slots(row.unit, row.amount, resource.slot_minutes)
        in_quota, _ = _booked(session, row.resource_id, month, row.partner_id, None)
        # Several quotas of one partner on a resource: the booked slots fill them in order.
        earlier = [
            q
            for q in quotas(session, row.resource_id, month)
            if q.partner_id == row.partner_id and q.id < row.id
        ]
        in_quota = max(0, in_quota - sum(q.slots for q in earlier))
        left = unused(PartnerMonth(slots, in_quota))
        session.add(QuotaReleaseRow(quota_id=row.id, month=month, slots=left, released_at=now))
        counts["released"] += 1
        counts["slots"] += left
    session.flush()
    return JobOutcome(counts)


release_job = Job("sharing.quota_release", release)
