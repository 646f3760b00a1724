"""The waiting list offered the slots that OPEN, not only those a cancellation frees: new
weekly openings, the slots job moving the horizon on a day, a visiting specialist's
mission (after the referrals pending there); and an entry whose offered slot another
partner took is offered the next one. On the scanner of tests/sharing_region.py
(Monday–Friday 07:00, 08:00, 09:00, 10:00 UTC; 24 h notice; 30 days ahead; the clock on
Monday 7 December 2026 06:00 UTC)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.registry.specialists import add_specialist
from qurb.sharing import booking_service as bookings
from qurb.sharing import calendar_service as calendar
from qurb.sharing import jobs, referral_seam
from qurb.sharing._tables import SlotRow
from qurb.sharing.service import OpeningInput, RuleInput, set_availability, share_specialist
from tests.regions import HP_TIZGUI
from tests.sharing.test_jobs_small_region import FakeReferrals
from tests.sharing_region import CSR_AIT_LHOU, WEEKDAYS, Clock, Scanner, sharing_clock, utc

__all__ = ["sharing_clock"]


@pytest.fixture
def scanner(small_region_db, sharing_clock: Clock) -> Scanner:  # type: ignore[no-untyped-def]
    return Scanner(small_region_db())


def _status(scanner: Scanner) -> dict[int, tuple[str, object]]:
    with transaction(scanner.db) as s:
        slots = dict(s.execute(select(SlotRow.id, SlotRow.start)).all())
        return {
            w.id: (w.status, slots.get(w.offered_slot) if w.offered_slot else None)
            for w in bookings.list_waiting(s, scanner.resource)
        }


def test_a_new_weekly_opening_offers_its_first_slot_to_the_waiting(scanner: Scanner) -> None:
    saturday = date(2026, 12, 12)  # no opening on Saturdays yet
    with transaction(scanner.db) as s:
        wait = bookings.add_waiting(
            s, scanner.actor("clerk_b"), scanner.resource, saturday, saturday
        )
    assert _status(scanner) == {wait.id: ("waiting", None)}
    with transaction(scanner.db) as s:
        opening = OpeningInput(5, "09:00", "11:00")  # Saturday 08:00 and 09:00 UTC
        added, _ = set_availability(
            s, scanner.actor("manager"), scanner.resource, [*WEEKDAYS, opening]
        )
        assert added == 8  # the four Saturdays of the 30 days ahead, two slots each
        alert = s.scalars(select(AlertRow).where(AlertRow.kind == "sharing.waiting")).one()
        assert alert.account_id == scanner.clerk_b.account_id
    assert _status(scanner) == {wait.id: ("offered", utc(12, 8))}


def test_the_horizon_moving_on_offers_the_new_day(scanner: Scanner, sharing_clock: Clock) -> None:
    seventh = date(2027, 1, 7)  # beyond the 30 days on Monday; inside them on Tuesday
    with transaction(scanner.db) as s:
        wait = bookings.add_waiting(s, scanner.actor("clerk_a"), scanner.resource, seventh, seventh)
    sharing_clock.moment = utc(8, 6)
    with transaction(scanner.db) as s:
        assert jobs.extend_slots(s, utc(8, 6)).counts["slots_added"] == 4
    assert _status(scanner) == {wait.id: ("offered", utc(7, 7, month=1, year=2027))}


def test_an_offer_another_partner_took_waits_for_the_next_slot(scanner: Scanner) -> None:
    tuesday = date(2026, 12, 8)
    with transaction(scanner.db) as s:
        first = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7))
        second = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 8))
        for start in (9, 10):
            bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, start))
        wait = bookings.add_waiting(s, scanner.actor("clerk_b"), scanner.resource, tuesday, tuesday)
    with transaction(scanner.db) as s:
        bookings.cancel(s, scanner.actor("clerk_a"), first.id)
    assert _status(scanner) == {wait.id: ("offered", utc(8, 7))}
    with transaction(scanner.db) as s:  # A takes the freed slot back before B does
        bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7))
        bookings.cancel(s, scanner.actor("clerk_a"), second.id)
    assert _status(scanner) == {wait.id: ("offered", utc(8, 8))}


def test_a_mission_offers_the_slots_no_referral_holds_to_the_waiting(
    scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeReferrals([31])
    monkeypatch.setattr(referral_seam, "_referrals", fake.module)
    thursday = date(2026, 12, 10)
    with transaction(scanner.db) as s:
        specialist = add_specialist(s, scanner.local, "ophthalmology", HP_TIZGUI, "Ophtalmo", "t")
        rules = RuleInput(slot_minutes=30, buffer_minutes=0, min_notice_hours=24)
        resource = share_specialist(s, scanner.actor("manager"), specialist.id, rules, "ophtalmo")
        wait = bookings.add_waiting(
            s, scanner.actor("clerk_b"), resource.id, thursday, thursday, facility_id=CSR_AIT_LHOU
        )
        mission = calendar.add_mission(
            s, scanner.actor("manager"), resource.id, CSR_AIT_LHOU, thursday, "09:00", "11:00"
        )
        assert mission.held == (31,)  # the referral first: 08:00 UTC
        waiting = {w.id: w for w in bookings.list_waiting(s, resource.id)}
        offered = s.get_one(SlotRow, waiting[wait.id].offered_slot)
        assert (waiting[wait.id].status, offered.start) == ("offered", utc(10, 8, 30))
