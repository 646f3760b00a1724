"""The shared resources' jobs on the scanner of tests/sharing_region.py, and a visiting
specialist's mission offered first to the referrals pending at the host. The referrals
package is not part of this test: a small fake stands in for `qurb.referrals.service`
(its `pending_for` and `on_booking`, the seam both packages code to)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.registry.specialists import add_specialist
from qurb.sharing import booking_service as bookings
from qurb.sharing import calendar_service as calendar
from qurb.sharing import jobs, quota_service, referral_seam
from qurb.sharing._tables import QuotaReleaseRow, SlotRow
from qurb.sharing.service import RuleInput, share_specialist, slot_count
from tests.regions import HP_TIZGUI
from tests.sharing_region import (
    CSR_AIT_LHOU,
    PARTNER_A,
    PARTNER_B,
    Clock,
    Scanner,
    sharing_clock,
    utc,
)

__all__ = ["sharing_clock"]


@pytest.fixture
def scanner(small_region_db, sharing_clock: Clock) -> Scanner:  # type: ignore[no-untyped-def]
    return Scanner(small_region_db())


class FakeReferrals:
    """What the seam asks of referrals: the pending ones, and each booking's news."""

    def __init__(self, pending: list[int]) -> None:
        self.pending = pending
        self.news: list[tuple[int, int, str]] = []

    def module(self) -> SimpleNamespace:
        return SimpleNamespace(pending_for=self.pending_for, on_booking=self.on_booking)

    def pending_for(
        self, session: Session, facility_id: str, specialty: str | None, service: str | None
    ) -> list[int]:
        return list(self.pending) if facility_id == CSR_AIT_LHOU else []

    def on_booking(
        self, session: Session, actor: Actor, referral: int, booking: int, event: str, at: datetime
    ) -> None:
        self.news.append((referral, booking, event))


@pytest.fixture
def referrals(monkeypatch: pytest.MonkeyPatch) -> FakeReferrals:
    fake = FakeReferrals([31, 32])
    monkeypatch.setattr(referral_seam, "_referrals", fake.module)
    return fake


def test_the_slots_job_moves_the_horizon_on(scanner: Scanner, sharing_clock: Clock) -> None:
    with transaction(scanner.db) as s:
        assert jobs.extend_slots(s, utc(7, 6)).counts["slots_added"] == 0
    # A day later the horizon reaches Thursday 7 January: 4 more slots; past ones stay.
    with transaction(scanner.db) as s:
        outcome = jobs.extend_slots(s, utc(8, 6))
        assert outcome.counts == {"resources": 1, "slots_added": 4, "slots_removed": 0}
        assert slot_count(s, scanner.resource) == 96


def test_a_booking_not_checked_in_after_the_grace_is_a_no_show(
    scanner: Scanner, sharing_clock: Clock
) -> None:
    with transaction(scanner.db) as s:
        late = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7))
        came = bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(8, 8))
    with transaction(scanner.db) as s:
        bookings.check_in(s, scanner.actor("manager"), came.id)
        # 07:29: inside the 30 minutes of grace
        assert jobs.release_no_shows(s, utc(8, 7, 29)).counts == {"no_shows": 0}
    with transaction(scanner.db) as s:
        assert jobs.release_no_shows(s, utc(8, 7, 30)).counts == {"no_shows": 1}
        assert bookings.get_booking(s, late.id).status == "no_show"
        assert bookings.get_booking(s, came.id).status == "checked_in"
        # the time is gone: the slot stays used, and still counts (neither partner has a
        # quota: both bookings came from the pool)
        slot = s.scalars(select(SlotRow).where(SlotRow.start == utc(8, 7))).one()
        assert slot.booking_id == late.id
        assert quota_service.month_state(s, scanner.resource, "2026-12").pool_used == 2


def test_unused_quota_is_released_before_the_months_end(
    scanner: Scanner, sharing_clock: Clock
) -> None:
    with transaction(scanner.db) as s:
        manager = scanner.actor("manager")
        quota_service.set_quota(
            s, manager, scanner.resource, PARTNER_A, scanner.convention, "slots", 10, 5
        )
        quota_service.set_quota(
            s, manager, scanner.resource, PARTNER_B, scanner.convention, "slots", 20, 5
        )
        for day in (8, 9, 10):
            bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(day, 7))
    # December ends at 23:00 UTC on the 31st (midnight local): release from the 26th 23:00.
    with transaction(scanner.db) as s:
        assert quota_service.release(s, utc(26, 22)).counts["released"] == 0
    with transaction(scanner.db) as s:
        assert quota_service.release(s, utc(26, 23)).counts == {
            "quotas": 2,
            "released": 2,
            "slots": 7 + 20,
        }
        assert quota_service.release(s, utc(27, 8)).counts["released"] == 0  # once only
        released = dict(s.execute(select(QuotaReleaseRow.quota_id, QuotaReleaseRow.slots)).all())
        assert sorted(released.values()) == [7, 20]
        a = quota_service.partner_month(s, scanner.resource, PARTNER_A, "2026-12")
        assert (a.quota, a.booked, a.released, a.left) == (10, 3, 7, 0)


