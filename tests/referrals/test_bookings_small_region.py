"""The seam with shared resources, both real: a referral accepted at the HP of Tizgui is
booked on its shared scanner (tests/sharing_region.py), the booking cancelled (the
referral accepted again, pending once more), booked again and checked in (seen); a
booking naming a referral not in the state its news needs is refused and books nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qurb.kernel.errors import Conflict, NotFound
from qurb.platform.database import transaction
from qurb.referrals import service
from qurb.referrals.checks import NewReferral
from qurb.referrals.model import Status
from qurb.referrals.reading import get_referral
from qurb.sharing import booking_service as bookings
from qurb.sharing._tables import BookingRow
from tests.regions import HP_TIZGUI, TAFRAOUT
from tests.sharing_region import CSR_AIT_LHOU, Clock, Scanner, sharing_clock, utc

__all__ = ["sharing_clock"]


@pytest.fixture
def scanner(small_region_db, sharing_clock: Clock) -> Scanner:  # type: ignore[no-untyped-def]
    return Scanner(small_region_db())


def test_a_referral_booked_cancelled_booked_and_seen_on_the_shared_scanner(
    scanner: Scanner,
) -> None:
    clerk_b, manager = scanner.actor("clerk_b"), scanner.actor("manager")
    with transaction(scanner.db) as s:
        new = NewReferral("imaging", HP_TIZGUI, TAFRAOUT, CSR_AIT_LHOU)
        referral = service.create(s, scanner.local, new)
        # Sent, not yet accepted: a booking for it is refused, nothing booked.
    with pytest.raises(Conflict) as early, transaction(scanner.db) as s:
        bookings.book(
            s,
            clerk_b,
            scanner.resource,
            utc(8, 7),
            facility_id=CSR_AIT_LHOU,
            referral_id=referral.id,
        )
    assert early.value.code == "referral_status_conflict"
    with scanner.db() as s:
        assert s.scalar(select(func.count()).select_from(BookingRow)) == 0
    with pytest.raises(NotFound), transaction(scanner.db) as s:
        bookings.book(
            s, clerk_b, scanner.resource, utc(8, 7), facility_id=CSR_AIT_LHOU, referral_id=999
        )
    with transaction(scanner.db) as s:
        service.move(s, scanner.local, referral.id, Status.ACCEPTED)
        assert service.pending_for(s, HP_TIZGUI, None, "imaging") == [referral.id]
        first = bookings.book(
            s,
            clerk_b,
            scanner.resource,
            utc(8, 7),
            facility_id=CSR_AIT_LHOU,
            referral_id=referral.id,
        )
        assert service.pending_for(s, HP_TIZGUI, None, "imaging") == []
        bookings.cancel(s, clerk_b, first.id)
        assert service.pending_for(s, HP_TIZGUI, None, "imaging") == [referral.id]
        second = bookings.book(
            s,
            clerk_b,
            scanner.resource,
            utc(9, 7),
            facility_id=CSR_AIT_LHOU,
            referral_id=referral.id,
        )
    with transaction(scanner.db) as s:
        bookings.check_in(s, manager, second.id)
    with scanner.db() as s:
        read = get_referral(s, scanner.local, referral.id)
    assert (read.status, read.booking_id) == ("seen", second.id)
    assert [e.status for e in read.events] == [
        "sent",
        "accepted",
        "booked",
        "accepted",
        "booked",
        "seen",
    ]
