"""The arithmetic of shared resources, pure (no I/O): the slot grid of a resource from its
weekly openings or a mission's day, the checks a booking must pass (each a coded refusal)
and the quota arithmetic of a partner's month.

Times of day are local to the facilities (Africa/Casablanca, whose offset changes around
Ramadan); every moment computed is UTC. A slot is one use (`slot_minutes`) followed by its
buffer (`buffer_minutes`: cleaning, calibration); the next slot starts at the buffer's end.
A slot is in the grid only if its use AND its buffer end by the opening's closing time."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Africa/Casablanca")


class Refusal(enum.StrEnum):
    """Why a booking is refused; each is an error code (`error.<code>`)."""

    OUTSIDE_AVAILABILITY = "outside_availability"
    IN_BUFFER = "in_buffer"
    NOT_SLOT_START = "not_slot_start"
    INSIDE_MIN_NOTICE = "inside_min_notice"
    BEYOND_MAX_NOTICE = "beyond_max_notice"
    SLOTS_NOT_CONSECUTIVE = "slots_not_consecutive"
    BEYOND_QUOTA = "beyond_quota"


@dataclass(frozen=True)
class Rules:
    """A resource's booking rules, in the units their names say."""

    slot_minutes: int
    buffer_minutes: int
    min_notice_hours: int = 0
    max_notice_days: int = 365

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes + self.buffer_minutes)


@dataclass(frozen=True)
class Opening:
    """A weekly opening: weekday 0 (Monday) … 6, local times, at most `daily_capacity`
    slots that day (None: as many as fit), between optional dates (inclusive)."""

    weekday: int
    opens: time
    closes: time
    daily_capacity: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def applies(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True, order=True)
class Slot:
    """[start, end) the use, [end, buffer_end) its buffer; UTC."""

    start: datetime
    end: datetime
    buffer_end: datetime


def parse_hhmm(text: str) -> time:
    """`08:30` → 08:30; ValueError for anything else (hours 00–23, minutes 00–59)."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"not a time of day HH:MM: {text!r}")
    return time(int(hours), int(minutes))


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LOCAL_ZONE).astimezone(UTC)


def day_slots(
    day: date, opens: time, closes: time, rules: Rules, capacity: int | None = None
) -> list[Slot]:
    """The slots of one local day's opening, first first: each starts at the previous
    one's buffer end; the first `capacity` of them (all when None). Stepped on the wall
    clock, so a day's slots keep their local times whatever the UTC offset."""
    slots: list[Slot] = []
    start = datetime.combine(day, opens)  # naive local wall-clock time
    closing = datetime.combine(day, closes)
    use, buffer = timedelta(minutes=rules.slot_minutes), timedelta(minutes=rules.buffer_minutes)
    while start + use + buffer <= closing and (capacity is None or len(slots) < capacity):
        utc = [
            (start + d).replace(tzinfo=LOCAL_ZONE).astimezone(UTC)
            for d in (timedelta(0), use, use + buffer)
        ]
        slots.append(Slot(utc[0], utc[1], utc[2]))
        start += use + buffer
    return slots


