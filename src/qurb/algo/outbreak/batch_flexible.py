"""R's `farringtonFlexible` (and Noufaily's preset) for many series of the same weeks at
once: what `farrington.py` does for one, with the reference weeks, their periods and the
design found once for every series, and the fits made together (`batch_glm.py`).

A week without a count is a row of prior weight 0 (R drops it). The time column is
centred, a change of origin that moves only the intercept, so the predictions, the
trend's p-value and the bounds are R's; the week evaluated is placed, as R does, from
each series' first week with a count. Where the batch cannot follow R step by step the
series is computed by `farrington.py` alone and counted (`BatchDetection.fallback`): a
fit that does not converge (R then drops the trend, or gives no model) or is singular,
fewer than 3 weeks with a count, or a period left without any count (R's design then has
other columns)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from qurb.kernel.errors import InputError

from .batch_glm import BatchFit, Flags, Index, anscombe_residuals, farrington_weights, fit_batch
from .farrington import FlexibleParams, farrington_flexible
from .glm import Array
from .reference import flexible_blocks, reference_points
from .series import WeeklySeries, weeks_between


@dataclass(frozen=True)
class Layout:
    """The rows the model reads for one evaluated week: their positions in the series,
    the design with a trend (intercept, centred time, one column per later period) and
    the same columns for the week evaluated."""

    rows: Array
    design: Array
    now: Array
    origin: Array  # per row: how far the week evaluated moves when it is the first known


def layout(template: WeeklySeries, position: int, params: FlexibleParams) -> Layout:
    """R's `algo.farrington.data.glm` for every series of these weeks (the counts of
    `template` are not read)."""
    reference_points(template, position, params.b)
    blocks = flexible_blocks(template, position, params.b, params.w, params.no_periods)
    past = params.w if params.past_weeks_not_included is None else params.past_weeks_not_included
    for at in range(max(position - past, 0), position + 1):
        blocks[at] = None
    kept = [at for at, block in enumerate(blocks) if block is not None]
    if template.dated:
        times = np.array([weeks_between(template, kept[0], at) for at in kept])
        now_time = weeks_between(template, kept[0], position)
    else:
        times = np.array([at + 1.0 for at in kept])
        now_time = position + 1.0
    # R measures the rows' time from the first week kept, the week evaluated's from the
    # first week with a count: a series whose first kept week is unknown sees it nearer
    origin = times - times[0] if template.dated else np.zeros(len(kept))
    centre = float(times.mean())
    columns = [np.ones(len(kept)), times - centre]
    now = [1.0, now_time - centre]
    if params.no_periods != 1:
        periods = np.array([blocks[at] for at in kept])
        for level in sorted(set(periods.tolist()))[1:]:
            columns.append((periods == level).astype(float))
            now.append(1.0 if level == params.no_periods else 0.0)
    return Layout(np.array(kept), np.column_stack(columns), np.array(now), origin)


@dataclass(frozen=True)
class _Models:
    fit: BatchFit
    phi: Array
    summary_dispersion: Array
    converged: Flags


def pipeline(design: Array, y: Array, known: Array, reweight: bool, threshold: float) -> _Models:
    """`farrington.py`'s `_fit` for one design: fit, floor, reweight, floor."""
    fit = fit_batch(design, y, known.astype(float))
    converged = fit.converged
    phi = np.maximum(fit.dispersion(), 1.0)
    omega = None
    if reweight:
        omega = farrington_weights(anscombe_residuals(fit, phi), known, threshold)
        fit = fit_batch(design, y, omega)
        phi = np.maximum(fit.dispersion(), 1.0)
    return _Models(fit, phi, fit.dispersion(omega), converged)


def _keep_trend(models: _Models, now: Array, y: Array, known: Array, b: int, p: float) -> Flags:
    """R's rule: at least 3 years back, a significant trend, no mean beyond the largest
    reference count."""
    eta, _ = models.fit.predict_link(now, models.summary_dispersion)
    cov = models.fit.unscaled_covariance[:, 1, 1]
    se = np.sqrt(models.summary_dispersion * cov)
    df = models.fit.residual_df
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * stats.t.sf(np.abs(models.fit.coefficients[:, 1] / se), df)
    p_value = np.where((df > 0) & np.isfinite(se), p_value, np.nan)
    largest = np.where(known, y, -np.inf).max(axis=1)
    return np.asarray((b >= 3) & (p_value < p) & (np.exp(eta) <= largest))


@dataclass(frozen=True)
class WeekFigures:
    """The figures of one evaluated week per series: the mean, its bound and the value the
    score is measured from (the link scale for nbPlugin and muan), NaN where R has none;
    `fallback` marks the series to compute alone."""

    mean: Array
    upper: Array
    centre: Array
    fallback: Flags


