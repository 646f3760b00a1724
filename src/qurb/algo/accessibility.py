"""Access analyses on travel times: population beyond thresholds, catchments, 2SFCA.

Arrays in, arrays out: the travel times come from any `TravelTimeModel`, the populations
from the census; grouping by territory and the names are the service's business.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qurb.algo.travel import NearestResult, Points, TravelTimeModel, no_nearest
from qurb.kernel.errors import QurbError


class AccessError(QurbError):
    """A parameter of an access analysis that cannot be used (says which and why)."""


def check_thresholds(thresholds_minutes: Sequence[float]) -> tuple[float, ...]:
    """Sorted distinct thresholds; each must be a positive finite number of minutes."""
    if not thresholds_minutes:
        raise AccessError(code="no_threshold")
    for value in thresholds_minutes:
        if not (np.isfinite(value) and value > 0):
            raise AccessError(code="threshold_not_positive", values={"value": str(value)})
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
        values = {"value": str(catchment_minutes)}
        raise AccessError(code="catchment_not_positive", values=values)
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
        raise AccessError(code="unknown_decay", values={"value": repr(decay)})
    demand = weight.T @ population  # (m,) weighted population within each catchment
    ratio = np.divide(supply, demand, out=np.zeros_like(supply), where=demand > 0)
    return TwoStepResult(ratio, weight @ ratio)


# ---------------------------------------------------------------------------- distance bands

# The Ministry's distance indicator: population within 5 km, 5–10 km and beyond 10 km of
# the nearest ESSP (Santé en chiffres).
MINISTRY_DISTANCE_BANDS_KM = (5.0, 10.0)


def check_distance_bands(bands_km: Sequence[float]) -> tuple[float, ...]:
    """Increasing distinct band limits in km, each a positive finite number."""
    if not bands_km:
        raise AccessError(code="no_distance_band")
    for value in bands_km:
        if not (np.isfinite(value) and value > 0):
            raise AccessError(code="distance_band_not_positive", values={"value": str(value)})
    return tuple(sorted({float(v) for v in bands_km}))


def distance_band_keys(bands_km: Sequence[float]) -> list[str]:
    """Field names of the bands: 'within_5_km', '5_to_10_km', 'beyond_10_km'."""
    limits = check_distance_bands(bands_km)
    keys = [f"within_{limits[0]:g}_km"]
    keys += [f"{a:g}_to_{b:g}_km" for a, b in itertools.pairwise(limits)]
    keys.append(f"beyond_{limits[-1]:g}_km")
    return keys


def distance_band_labels(bands_km: Sequence[float]) -> list[str]:
    """Labels of the bands: '≤5 km', '5–10 km', '>10 km'."""
    limits = check_distance_bands(bands_km)
    labels = [f"≤{limits[0]:g} km"]
    labels += [f"{a:g}–{b:g} km" for a, b in itertools.pairwise(limits)]
    labels.append(f">{limits[-1]:g} km")
    return labels


def compute_distance_band(distance_km: np.ndarray, bands_km: Sequence[float]) -> np.ndarray:
    """The band index of each distance: 0 for ≤ the first limit (a distance equal to a
    limit is within it), …, len(limits) beyond the last; unreachable (inf or nan) is
    beyond the last."""
    limits = np.asarray(check_distance_bands(bands_km))
    km = np.asarray(distance_km, float)
    index = np.searchsorted(limits, np.where(np.isnan(km), np.inf, km), side="left")
    return index.astype(np.int64)


# Origins per travel-matrix call: bounds memory (origins × every facility of the country).
NEAREST_BY_KM_CHUNK_ORIGINS = 256


def compute_nearest_by_km(
    model: TravelTimeModel,
    origins: Points,
    destinations: Points,
    chunk_origins: int = NEAREST_BY_KM_CHUNK_ORIGINS,
) -> NearestResult:
    """For each origin, the destination with the fewest km along the model's route (the
    model's own km, whatever legs it counts; ties: the first listed), with those km and
    that route's minutes; index -1 and inf where none is reachable."""
    n = len(origins)
    if n == 0 or len(destinations) == 0:
        return no_nearest(n)
    index = np.full(n, -1, dtype=np.int64)
    km = np.full(n, np.inf)
    minutes = np.full(n, np.inf)
    for start in range(0, n, max(1, chunk_origins)):
        rows = np.arange(start, min(n, start + max(1, chunk_origins)))
        matrix = model.compute_matrix(origins.take(rows), destinations)
        distance = np.where(np.isnan(matrix.distance_km), np.inf, matrix.distance_km)
        best = np.argmin(distance, axis=1)
        picked = distance[np.arange(len(rows)), best]
        reachable = np.isfinite(picked)
        index[rows] = np.where(reachable, best, -1)
        km[rows] = picked
        minutes[rows] = np.where(reachable, matrix.minutes[np.arange(len(rows)), best], np.inf)
    return NearestResult(index, minutes, km)


@dataclass(frozen=True)
class GroupDistance:
    """Population of one group of origins per distance band. A whole origin (a commune)
    falls in one band: the band of its distance."""

    group: str
    origins: int
    population: float  # origins with a known population only
    by_band: tuple[float, ...]  # population per band, len(limits) + 1
    origins_population_unknown: int  # origins without a population figure, in no band

    def share(self, band: int) -> float | None:
        return self.by_band[band] / self.population if self.population > 0 else None


def compute_group_distance(
    groups: Sequence[str],
    population: np.ndarray,
    distance_km: np.ndarray,
    bands_km: Sequence[float] = MINISTRY_DISTANCE_BANDS_KM,
) -> list[GroupDistance]:
    """Per group (in first-seen order): the population of its origins in each distance
    band. `population` nan = unknown: that origin is counted apart, in no band."""
    limits = check_distance_bands(bands_km)
    population = np.asarray(population, float)
    distance_km = np.asarray(distance_km, float)
    if not (len(groups) == population.shape[0] == distance_km.shape[0]):
        raise AccessError("one group, population and distance per origin")
    known = ~np.isnan(population)
    if (population[known] < 0).any() or not np.isfinite(population[known]).all():
        raise AccessError("populations must be finite and ≥ 0 (nan where unknown)")
    band = compute_distance_band(distance_km, limits)
    order: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        order.setdefault(group, []).append(i)
    result = []
    for group, rows in order.items():
        p, b, k = population[rows], band[rows], known[rows]
        result.append(
            GroupDistance(
                group=group,
                origins=len(rows),
                population=float(p[k].sum()),
                by_band=tuple(float(p[k & (b == i)].sum()) for i in range(len(limits) + 1)),
                origins_population_unknown=int((~k).sum()),
            )
        )
    return result
