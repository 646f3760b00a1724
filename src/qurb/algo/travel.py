"""The travel-time interface every model implements, and the straight-line model.

A model answers two questions about points given in lon/lat degrees (WGS 84):
- `compute_matrix`: origins × destinations → minutes and km (inf where unreachable);
- `compute_nearest`: for each origin, the nearest destination in minutes, optionally
  only within a cutoff (index -1 and inf beyond it).

How the minutes are made (straight line, commune graph, road network) is each model's
business; the analyses (`accessibility.py`, `mclp.py`, `pmedian.py`) only see these arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qurb.kernel.errors import QurbError

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
MINUTES_PER_HOUR = 60.0


class TravelModelError(QurbError):
    """A travel-time query or model parameter that cannot be answered (says why)."""


@dataclass(frozen=True)
class Points:
    """Points in lon/lat degrees; `commune` optionally names each point's HCP commune
    (the commune-graph model uses it instead of locating the point itself).

    `is_population`: as origins, the points stand for people living around them (a model
    may add the walk or track from dwellings to the road); False for places such as a
    health centre referring a patient, which start on the road."""

    lon: np.ndarray
    lat: np.ndarray
    commune: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = field(default=None, compare=False)
    is_population: bool = True

    def __post_init__(self) -> None:
        lon = np.asarray(self.lon, dtype=np.float64).reshape(-1)
        lat = np.asarray(self.lat, dtype=np.float64).reshape(-1)
        if lon.shape != lat.shape:
            raise TravelModelError("lon and lat must have the same length")
        if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
            raise TravelModelError("coordinates must be finite numbers")
        if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
            raise TravelModelError("coordinates must be lon in [-180, 180], lat in [-90, 90]")
        if self.commune is not None and len(self.commune) != len(lon):
            raise TravelModelError("one commune code per point")
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)

    @classmethod
    def from_lonlat(
        cls,
        lonlat: Sequence[tuple[float, float]] | np.ndarray,
        commune: Sequence[str] | None = None,
    ) -> Points:
        array = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
        return cls(array[:, 0], array[:, 1], None if commune is None else tuple(commune))

    def __len__(self) -> int:
        return int(self.lon.shape[0])

    def take(self, index: np.ndarray | Sequence[int]) -> Points:
        index = np.asarray(index, dtype=np.int64)
        commune = None if self.commune is None else tuple(self.commune[i] for i in index)
        labels = None if self.labels is None else tuple(self.labels[i] for i in index)
        return Points(self.lon[index], self.lat[index], commune, labels, self.is_population)


@dataclass(frozen=True)
class TravelMatrix:
    minutes: np.ndarray  # (n_origins, n_destinations) float64, inf where unreachable
    distance_km: np.ndarray  # same shape


@dataclass(frozen=True)
class NearestResult:
    index: np.ndarray  # (n_origins,) int64 destination index, -1 where none (within cutoff)
    minutes: np.ndarray  # (n_origins,) float64, inf where none
    distance_km: np.ndarray  # (n_origins,) float64, inf where none


@dataclass(frozen=True)
class Measure:
    """What a model's minutes and km measure, in words a planner reads beside every access
    figure (French, Arabic, English); `key` names the kind of model (a page may translate
    it or show the text)."""

    key: str
    fr: str
    ar: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "fr": self.fr, "ar": self.ar, "en": self.en}

    @classmethod
    def worded(cls, key: str, label: str, values: Callable[[str], Mapping[str, Any]]) -> Measure:
        """The measure `key` in the three languages from the catalogues' `label.measure.<label>`,
        its placeholders filled with `values(lang)` (a number written as each language does)."""
        from qurb.kernel.i18n import translate

        fr, ar, en = (translate(lang, f"label.measure.{label}", values(lang)) for lang in FR_AR_EN)
        return cls(key, fr, ar, en)


FR_AR_EN = ("fr", "ar", "en")


@runtime_checkable
class TravelTimeModel(Protocol):
    """Origins × destinations → minutes and km; `measure` says what they measure."""

    @property
    def name(self) -> str: ...

    @property
    def measure(self) -> Measure: ...

    def compute_matrix(self, origins: Points, destinations: Points) -> TravelMatrix: ...

    def compute_nearest(
        self, origins: Points, destinations: Points, cutoff_minutes: float | None = None
    ) -> NearestResult: ...


def check_cutoff(cutoff_minutes: float | None) -> None:
    if cutoff_minutes is not None and not (cutoff_minutes > 0 and np.isfinite(cutoff_minutes)):
        raise TravelModelError(code="cutoff_not_positive", values={"value": str(cutoff_minutes)})


def no_nearest(n_origins: int) -> NearestResult:
    """The answer when there is nothing to reach: index -1, inf minutes and km."""
    none = np.full(n_origins, np.inf)
    return NearestResult(np.full(n_origins, -1, dtype=np.int64), none, none.copy())


def within_cutoff(
    index: np.ndarray, minutes: np.ndarray, km: np.ndarray, cutoff_minutes: float | None
) -> NearestResult:
    """The nearest result with unreachable origins, and those beyond the cutoff, set to
    index -1 and inf (the arrays are changed in place)."""
    beyond = ~np.isfinite(minutes)
    if cutoff_minutes is not None:
        beyond |= minutes > cutoff_minutes
    index[beyond] = -1
    minutes[beyond] = np.inf
    km[beyond] = np.inf
    return NearestResult(index, minutes, km)


def nearest_from_matrix(matrix: TravelMatrix, cutoff_minutes: float | None) -> NearestResult:
    """The nearest destination per origin from a full matrix (ties: lowest index)."""
    check_cutoff(cutoff_minutes)
    n_origins, n_destinations = matrix.minutes.shape
    if n_destinations == 0:
        return no_nearest(n_origins)
    index = np.argmin(matrix.minutes, axis=1).astype(np.int64)
    rows = np.arange(n_origins)
    minutes = matrix.minutes[rows, index].copy()
    km = matrix.distance_km[rows, index].copy()
    return within_cutoff(index, minutes, km, cutoff_minutes)


def compute_haversine_km(
    lon_a: np.ndarray, lat_a: np.ndarray, lon_b: np.ndarray, lat_b: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km; inputs broadcast (degrees)."""
    lon_a, lat_a, lon_b, lat_b = (
        np.radians(np.asarray(v, float)) for v in (lon_a, lat_a, lon_b, lat_b)
    )
    dlat = lat_b - lat_a
    dlon = lon_b - lon_a
    h = np.sin(dlat / 2) ** 2 + np.cos(lat_a) * np.cos(lat_b) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def compute_pairwise_km(origins: Points, destinations: Points) -> np.ndarray:
    """Great-circle km for every origin × destination pair, (n_o, n_d)."""
    return compute_haversine_km(
        origins.lon[:, None],
        origins.lat[:, None],
        destinations.lon[None, :],
        destinations.lat[None, :],
    )


