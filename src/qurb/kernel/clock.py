"""The time, in one place: services ask `now()` (UTC, aware) and `today()`, so tests and
commands (`--today`) can fix it."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()
