"""The pure arithmetic of shared resources, with answers worked out by hand. Africa/
Casablanca is UTC+1 in December 2026 and UTC+0 during Ramadan 2027 (22 February 2027)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from qurb.sharing.model import (
    Allowance,
    Month,
    Opening,
    PartnerMonth,
    Refusal,
    Rules,
    Slot,
    allow,
    check_consecutive,
    check_notice,
    day_slots,
    grid,
    month_bounds,
    month_of,
    parse_hhmm,
    quota_in_slots,
    release_due,
    wanted_slots,
    where_is,
)

RULES = Rules(slot_minutes=40, buffer_minutes=20, min_notice_hours=24, max_notice_days=30)
MONDAY = date(2026, 12, 7)


def utc(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_morning_is_cut_into_uses_and_buffers_in_utc() -> None:
    # 08:00–12:00 local (07:00–11:00 UTC), 40 min + 20 min: 4 slots, the last ending at 12:00.
    slots = day_slots(MONDAY, time(8), time(12), RULES)
    assert slots == [Slot(utc(7, h), utc(7, h, 40), utc(7, h + 1)) for h in (7, 8, 9, 10)]


def test_a_slot_whose_buffer_passes_closing_is_not_in_the_grid() -> None:
    rules = Rules(slot_minutes=45, buffer_minutes=15)
    assert [s.start for s in day_slots(MONDAY, time(8), time(11, 50), rules)] == [
        utc(7, 7),
        utc(7, 8),
        utc(7, 9),
    ]


def test_daily_capacity_keeps_the_first_slots() -> None:
    slots = day_slots(MONDAY, time(8), time(12), RULES, capacity=2)
    assert [s.start for s in slots] == [utc(7, 7), utc(7, 8)]


def test_ramadan_local_times_are_utc_plus_zero() -> None:
    slots = day_slots(date(2027, 2, 22), time(8), time(9), RULES)
    assert slots == [Slot(utc(22, 8, 0, 2, 2027), utc(22, 8, 40, 2, 2027), utc(22, 9, 0, 2, 2027))]


def test_grid_follows_weekdays_and_validity() -> None:
    openings = [
        Opening(0, time(8), time(10)),  # Mondays: 2 slots
        Opening(2, time(14), time(15), valid_from=date(2026, 12, 10)),  # Wednesdays from the 10th
    ]
    slots = grid(openings, RULES, date(2026, 12, 7), date(2026, 12, 16))
    assert [s.start for s in slots] == [
        utc(7, 7),
        utc(7, 8),
        utc(14, 7),
        utc(14, 8),
        utc(16, 13),  # Wednesday the 9th is before valid_from
    ]


def test_two_openings_giving_the_same_start_give_one_slot() -> None:
    openings = [Opening(0, time(8), time(10)), Opening(0, time(8), time(9))]
    assert len(grid(openings, RULES, MONDAY, MONDAY)) == 2


def test_hhmm_is_checked() -> None:
    assert parse_hhmm("08:30") == time(8, 30)
    for bad in ("8:30", "0830", "25:00", "08:60", "ab:cd"):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


def test_a_start_is_a_slot_start_or_says_where_it_falls() -> None:
    slots = day_slots(MONDAY, time(8), time(10), RULES)
    assert where_is(utc(7, 7), slots) is None
    assert where_is(utc(7, 7, 10), slots) is Refusal.NOT_SLOT_START
    assert where_is(utc(7, 7, 50), slots) is Refusal.IN_BUFFER  # 07:40–08:00 UTC is cleaning
    assert where_is(utc(7, 12), slots) is Refusal.OUTSIDE_AVAILABILITY


def test_notice_bounds() -> None:
    now = utc(7, 7)
    assert check_notice(utc(8, 6, 59), now, RULES) is Refusal.INSIDE_MIN_NOTICE
    assert check_notice(utc(8, 7), now, RULES) is None  # exactly 24 h ahead
    assert check_notice(utc(6, 7, 0, 1, 2027), now, RULES) is None  # exactly 30 days
    assert check_notice(utc(6, 7, 1, 1, 2027), now, RULES) is Refusal.BEYOND_MAX_NOTICE


def test_several_slots_must_follow_each_other() -> None:
    slots = grid([Opening(0, time(8), time(10))], RULES, MONDAY, date(2026, 12, 14))
    assert wanted_slots(utc(7, 7), 2, slots) == slots[:2]
    # the second Monday slot is followed by next Monday's: not consecutive
    assert wanted_slots(utc(7, 8), 2, slots) is Refusal.SLOTS_NOT_CONSECUTIVE
    assert wanted_slots(utc(14, 8), 2, slots) is Refusal.SLOTS_NOT_CONSECUTIVE  # grid ends
    assert wanted_slots(utc(7, 7, 45), 1, slots) is Refusal.IN_BUFFER
    assert check_consecutive([slots[0], slots[2]]) is Refusal.SLOTS_NOT_CONSECUTIVE


def test_quota_in_slots_rounds_hours_down() -> None:
    assert quota_in_slots("slots", 7, 40) == 7
    assert quota_in_slots("hours", 3, 40) == 4  # 180 min / 40 = 4.5
    assert quota_in_slots("hours", 2, 30) == 4
    with pytest.raises(ValueError):
        quota_in_slots("days", 1, 30)


def test_quota_first_then_pool_then_refused() -> None:
    # 100 open slots, 80 allocated, 5 released, 10 taken from the pool: 15 left in it.
    month = Month(capacity=100, allocated=80, released=5, pool_used=10)
    assert month.pool_left == 15
    partner = PartnerMonth(quota=20, booked=18)
    assert allow(2, partner, month) == Allowance(2, 0)
    assert allow(17, partner, month) == Allowance(2, 15)
    assert allow(18, partner, month) is Refusal.BEYOND_QUOTA
    # A partner without quota books from the pool only.
    assert allow(15, PartnerMonth(None, 0), month) == Allowance(0, 15)
    assert allow(16, PartnerMonth(None, 0), month) is Refusal.BEYOND_QUOTA
    # What was released is no longer the partner's.
    assert PartnerMonth(quota=20, booked=10, released=10).left == 0


def test_over_allocated_capacity_leaves_only_releases_in_the_pool() -> None:
    assert Month(capacity=50, allocated=80, released=3, pool_used=1).pool_left == 2


def test_months_are_local() -> None:
    # 23:30 UTC on 31 December is 00:30 on 1 January in Casablanca.
    assert month_of(utc(31, 23, 30)) == "2027-01"
    assert month_bounds("2026-12") == (utc(30, 23, 0, 11), utc(31, 23, 0, 12))
    assert release_due("2026-12", 5, utc(26, 23)) is True
    assert release_due("2026-12", 5, utc(26, 22, 59)) is False
    assert release_due("2026-12", 5, utc(31, 23)) is False  # the month is over