def test_a_mission_offers_its_slots_to_pending_referrals_first(
    scanner: Scanner, referrals: FakeReferrals
) -> None:
    with transaction(scanner.db) as s:
        specialist = add_specialist(
            s, scanner.local, "ophthalmology", HP_TIZGUI, "Ophtalmo CHU", "t"
        )
        rules = RuleInput(slot_minutes=30, buffer_minutes=0, min_notice_hours=24)
        resource = share_specialist(s, scanner.actor("manager"), specialist.id, rules, "ophtalmo")
        # Thursday 10 December, 09:00–11:00 local at the CSR: 4 slots of 30 min from 08:00 UTC.
        mission = calendar.add_mission(
            s,
            scanner.actor("manager"),
            resource.id,
            CSR_AIT_LHOU,
            date(2026, 12, 10),
            "09:00",
            "11:00",
        )
    assert (mission.slots, mission.held) == (4, (31, 32))
    with transaction(scanner.db) as s:
        held = s.scalars(
            select(SlotRow).where(SlotRow.mission_id == mission.id).order_by(SlotRow.start)
        ).all()
        assert [(h.held_for, h.held_until) for h in held] == [
            (31, utc(9, 6)),  # 48 h from now
            (32, utc(9, 6)),
            (None, None),
            (None, None),
        ]
        assert held[0].facility_id == CSR_AIT_LHOU
        alert = s.scalars(select(AlertRow).where(AlertRow.kind == "sharing.mission")).one()
        assert alert.permission == "referrals.handle"
    with pytest.raises(Conflict) as taken, transaction(scanner.db) as s:
        bookings.book(
            s, scanner.actor("clerk_b"), resource.id, utc(10, 8), facility_id=CSR_AIT_LHOU
        )
    assert taken.value.code == "slot_taken"
    with transaction(scanner.db) as s:
        booked = bookings.book(
            s,
            scanner.actor("clerk_b"),
            resource.id,
            utc(10, 8),
            facility_id=CSR_AIT_LHOU,
            referral_id=31,
        )
        bookings.cancel(s, scanner.actor("clerk_b"), booked.id)
    assert referrals.news == [(31, booked.id, "booked"), (31, booked.id, "cancelled")]
    assert PARTNER_B  # the clerk books for its own partner


def test_a_held_slot_is_free_for_anyone_after_its_hold(
    scanner: Scanner, referrals: FakeReferrals, sharing_clock: Clock
) -> None:
    with transaction(scanner.db) as s:
        specialist = add_specialist(s, scanner.local, "ophthalmology", HP_TIZGUI, "Ophtalmo", "t")
        rules = RuleInput(slot_minutes=30, buffer_minutes=0, min_notice_hours=24)
        resource = share_specialist(s, scanner.actor("manager"), specialist.id, rules, "ophtalmo")
        calendar.add_mission(
            s,
            scanner.actor("manager"),
            resource.id,
            CSR_AIT_LHOU,
            date(2026, 12, 14),
            "09:00",
            "10:00",
        )
    sharing_clock.moment = utc(9, 6, 1)  # 48 h and a minute later
    with transaction(scanner.db) as s:
        booked = bookings.book(
            s, scanner.actor("clerk_b"), resource.id, utc(14, 8), facility_id=CSR_AIT_LHOU
        )
    assert booked.status == "confirmed"


def test_utilisation_and_the_reconciliation_of_a_month(
    scanner: Scanner, sharing_clock: Clock
) -> None:
    from qurb.sharing.measures import PartnerLine, reconciliation, utilisation

    with transaction(scanner.db) as s:
        manager = scanner.actor("manager")
        quota_service.set_quota(
            s, manager, scanner.resource, PARTNER_A, scanner.convention, "slots", 4, 5
        )
        a = [
            bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(d, 7))
            for d in (8, 9, 10)
        ]
        b = bookings.book(s, scanner.actor("clerk_b"), scanner.resource, utc(8, 8), 2)
        bookings.cancel(s, scanner.actor("clerk_a"), a[2].id)
        calendar.add_downtime(s, manager, scanner.resource, utc(11, 0), utc(12, 0), "maintenance")
    with transaction(scanner.db) as s:
        bookings.check_in(s, scanner.actor("manager"), a[0].id)
        jobs.release_no_shows(s, utc(9, 9))  # A's booking of the 9th and B's of the 8th
        assert bookings.get_booking(s, b.id).status == "no_show"
        used = utilisation(s, scanner.resource, "2026-12")
        lines = reconciliation(s, scanner.resource, "2026-12")
    # 76 December slots, the 4 of Friday the 11th closed: 72 open; booked: A 2, B 2.
    assert used.__dict__ == {
        "resource_id": scanner.resource,
        "month": "2026-12",
        "open": 72,
        "booked": 4,
        "used": 1,
        "no_shows": 3,
        "closed": 4,
        "share": round(4 / 72, 4),
    }
    assert lines == [
        PartnerLine("csr-ait-lhou", None, 2, 0, 2, 0, 0, 2, None),
        PartnerLine("hp-tizgui", 4, 2, 1, 1, 1, 0, 0, 0.5),
    ]
