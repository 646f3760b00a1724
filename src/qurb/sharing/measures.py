"""The shared resources' measures for a local calendar month: a resource's utilisation
(its slots open, booked, used = checked in, no-shows, closed by downtime, and the share of
the open capacity booked) and, per partner, its use against its quota; the monthly
reconciliation per partner for the steering committee (quota, booked, used, no-shows,
cancelled, released). Counts are slots."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.sharing._tables import BookingRow, SlotRow
from qurb.sharing.model import month_bounds
from qurb.sharing.quota_service import HOLDING, partner_month, quotas
from qurb.sharing.service import resource_row


@dataclass(frozen=True)
class Utilisation:
    resource_id: int
    month: str
    open: int  # slots not closed by downtime
    booked: int  # of the open ones, held by a booking (no-shows included)
    used: int  # held by a checked-in booking
    no_shows: int
    closed: int  # closed by downtime
    share: float | None  # booked / open; None without open slots


@dataclass(frozen=True)
class PartnerLine:
    """A partner's month on a resource (None: bookings of no partner)."""

    partner_id: str | None
    quota: int | None
    booked: int
    used: int
    no_shows: int
    cancelled: int
    released: int
    from_pool: int
    share_of_quota: float | None  # booked within quota / quota


def utilisation(session: Session, resource_id: int, month: str) -> Utilisation:
    resource_row(session, resource_id)
    start, end = month_bounds(month)
    in_month = (SlotRow.resource_id == resource_id, SlotRow.start >= start, SlotRow.start < end)
    slots = session.execute(
        select(
            func.count(),
            func.count(SlotRow.closed_by),
            func.count(SlotRow.booking_id),
        ).where(*in_month)
    ).one()
    total, closed, booked = (int(v) for v in slots)
    by_status = dict(
        session.execute(
            select(BookingRow.status, func.count())
            .select_from(SlotRow)
            .join(BookingRow, BookingRow.id == SlotRow.booking_id)
            .where(*in_month)
            .group_by(BookingRow.status)
        ).all()
    )
    open_slots = total - closed
    return Utilisation(
        resource_id,
        month,
        open_slots,
        booked,
        int(by_status.get("checked_in", 0)),
        int(by_status.get("no_show", 0)),
        closed,
        None if open_slots == 0 else round(booked / open_slots, 4),
    )


def reconciliation(session: Session, resource_id: int, month: str) -> list[PartnerLine]:
    """One line per partner with a quota in the month or a booking in it, by partner."""
    start, end = month_bounds(month)
    rows = session.execute(
        select(
            BookingRow.partner_id,
            BookingRow.status,
            func.sum(BookingRow.slots),
            func.sum(BookingRow.from_pool),
        )
        .where(
            BookingRow.resource_id == resource_id,
            BookingRow.start >= start,
            BookingRow.start < end,
        )
        .group_by(BookingRow.partner_id, BookingRow.status)
    ).all()
    partners: set[str | None] = {q.partner_id for q in quotas(session, resource_id, month)}
    partners |= {r[0] for r in rows}
    lines = []
    for partner in sorted(partners, key=lambda p: (p is None, p or "")):
        mine = {status: (int(n), int(pool)) for p, status, n, pool in rows if p == partner}
        pm = partner_month(session, resource_id, partner, month)
        lines.append(
            PartnerLine(
                partner,
                pm.quota,
                sum(mine.get(s, (0, 0))[0] for s in HOLDING),
                mine.get("checked_in", (0, 0))[0],
                mine.get("no_show", (0, 0))[0],
                mine.get("cancelled", (0, 0))[0],
                pm.released,
                sum(mine.get(s, (0, 0))[1] for s in HOLDING),
                None if not pm.quota else round(pm.booked / pm.quota, 4),
            )
        )
    return lines