@dataclass(frozen=True)
class StraightLineModel:
    """Great-circle distance × a detour factor, at one speed: the trivial model, for
    comparison (it ignores terrain, roads and the sea)."""

    speed_kph: float = 40.0
    detour_factor: float = 1.0
    name: str = "straight-line"

    def __post_init__(self) -> None:
        if not (self.speed_kph > 0 and np.isfinite(self.speed_kph)):
            raise TravelModelError(code="speed_not_positive", values={"value": str(self.speed_kph)})
        if not (self.detour_factor >= 1.0 and np.isfinite(self.detour_factor)):
            values = {"value": str(self.detour_factor)}
            raise TravelModelError(code="detour_below_one", values=values)

    @property
    def measure(self) -> Measure:
        from qurb.kernel.i18n import number

        def values(lang: str) -> dict[str, str]:
            factor = self.detour_factor
            detour = "" if factor == 1.0 else f" × {number(factor, lang)}"
            return {"detour": detour, "speed": number(self.speed_kph, lang)}

        return Measure.worded("straight-line", "straight_line", values)

    def compute_matrix(self, origins: Points, destinations: Points) -> TravelMatrix:
        km = compute_pairwise_km(origins, destinations) * self.detour_factor
        return TravelMatrix(km / self.speed_kph * MINUTES_PER_HOUR, km)

    def compute_nearest(
        self, origins: Points, destinations: Points, cutoff_minutes: float | None = None
    ) -> NearestResult:
        return nearest_from_matrix(self.compute_matrix(origins, destinations), cutoff_minutes)
