"""Farrington's outbreak detection, classic (R's `algo.farrington`) and flexible (R's
`farringtonFlexible`, with Noufaily's settings as a preset), on one shared fit.

The shared core (`_fit`): a quasi-Poisson log-linear model of the reference weeks,
dispersion floored at 1, then (reweight) refitted with weights from the Anscombe
residuals standardised with the hat values, the dispersion floored at 1 again; a time
trend that fails to converge is dropped. The trend is kept only when R keeps it: at least
three years back, significant, and not extrapolating beyond the largest reference count.
An alarm needs at least 5 cases in the last 4 weeks (R's `limit54`).

Where they differ, each keeps R's own way: the classic threshold is two-sided (z of
1 - alpha/2) and its standard error uses the floored dispersion; the flexible one is
one-sided and, as R does, its standard errors and trend test use `summary.glm`'s
dispersion of the reweighted model computed with the reweighting weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from qurb.kernel.errors import InputError

from .glm import Array, QuasiPoissonFit, anscombe_residuals, farrington_weights, fit_quasi_poisson
from .reference import classic_reference_weeks, flexible_blocks, reference_points
from .series import Detection, WeeklySeries, weeks_between

THRESHOLD_METHODS = ("delta", "nbPlugin", "muan")


@dataclass(frozen=True)
class FarringtonParams:
    """R's `algo.farrington` control (its defaults)."""

    b: int = 5
    w: int = 3
    reweight: bool = True
    trend: bool = True
    alpha: float = 0.05
    limit54: tuple[int, int] = (5, 4)


@dataclass(frozen=True)
class FlexibleParams:
    """R's `farringtonFlexible` control (its defaults); `noufaily()` gives Noufaily et
    al.'s (2013) settings."""

    b: int = 5
    w: int = 3
    reweight: bool = True
    weights_threshold: float = 2.58
    trend: bool = True
    p_threshold_trend: float = 0.05
    alpha: float = 0.05
    limit54: tuple[int, int] = (5, 4)
    no_periods: int = 1
    past_weeks_not_included: int | None = None
    threshold_method: str = "delta"

    @classmethod
    def noufaily(cls, threshold_method: str = "nbPlugin", b: int = 5, w: int = 3) -> FlexibleParams:
        return cls(
            b=b,
            w=w,
            no_periods=10,
            past_weeks_not_included=26,
            weights_threshold=2.58,
            p_threshold_trend=1.0,
            threshold_method=threshold_method,
        )


@dataclass(frozen=True)
class _Model:
    fit: QuasiPoissonFit
    phi: float
    omega: Array | None
    trend: bool


def _fit(
    with_trend: Array,
    without_trend: Array,
    y: Array,
    trend: bool,
    reweight: bool,
    threshold: float,
    *,
    classic: bool = False,
) -> _Model | None:
    """The shared core: fit, floor, reweight, floor. A fit that does not converge with the
    trend is made again without; if that one does not converge either, the flexible
    method has no model (None, R's NULL) while the classic one goes on with it, as R."""
    design = with_trend if trend else without_trend
    fit = fit_quasi_poisson(design, y)
    if not fit.converged and trend:
        trend, design = False, without_trend
        fit = fit_quasi_poisson(design, y)
    if not fit.converged and not classic:
        return None
    phi = max(fit.dispersion(), 1.0)
    omega = None
    if reweight:
        omega = farrington_weights(anscombe_residuals(fit, phi), threshold)
        fit = fit_quasi_poisson(design, y, omega)
        phi = max(fit.dispersion(), 1.0)
    return _Model(fit, phi, omega, trend)


def _enough_cases(
    counts: Sequence[int | None], position: int, limit54: tuple[int, int]
) -> bool | None:
    cases, weeks = limit54
    window = counts[max(position - weeks + 1, 0) : position + 1]
    if any(c is None for c in window):
        return None
    return sum(c for c in window if c is not None) >= cases


def _powered_upper(mu0: float, se_mu: float, phi: float, z: float) -> float:
    """The 2/3-power transformed upper bound of Farrington (1996)."""
    tau = phi + se_mu**2 / mu0
    se = np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)
    return float((mu0 ** (2 / 3) + z * se) ** 1.5)


