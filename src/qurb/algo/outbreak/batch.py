"""Outbreak detection of many series of the same weeks at once, as `methods.detect` gives
for each: counts[series, week] (NaN where the count is unknown) and the weeks' start
dates (or 1, 2, … undated), for the evaluated weeks (usually the latest, or the last N).

Every figure is R `surveillance`'s: farrington-flexible and Noufaily's preset fit their
models for all series together (batch_flexible.py); EARS C1/C2/C3 and CUSUM are arrays
over series. A figure R gives as NA, or a series R would refuse, is NaN (CUSUM with an
unknown week before the first evaluated one or a mean of 0: R stops; here that series
alone has no figure). The classic `farrington` is batched too (batch_classic.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from scipy import stats

from qurb.kernel.errors import InputError

from . import batch_classic as classic
from . import batch_flexible as flexible
from .batch_glm import Index
from .cusum import CusumParams
from .cusum import _check as check_cusum
from .earsc import EarsParams
from .earsc import _check as check_ears
from .farrington import FarringtonParams, FlexibleParams, _check_classic, _check_flexible
from .glm import Array
from .methods import method_params
from .series import Week, WeeklySeries

CHUNK = 512  # series fitted together: arrays of chunk × reference weeks (≤ 1 MB) stay in cache


@dataclass(frozen=True)
class BatchDetection:
    """Per series (rows) and evaluated week (columns): expected, upper bound and alarm
    (1.0, 0.0, NaN where R gives NA or no figure); `fallback` counts the series computed
    one by one."""

    method: str
    weeks: tuple[Week, ...]
    expected: Array
    upperbound: Array
    alarm: Array
    fallback: int


def detect_batch(
    counts: Array,
    weeks: Sequence[Week],
    method: str,
    evaluated: range,
    options: Mapping[str, Any] | None = None,
    workers: int = 1,
) -> BatchDetection:
    """`methods.detect` of `method` for every row of `counts` (series × weeks); the
    Farrington fits in `workers` threads."""
    params = method_params(method, options)
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(weeks):
        raise InputError(
            code="outbreak_weeks_count", values={"weeks": len(weeks), "counts": x.shape[-1]}
        )
    # the checks that do not depend on the counts are made once, on counts of 1
    template = WeeklySeries(tuple(1 for _ in weeks), tuple(weeks))
    if method in ("farrington-flexible", "noufaily"):
        return _flexible(x, template, evaluated, params, workers)
    if method.startswith("ears-"):
        return _ears(x, template, evaluated, params)
    if method == "cusum":
        return _cusum(x, template, evaluated, params)
    return _classic(x, template, evaluated, params)


def _result(
    method: str, template: WeeklySeries, evaluated: range, figures: tuple[Array, Array, Array]
) -> BatchDetection:
    expected, upper, alarm = figures
    weeks = tuple(template.weeks[p] for p in evaluated)
    return BatchDetection(method, weeks, expected, upper, alarm, 0)


def _flexible(
    x: Array, template: WeeklySeries, evaluated: range, params: FlexibleParams, workers: int
) -> BatchDetection:
    _check_flexible(params)
    shape = (x.shape[0], len(evaluated))
    expected, upper, alarm = np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape)
    fallback = np.zeros(x.shape[0], dtype=bool)
    parts = [slice(start, start + CHUNK) for start in range(0, x.shape[0], CHUNK)]
    for column, position in enumerate(evaluated):
        lay = flexible.layout(template, position, params)
        enough = flexible.enough_cases(x, position, params.limit54) == 1
        observed = x[:, position]
        alone = np.zeros(x.shape[0], dtype=bool)
        # NumPy lets go of the GIL in its array operations: chunks fit side by side
        with ThreadPoolExecutor(max_workers=workers) as pool:
            chunks = (x[part] for part in parts)
            weeks = pool.map(flexible.week_figures, chunks, repeat(lay), repeat(params))
            for part, week in zip(parts, weeks, strict=True):
                sure = enough[part] & ~np.isnan(week.upper)
                expected[part, column] = np.where(sure, week.mean, np.nan)
                upper[part, column] = np.where(enough[part], week.upper, np.nan)
                with np.errstate(divide="ignore", invalid="ignore"):
                    score = (observed[part] - week.centre) / (week.upper - week.centre)
                fires = sure & ~np.isnan(observed[part]) & (score > 1) & (observed[part] != 0)
                alarm[part, column] = fires.astype(float)
                alone[part] = week.fallback
        fallback |= alone
        for at in np.flatnonzero(alone):
            figures = flexible.alone(x[at], template, position, params)
            expected[at, column], upper[at, column], alarm[at, column] = figures
    name = "noufaily" if params.no_periods != 1 else "farrington-flexible"
    found = _result(name, template, evaluated, (expected, upper, alarm))
    return BatchDetection(**{**found.__dict__, "fallback": int(fallback.sum())})


def _baseline(
    x: Array, positions: Index, first_lag: int, params: EarsParams
) -> tuple[Array, Array]:
    lags = np.arange(first_lag, first_lag + params.baseline)
    values = x[:, positions[:, None] - lags[None, :]]  # series × positions × lags
    spread = np.maximum(values.std(axis=2, ddof=1), params.min_sigma)
    return values.mean(axis=2), spread


def _ears(x: Array, template: WeeklySeries, evaluated: range, params: EarsParams) -> BatchDetection:
    alpha = check_ears(template, evaluated, params)
    z = float(stats.norm.ppf(1 - alpha))
    positions = np.array(evaluated)
    now = x[:, positions]
    with np.errstate(divide="ignore", invalid="ignore"):
        if params.method in ("C1", "C2"):
            mean, sd = _baseline(x, positions, 1 if params.method == "C1" else 3, params)
            upper = mean + z * sd
        else:
            wider = np.arange(evaluated[0] - 2, evaluated[-1] + 1)
            mean, sd = _baseline(x, wider, 3, params)
            c2 = (x[:, wider] - mean) / sd
            # R's pmax keeps NA where fmax would not
            lag2 = np.where(np.isnan(c2[:, :-2]), np.nan, np.fmax(0.0, c2[:, :-2] - 1))
            lag1 = np.where(np.isnan(c2[:, 1:-1]), np.nan, np.fmax(0.0, c2[:, 1:-1] - 1))
            upper = now + sd[:, 2:] * (z - (lag2 + lag1))
            upper = np.where(np.isnan(upper), np.nan, np.maximum(0.0, upper))
    alarm = np.where(np.isnan(upper) | np.isnan(now), np.nan, (now > upper).astype(float))
    expected = np.full(upper.shape, np.nan)
    return _result(f"ears-{params.method.lower()}", template, evaluated, (expected, upper, alarm))


def _cusum(
    x: Array, template: WeeklySeries, evaluated: range, params: CusumParams
) -> BatchDetection:
    check_cusum(template, evaluated, params)
    before = x[:, : evaluated[0]]
    m = before.mean(axis=1)
    refused = np.isnan(m) | (m == 0) | np.isnan(x[:, np.array(evaluated)]).any(axis=1)
    m = np.where(refused, np.nan, m)
    total = np.zeros(x.shape[0])
    shape = (x.shape[0], len(evaluated))
    upper, alarm = np.full(shape, np.nan), np.full(shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for column, position in enumerate(evaluated):
            room = params.h + params.k - total
            if params.trans == "standard":
                value = np.ceil(np.sqrt(m) * room + m)
                standardised = (x[:, position] - m) / np.sqrt(m)
            else:
                base = 2 / 3 * m ** (1 / 6) * room + m ** (2 / 3)
                value = np.where(base < 0, 0.0, np.abs(base) ** 1.5)
                standardised = 1.5 * (x[:, position] ** (2 / 3) - m ** (2 / 3)) / m ** (1 / 6)
            upper[:, column] = np.where(refused, np.nan, np.maximum(value, 0.0))
            total = np.maximum(0.0, total + standardised - params.k)
            alarm[:, column] = np.where(refused, np.nan, (total >= params.h).astype(float))
    expected = np.repeat(m[:, None], len(evaluated), axis=1)
    return _result("cusum", template, evaluated, (expected, upper, alarm))


def _classic(
    x: Array, template: WeeklySeries, evaluated: range, params: FarringtonParams
) -> BatchDetection:
    """R's classic `farrington`: no expected count; the bound is 0 without 5 cases in 4
    weeks."""
    _check_classic(template, evaluated, params)
    shape = (x.shape[0], len(evaluated))
    upper, alarm = np.full(shape, np.nan), np.full(shape, np.nan)
    fallback = np.zeros(x.shape[0], dtype=bool)
    for column, position in enumerate(evaluated):
        upper[:, column], alarm[:, column], alone = classic.week(x, template, position, params)
        fallback |= alone
    found = _result("farrington", template, evaluated, (np.full(shape, np.nan), upper, alarm))
    return BatchDetection(**{**found.__dict__, "fallback": int(fallback.sum())})
