"""Fitting the commune-graph parameters to observed trips (minutes and/or km).

A user supplies observed trips (from a survey, a routing service, a GPS log): the origin
commune (its population: the access term applies), a destination point, and the observed
minutes and/or road km. `fit_commune_graph` adjusts the speeds, detour factors and the
off-road speed by bounded non-linear least squares (`scipy.optimize.least_squares`) and
reports the error before and after. Parameters the observations do not inform (e.g. the
remote-terrain speed when no trip crosses remote terrain) keep their value and are named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_inputs import (
    TERRAIN_NAMES,
    CommuneGraphInputs,
    CommuneGraphParameters,
    commune_points,
    with_parameter_vector,
)
from qurb.algo.travel import Points, TravelModelError

FITTABLE = {
    **{f"speed_kph.{t}": (3.0, 130.0) for t in TERRAIN_NAMES.values()},
    **{f"detour_factor.{t}": (1.0, 3.0) for t in TERRAIN_NAMES.values()},
    "offroad_speed_kph": (2.0, 40.0),
}


@dataclass(frozen=True)
class Trips:
    """Observed trips: origin commune codes, destination points, minutes/km (nan = not
    observed for that trip)."""

    origin_commune: tuple[str, ...]
    destination: Points
    minutes: np.ndarray
    distance_km: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.origin_commune)
        if (
            len(self.destination) != n
            or self.minutes.shape != (n,)
            or self.distance_km.shape != (n,)
        ):
            raise TravelModelError("one destination, minutes and km value per observed trip")


@dataclass(frozen=True)
class FitError:
    trips: int
    rmse_minutes: float | None
    mae_minutes: float | None
    mape_minutes: float | None  # mean absolute percentage error, %
    rmse_km: float | None
    mae_km: float | None


@dataclass(frozen=True)
class FitResult:
    params: CommuneGraphParameters
    before: FitError
    after: FitError
    fitted: tuple[str, ...]
    uninformed: tuple[str, ...]  # parameters no observation depends on (left unchanged)
    values_before: dict[str, float]
    values_after: dict[str, float]
    converged: bool
    message: str


def parameter_values(params: CommuneGraphParameters, names: Sequence[str]) -> np.ndarray:
    values = []
    for name in names:
        group, _, terrain = name.partition(".")
        if group in ("speed_kph", "detour_factor"):
            index = list(TERRAIN_NAMES.values()).index(terrain)
            values.append(getattr(params, group)[index])
        else:
            values.append(getattr(params, group))
    return np.array(values, dtype=float)


def predict_trips(model: CommuneGraphModel, trips: Trips) -> tuple[np.ndarray, np.ndarray]:
    """Modelled minutes and km of each observed trip (from the origin commune's population)."""
    result = model.compute_pairs(
        commune_points(model.inputs, trips.origin_commune), trips.destination
    )
    return result.minutes, result.distance_km


def _errors(trips: Trips, minutes: np.ndarray, km: np.ndarray) -> FitError:
    has_min = np.isfinite(trips.minutes)
    has_km = np.isfinite(trips.distance_km)

    def rmse(a: np.ndarray, b: np.ndarray) -> float | None:
        return float(np.sqrt(np.mean((a - b) ** 2))) if len(a) else None

    def mae(a: np.ndarray, b: np.ndarray) -> float | None:
        return float(np.mean(np.abs(a - b))) if len(a) else None

    obs_min, mod_min = trips.minutes[has_min], minutes[has_min]
    positive = obs_min > 0
    mape = (
        float(np.mean(np.abs(mod_min[positive] - obs_min[positive]) / obs_min[positive]) * 100)
        if positive.any()
        else None
    )
    return FitError(
        trips=len(trips.origin_commune),
        rmse_minutes=rmse(mod_min, obs_min),
        mae_minutes=mae(mod_min, obs_min),
        mape_minutes=mape,
        rmse_km=rmse(km[has_km], trips.distance_km[has_km]),
        mae_km=mae(km[has_km], trips.distance_km[has_km]),
    )


def fit_commune_graph(
    inputs: CommuneGraphInputs,
    params: CommuneGraphParameters,
    trips: Trips,
    names: Sequence[str] | None = None,
) -> FitResult:
    """Least-squares fit of the named parameters (default: every fittable one) to the
    observed trips; residuals in minutes and km are each scaled by their observed mean so
    that both count when both are given."""
    if len(trips.origin_commune) == 0:
        raise TravelModelError(code="no_trip_to_fit")
    has_min = np.isfinite(trips.minutes)
    has_km = np.isfinite(trips.distance_km)
    if not (has_min | has_km).all():
        raise TravelModelError(code="trip_without_measure")
    if (trips.minutes[has_min] < 0).any() or (trips.distance_km[has_km] < 0).any():
        raise TravelModelError(code="negative_trip")
    chosen = list(names) if names is not None else list(FITTABLE)
    if not has_min.any():  # km alone say nothing about speeds
        chosen = [n for n in chosen if n.startswith("detour_factor")]
    unknown = [n for n in chosen if n not in FITTABLE]
    if unknown:
        values = {"names": unknown, "fittable": list(FITTABLE)}
        raise TravelModelError(code="not_fittable", values=values)
    base = CommuneGraphModel(inputs, params)
    minutes0, km0 = predict_trips(base, trips)
    before = _errors(trips, minutes0, km0)
    scale_min = max(float(np.mean(trips.minutes[has_min])) if has_min.any() else 1.0, 1e-6)
    scale_km = max(float(np.mean(trips.distance_km[has_km])) if has_km.any() else 1.0, 1e-6)

    def residuals(vector: np.ndarray) -> np.ndarray:
        model = CommuneGraphModel(inputs, with_parameter_vector(params, vector, chosen))
        minutes, km = predict_trips(model, trips)
        return np.concatenate(
            [
                (minutes[has_min] - trips.minutes[has_min]) / scale_min,
                (km[has_km] - trips.distance_km[has_km]) / scale_km,
            ]
        )

    x0 = parameter_values(params, chosen)
    lower = np.array([FITTABLE[n][0] for n in chosen])
    upper = np.array([FITTABLE[n][1] for n in chosen])
    x0 = np.clip(x0, lower, upper)
    # Which parameters move the prediction at all (finite difference at the start).
    r0 = residuals(x0)
    informed = []
    for i, _ in enumerate(chosen):
        step = x0.copy()
        step[i] = x0[i] * 1.05 if x0[i] * 1.05 <= upper[i] else x0[i] * 0.95
        informed.append(bool(np.any(np.abs(residuals(step) - r0) > 1e-9)))
    fitted = [n for n, ok in zip(chosen, informed, strict=True) if ok]
    uninformed = tuple(n for n, ok in zip(chosen, informed, strict=True) if not ok)
    if not fitted:
        raise TravelModelError(code="nothing_to_fit")
    keep = np.array(informed)

    def fitted_residuals(sub: np.ndarray) -> np.ndarray:
        vector = x0.copy()
        vector[keep] = sub
        return residuals(vector)

    solution = least_squares(
        fitted_residuals, x0[keep], bounds=(lower[keep], upper[keep]), x_scale="jac", diff_step=1e-3
    )
    vector = x0.copy()
    vector[keep] = solution.x
    fitted_params = with_parameter_vector(params, vector, chosen)
    minutes1, km1 = predict_trips(CommuneGraphModel(inputs, fitted_params), trips)
    return FitResult(
        params=fitted_params,
        before=before,
        after=_errors(trips, minutes1, km1),
        fitted=tuple(fitted),
        uninformed=uninformed,
        values_before=dict(zip(chosen, parameter_values(params, chosen).tolist(), strict=True)),
        values_after=dict(zip(chosen, vector.tolist(), strict=True)),
        converged=bool(solution.success),
        message=str(solution.message),
    )
