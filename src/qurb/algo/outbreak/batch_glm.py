"""R's `glm.fit` for a quasi-Poisson log-linear model, fitted to many series at once.

Every series shares the design matrix (the reference weeks are the same dates) and has
its own prior weights (0 for a week without a count, R's dropped NA row). Each step of
iteratively reweighted least squares solves the stacked p×p normal equations X'WX b =
X'Wz, one per series; a series stops changing once R's rule says it converged
(|dev - dev_old| / (|dev| + 0.1) < 1e-8), after at most 25 steps, as `glm.py` does for one.
What is kept follows `glm.py`: the working weights and (X'WX)^-1 of the last step,
computed from the mean before that step's update, the residuals from the mean after it.

The normal equations square the design's condition number: the time column is centred
by the caller (a change of origin that leaves every prediction as it was), which keeps
the error well below the 1e-9 the tests ask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .glm import EPSILON, MAX_ITERATIONS, Array

Flags = NDArray[np.bool_]
Index = NDArray[Any]  # positions or a mask


@dataclass(frozen=True)
class BatchFit:
    """Per series (first axis): coefficients (S, p), fitted means and working weights and
    residuals (S, n), the unscaled covariance (S, p, p), R's residual df (S,), converged."""

    design: Array
    response: Array
    coefficients: Array
    fitted: Array
    working_weights: Array
    working_residuals: Array
    unscaled_covariance: Array
    residual_df: Array
    converged: Flags

    def dispersion(self, weights: Array | None = None) -> Array:
        """`summary.glm`'s dispersion per series: over the positive weights."""
        used = self.working_weights if weights is None else weights
        terms = np.where(used > 0, used * self.working_residuals**2, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.residual_df > 0, terms.sum(axis=1) / self.residual_df, np.nan)

    def hat_values(self) -> Array:
        x = self.design
        series, p = self.coefficients.shape
        outer = (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1)
        quad = self.unscaled_covariance.reshape(series, p * p) @ outer.T  # x' C x per row
        return np.asarray(self.working_weights * quad)

    def predict_link(self, row: Array, dispersion: Array) -> tuple[Array, Array]:
        """The linear predictor and its standard error at `row` (S, p): one per series."""
        eta = np.einsum("si,si->s", self.coefficients, row)
        variance = np.einsum("si,sij,sj->s", row, self.unscaled_covariance, row)
        return eta, np.sqrt(dispersion * variance)


def _deviance(ylogy: Array, y: Array, eta: Array, mu: Array, weights: Array) -> Array:
    """The Poisson deviance with y·log(y/mu) as y·log(y) - y·eta: no logarithm per step
    (the same sum to rounding; R's convergence test is on its relative change)."""
    return np.asarray(2 * np.sum(weights * (ylogy - y * eta - y + mu), axis=1))


def _inverse(gram: Array) -> tuple[Array, Flags]:
    """(X'WX)^-1 of every series, and which are singular (NaN): where R's QR would
    pivot a column out, which the caller leaves to the per-series code."""
    try:
        return np.asarray(np.linalg.inv(gram)), np.zeros(len(gram), dtype=bool)
    except np.linalg.LinAlgError:
        pass
    inverse = np.full_like(gram, np.nan)
    singular = np.zeros(len(gram), dtype=bool)
    for at, matrix in enumerate(gram):
        try:
            inverse[at] = np.linalg.inv(matrix)
        except np.linalg.LinAlgError:
            singular[at] = True
    return inverse, singular


def _solve(x: Array, outer: Array, w2: Array, wz: Array) -> tuple[Array, Array, Flags]:
    """The weighted least squares of every series: coefficients, (X'WX)^-1, singular."""
    p = x.shape[1]
    gram = (w2 @ outer).reshape(-1, p, p)  # X' diag(w²) X, one per series
    inverse, singular = _inverse(gram)
    rhs = wz @ x  # X' diag(w²) z
    return np.einsum("sij,sj->si", inverse, rhs), inverse, singular


@dataclass
class _State:
    """The iteration's state of every series, updated in place where still active."""

    coefficients: Array
    inverse: Array
    w2: Array
    eta: Array
    mu: Array
    dev: Array


def _step(
    x: Array, outer: Array, y: Array, ylogy: Array, weights: Array, state: _State, at: Any
) -> tuple[Flags, Flags]:
    """One IRLS step of the series at `at` (a slice when all are active: no copies);
    which converged and which are singular."""
    eta, mu, w = state.eta[at], state.mu[at], weights[at]
    w2 = w * mu
    # w²·z with z = eta + (y - mu)/mu, the working response
    coefficients, inverse, singular = _solve(x, outer, w2, w2 * eta + w * (y[at] - mu))
    new_eta = coefficients @ x.T
    with np.errstate(over="ignore", invalid="ignore"):
        new_mu = np.exp(new_eta)
        dev = _deviance(ylogy[at], y[at], new_eta, new_mu, w)
        done: Flags = np.abs(dev - state.dev[at]) / (np.abs(dev) + 0.1) < EPSILON
    state.coefficients[at], state.inverse[at], state.w2[at] = coefficients, inverse, w2
    state.eta[at], state.mu[at], state.dev[at] = new_eta, new_mu, dev
    return done | singular, singular


def fit_batch(design: Array, response: Array, prior_weights: Array) -> BatchFit:
    """`glm.fit(design, y, family = quasipoisson(link = "log"), weights)` per row of
    `response` (S, n); `prior_weights` (S, n) is 0 where the count is unknown (the
    response there is ignored)."""
    x = np.asarray(design, dtype=float)
    weights = np.asarray(prior_weights, dtype=float)
    y = np.where(weights > 0, np.nan_to_num(response), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
    outer = (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1)
    series, p = y.shape[0], x.shape[1]
    mu = y + 0.1
    eta = np.log(mu)
    state = _State(
        np.zeros((series, p)),
        np.zeros((series, p, p)),
        weights * mu,
        eta,
        mu,
        _deviance(ylogy, y, eta, mu, weights),
    )
    active = np.ones(series, dtype=bool)
    failed = np.zeros(series, dtype=bool)
    for _ in range(MAX_ITERATIONS):
        at = np.flatnonzero(active)
        if not len(at):
            break
        done, singular = _step(
            x, outer, y, ylogy, weights, state, slice(None) if active.all() else at
        )
        failed[at[singular]] = True
        active[at[done]] = False
    usable = np.sum(weights != 0, axis=1)
    return BatchFit(
        design=x,
        response=y,
        coefficients=state.coefficients,
        fitted=state.mu,
        working_weights=state.w2,
        working_residuals=(y - state.mu) / state.mu,
        unscaled_covariance=state.inverse,
        residual_df=usable - p,
        converged=~active & ~failed,
    )


def anscombe_residuals(fit: BatchFit, phi: Array) -> Array:
    """`anscombe.residuals` per series (NaN where the count is unknown)."""
    y, mu = fit.response, fit.fitted
    a = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - mu**0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(a / np.sqrt(phi[:, None] * (1 - fit.hat_values())))


def farrington_weights(residuals: Array, known: Array, threshold: float) -> Array:
    """`algo.farrington.assign.weights` per series over its known weeks (0 elsewhere)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse_square = np.where(residuals > threshold, residuals ** (-2.0), 1.0)
        inverse_square = np.where(known, inverse_square, 0.0)
        gamma = known.sum(axis=1) / inverse_square.sum(axis=1)
    return np.asarray(gamma[:, None] * inverse_square)