def _check_classic(series: WeeklySeries, evaluated: range, params: FarringtonParams) -> None:
    if params.b < 1 or params.w < 0 or not 0 < params.alpha < 1:
        raise InputError(code="outbreak_bad_parameter", values={"method": "farrington"})
    total = params.b * (2 * params.w + 1)
    for position in evaluated:
        found = len(classic_reference_weeks(series, position, params.b, params.w))
        if found < total:  # R warns and goes on with fewer; Qurb refuses
            raise InputError(
                code="outbreak_reference_weeks_missing",
                values={
                    "week": str(series.weeks[position]),
                    "count": total - found,
                    "total": total,
                    "b": params.b,
                },
            )
    if any(c is None for c in series.counts):
        raise InputError(code="outbreak_unknown_counts", values={"method": "farrington"})


def farrington(
    series: WeeklySeries, evaluated: range, params: FarringtonParams = FarringtonParams()
) -> Detection:
    """R's `algo.farrington` (`farrington` on an sts) for the weeks at `evaluated`
    (0-based positions); R gives no expected count, nor NA: without 5 cases in 4 weeks
    the upper bound is 0 and there is no alarm."""
    _check_classic(series, evaluated, params)
    counts = series.counts
    z = float(stats.norm.ppf(1 - params.alpha / 2))
    upper: list[float | None] = []
    alarm: list[bool | None] = []
    for position in evaluated:
        weeks = classic_reference_weeks(series, position, params.b, params.w)
        y = np.array([counts[p] for p in weeks], dtype=float)
        wtime = np.array(weeks, dtype=float) + 1
        ones = np.ones_like(wtime)
        with_trend = np.column_stack([ones, wtime])
        model = _fit(with_trend, ones[:, None], y, params.trend, params.reweight, 1.0, classic=True)
        assert model is not None  # the classic fit always gives a model
        now = np.array([1.0, position + 1.0])
        if model.trend:
            p = model.fit.p_value(1, model.fit.dispersion())
            mu_hat = float(np.exp(now @ model.fit.coefficients))
            if not (params.b >= 3 and p < 0.05 and mu_hat <= y.max()):
                model = _fit(
                    ones[:, None], ones[:, None], y, False, params.reweight, 1.0, classic=True
                )
                assert model is not None
        row = now if model.trend else now[:1]
        mu0, se = model.fit.predict_response(row, model.phi)
        bound = _powered_upper(mu0, se, model.phi, z)
        enough = bool(_enough_cases(counts, position, params.limit54))
        observed = counts[position]
        assert observed is not None
        upper.append(bound if enough else 0.0)
        alarm.append(bool(enough and (observed - mu0) / (bound - mu0) > 1))
    return Detection(
        method="farrington",
        weeks=tuple(series.weeks[p] for p in evaluated),
        observed=tuple(counts[p] for p in evaluated),
        expected=tuple(None for _ in evaluated),
        upperbound=tuple(upper),
        alarm=tuple(alarm),
    )


@dataclass(frozen=True)
class _FlexibleData:
    y: Array
    design: Array  # intercept, wtime, one column per period after the first
    now: Array  # the same columns for the week evaluated
    max_response: float


def _flexible_data(series: WeeklySeries, position: int, params: FlexibleParams) -> _FlexibleData:
    """R's `algo.farrington.data.glm`: the blocks' weeks less the recent ones, their time
    (index, or weeks since the first kept week for a dated series) and period."""
    blocks = flexible_blocks(series, position, params.b, params.w, params.no_periods)
    past = params.w if params.past_weeks_not_included is None else params.past_weeks_not_included
    for at in range(max(position - past, 0), position + 1):
        blocks[at] = None
    kept = [at for at, block in enumerate(blocks) if block is not None]
    if series.dated:
        wtimes = [weeks_between(series, kept[0], at) for at in kept]
    else:
        wtimes = [at + 1.0 for at in kept]
    rows = [(at, t) for at, t in zip(kept, wtimes, strict=True) if series.counts[at] is not None]
    if len(rows) < 3:  # R's glm has nothing to fit
        raise InputError(code="outbreak_unknown_counts", values={"method": "farrington-flexible"})
    # R measures the week evaluated from the first week with a count
    now_time = weeks_between(series, rows[0][0], position) if series.dated else position + 1.0
    y = np.array([series.counts[at] for at, _ in rows], dtype=float)
    columns = [np.ones(len(rows)), np.array([t for _, t in rows])]
    now = [1.0, now_time]
    if params.no_periods != 1:
        periods = [blocks_value for at, _ in rows if (blocks_value := _block(blocks, at)) > 0]
        levels = sorted(set(periods))
        if params.no_periods not in levels:
            raise InputError(
                code="outbreak_too_many_periods", values={"periods": params.no_periods}
            )
        for level in levels[1:]:
            columns.append(np.array([1.0 if p == level else 0.0 for p in periods]))
            now.append(1.0 if level == params.no_periods else 0.0)
    return _FlexibleData(y, np.column_stack(columns), np.array(now), float(y.max()))


