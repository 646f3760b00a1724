"""The CDC's EARS C1, C2 and C3, as R `surveillance`'s `earsC`.

C1: the mean and standard deviation of the `baseline` weeks just before; C2: the same
two weeks earlier; C3: the C2 statistic of the two weeks before added in. The alarm is the
count above the upper bound; a baseline with an unknown count gives NA, as R."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from qurb.kernel.errors import InputError

from .glm import Array
from .series import Detection, WeeklySeries

METHODS = ("C1", "C2", "C3")
ALPHAS = {"C1": 0.001, "C2": 0.001, "C3": 0.025}


@dataclass(frozen=True)
class EarsParams:
    """R's `earsC` control: the method, the baseline (at least 3 weeks), alpha (None:
    R's default for the method) and minSigma."""

    method: str = "C1"
    baseline: int = 7
    alpha: float | None = None
    min_sigma: float = 0.0


def _values(series: WeeklySeries) -> Array:
    return np.array([np.nan if c is None else c for c in series.counts], dtype=float)


def _baseline(
    x: Array, positions: range, first_lag: int, baseline: int, min_sigma: float
) -> tuple[Array, Array]:
    """The mean and the standard deviation (at least min_sigma) of the weeks `first_lag`
    … `first_lag + baseline - 1` before each position."""
    lags = np.arange(first_lag, first_lag + baseline)
    values = x[np.array(positions)[:, None] - lags[None, :]]
    return values.mean(axis=1), np.maximum(values.std(axis=1, ddof=1), min_sigma)


def _check(series: WeeklySeries, evaluated: range, params: EarsParams) -> float:
    if params.method not in METHODS:
        raise InputError(
            code="outbreak_unknown_method",
            values={"got": params.method, "choices": ", ".join(METHODS)},
        )
    if params.baseline < 3:
        raise InputError(code="outbreak_baseline_too_short", values={"baseline": params.baseline})
    alpha = ALPHAS[params.method] if params.alpha is None else params.alpha
    if not 0 < alpha < 1 or params.min_sigma < 0:
        raise InputError(code="outbreak_bad_parameter", values={"method": "ears"})
    lag = {"C1": params.baseline, "C2": params.baseline + 2, "C3": params.baseline + 4}
    if len(evaluated) and evaluated[0] - lag[params.method] < 0:
        raise InputError(
            code="outbreak_reference_weeks_missing",
            values={
                "week": str(series.weeks[evaluated[0]]),
                "count": lag[params.method] - evaluated[0],
                "total": lag[params.method],
                "b": params.baseline,
            },
        )
    return alpha


def ears_c(series: WeeklySeries, evaluated: range, params: EarsParams = EarsParams()) -> Detection:
    """R's `earsC` for the weeks at `evaluated` (0-based positions, in order)."""
    alpha = _check(series, evaluated, params)
    z = float(stats.norm.ppf(1 - alpha))
    x = _values(series)
    with np.errstate(divide="ignore", invalid="ignore"):
        if params.method == "C1":
            mean, sd = _baseline(x, evaluated, 1, params.baseline, params.min_sigma)
            upper = mean + z * sd
        elif params.method == "C2":
            mean, sd = _baseline(x, evaluated, 3, params.baseline, params.min_sigma)
            upper = mean + z * sd
        else:
            wider = range(evaluated[0] - 2, evaluated[-1] + 1)
            mean, sd = _baseline(x, wider, 3, params.baseline, params.min_sigma)
            c2 = (x[np.array(wider)] - mean) / sd
            lag2 = np.fmax(0.0, c2[:-2] - 1)  # R's pmax keeps NA: fmax is fixed below
            lag1 = np.fmax(0.0, c2[1:-1] - 1)
            lag2[np.isnan(c2[:-2])] = np.nan
            lag1[np.isnan(c2[1:-1])] = np.nan
            now = x[np.array(evaluated)]
            upper = now + sd[2:] * (z - (lag2 + lag1))
            upper = np.where(np.isnan(upper), np.nan, np.maximum(0.0, upper))
    observed = x[np.array(evaluated)]
    alarm = [
        None if np.isnan(u) or np.isnan(o) else bool(o > u)
        for o, u in zip(observed, upper, strict=True)
    ]
    return Detection(
        method=f"ears-{params.method.lower()}",
        weeks=tuple(series.weeks[p] for p in evaluated),
        observed=tuple(series.counts[p] for p in evaluated),
        expected=tuple(None for _ in evaluated),
        upperbound=tuple(None if np.isnan(u) else float(u) for u in upper),
        alarm=tuple(alarm),
    )
