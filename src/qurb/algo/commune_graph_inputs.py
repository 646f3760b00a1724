"""What the commune-graph travel-time model reads: the communes as plain arrays, every
number of the model (`data/commune_graph.toml`), and the terrain class of each commune.
The model itself is `qurb.algo.commune_graph`."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qurb.algo.travel import Points, TravelModelError


class Terrain(enum.IntEnum):
    URBAN = 0
    RURAL = 1
    REMOTE = 2


TERRAIN_NAMES = {Terrain.URBAN: "urban", Terrain.RURAL: "rural", Terrain.REMOTE: "remote"}


@dataclass(frozen=True)
class CommuneGraphParameters:
    """Every number of the model, per terrain class where it varies (see the TOML file)."""

    speed_kph: tuple[float, float, float] = (30.0, 60.0, 35.0)  # urban, rural, remote
    detour_factor: tuple[float, float, float] = (1.3, 1.3, 1.6)
    offroad_speed_kph: float = 10.0
    intra_radius_factor: float = 0.667
    urban_density_per_km2: float = 1500.0
    remote_paved_road_km: float = 3.0
    open_density_per_km2: float = 10.0
    transit_hops: int = 3
    name: str = "commune-graph"

    def __post_init__(self) -> None:
        for label, values in (("speed_kph", self.speed_kph), ("detour_factor", self.detour_factor)):
            if len(values) != 3:
                raise TravelModelError(f"{label}: one value per terrain (urban, rural, remote)")
        for terrain, speed in zip(TERRAIN_NAMES.values(), self.speed_kph, strict=True):
            if not (speed > 0 and np.isfinite(speed)):
                facts = {"terrain": terrain, "value": str(speed)}
                raise TravelModelError(code="param_speed", values=facts)
        for terrain, detour in zip(TERRAIN_NAMES.values(), self.detour_factor, strict=True):
            if not (detour >= 1.0 and np.isfinite(detour)):
                facts = {"terrain": terrain, "value": str(detour)}
                raise TravelModelError(code="param_detour", values=facts)
        if not (self.offroad_speed_kph > 0 and np.isfinite(self.offroad_speed_kph)):
            facts = {"value": str(self.offroad_speed_kph)}
            raise TravelModelError(code="param_offroad_speed", values=facts)
        if not (self.intra_radius_factor >= 0 and np.isfinite(self.intra_radius_factor)):
            facts = {"value": str(self.intra_radius_factor)}
            raise TravelModelError(code="param_intra_radius", values=facts)
        for label, value in (
            ("terrain.urban_density_per_km2", self.urban_density_per_km2),
            ("terrain.remote_paved_road_km", self.remote_paved_road_km),
            ("terrain.open_density_per_km2", self.open_density_per_km2),
        ):
            if not (value >= 0 and np.isfinite(value)):
                facts = {"label": label, "value": str(value)}
                raise TravelModelError(code="param_negative", values=facts)
        if not (float(self.transit_hops).is_integer() and 1 <= self.transit_hops <= 4):
            facts = {"value": str(self.transit_hops)}
            raise TravelModelError(code="param_transit_hops", values=facts)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "parameters") -> Any:
        """From the TOML layout of `data/commune_graph.toml`; names the bad key."""

        def section(name: str) -> Mapping[str, Any]:
            value = data.get(name, {})
            if not isinstance(value, Mapping):
                raise TravelModelError(
                    code="param_not_table", values={"source": source, "name": name}
                )
            return value

        def number(table: str, key: str, default: float) -> float:
            value = section(table).get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                facts = {"source": source, "key": f"{table}.{key}", "value": repr(value)}
                raise TravelModelError(code="param_not_number", values=facts)
            return float(value)

        def whole(table: str, key: str, default: int) -> int:
            value = number(table, key, default)
            if not value.is_integer():
                facts = {"source": source, "key": f"{table}.{key}"}
                raise TravelModelError(code="param_not_whole", values=facts)
            return int(value)

        def per_terrain(table: str, defaults: tuple[float, float, float]) -> tuple[float, ...]:
            known = set(TERRAIN_NAMES.values())
            unknown = set(section(table)) - known
            if unknown:
                facts = {"source": source, "table": table, "unknown": sorted(unknown)}
                raise TravelModelError(
                    code="param_unknown_terrain", values={**facts, "known": sorted(known)}
                )
            return tuple(
                number(table, name, default)
                for name, default in zip(TERRAIN_NAMES.values(), defaults, strict=True)
            )

        known_keys = {
            "terrain": {"urban_density_per_km2", "remote_paved_road_km", "open_density_per_km2"},
            "graph": {"transit_hops"},
            "access": {"offroad_speed_kph", "intra_radius_factor"},
        }
        for table, keys in known_keys.items():
            unknown_keys = sorted(set(section(table)) - keys)
            if unknown_keys:
                # e.g. terrain.remote_density_per_km2, whose rule was turned round: the
                # sparse communes are now open country (open_density_per_km2)
                facts = {"source": source, "table": table, "unknown": unknown_keys}
                raise TravelModelError(
                    code="param_unknown_keys", values={**facts, "known": sorted(keys)}
                )
        base = cls()
        try:
            return cls(
                speed_kph=per_terrain("speed_kph", base.speed_kph),  # type: ignore[arg-type]
                detour_factor=per_terrain("detour_factor", base.detour_factor),  # type: ignore[arg-type]
                offroad_speed_kph=number("access", "offroad_speed_kph", base.offroad_speed_kph),
                intra_radius_factor=number(
                    "access", "intra_radius_factor", base.intra_radius_factor
                ),
                urban_density_per_km2=number(
                    "terrain", "urban_density_per_km2", base.urban_density_per_km2
                ),
                remote_paved_road_km=number(
                    "terrain", "remote_paved_road_km", base.remote_paved_road_km
                ),
                open_density_per_km2=number(
                    "terrain", "open_density_per_km2", base.open_density_per_km2
                ),
                transit_hops=whole("graph", "transit_hops", base.transit_hops),
                name=str(data.get("name", base.name)),
            )
        except TravelModelError as error:
            if str(error).startswith(source):
                raise error from None
            cause = {"field": source, "cause": error}
            raise TravelModelError(code="in_field", values=cause) from None

    def to_mapping(self) -> dict[str, Any]:
        """The TOML layout (inverse of `from_mapping`)."""
        names = list(TERRAIN_NAMES.values())
        return {
            "name": self.name,
            "terrain": {
                "urban_density_per_km2": self.urban_density_per_km2,
                "remote_paved_road_km": self.remote_paved_road_km,
                "open_density_per_km2": self.open_density_per_km2,
            },
            "graph": {"transit_hops": self.transit_hops},
            "speed_kph": dict(zip(names, self.speed_kph, strict=True)),
            "detour_factor": dict(zip(names, self.detour_factor, strict=True)),
            "access": {
                "offroad_speed_kph": self.offroad_speed_kph,
                "intra_radius_factor": self.intra_radius_factor,
            },
        }


@dataclass(frozen=True)
class CommuneGraphInputs:
    """The communes as plain arrays (from the census and the bundled geometry)."""

    codes: tuple[str, ...]
    ref_lon: np.ndarray  # degrees
    ref_lat: np.ndarray
    area_km2: np.ndarray
    population: np.ndarray  # 2024 legal population
    urban: np.ndarray  # bool: HCP urban commune or arrondissement
    paved_road_km: np.ndarray  # households' mean distance to a paved road; nan = not given
    adjacency: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        n = len(self.codes)
        for label in ("ref_lon", "ref_lat", "area_km2", "population", "urban", "paved_road_km"):
            value = np.asarray(getattr(self, label))
            if value.shape != (n,):
                raise TravelModelError(f"{label}: expected {n} values, got {value.shape}")
            object.__setattr__(self, label, value)


def classify_terrain(inputs: CommuneGraphInputs, params: CommuneGraphParameters) -> np.ndarray:
    """Terrain class per commune (`Terrain` values), by the rules of the TOML file."""
    area = np.where(inputs.area_km2 > 0, inputs.area_km2, np.nan)
    density = np.asarray(inputs.population, float) / area  # inhabitants per km²
    paved = np.nan_to_num(np.asarray(inputs.paved_road_km, float), nan=0.0)
    terrain = np.full(len(inputs.codes), Terrain.RURAL, dtype=np.int8)
    # Households far from a paved road in a peopled landscape: mountains. Where fewer than
    # open_density_per_km2 live (desert, steppe), the roads are straight and fast, and the
    # far-off households are nomads: the access term counts their distance, not the speed.
    remote = (paved >= params.remote_paved_road_km) & (
        np.nan_to_num(density, nan=np.inf) >= params.open_density_per_km2
    )
    terrain[remote] = Terrain.REMOTE
    urban = inputs.urban.astype(bool) | (
        np.nan_to_num(density, nan=0.0) >= params.urban_density_per_km2
    )
    terrain[urban] = Terrain.URBAN
    return terrain


def commune_points(inputs: CommuneGraphInputs, codes: Sequence[str] | None = None) -> Points:
    """The reference points of the communes (all, or those named), standing for their
    populations (so the model applies the access term)."""
    index = {c: i for i, c in enumerate(inputs.codes)}
    chosen = list(inputs.codes) if codes is None else list(codes)
    rows = np.array([index[c] for c in chosen], dtype=np.int64)
    return Points(inputs.ref_lon[rows], inputs.ref_lat[rows], tuple(chosen))


def with_parameter_vector(
    params: CommuneGraphParameters, vector: np.ndarray, names: Sequence[str]
) -> CommuneGraphParameters:
    """`params` with the named fitted values replaced (see `fitting.py`)."""
    speed = list(params.speed_kph)
    detour = list(params.detour_factor)
    changes: dict[str, Any] = {}
    for name, value in zip(names, vector, strict=True):
        group, _, terrain = name.partition(".")
        if group == "speed_kph":
            speed[list(TERRAIN_NAMES.values()).index(terrain)] = float(value)
        elif group == "detour_factor":
            detour[list(TERRAIN_NAMES.values()).index(terrain)] = float(value)
        else:
            changes[group] = float(value)
    return replace(params, speed_kph=tuple(speed), detour_factor=tuple(detour), **changes)  # type: ignore[arg-type]
