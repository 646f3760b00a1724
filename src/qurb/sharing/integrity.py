"""The bookings' own check, for an operator after an incident and for the race test and
benchmark: the pairs of active bookings of a resource whose times overlap (never any:
slots are claimed whole, `booking_service`), and how many slots are held and by how many
bookings (each slot by one booking at most, by the (resource, start) key and the claim)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from qurb.sharing._tables import BookingRow, SlotRow

ACTIVE = ("requested", "confirmed", "checked_in")


@dataclass(frozen=True)
class BookingIntegrity:
    resource_id: int
    overlapping_pairs: int  # pairs of active bookings whose [start, end) overlap
    slots_held: int  # slot rows naming a booking
    holding_bookings: int  # distinct bookings named by them


def check(session: Session, resource_id: int) -> BookingIntegrity:
    a, b = aliased(BookingRow), aliased(BookingRow)
    overlapping = session.scalar(
        select(func.count())
        .select_from(a)
        .join(
            b,
            and_(
                a.resource_id == b.resource_id,
                a.id < b.id,
                a.start < b.end,
                b.start < a.end,
            ),
        )
        .where(a.resource_id == resource_id, a.status.in_(ACTIVE), b.status.in_(ACTIVE))
    )
    held, holders = session.execute(
        select(func.count(), func.count(SlotRow.booking_id.distinct())).where(
            SlotRow.resource_id == resource_id, SlotRow.booking_id.is_not(None)
        )
    ).one()
    return BookingIntegrity(resource_id, int(overlapping or 0), int(held), int(holders))
