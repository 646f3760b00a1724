"""`qurb watch detect SERIES.csv`: outbreak detection on one weekly series from a file,
equal to R `surveillance`, for checking against other tools.

The file has a count column `observed` (empty for unknown) and either `week_start`
(dates: reference weeks by date, as R's `epochAsDate = TRUE`) or `week` (1, 2, …: by
index, as R's `freq = 52`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qurb.kernel.attribution import Attribution
from qurb.kernel.errors import FieldError, InputError, QurbError
from qurb.kernel.i18n import problem
from qurb.platform.cli import FormatOption, exit_code_for, fail, worded
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from qurb.algo.outbreak.series import WeeklySeries

COLUMNS = ["week", "observed", "expected", "upperbound", "alarm"]
# The series is the reader's own file: it names no published dataset.
SOURCES = Attribution.of()


def _count(text: Any, number: int) -> tuple[object, FieldError | None]:
    if text is None:
        return None, None
    try:
        return int(text), None
    except ValueError:
        pass
    try:
        return float(text), None  # a whole float passes; series_from refuses the others
    except ValueError:
        return None, problem("observed", "outbreak_count_not_whole", number, got=str(text))


def _week(text: Any, dated: bool, number: int) -> tuple[date | int | None, FieldError | None]:
    try:
        return (date.fromisoformat(str(text)) if dated else int(text)), None
    except (TypeError, ValueError):
        if dated:
            return None, problem("week_start", "outbreak_week_not_date", number, got=str(text))
        return None, problem("week", "outbreak_week_not_whole", number, got=str(text))


def read_series(path: Path) -> WeeklySeries:
    """The series of a CSV file, every bad cell named by its line and column."""
    from qurb.algo.outbreak.series import series_from
    from qurb.platform.files import read_records

    records = read_records(path)
    columns = set(records[0].values) if records else set()
    if "observed" not in columns or not columns & {"week_start", "week"}:
        raise InputError(code="outbreak_series_columns", values={"path": str(path)})
    dated = "week_start" in columns
    counts: list[object] = []
    weeks: list[Any] = []
    problems: list[FieldError] = []
    for record in records:
        count, bad_count = _count(record.values.get("observed"), record.number)
        week, bad_week = _week(
            record.values.get("week_start" if dated else "week"), dated, record.number
        )
        problems.extend(p for p in (bad_week, bad_count) if p is not None)
        counts.append(count)
        weeks.append(week)
    if problems:
        raise InputError(problems, source=str(path))
    try:
        return series_from(
            counts, weeks, [r.number for r in records], "week_start" if dated else "week"
        )
    except InputError as error:
        if not error.errors:
            raise
        raise InputError(error.errors, source=str(path)) from None


def detect_cmd(
    series: Annotated[
        Path,
        typer.Argument(help="CSV file: observed, and week_start (dates) or week (1, 2, …)."),
    ],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="farrington-flexible, farrington, noufaily, ears-c1, ears-c2, ears-c3 or cusum.",
        ),
    ] = "farrington-flexible",
    last: Annotated[int, typer.Option("--last", help="Evaluate the last N weeks.")] = 1,
    freq: Annotated[
        int, typer.Option("--freq", help="Weeks a year of an undated series (R's freq: 52).")
    ] = 52,
    b: Annotated[int | None, typer.Option("--b", help="Years back (Farrington).")] = None,
    w: Annotated[
        int | None, typer.Option("--w", help="Weeks either side of each reference week.")
    ] = None,
    alpha: Annotated[float | None, typer.Option("--alpha", help="Alarm level.")] = None,
    no_periods: Annotated[
        int | None, typer.Option("--no-periods", help="Periods of the year (flexible).")
    ] = None,
    past_weeks_not_included: Annotated[
        int | None,
        typer.Option("--past-weeks-not-included", help="Recent weeks left out of the fit."),
    ] = None,
    weights_threshold: Annotated[
        float | None,
        typer.Option(
            "--weights-threshold", help="Anscombe residual above which a week weighs less."
        ),
    ] = None,
    p_threshold_trend: Annotated[
        float | None,
        typer.Option("--p-threshold-trend", help="P-value under which the trend is kept."),
    ] = None,
    threshold_method: Annotated[
        str | None,
        typer.Option("--threshold-method", help="delta, nbPlugin or muan (flexible)."),
    ] = None,
    baseline: Annotated[
        int | None, typer.Option("--baseline", help="Weeks of the EARS baseline.")
    ] = None,
    k: Annotated[float | None, typer.Option("--k", help="CUSUM reference value.")] = None,
    h: Annotated[float | None, typer.Option("--h", help="CUSUM decision interval.")] = None,
    trans: Annotated[
        str | None, typer.Option("--trans", help="CUSUM transform: standard or anscombe.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Outbreak detection on a weekly series, as R surveillance: for each week evaluated
    the observed count, the expected count, the upper bound and the alarm."""
    from qurb.algo.outbreak.methods import detect
    from qurb.algo.outbreak.series import last_weeks

    if freq != 52:
        error = InputError(code="outbreak_freq_unsupported", values={"got": freq})
        raise fail(worded(error), code=exit_code_for(error))
    if last < 1:
        error = InputError(code="outbreak_last_not_positive", values={"got": last})
        raise fail(worded(error), code=exit_code_for(error))
    given = {
        "b": b, "w": w, "alpha": alpha, "no_periods": no_periods,
        "past_weeks_not_included": past_weeks_not_included,
        "weights_threshold": weights_threshold, "p_threshold_trend": p_threshold_trend,
        "threshold_method": threshold_method, "baseline": baseline, "k": k, "h": h,
        "trans": trans,
    }  # fmt: skip
    options = {name: value for name, value in given.items() if value is not None}
    try:
        found = read_series(series)
        detection = detect(found, method, last_weeks(found, last), options)
    except QurbError as error:
        raise fail(worded(error), error.hint, exit_code_for(error)) from None
    rows = [
        {
            "week": week.isoformat() if isinstance(week, date) else week,
            "observed": observed,
            "expected": expected,
            "upperbound": upper,
            "alarm": alarm,
        }
        for week, observed, expected, upper, alarm in zip(
            detection.weeks,
            detection.observed,
            detection.expected,
            detection.upperbound,
            detection.alarm,
            strict=True,
        )
    ]
    render(
        rows,
        COLUMNS,
        fmt,
        title=say("cli.watch.detect_title", method=method, path=series.name),
        sources=SOURCES,
        metadata=None
        if fmt is OutputFormat.TABLE
        else {"method": method, "series": series.name, **options},
    )
