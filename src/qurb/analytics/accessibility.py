"""Access analyses on travel times: population beyond thresholds, catchments, 2SFCA.

Arrays in, arrays out: the travel times come from any `TravelTimeModel`, the populations
from the census; grouping by territory and the names are the service's business.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qurb.domain.errors import QurbError


class AccessError(QurbError):
    """A parameter of an access analysis that cannot be used (says which and why)."""


def check_thresholds(thresholds_minutes: Sequence[float]) -> tuple[float, ...]:
    """Sorted distinct thresholds; each must be a positive finite number of minutes."""
    if not thresholds_minutes:
        raise AccessError("give at least one travel-time threshold (minutes)")
    for value in thresholds_minutes:
        if not (np.isfinite(value) and value > 0):
            raise AccessError(f"travel-time threshold must be > 0 minutes, got {value}")
    return tuple(sorted({float(v) for v in thresholds_minutes}))


def compute_band(minutes: np.ndarray, thresholds_minutes: Sequence[float]) -> list[str]:
    """The band of each travel time: '≤30', '30–60', …, '>120' (unreachable: '>120')."""
    thresholds = check_thresholds(thresholds_minutes)
    labels = [f"≤{thresholds[0]:g}"]
    labels += [f"{a:g}–{b:g}" for a, b in itertools.pairwise(thresholds)]
    labels.append(f">{thresholds[-1]:g}")
    index = np.searchsorted(np.asarray(thresholds), np.asarray(minutes, float), side="left")
    return [labels[int(i)] for i in index]


@dataclass(frozen=True)
class GroupAccess:
    """Access of one group of origins (e.g. the communes of a province)."""

    group: str
    origins: int
    population: float
    beyond: dict[float, float]  # threshold minutes → population beyond it (unreachable too)
    mean_minutes: float | None  # population-weighted, over reachable origins
    max_minutes: float | None
    unreachable_population: float

    def share_beyond(self, threshold: float) -> float | None:
        return self.beyond[threshold] / self.population if self.population > 0 else None


def compute_group_access(
    groups: Sequence[str],
    population: np.ndarray,
    minutes: np.ndarray,
    thresholds_minutes: Sequence[float],
) -> list[GroupAccess]:
    """Per group (in first-seen order): population beyond each threshold, weighted mean."""
    thresholds = check_thresholds(thresholds_minutes)
    population = np.asarray(population, float)
    minutes = np.asarray(minutes, float)
    if not (len(groups) == population.shape[0] == minutes.shape[0]):
        raise AccessError("one group, population and travel time per origin")
    if (population < 0).any() or not np.isfinite(population).all():
        raise AccessError("populations must be finite and ≥ 0")
    order: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        order.setdefault(group, []).append(i)
    result = []
    for group, rows in order.items():
        p = population[rows]
        t = minutes[rows]
        reachable = np.isfinite(t)
        weight = p[reachable].sum()
        result.append(
            GroupAccess(
                group=group,
                origins=len(rows),
                population=float(p.sum()),
                beyond={th: float(p[~(t <= th)].sum()) for th in thresholds},
                mean_minutes=float((p[reachable] * t[reachable]).sum() / weight)
                if weight > 0
                else None,
                max_minutes=float(t[reachable].max()) if reachable.any() else None,
                unreachable_population=float(p[~reachable].sum()),
            )
        )
    return result


@dataclass(frozen=True)
class Catchments:
    population: np.ndarray  # (m,) population assigned to each facility
    origins: np.ndarray  # (m,) number of origins assigned
    population_per_capacity: np.ndarray  # (m,) nan where capacity unknown or 0
    unassigned_population: float


def compute_catchments(
    nearest_index: np.ndarray,
    population: np.ndarray,
    n_facilities: int,
    capacity: np.ndarray | None = None,
) -> Catchments:
    """Each origin to its nearest facility (index -1: none within the cutoff); catchment
    population, and population per unit of capacity where the capacity is known."""
    nearest_index = np.asarray(nearest_index, dtype=np.int64)
    population = np.asarray(population, float)
    if nearest_index.shape != population.shape:
        raise AccessError("one nearest facility and one population per origin")
    assigned = nearest_index >= 0
    if (nearest_index >= n_facilities).any():
        raise AccessError("nearest facility index out of range")
    totals = np.bincount(nearest_index[assigned], population[assigned], minlength=n_facilities)
    counts = np.bincount(nearest_index[assigned], minlength=n_facilities)
    ratio = np.full(n_facilities, np.nan)
    if capacity is not None:
        capacity = np.asarray(capacity, float)
        if capacity.shape != (n_facilities,):
            raise AccessError("one capacity per facility (nan where unknown)")
        known = np.isfinite(capacity) & (capacity > 0)
        ratio[known] = totals[known] / capacity[known]
    return Catchments(totals, counts, ratio, float(population[~assigned].sum()))


@dataclass(frozen=True)
class TwoStepResult:
    supply_ratio: np.ndarray  # (m,) R_j: supply per inhabitant of facility j's catchment
    accessibility: np.ndarray  # (n,) A_i: Σ R_j over facilities within reach of i


def compute_2sfca(
    population: np.ndarray,
    supply: np.ndarray,
    minutes: np.ndarray,
    catchment_minutes: float,
    decay: str = "step",
) -> TwoStepResult:
    """Two-step floating catchment area (Luo & Wang 2003); `decay="gaussian"` is the
    enhanced variant with a Gaussian weight that falls to 0.01 at the catchment edge
    (Dai 2010). Step 1: R_j = S_j / Σ_k w(t_kj) P_k; step 2: A_i = Σ_j w(t_ij) R_j."""
    if not (np.isfinite(catchment_minutes) and catchment_minutes > 0):
        raise AccessError(f"catchment must be > 0 minutes, got {catchment_minutes}")
    population = np.asarray(population, float)
    supply = np.asarray(supply, float)
    minutes = np.asarray(minutes, float)
    if minutes.shape != (population.shape[0], supply.shape[0]):
        raise AccessError("travel times must be origins × facilities")
    if (population < 0).any() or (supply < 0).any():
        raise AccessError("population and supply must be ≥ 0")
    inside = minutes <= catchment_minutes
    if decay == "step":
        weight = inside.astype(float)
    elif decay == "gaussian":
        # w(t) = (exp(-½ (t/d0)² β) − e) / (1 − e), with β so that w(d0) ≈ 0.01 untruncated.
        beta = -2 * np.log(0.01)
        with np.errstate(invalid="ignore"):
            weight = np.where(inside, np.exp(-0.5 * (minutes / catchment_minutes) ** 2 * beta), 0.0)
    else:
        raise AccessError(f"decay must be 'step' or 'gaussian', got {decay!r}")
    demand = weight.T @ population  # (m,) weighted population within each catchment
    ratio = np.divide(supply, demand, out=np.zeros_like(supply), where=demand > 0)
    return TwoStepResult(ratio, weight @ ratio)