def _bounds(
    fit: BatchFit, phi: Array, dispersion: Array, row: Array, params: FlexibleParams
) -> tuple[Array, Array, Array]:
    eta, se = fit.predict_link(row, dispersion)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if params.threshold_method == "delta":
            mu0 = np.exp(eta)
            tau = phi + (se * mu0) ** 2 / mu0
            z = float(stats.norm.ppf(1 - params.alpha))
            upper = (mu0 ** (2 / 3) + z * np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)) ** 1.5
            return mu0, upper, mu0
        if params.threshold_method == "nbPlugin":
            quantile = np.exp(eta)
        else:
            quantile = np.exp(stats.norm.ppf(1 - params.alpha, loc=eta, scale=se))
        negbin = stats.nbinom.ppf(1 - params.alpha, quantile / (phi - 1), 1 / phi)
        upper = np.where(phi > 1, negbin, stats.poisson.ppf(1 - params.alpha, quantile))
        upper = np.where(np.isinf(quantile), np.nan, upper)
    return np.exp(eta), upper, eta


def select(models: _Models, rows: Index) -> tuple[BatchFit, Array, Array]:
    f = models.fit
    fit = BatchFit(
        f.design,
        f.response[rows],
        f.coefficients[rows],
        f.fitted[rows],
        f.working_weights[rows],
        f.working_residuals[rows],
        f.unscaled_covariance[rows],
        f.residual_df[rows],
        f.converged[rows],
    )
    return fit, models.phi[rows], models.summary_dispersion[rows]


def week_figures(counts: Array, lay: Layout, params: FlexibleParams) -> WeekFigures:
    """The fits of every series (rows of `counts`) for one evaluated week."""
    y = counts[:, lay.rows]
    known = ~np.isnan(y)
    series = counts.shape[0]
    without_columns = [0, *range(2, lay.design.shape[1])]
    without = lay.design[:, without_columns]
    now = np.tile(lay.now, (series, 1))
    now[:, 1] -= lay.origin[np.argmax(known, axis=1)]
    fallback = (known.sum(axis=1) < 3) | (known @ lay.design[:, 2:] == 0).any(axis=1)
    mean, upper, centre = (np.full(series, np.nan) for _ in range(3))
    plain = np.ones(series, dtype=bool)
    if params.trend:
        models = pipeline(lay.design, y, known, params.reweight, params.weights_threshold)
        fallback |= ~models.converged
        keep = models.converged & _keep_trend(
            models, now, y, known, params.b, params.p_threshold_trend
        )
        at = np.flatnonzero(keep & ~fallback)
        if len(at):
            fit, phi, dispersion = select(models, at)
            mean[at], upper[at], centre[at] = _bounds(fit, phi, dispersion, now[at], params)
        plain = ~keep
    at = np.flatnonzero(plain & ~fallback)
    if len(at):
        models = pipeline(without, y[at], known[at], params.reweight, params.weights_threshold)
        fallback[at[~models.converged]] = True
        good = models.converged
        fit, phi, dispersion = select(models, np.flatnonzero(good))
        row = now[at[good]][:, without_columns]
        mean[at[good]], upper[at[good]], centre[at[good]] = _bounds(
            fit, phi, dispersion, row, params
        )
    return WeekFigures(mean, upper, centre, fallback)


def enough_cases(counts: Array, position: int, limit54: tuple[int, int]) -> Array:
    """R's `limit54` per series: 1 with at least `cases` in the last `weeks` weeks, 0
    without, NaN when one of them is unknown."""
    cases, weeks = limit54
    window = counts[:, max(position - weeks + 1, 0) : position + 1]
    return np.where(np.isnan(window).any(axis=1), np.nan, window.sum(axis=1) >= cases)


def alone(
    counts: Array, template: WeeklySeries, position: int, params: FlexibleParams
) -> tuple[float, float, float]:
    """One series by `farrington.py` (expected, upper, alarm; NaN for None); a series R
    refuses (too few counts, a period without any) gives NaN."""
    series = WeeklySeries(tuple(None if np.isnan(c) else int(c) for c in counts), template.weeks)
    try:
        found = farrington_flexible(series, range(position, position + 1), params)
    except InputError:
        return np.nan, np.nan, np.nan
    expected, upper, alarm = found.expected[0], found.upperbound[0], found.alarm[0]
    return (
        np.nan if expected is None else expected,
        np.nan if upper is None else upper,
        np.nan if alarm is None else float(alarm),
    )
