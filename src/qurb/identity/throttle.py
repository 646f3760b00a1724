"""How long sign-in attempts wait after failures. Pure: no I/O.

Failures are counted over the last 15 minutes, for the account and for the address the
attempt comes from (the larger count rules). Up to 4 nothing waits; from the 5th on, an
attempt made less than 2^(n−5) seconds after the last failure (1 s after the 5th, 2 s
after the 6th, …, capped at 15 minutes from the 15th) is refused without the password
being checked, and is not counted as a failure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 4  # failures in the window before any wait
MAX_DELAY = timedelta(minutes=15)


def delay_after(failures: int) -> timedelta:
    """The wait after `failures` failures in the window."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    exponent = failures - FREE_FAILURES - 1
    if exponent >= 10:  # 2^10 s is past the cap already
        return MAX_DELAY
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def wait_remaining(failures: int, last_failure: datetime | None, now: datetime) -> timedelta:
    """How long an attempt at `now` must still wait (zero: it may be checked)."""
    if last_failure is None:
        return timedelta(0)
    remaining = last_failure + delay_after(failures) - now
    return max(remaining, timedelta(0))