def grid(openings: Iterable[Opening], rules: Rules, first: date, last: date) -> list[Slot]:
    """The resource's slots from local day `first` to `last` inclusive, by start (two
    openings giving the same start give one slot)."""
    openings = list(openings)
    found: dict[datetime, Slot] = {}
    day = first
    while day <= last:
        for o in openings:
            if o.applies(day):
                for s in day_slots(day, o.opens, o.closes, rules, o.daily_capacity):
                    found.setdefault(s.start, s)
        day += timedelta(days=1)
    return [found[k] for k in sorted(found)]


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def month_of(moment: datetime) -> str:
    """The local calendar month of a moment, YYYY-MM."""
    day = local_day(moment)
    return f"{day.year}-{day.month:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar month YYYY-MM, as UTC moments."""
    year, number = int(month[:4]), int(month[5:7])
    following = date(year + number // 12, number % 12 + 1, 1)
    return _utc(date(year, number, 1), time(0)), _utc(following, time(0))


# ------------------------------------------------------------------------ booking checks


def where_is(start: datetime, slots: Sequence[Slot]) -> Refusal | None:
    """None when `start` is a slot's start; else whether it falls in a use, in a buffer,
    or outside the availability."""
    for s in slots:
        if s.start == start:
            return None
        if s.start < start < s.end:
            return Refusal.NOT_SLOT_START
        if s.end <= start < s.buffer_end:
            return Refusal.IN_BUFFER
    return Refusal.OUTSIDE_AVAILABILITY


def check_notice(start: datetime, now: datetime, rules: Rules) -> Refusal | None:
    """Refused when the start is less than `min_notice_hours` away, or more than
    `max_notice_days`."""
    if start - now < timedelta(hours=rules.min_notice_hours):
        return Refusal.INSIDE_MIN_NOTICE
    if start - now > timedelta(days=rules.max_notice_days):
        return Refusal.BEYOND_MAX_NOTICE
    return None


def check_consecutive(slots: Sequence[Slot]) -> Refusal | None:
    """Several slots of one booking: each starts where the previous one's buffer ends."""
    for before, after in itertools.pairwise(slots):
        if after.start != before.buffer_end:
            return Refusal.SLOTS_NOT_CONSECUTIVE
    return None


def wanted_slots(start: datetime, count: int, slots: Sequence[Slot]) -> list[Slot] | Refusal:
    """The `count` slots a booking from `start` takes, or why not (its start not a slot's
    start; the grid running out or jumping a gap before `count` slots)."""
    where = where_is(start, slots)
    if where is not None:
        return where
    first = next(i for i, s in enumerate(slots) if s.start == start)
    taken = list(slots[first : first + count])
    if len(taken) < count:
        return Refusal.SLOTS_NOT_CONSECUTIVE
    refusal = check_consecutive(taken)
    return refusal if refusal is not None else taken


# ------------------------------------------------------------------------- quota


def quota_in_slots(unit: str, amount: int, slot_minutes: int) -> int:
    """A monthly quota in slots: `slots` as given; `hours` converted with the use's
    length (buffers not counted), rounded down (3 h of 40-min uses: 4 slots)."""
    if unit == "slots":
        return amount
    if unit == "hours":
        return amount * 60 // slot_minutes
    raise ValueError(f"unknown quota unit {unit!r}")


@dataclass(frozen=True)
class Month:
    """A resource's month as the quota arithmetic sees it, in slots: the open capacity
    (slots not closed by downtime), the quotas of all partners, the slots returned to the
    pool by the releases, and those already taken from the pool."""

    capacity: int
    allocated: int
    released: int
    pool_used: int

    @property
    def pool_left(self) -> int:
        """Unallocated capacity plus released quotas, less what the pool already gave."""
        return max(0, self.capacity - self.allocated) + self.released - self.pool_used


@dataclass(frozen=True)
class PartnerMonth:
    """A partner's month on a resource: its quota (None: none), what it booked within
    it, and what of it was released (no longer its to book)."""

    quota: int | None
    booked: int
    released: int = 0

    @property
    def left(self) -> int:
        return max(0, (self.quota or 0) - self.booked - self.released)


@dataclass(frozen=True)
class Allowance:
    """How a booking of `in_quota + from_pool` slots is counted."""

    in_quota: int
    from_pool: int


def allow(wanted: int, partner: PartnerMonth, month: Month) -> Allowance | Refusal:
    """A booking of `wanted` slots takes the partner's quota left first, then the pool;
    beyond both: refused, `beyond_quota`. A partner without quota books from the pool."""
    in_quota = min(wanted, partner.left)
    from_pool = wanted - in_quota
    if from_pool > month.pool_left:
        return Refusal.BEYOND_QUOTA
    return Allowance(in_quota, from_pool)


def unused(partner: PartnerMonth) -> int:
    """What the release job returns to the pool: the quota left (0 without quota)."""
    return partner.left


def release_due(month: str, release_days: int, now: datetime) -> bool:
    """A month's unused quota is released `release_days` before its local end."""
    _, end = month_bounds(month)
    return end - timedelta(days=release_days) <= now < end
