"""The reference weeks of the Farrington methods, as R `surveillance` finds them.

Dated series: the same day 1, 2, … b years before (R's `seq(by = "-1 year")`: 29 February
becomes 1 March), moved to the nearest day of the same weekday (ISO 53-week years
included); undated ones: 52, 104, … weeks before by index. The classic method keeps the
weeks ± w around each; the flexible one also splits the years between them into
`noPeriods - 1` blocks and leaves out the most recent weeks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from qurb.kernel.errors import InputError

from .series import DAYS_PER_WEEK, WEEKS_PER_YEAR, WeeklySeries


def _years_before(day: date, years: int) -> date:
    """R's `seq(day, by = "-1 year")`: the same month and day, 29 February rolling over."""
    year = day.year - years
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year: R's POSIXlt normalises to 1 March
        return date(year, 3, 1)


def _same_weekday(day: date, reference: date) -> date:
    """The day of `day`'s weekday nearest to `reference` (R's rule; a tie keeps the one
    found first, moving back by the weekday difference)."""
    first = reference - timedelta(days=(_r_weekday(reference) - _r_weekday(day)))
    second = first + timedelta(days=-7 if first > reference else 7)
    if abs((first - reference).days) > abs((second - reference).days):
        return second
    return first


def _r_weekday(day: date) -> int:
    """R's `format(day, "%w")`: 0 for Sunday … 6 for Saturday."""
    return day.isoweekday() % 7


def _too_short(
    series: WeeklySeries, position: int, missing: Sequence[object], b: int
) -> InputError:
    return InputError(
        code="outbreak_reference_missing",
        values={
            "week": str(series.weeks[position]),
            "missing": ", ".join(str(m) for m in missing),
            "b": b,
        },
    )


def reference_points(series: WeeklySeries, position: int, b: int) -> list[int]:
    """Positions (0-based) of the week evaluated and the same week 1 … b years before,
    as R's `algo.farrington.referencetimepoints`; refused, naming the weeks missing, as
    R's "Some reference time points did not exist"."""
    if series.dated:
        day = series.weeks[position]
        assert isinstance(day, date)
        wanted: list[object] = [_same_weekday(day, _years_before(day, i)) for i in range(b + 1)]
        index = {week: at for at, week in enumerate(series.weeks)}
        missing = [w for w in wanted if w not in index]
        if missing:
            raise _too_short(series, position, missing, b)
        return [index[w] for w in wanted]  # type: ignore[index]
    points = [position - WEEKS_PER_YEAR * i for i in range(b + 1)]
    missing = [p + 1 for p in points if p < 0]
    if missing:
        raise _too_short(series, position, missing, b)
    return points


def classic_reference_weeks(series: WeeklySeries, position: int, b: int, w: int) -> list[int]:
    """The classic method's reference weeks (R's `algo.farrington`), in R's order: by
    index the oldest year first, weeks before the series left out (R warns); by date
    (`refvalIdxByDate`) the newest year first, a week absent from the series left out."""
    if not series.dated:
        weeks = [
            position - WEEKS_PER_YEAR * i + j for i in range(b, 0, -1) for j in range(-w, w + 1)
        ]
        return [p for p in weeks if p >= 0]
    day = series.weeks[position]
    assert isinstance(day, date)
    index = {week: at for at, week in enumerate(series.weeks)}
    found: list[int] = []
    for i in range(1, b + 1):
        centre = _years_before(day, i)
        for j in range(-w, w + 1):
            wanted = _same_weekday(day, centre + timedelta(days=DAYS_PER_WEEK * j))
            if wanted in index:
                found.append(index[wanted])
    return found


def flexible_blocks(
    series: WeeklySeries, position: int, b: int, w: int, periods: int
) -> list[int | None]:
    """R's `blocks`: for each week of the series its period (1 … periods), None outside:
    the windows ± w around the reference weeks (and the w weeks up to the one evaluated)
    are period `periods`, the weeks between two windows split into periods 1 … periods-1,
    the longer blocks first."""
    points = reference_points(series, position, b)  # newest first
    blocks: list[int | None] = [None] * len(series)

    def put(first: int, last: int, value: int) -> None:  # 0-based, inclusive
        if first < -1:
            raise _too_short(series, position, [first + 1], b)
        for at in range(max(first, 0), last + 1):
            blocks[at] = value

    put(position - w, position, periods)
    for i in range(b):
        newer, ref = points[i], points[i + 1]
        put(ref - w, ref + w, periods)
        if periods == 1:
            continue
        period = newer - 2 * w - 1 - ref
        if period < periods - (2 * w + 1):
            raise InputError(code="outbreak_too_many_periods", values={"periods": periods})
        length, rest = divmod(period, periods - 1)
        start = ref + w + 1
        for j in range(1, periods):
            size = length + (1 if j <= rest else 0)
            put(start, start + size - 1, j)
            start += size
    return blocks
