"""A weekly series of counts and what a detection gives for each week it evaluates.

A series is dated (each week's start date: reference weeks are found by date, as R's
`epochAsDate = TRUE`) or undated (weeks 1, 2, … at 52 a year: found by index, as R's
`freq = 52`). A count may be unknown (None, R's NA). The checks refuse what R would
misread: a count that is not a whole number or is negative, weeks out of order,
repeated, or with a gap."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem

WEEKS_PER_YEAR = 52
DAYS_PER_WEEK = 7

Week = date | int


@dataclass(frozen=True)
class WeeklySeries:
    """Counts by week, oldest first: `weeks` are start dates (dated) or 1, 2, … (undated)."""

    counts: tuple[int | None, ...]
    weeks: tuple[Week, ...]

    @property
    def dated(self) -> bool:
        return bool(self.weeks) and isinstance(self.weeks[0], date)

    def __len__(self) -> int:
        return len(self.counts)


@dataclass(frozen=True)
class Detection:
    """For each evaluated week: the observed count, the expected count and the upper
    bound (None where R gives NA or no figure), and the alarm (None where R gives NA)."""

    method: str
    weeks: tuple[Week, ...]
    observed: tuple[int | None, ...]
    expected: tuple[float | None, ...]
    upperbound: tuple[float | None, ...]
    alarm: tuple[bool | None, ...]


def series_from(
    counts: Sequence[object],
    weeks: Sequence[Week] | None = None,
    rows: Sequence[int] | None = None,
    week_field: str = "week",
) -> WeeklySeries:
    """A checked series; `weeks` None numbers them 1, 2, … (undated). Every bad count and
    week is named by its row (`rows`: the numbers the reader sees, else 1, 2, …), nothing
    partial is kept; a count's field is `observed`, a week's `week_field`."""
    numbers = list(rows) if rows is not None else list(range(1, len(counts) + 1))
    problems = [
        p for row, value in zip(numbers, counts, strict=False) if (p := _count_problem(value, row))
    ]
    chosen: tuple[Week, ...] = (
        tuple(weeks) if weeks is not None else tuple(range(1, len(counts) + 1))
    )
    if len(chosen) != len(counts):
        raise InputError(
            code="outbreak_weeks_count", values={"weeks": len(chosen), "counts": len(counts)}
        )
    problems.extend(_week_problems(chosen, numbers, week_field))
    if problems:
        raise InputError(problems)
    return WeeklySeries(tuple(_count(value) for value in counts), chosen)


def _count(value: object) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)  # type: ignore[call-overload]


def _count_problem(value: object, row: int) -> FieldError | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return problem("observed", "outbreak_count_not_whole", row, got=repr(value))
    if isinstance(value, float) and (math.isinf(value) or not value.is_integer()):
        return problem("observed", "outbreak_count_not_whole", row, got=repr(value))
    if value < 0:
        return problem("observed", "outbreak_count_negative", row, got=repr(value))
    return None


def _week_problems(weeks: Sequence[Week], numbers: Sequence[int], field: str) -> list[FieldError]:
    kinds = {isinstance(week, date) for week in weeks}
    if len(kinds) > 1:
        return [problem(field, "outbreak_weeks_mixed")]
    step = DAYS_PER_WEEK if kinds == {True} else 1
    problems: list[FieldError] = []
    for row, (before, week) in zip(numbers[1:], itertools.pairwise(weeks), strict=False):
        gap = (week - before).days if isinstance(week, date) else week - before  # type: ignore[operator]
        if gap == step:
            continue
        values = {"week": str(week), "before": str(before)}
        if gap == 0:
            problems.append(problem(field, "outbreak_week_repeated", row, **values))
        elif gap < 0:
            problems.append(problem(field, "outbreak_week_unsorted", row, **values))
        else:
            problems.append(problem(field, "outbreak_week_gap", row, **values))
    return problems


def last_weeks(series: WeeklySeries, count: int) -> range:
    """The positions of the last `count` weeks (all of them when the series is shorter)."""
    return range(max(len(series) - count, 0), len(series))


def weeks_between(series: WeeklySeries, first: int, last: int) -> float:
    """Weeks from the week at `first` to the one at `last` (positions of a dated series),
    as R's difference of dates over the series' first step."""
    start, end = series.weeks[first], series.weeks[last]
    if not isinstance(start, date) or not isinstance(end, date):
        return float(last - first)
    return (end - start).days / DAYS_PER_WEEK
