"""Bookings of the shared scanner of tests/sharing_region.py: every refusal of the issue
(outside availability, in a buffer, inside the minimum notice, beyond a partner's quota,
on a resource that is down), a slot taken twice, cancellation with the waiting list,
rescheduling, approval; each write audited, a refusal writes nothing. Runs on SQLite and
on PostgreSQL (skipped without QURB_TEST_POSTGRES_URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.kernel.errors import Conflict, Forbidden, QurbError
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.sharing import booking_service as bookings
from qurb.sharing import calendar_service as calendar
from qurb.sharing import quota_service as quotas
from qurb.sharing._tables import BookingRow, SlotRow
from qurb.sharing.service import RuleInput, slot_count
from tests.sharing_region import (
    PARTNER_A,
    PARTNER_B,
    RULES,
    Clock,
    Scanner,
    sharing_clock,
    utc,
)

__all__ = ["sharing_clock"]
Factory = object


@pytest.fixture
def scanner(small_region_db, sharing_clock: Clock) -> Scanner:  # type: ignore[no-untyped-def]
    return Scanner(small_region_db())


def _count(db: sessionmaker[Session], what: type) -> int:
    with transaction(db) as s:
        return s.scalar(select(func.count()).select_from(what)) or 0


def test_slots_are_materialised_up_to_the_maximum_notice(scanner: Scanner) -> None:
    # Weekdays from Monday 7 December to Wednesday 6 January (30 days on): 23 days × 4.
    assert scanner.slots_made == (92, 0)
    with transaction(scanner.db) as s:
        assert slot_count(s, scanner.resource) == 92
        first = s.scalars(select(SlotRow).order_by(SlotRow.start).limit(1)).one()
        assert (first.start, first.end, first.buffer_end) == (utc(7, 7), utc(7, 7, 40), utc(7, 8))


def test_a_booking_claims_its_slots_and_a_second_one_is_refused(scanner: Scanner) -> None:
    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7), 2)
    assert (booked.status, booked.partner_id, booked.end, booked.slots) == (
        "confirmed",
        PARTNER_A,
        utc(8, 8, 40),
        2,
    )
    entries = _count(scanner.db, BookingRow)
    with pytest.raises(Conflict) as taken, transaction(scanner.db) as s:
        bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(8, 8))
    assert taken.value.code == "slot_taken"
    assert _count(scanner.db, BookingRow) == entries  # rolled back
    with transaction(scanner.db) as s:
        held = s.scalars(select(SlotRow.start).where(SlotRow.booking_id == booked.id)).all()
        assert sorted(held) == [utc(8, 7), utc(8, 8)]
        assert [e.action for e in audit.entries(s, audit.EntryFilter(entity_kind="booking"))] == [
            "booking.create"
        ]


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (utc(12, 8), "outside_availability"),  # a Saturday
        (utc(8, 11), "outside_availability"),  # after closing (12:00 local)
        (utc(8, 7, 50), "in_buffer"),  # 07:40–08:00 UTC is cleaning
        (utc(8, 7, 10), "not_slot_start"),
        (utc(7, 10), "inside_min_notice"),  # 4 h from now, 24 h needed
        (utc(8, 10, 0, 1, 2027), "beyond_max_notice"),
    ],
)
def test_bad_starts_are_refused_with_their_code(scanner: Scanner, start, code) -> None:  # type: ignore[no-untyped-def]
    with transaction(scanner.db) as s:
        before = audit.count(s)
    with pytest.raises(QurbError) as refused, transaction(scanner.db) as s:
        bookings.book(s, scanner.actor("clerk_a"), scanner.resource, start)
    assert refused.value.code == code
    with transaction(scanner.db) as s:
        assert audit.count(s) == before
    assert _count(scanner.db, BookingRow) == 0


def test_slots_across_a_gap_are_not_consecutive(scanner: Scanner) -> None:
    with pytest.raises(QurbError) as refused, transaction(scanner.db) as s:
        bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 10), 2)
    assert refused.value.code == "slots_not_consecutive"


def test_quota_then_pool_then_beyond_quota(scanner: Scanner) -> None:
    # December from the 7th: 19 weekdays × 4 = 76 slots. A has 2 slots a month, B 48 h
    # (72 slots of 40 min): 74 allocated, a pool of 2.
    with transaction(scanner.db) as s:
        manager = scanner.actor("manager")
        quotas.set_quota(s, manager, scanner.resource, PARTNER_A, scanner.convention, "slots", 2, 5)
        b = quotas.set_quota(
            s, manager, scanner.resource, PARTNER_B, scanner.convention, "hours", 48, 5
        )
        assert b.slots == 72
        assert quotas.month_state(s, scanner.resource, "2026-12").pool_left == 2
    clerk = scanner.actor("clerk_a")
    pools = []
    for day in (8, 9, 10, 11):
        with transaction(scanner.db) as s:
            pools.append(bookings.book(s, clerk, scanner.resource, utc(day, 7)).from_pool)
    assert pools == [0, 0, 1, 1]
    with pytest.raises(Conflict) as refused, transaction(scanner.db) as s:
        bookings.book(s, clerk, scanner.resource, utc(14, 7))
    assert refused.value.code == "beyond_quota"
    # B still has its quota; January is another month for A.
    with transaction(scanner.db) as s:
        assert (
            bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(14, 7)).from_pool == 0
        )
        assert bookings.book(s, clerk, scanner.resource, utc(4, 7, 0, 1, 2027)).from_pool == 0


def test_cancel_frees_the_slots_and_offers_them_to_the_first_waiting(scanner: Scanner) -> None:
    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7))
        first = bookings.add_waiting(
            s, scanner.actor("clerk_b"), scanner.resource, utc(8, 0).date(), utc(9, 0).date()
        )
        later = bookings.add_waiting(
            s, scanner.actor("clerk_a"), scanner.resource, utc(8, 0).date(), utc(8, 0).date()
        )
    alerts = _count(scanner.db, AlertRow)
    with transaction(scanner.db) as s:
        cancelled = bookings.cancel(s, scanner.actor("clerk_a"), booked.id, "patient better")
        assert cancelled.status == "cancelled"
        waiting = {w.id: w for w in bookings.list_waiting(s, scanner.resource)}
        slot = s.scalars(select(SlotRow).where(SlotRow.start == utc(8, 7))).one()
        assert slot.booking_id is None
        assert (waiting[first.id].status, waiting[first.id].offered_slot) == ("offered", slot.id)
        assert waiting[later.id].status == "waiting"
        alert = s.scalars(select(AlertRow).order_by(AlertRow.id.desc()).limit(1)).one()
        assert alert.account_id == scanner.clerk_b.account_id
    assert _count(scanner.db, AlertRow) == alerts + 1
    with transaction(scanner.db) as s:  # B takes it; its waiting is served
        bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(8, 7))
        assert {w.id: w.status for w in bookings.list_waiting(s, scanner.resource)}[
            first.id
        ] == "booked"
    with pytest.raises(Conflict) as again, transaction(scanner.db) as s:
        bookings.cancel(s, scanner.actor("clerk_a"), booked.id)
    assert again.value.code == "booking_status_conflict"


def test_another_partner_may_not_cancel(scanner: Scanner) -> None:
    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7))
    with pytest.raises(Forbidden), transaction(scanner.db) as s:
        bookings.cancel(s, scanner.actor("clerk_b"), booked.id)


def test_reschedule_claims_new_slots_and_frees_the_old_in_one_go(scanner: Scanner) -> None:
    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7), 2)
        bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(9, 8))
    with pytest.raises(Conflict) as taken, transaction(scanner.db) as s:
        bookings.reschedule(s, scanner.actor("clerk_a"), booked.id, utc(9, 7))
    assert taken.value.code == "slot_taken"
    with transaction(scanner.db) as s:  # nothing moved
        assert bookings.get_booking(s, booked.id).start == utc(8, 7)
        # one slot later: overlapping its own old slot is fine
        moved = bookings.reschedule(s, scanner.actor("clerk_a"), booked.id, utc(8, 8))
    assert (moved.start, moved.end) == (utc(8, 8), utc(8, 9, 40))
    with transaction(scanner.db) as s:
        held = s.scalars(select(SlotRow.start).where(SlotRow.booking_id == booked.id)).all()
        assert sorted(held) == [utc(8, 8), utc(8, 9)]


def test_downtime_closes_slots_displaces_bookings_and_refuses_new_ones(scanner: Scanner) -> None:
    with transaction(scanner.db) as s:
        a = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(9, 8), 2)
        b = bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(10, 7))
    with transaction(scanner.db) as s:
        down = calendar.add_downtime(
            s, scanner.actor("manager"), scanner.resource, utc(9, 9), utc(10, 0), "tube changed"
        )
    assert (down.slots_closed, down.bookings_displaced) == (2, 1)  # 09:00 and 10:00 UTC
    with transaction(scanner.db) as s:
        assert bookings.get_booking(s, a.id).status == "displaced"
        assert bookings.get_booking(s, a.id).reason == "tube changed"
        assert bookings.get_booking(s, b.id).status == "confirmed"
        # all of A's slots are free again; the 08:00 one (not covered) is bookable
        assert s.scalar(select(func.count()).where(SlotRow.booking_id == a.id)) == 0
        alert = s.scalars(select(AlertRow).order_by(AlertRow.id.desc()).limit(1)).one()
        assert (alert.account_id, alert.words_key) == (
            scanner.clerk_a.account_id,
            "alert.sharing_booking_displaced",
        )
    with pytest.raises(Conflict) as refused, transaction(scanner.db) as s:
        bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(9, 9))
    assert refused.value.code == "resource_down"


def test_approval_required_bookings_wait_for_a_manager(
    small_region_db,  # type: ignore[no-untyped-def]
    sharing_clock: Clock,
) -> None:
    from dataclasses import replace

    scanner = Scanner(small_region_db(), replace(RULES, approval_required=True))
    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7))
        other = bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(8, 8))
    assert booked.status == "requested"
    with pytest.raises(Forbidden), transaction(scanner.db) as s:
        bookings.approve(s, scanner.actor("clerk_a"), booked.id)
    with transaction(scanner.db) as s:
        assert bookings.approve(s, scanner.actor("manager"), booked.id).status == "confirmed"
        refused = bookings.refuse(s, scanner.actor("manager"), other.id, "no contrast agent")
        assert refused.status == "refused"
        assert s.scalar(select(func.count()).where(SlotRow.booking_id == other.id)) == 0
        assert bookings.check_in(s, scanner.actor("manager"), booked.id).status == "checked_in"


def test_a_manager_elsewhere_may_not_share_or_set_availability(scanner: Scanner) -> None:
    from qurb.sharing.service import OpeningInput, set_availability

    with pytest.raises(Forbidden), transaction(scanner.db) as s:
        set_availability(
            s, scanner.actor("elsewhere"), scanner.resource, [OpeningInput(5, "08:00", "09:00")]
        )


def test_narrower_availability_removes_free_slots_and_keeps_booked_ones(scanner: Scanner) -> None:
    from qurb.sharing.service import OpeningInput, set_availability

    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 10))
        # Mornings now end at 10:00 local: the 09:00 and 10:00 UTC slots go, but one is booked.
        added, removed = set_availability(
            s,
            scanner.actor("manager"),
            scanner.resource,
            [OpeningInput(d, "08:00", "10:00") for d in range(5)],
        )
        assert (added, removed) == (0, 23 * 2 - 1)
        assert bookings.get_booking(s, booked.id).status == "confirmed"
        assert slot_count(s, scanner.resource) == 92 - 45


def test_rules_out_of_range_are_refused(scanner: Scanner) -> None:
    from qurb.sharing.service import share_equipment

    with pytest.raises(QurbError) as bad, transaction(scanner.db) as s:
        share_equipment(s, scanner.local, scanner.equipment, RuleInput(slot_minutes=2), "imaging")
    assert bad.value.code == "sharing_rule_out_of_range"
    with pytest.raises(Conflict) as twice, transaction(scanner.db) as s:
        share_equipment(s, scanner.local, scanner.equipment, RULES, "imaging")
    assert twice.value.code == "resource_already_shared"
