"""The sign-in delay: nothing for 4 failures, then 1 s, 2 s, 4 s… capped at 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qurb.identity.throttle import MAX_DELAY, delay_after, wait_remaining


def test_delays_double_from_the_fifth_failure_up_to_fifteen_minutes() -> None:
    seconds = [delay_after(n).total_seconds() for n in range(0, 17)]
    assert seconds[:5] == [0, 0, 0, 0, 0]
    assert seconds[5:15] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert seconds[15:] == [900, 900]  # 2^10 = 1024 s, capped
    assert delay_after(10**9) == MAX_DELAY


def test_wait_remaining_counts_from_the_last_failure() -> None:
    last = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)
    assert wait_remaining(7, last, last + timedelta(seconds=1)) == timedelta(seconds=3)
    assert wait_remaining(7, last, last + timedelta(seconds=4)) == timedelta(0)
    assert wait_remaining(4, last, last) == timedelta(0)
    assert wait_remaining(9, None, last) == timedelta(0)
