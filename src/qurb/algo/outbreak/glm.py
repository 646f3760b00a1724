"""The quasi-Poisson log-linear fit of R's `glm.fit`, step by step, so that what is
derived from it (dispersion, hat values, standard errors, p-values) equals R's.

R starts from mu = y + 0.1, runs iteratively reweighted least squares at most 25 times,
and stops when |dev - dev_old| / (|dev| + 0.1) < 1e-8. What it keeps are the working
weights and the QR of the last iteration, computed from the mu *before* that iteration's
update, with the residuals of the mu after it: this module keeps the same pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

EPSILON = 1e-8
MAX_ITERATIONS = 25

Array = NDArray[np.float64]


@dataclass(frozen=True)
class QuasiPoissonFit:
    """A fit: coefficients, fitted means, working weights and residuals, the unscaled
    covariance (X'WX)^-1 and R's residual degrees of freedom."""

    design: Array
    response: Array
    coefficients: Array
    fitted: Array
    working_weights: Array
    working_residuals: Array
    prior_weights: Array
    unscaled_covariance: Array
    residual_df: int
    converged: bool

    def dispersion(self, weights: Array | None = None) -> float:
        """R's `summary.glm` dispersion: sum(weights · residual²) / df over the positive
        weights, the working weights unless others are given (R's `model$weights`)."""
        used = self.working_weights if weights is None else weights
        if self.residual_df <= 0:
            return float("nan")
        keep = used > 0
        return float(np.sum((used * self.working_residuals**2)[keep]) / self.residual_df)

    def hat_values(self) -> Array:
        """The diagonal of the hat matrix of the last iteration's weighted design."""
        x = self.design
        return np.asarray(
            self.working_weights * np.einsum("ij,jk,ik->i", x, self.unscaled_covariance, x)
        )

    def p_value(self, column: int, dispersion: float) -> float:
        """R's two-sided t-test p-value of a coefficient, with its residual df."""
        se = np.sqrt(dispersion * self.unscaled_covariance[column, column])
        if self.residual_df <= 0 or not np.isfinite(se):
            return float("nan")
        t = self.coefficients[column] / se
        return float(2 * stats.t.sf(abs(t), self.residual_df))

    def predict_link(self, row: Array, dispersion: float) -> tuple[float, float]:
        """The linear predictor at `row` and its standard error."""
        eta = float(row @ self.coefficients)
        se = float(np.sqrt(dispersion * (row @ self.unscaled_covariance @ row)))
        return eta, se

    def predict_response(self, row: Array, dispersion: float) -> tuple[float, float]:
        """The mean at `row` and its standard error (the delta method, as R's)."""
        eta, se = self.predict_link(row, dispersion)
        mu = float(np.exp(eta))
        return mu, se * mu


def _deviance(y: Array, mu: Array, weights: Array) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.sum(2 * weights * (ylogy - (y - mu))))


def fit_quasi_poisson(
    design: Array, response: Array, prior_weights: Array | None = None
) -> QuasiPoissonFit:
    """R's `glm.fit(design, response, family = quasipoisson(link = "log"), weights)`."""
    x = np.asarray(design, dtype=float)
    y = np.asarray(response, dtype=float)
    weights = np.ones_like(y) if prior_weights is None else np.asarray(prior_weights, float)
    mu = y + 0.1
    eta = np.log(mu)
    dev_old = _deviance(y, mu, weights)
    coefficients = np.zeros(x.shape[1])
    converged = False
    w = np.sqrt(weights * mu)
    q_design = x * w[:, None]
    for _ in range(MAX_ITERATIONS):
        z = eta + (y - mu) / mu
        w = np.sqrt(weights * mu)
        q_design = x * w[:, None]
        coefficients = np.linalg.lstsq(q_design, z * w, rcond=None)[0]
        eta = x @ coefficients
        mu = np.exp(eta)
        dev = _deviance(y, mu, weights)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < EPSILON:
            converged = True
            break
        dev_old = dev
    r = np.linalg.qr(q_design, mode="r")
    r_inverse = np.linalg.inv(r)
    usable = int(np.sum(weights != 0))
    return QuasiPoissonFit(
        design=x,
        response=y,
        coefficients=coefficients,
        fitted=mu,
        working_weights=w**2,
        working_residuals=(y - mu) / mu,
        prior_weights=weights,
        unscaled_covariance=r_inverse @ r_inverse.T,
        residual_df=usable - x.shape[1],
        converged=converged,
    )


def anscombe_residuals(fit: QuasiPoissonFit, phi: float) -> Array:
    """surveillance's `anscombe.residuals`: standardised with phi and the hat values."""
    y, mu = fit.response, fit.fitted
    a = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - mu**0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(a / np.sqrt(phi * (1 - fit.hat_values())))


def farrington_weights(residuals: Array, threshold: float) -> Array:
    """surveillance's `algo.farrington.assign.weights`: s⁻² above the threshold, 1
    below, scaled by gamma so that the weights average to one."""
    above = residuals > threshold
    with np.errstate(divide="ignore"):
        inverse_square = np.where(above, residuals ** (-2.0), 1.0)
    gamma = len(residuals) / float(np.sum(inverse_square))
    return np.asarray(gamma * inverse_square)
