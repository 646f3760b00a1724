"""Dates of which the year, the month or the day may be unknown. Pure: no I/O.

A published "Monday 1 December" with no year is month 12, day 1, year unknown: what is
known is kept, the rest is never inferred. Written as ISO 8601 writes a reduced date:
`YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or `--MM-DD` (the no-year form); nothing at all is a date
wholly unknown. Stored as three nullable integer columns. Two dates are compared only
when both are fully known: a check on an unknown is skipped (None), never guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem

_FORMS = (
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})"),
    re.compile(r"(?P<year>\d{4})"),
    re.compile(r"--(?P<month>\d{2})-(?P<day>\d{2})"),
)
LEAP_YEAR = 2000  # a day of a month with no year is checked against the longest February


class PartialDateError(InputError):
    """A date that is none of the partial forms, or names a day that does not exist."""


@dataclass(frozen=True)
class PartialDate:
    """Year, month, day; each None when unknown. A day is known only with its month."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not _valid(self.year, self.month, self.day):
            raise ValueError(f"not a partial date: {self.year}-{self.month}-{self.day}")

    @property
    def is_known(self) -> bool:
        """Every part known."""
        return None not in (self.year, self.month, self.day)

    @property
    def is_unknown(self) -> bool:
        """No part known."""
        return self.year is None and self.month is None and self.day is None

    def as_date(self) -> date | None:
        """The date, when every part is known."""
        if self.year is None or self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    def iso(self) -> str | None:
        """ISO 8601's reduced form (`--MM-DD` with no year; None when nothing is known)."""
        year = f"{self.year:04d}" if self.year is not None else "-"
        if self.month is None:
            return None if self.year is None else year
        head = f"{year}-{self.month:02d}"
        return head if self.day is None else f"{head}-{self.day:02d}"

    def __str__(self) -> str:
        return self.iso() or ""


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if year is not None and not 1 <= year <= 9999:
        return False
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    return 1 <= day <= calendar.monthrange(year or LEAP_YEAR, month)[1]


UNKNOWN = PartialDate()


def _number(text: str | None) -> int | None:
    return int(text) if text is not None else None


def parse_partial(text: str | None, field: str = "date") -> PartialDate:
    """A partial date from its ISO 8601 form (None or blank: wholly unknown); a text that
    is none of the forms, or a day that does not exist, is refused naming `field`."""
    text = (text or "").strip()
    if not text:
        return UNKNOWN
    for form in _FORMS:
        found = form.fullmatch(text)
        if found is None:
            continue
        parts = found.groupdict()
        year, month, day = (_number(parts.get(k)) for k in ("year", "month", "day"))
        if _valid(year, month, day):
            return PartialDate(year, month, day)
        break
    raise PartialDateError([partial_date_problem(field, text)])


def partial_date_problem(field: str, text: str) -> FieldError:
    return problem(field, "partial_date", value=repr(text[:40]))


def from_parts(year: int | None, month: int | None, day: int | None) -> PartialDate:
    """As stored in three columns."""
    return PartialDate(year, month, day)


def is_before(first: PartialDate, second: PartialDate) -> bool | None:
    """True when `first` falls strictly before `second`, both fully known; None when
    either is not (the comparison is skipped, not guessed)."""
    a, b = first.as_date(), second.as_date()
    if a is None or b is None:
        return None
    return a < b
