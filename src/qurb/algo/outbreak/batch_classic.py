"""R's classic `algo.farrington` for many series of the same weeks at once: what
`farrington.py`'s `farrington` does for one, the reference weeks found once, the fits made
together (`batch_glm.py`, the shared fit-floor-reweight-floor of `batch_flexible.py`).

R refuses a series with an unknown count: it has no figure here (NaN). A fit that does
not converge (R then drops the trend, and goes on with a fit that did not converge) is
left to `farrington.py` for that series alone, and counted."""

from __future__ import annotations

import numpy as np
from scipy import stats

from .batch_flexible import pipeline, select
from .batch_glm import Flags
from .farrington import FarringtonParams, farrington
from .glm import Array
from .reference import classic_reference_weeks
from .series import WeeklySeries

CLASSIC_THRESHOLD = 1.0  # R's classic reweighting: residuals above 1


def _p_value(coefficient: Array, variance: Array, dispersion: Array, df: Array) -> Array:
    se = np.sqrt(dispersion * variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(coefficient / se), df)
    return np.asarray(np.where((df > 0) & np.isfinite(se), p, np.nan))


def _upper(mu0: Array, se: Array, phi: Array, z: float) -> Array:
    """Farrington's (1996) 2/3-power upper bound, as `farrington._powered_upper`."""
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = phi + se**2 / mu0
        return np.asarray((mu0 ** (2 / 3) + z * np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)) ** 1.5)


def _bounds(
    y: Array, rows: Array, position: int, params: FarringtonParams
) -> tuple[Array, Array, Flags]:
    """The mean and upper bound of every series (rows of `y`, its reference weeks)."""
    series = y.shape[0]
    time = rows + 1.0
    centre = float(time.mean())  # a change of origin: the predictions stay R's
    with_trend = np.column_stack([np.ones(len(rows)), time - centre])
    now = np.array([1.0, position + 1.0 - centre])
    known = np.ones_like(y, dtype=bool)
    z = float(stats.norm.ppf(1 - params.alpha / 2))
    mu0, upper = np.full(series, np.nan), np.full(series, np.nan)
    plain = np.ones(series, dtype=bool)
    fallback = np.zeros(series, dtype=bool)
    if params.trend:
        models = pipeline(with_trend, y, known, params.reweight, CLASSIC_THRESHOLD)
        fallback = ~models.converged
        fit = models.fit
        p = _p_value(
            fit.coefficients[:, 1],
            fit.unscaled_covariance[:, 1, 1],
            fit.dispersion(),
            fit.residual_df,
        )
        mu_hat = np.exp(fit.coefficients @ now)
        keep = (params.b >= 3) & (p < 0.05) & (mu_hat <= y.max(axis=1)) & ~fallback
        at = np.flatnonzero(keep)
        chosen, phi, _ = select(models, at)
        eta, se = chosen.predict_link(np.tile(now, (len(at), 1)), phi)
        mu0[at] = np.exp(eta)
        upper[at] = _upper(mu0[at], se * mu0[at], phi, z)
        plain = ~keep & ~fallback
    at = np.flatnonzero(plain)
    if len(at):
        models = pipeline(with_trend[:, :1], y[at], known[at], params.reweight, CLASSIC_THRESHOLD)
        fallback[at[~models.converged]] = True
        eta, se = models.fit.predict_link(np.ones((len(at), 1)), models.phi)
        mu0[at] = np.exp(eta)
        upper[at] = _upper(mu0[at], se * mu0[at], models.phi, z)
    return mu0, upper, fallback


def week(
    x: Array, template: WeeklySeries, position: int, params: FarringtonParams
) -> tuple[Array, Array, Flags]:
    """Upper bound and alarm of every series for one week (NaN for a series R refuses),
    and which series were computed alone."""
    rows = np.array(classic_reference_weeks(template, position, params.b, params.w))
    refused = np.isnan(x).any(axis=1)
    series = x.shape[0]
    upper, alarm = np.full(series, np.nan), np.full(series, np.nan)
    fine = np.flatnonzero(~refused)
    mu0, bound, fallback = _bounds(x[fine][:, rows], rows, position, params)
    cases, weeks = params.limit54
    enough = x[fine, max(position - weeks + 1, 0) : position + 1].sum(axis=1) >= cases
    observed = x[fine, position]
    upper[fine] = np.where(enough, bound, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        alarm[fine] = (enough & ((observed - mu0) / (bound - mu0) > 1)).astype(float)
    alone = np.zeros(series, dtype=bool)
    alone[fine[fallback]] = True
    for at in np.flatnonzero(alone):
        upper[at], alarm[at] = _alone(x[at], template, position, params)
    return upper, alarm, alone


def _alone(
    counts: Array, template: WeeklySeries, position: int, params: FarringtonParams
) -> tuple[float, float]:
    series = WeeklySeries(tuple(int(c) for c in counts), template.weeks)
    found = farrington(series, range(position, position + 1), params)
    upper, alarm = found.upperbound[0], found.alarm[0]
    return (np.nan if upper is None else upper), (np.nan if alarm is None else float(alarm))