def _block(blocks: Sequence[int | None], at: int) -> int:
    value = blocks[at]
    return 0 if value is None else value


def _summary_dispersion(model: _Model) -> float:
    """R's `summary.glm` dispersion of the flexible model, whose `weights` R replaces by
    the reweighting weights when it reweights."""
    return model.fit.dispersion(model.omega)


def _flexible_model(data: _FlexibleData, params: FlexibleParams) -> _Model | None:
    without = np.delete(data.design, 1, axis=1)
    model = _fit(
        data.design, without, data.y, params.trend, params.reweight, params.weights_threshold
    )
    if model is None or not model.trend:
        return model
    mu, _ = model.fit.predict_response(data.now, _summary_dispersion(model))
    p = model.fit.p_value(1, _summary_dispersion(model))
    if params.b >= 3 and p < params.p_threshold_trend and mu <= data.max_response:
        return model
    return _fit(without, without, data.y, False, params.reweight, params.weights_threshold)


def _noufaily_upper(eta0: float, se: float, phi: float, params: FlexibleParams) -> float | None:
    if params.threshold_method == "nbPlugin":
        quantile = float(np.exp(eta0))
    else:
        quantile = float(np.exp(stats.norm.ppf(1 - params.alpha, loc=eta0, scale=se)))
    if np.isinf(quantile):
        return None
    if phi > 1:
        return float(stats.nbinom.ppf(1 - params.alpha, quantile / (phi - 1), 1 / phi))
    return float(stats.poisson.ppf(1 - params.alpha, quantile))


@dataclass(frozen=True)
class _Week:
    expected: float | None
    upper: float | None
    alarm: bool


def _flexible_week(series: WeeklySeries, position: int, params: FlexibleParams) -> _Week:
    data = _flexible_data(series, position, params)
    model = _flexible_model(data, params)
    if model is None:  # R: no model with nor without trend; its expected stays 0
        return _Week(0.0, None, False)
    row = data.now if model.trend else np.delete(data.now, 1)
    dispersion = _summary_dispersion(model)
    if params.threshold_method == "delta":
        fit, se = model.fit.predict_response(row, dispersion)
        upper: float | None = _powered_upper(
            fit, se, model.phi, float(stats.norm.ppf(1 - params.alpha))
        )
        mean = fit
    else:
        fit, se = model.fit.predict_link(row, dispersion)
        upper = _noufaily_upper(fit, se, model.phi, params)
        mean = float(np.exp(fit))
    enough = _enough_cases(series.counts, position, params.limit54)
    observed = series.counts[position]
    if not enough or upper is None or observed is None:
        expected = mean if (enough and upper is not None) else None
        return _Week(expected, upper if enough else None, False)
    score = (observed - fit) / (upper - fit)  # R's score, on the link scale for nbPlugin/muan
    return _Week(mean, upper, bool(score > 1 and observed != 0))


def _check_flexible(params: FlexibleParams) -> None:
    if params.threshold_method not in THRESHOLD_METHODS:
        raise InputError(
            code="outbreak_unknown_threshold_method",
            values={"got": params.threshold_method, "choices": ", ".join(THRESHOLD_METHODS)},
        )
    if params.b < 1 or params.w < 0 or params.no_periods < 1 or not 0 < params.alpha < 1:
        raise InputError(code="outbreak_bad_parameter", values={"method": "farrington-flexible"})


def farrington_flexible(
    series: WeeklySeries, evaluated: range, params: FlexibleParams = FlexibleParams()
) -> Detection:
    """R's `farringtonFlexible` for the weeks at `evaluated` (0-based positions): the
    expected count and upper bound NA without 5 cases in the last 4 weeks."""
    _check_flexible(params)
    for position in evaluated:
        reference_points(series, position, params.b)
    weeks = [_flexible_week(series, position, params) for position in evaluated]
    return Detection(
        method="noufaily" if params.no_periods != 1 else "farrington-flexible",
        weeks=tuple(series.weeks[p] for p in evaluated),
        observed=tuple(series.counts[p] for p in evaluated),
        expected=tuple(w.expected for w in weeks),
        upperbound=tuple(w.upper for w in weeks),
        alarm=tuple(w.alarm for w in weeks),
    )
