"""The bundled Morocco travel-time model without roads: a graph over the communes.

Nodes are the communes' reference points; edges join communes that share a border. An
edge a–b costs `km(a, b) / 2 × detour[a] / speed[a] + km(a, b) / 2 × detour[b] / speed[b]`
(half of the great-circle leg in each commune's terrain). A trip is

    origin leg  +  shortest path (commune of origin → commune of destination)  +  egress leg

- origin leg: for a point that stands for its commune's population (it is the commune's
  reference point) the *access term*: households' mean distance to a paved road at the
  off-road speed, plus the mean distance to the centre (a fraction of the commune's
  equivalent radius) on the road; for any other point, the paved-road term plus the
  great-circle leg from the point to the reference point, on the road; for a point that
  starts on the road (`Points.is_population=False`, e.g. a referring health centre),
  only that great-circle leg;
- egress leg: from the destination commune's reference point to the destination point
  (0 for the many facilities placed on their commune's reference point).

Coarse by construction (see `data/commune_graph.toml`): a road network replaces it.
The graph is built once per model. Nearest queries are one multi-source Dijkstra from
the destinations (milliseconds); matrices use Dijkstra from the distinct destination
nodes (the graph is symmetric), or the all-pairs table (about a second, then kept) when
the destinations cover much of the country.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from qurb.analytics.travel import (
    MINUTES_PER_HOUR,
    Measure,
    NearestResult,
    Points,
    TravelMatrix,
    TravelModelError,
    check_cutoff,
    compute_haversine_km,
    no_nearest,
    within_cutoff,
)

# What the model's minutes and km are, beside every figure made with them.
COMMUNE_GRAPH_MEASURE = Measure(
    "commune-graph",
    "Temps en voiture et km modélisés entre les points de référence des communes, de "
    "commune voisine en commune voisine (sans réseau routier), plus un terme d'accès à "
    "l'intérieur de la commune (recensement : distance des ménages à une route goudronnée, "
    "taille de la commune).",
    "مدد التنقل بالسيارة والمسافات مقدَّرة بين النقاط المرجعية للجماعات، من جماعة إلى "
    "جماعة مجاورة (دون شبكة طرقية)، مضافًا إليها مدة الولوج داخل الجماعة (من الإحصاء: بُعد "
    "الأسر عن طريق معبدة ومساحة الجماعة).",
    "Modelled car times and km between commune reference points, from neighbouring commune "
    "to neighbouring commune (no road network), plus an access term inside the commune "
    "(census: households' distance to a paved road, the commune's size).",
)

# scipy.sparse.csgraph reads an explicit 0 as "no edge": the shortest legal cost.
_EPSILON_MINUTES = 1e-9
_SAME_POINT_KM = 1e-6


class Terrain(enum.IntEnum):
    URBAN = 0
    RURAL = 1
    REMOTE = 2


TERRAIN_NAMES = {Terrain.URBAN: "urban", Terrain.RURAL: "rural", Terrain.REMOTE: "remote"}


@dataclass(frozen=True)
class CommuneGraphParameters:
    """Every number of the model, per terrain class where it varies (see the TOML file)."""

    speed_kph: tuple[float, float, float] = (30.0, 60.0, 35.0)  # urban, rural, remote
    detour_factor: tuple[float, float, float] = (1.2, 1.2, 1.5)
    offroad_speed_kph: float = 10.0
    intra_radius_factor: float = 0.667
    urban_density_per_km2: float = 1500.0
    remote_paved_road_km: float = 3.0
    remote_density_per_km2: float = 10.0
    name: str = "commune-graph"

    def __post_init__(self) -> None:
        for label, values in (("speed_kph", self.speed_kph), ("detour_factor", self.detour_factor)):
            if len(values) != 3:
                raise TravelModelError(f"{label}: one value per terrain (urban, rural, remote)")
        for terrain, speed in zip(TERRAIN_NAMES.values(), self.speed_kph, strict=True):
            if not (speed > 0 and np.isfinite(speed)):
                raise TravelModelError(f"speed_kph.{terrain} must be > 0 km/h, got {speed}")
        for terrain, detour in zip(TERRAIN_NAMES.values(), self.detour_factor, strict=True):
            if not (detour >= 1.0 and np.isfinite(detour)):
                raise TravelModelError(f"detour_factor.{terrain} must be ≥ 1, got {detour}")
        if not (self.offroad_speed_kph > 0 and np.isfinite(self.offroad_speed_kph)):
            raise TravelModelError(
                f"access.offroad_speed_kph must be > 0 km/h, got {self.offroad_speed_kph}"
            )
        if not (self.intra_radius_factor >= 0 and np.isfinite(self.intra_radius_factor)):
            raise TravelModelError(
                f"access.intra_radius_factor must be ≥ 0, got {self.intra_radius_factor}"
            )
        for label, value in (
            ("terrain.urban_density_per_km2", self.urban_density_per_km2),
            ("terrain.remote_paved_road_km", self.remote_paved_road_km),
            ("terrain.remote_density_per_km2", self.remote_density_per_km2),
        ):
            if not (value >= 0 and np.isfinite(value)):
                raise TravelModelError(f"{label} must be ≥ 0, got {value}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "parameters") -> Any:
        """From the TOML layout of `data/commune_graph.toml`; names the bad key."""

        def section(name: str) -> Mapping[str, Any]:
            value = data.get(name, {})
            if not isinstance(value, Mapping):
                raise TravelModelError(f"{source}: [{name}] must be a table")
            return value

        def number(table: str, key: str, default: float) -> float:
            value = section(table).get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TravelModelError(f"{source}: {table}.{key} must be a number, got {value!r}")
            return float(value)

        def per_terrain(table: str, defaults: tuple[float, float, float]) -> tuple[float, ...]:
            known = set(TERRAIN_NAMES.values())
            unknown = set(section(table)) - known
            if unknown:
                raise TravelModelError(
                    f"{source}: [{table}] has unknown terrain(s) {sorted(unknown)}; "
                    f"expected {sorted(known)}"
                )
            return tuple(
                number(table, name, default)
                for name, default in zip(TERRAIN_NAMES.values(), defaults, strict=True)
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
                remote_density_per_km2=number(
                    "terrain", "remote_density_per_km2", base.remote_density_per_km2
                ),
                name=str(data.get("name", base.name)),
            )
        except TravelModelError as error:
            message = str(error)
            raise TravelModelError(
                message if message.startswith(source) else f"{source}: {message}"
            ) from None

    def to_mapping(self) -> dict[str, Any]:
        """The TOML layout (inverse of `from_mapping`)."""
        names = list(TERRAIN_NAMES.values())
        return {
            "name": self.name,
            "terrain": {
                "urban_density_per_km2": self.urban_density_per_km2,
                "remote_paved_road_km": self.remote_paved_road_km,
                "remote_density_per_km2": self.remote_density_per_km2,
            },
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
    remote = (paved >= params.remote_paved_road_km) | (
        np.nan_to_num(density, nan=np.inf) < params.remote_density_per_km2
    )
    terrain[remote] = Terrain.REMOTE
    urban = inputs.urban.astype(bool) | (
        np.nan_to_num(density, nan=0.0) >= params.urban_density_per_km2
    )
    terrain[urban] = Terrain.URBAN
    return terrain


@dataclass
class CommuneGraphModel:
    """The commune-graph `TravelTimeModel` (see the module docstring)."""

    inputs: CommuneGraphInputs
    params: CommuneGraphParameters = field(default_factory=CommuneGraphParameters)

    measure: Measure = field(init=False, default=COMMUNE_GRAPH_MEASURE)

    def __post_init__(self) -> None:
        self.name = self.params.name
        self._index = {code: i for i, code in enumerate(self.inputs.codes)}
        self.terrain = classify_terrain(self.inputs, self.params)
        speed = np.asarray(self.params.speed_kph)[self.terrain]
        detour = np.asarray(self.params.detour_factor)[self.terrain]
        self.minutes_per_km = detour / speed * MINUTES_PER_HOUR  # road minutes per great-circle km
        self.detour = detour
        paved = np.nan_to_num(np.asarray(self.inputs.paved_road_km, float), nan=0.0)
        self._paved_km = paved
        self._paved_minutes = paved / self.params.offroad_speed_kph * MINUTES_PER_HOUR
        radius_km = np.sqrt(np.clip(self.inputs.area_km2, 0, None) / np.pi)
        self._intra_km = self.params.intra_radius_factor * radius_km  # great-circle km
        self._tree: cKDTree | None = None
        self._node_minutes: np.ndarray | None = None
        self._node_km: np.ndarray | None = None
        self._graph_cache: tuple[csr_matrix, np.ndarray] | None = None

    # ------------------------------------------------------------------ the graph
    def _edges(self) -> tuple[np.ndarray, np.ndarray]:
        missing = {c for pair in self.inputs.adjacency for c in pair} - set(self._index)
        if missing:
            raise TravelModelError(
                f"adjacency names {len(missing)} commune(s) without a node, "
                f"e.g. {sorted(missing)[0]}"
            )
        pairs = np.array(
            [(self._index[a], self._index[b]) for a, b in self.inputs.adjacency], dtype=np.int64
        ).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    def _graph(self) -> tuple[csr_matrix, np.ndarray]:
        """The commune graph: minutes as a CSR matrix, and road km per edge (dense n × n);
        built once per model (its parameters are fixed), not at every query."""
        if self._graph_cache is None:
            self._graph_cache = self._build_graph()
        return self._graph_cache

    def _build_graph(self) -> tuple[csr_matrix, np.ndarray]:
        n = len(self.inputs.codes)
        a, b = self._edges()
        lon, lat = self.inputs.ref_lon, self.inputs.ref_lat
        gc_km = compute_haversine_km(lon[a], lat[a], lon[b], lat[b])
        minutes = gc_km / 2 * (self.minutes_per_km[a] + self.minutes_per_km[b])
        road_km = gc_km / 2 * (self.detour[a] + self.detour[b])
        minutes = np.maximum(minutes, _EPSILON_MINUTES)
        rows = np.concatenate([a, b])
        cols = np.concatenate([b, a])
        graph = csr_matrix((np.concatenate([minutes, minutes]), (rows, cols)), shape=(n, n))
        edge_km = np.zeros((n, n))
        edge_km[rows, cols] = np.concatenate([road_km, road_km])
        return graph, edge_km

    def shortest_from(self, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Node minutes (fastest paths) from each source node, and the road km along them."""
        graph, edge_km = self._graph()
        sources = np.asarray(sources, dtype=np.int64)
        node_minutes, predecessors = dijkstra(
            graph, directed=True, indices=sources, return_predecessors=True
        )
        node_minutes = np.atleast_2d(node_minutes)
        predecessors = np.atleast_2d(predecessors)
        # km along each fastest path: nodes in increasing time from each source; a node's
        # km = its predecessor's km + the edge's km (the predecessor is always earlier).
        order = np.argsort(node_minutes, axis=1, kind="stable")
        node_km = np.zeros(node_minutes.shape)
        rows = np.arange(len(sources))
        for rank in range(1, node_minutes.shape[1]):
            node = order[:, rank]
            pred = predecessors[rows, node]
            ok = pred >= 0
            node_km[rows[ok], node[ok]] = node_km[rows[ok], pred[ok]] + edge_km[pred[ok], node[ok]]
        node_km[~np.isfinite(node_minutes)] = np.inf
        return node_minutes, node_km

    def _compute_all_pairs(self) -> None:
        self._node_minutes, self._node_km = self.shortest_from(np.arange(len(self.inputs.codes)))

    @property
    def node_minutes(self) -> np.ndarray:
        if self._node_minutes is None:
            self._compute_all_pairs()
        assert self._node_minutes is not None
        return self._node_minutes

    @property
    def node_km(self) -> np.ndarray:
        if self._node_km is None:
            self._compute_all_pairs()
        assert self._node_km is not None
        return self._node_km

    def access_minutes(self) -> np.ndarray:
        """The access term of each commune's population (minutes), by commune index."""
        return self._paved_minutes + self._intra_km * self.minutes_per_km

    # ------------------------------------------------------------------ points → nodes
    def node_of(self, points: Points) -> np.ndarray:
        """The commune node of each point: by its commune code if given, else the nearest
        reference point (a local equirectangular projection; good to well under 1 %)."""
        if points.commune is not None:
            try:
                return np.array([self._index[c] for c in points.commune], dtype=np.int64)
            except KeyError as error:
                raise TravelModelError(
                    f"commune {error.args[0]!r} is not a node of the commune graph"
                ) from None
        if self._tree is None:
            self._tree = cKDTree(self._project(self.inputs.ref_lon, self.inputs.ref_lat))
        _, index = self._tree.query(self._project(points.lon, points.lat))
        return np.asarray(index, dtype=np.int64)

    @staticmethod
    def _project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack([lon * np.cos(np.radians(31.5)) * 111.32, lat * 111.32])

    def _legs(
        self, points: Points, nodes: np.ndarray, origin: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, km) between each point and its node's reference point."""
        gc_km = compute_haversine_km(
            points.lon, points.lat, self.inputs.ref_lon[nodes], self.inputs.ref_lat[nodes]
        )
        if not (origin and points.is_population):
            return gc_km * self.minutes_per_km[nodes], gc_km * self.detour[nodes]
        stands_for_commune = gc_km < _SAME_POINT_KM
        leg_gc_km = np.where(stands_for_commune, self._intra_km[nodes], gc_km)
        minutes = self._paved_minutes[nodes] + leg_gc_km * self.minutes_per_km[nodes]
        km = self._paved_km[nodes] + leg_gc_km * self.detour[nodes]
        return minutes, km

    # ------------------------------------------------------------------ the protocol
    def compute_matrix(self, origins: Points, destinations: Points) -> TravelMatrix:
        o_nodes, d_nodes = self.node_of(origins), self.node_of(destinations)
        o_min, o_km = self._legs(origins, o_nodes, origin=True)
        d_min, d_km = self._legs(destinations, d_nodes, origin=False)
        unique, inverse = np.unique(d_nodes, return_inverse=True)
        if self._node_minutes is None and len(unique) * 4 < len(self.inputs.codes):
            # Few destination communes: paths from them only (symmetric graph: the time
            # from b to a is the time from a to b).
            from_d_min, from_d_km = self.shortest_from(unique)
            path_min = from_d_min[np.ix_(inverse, o_nodes)].T
            path_km = from_d_km[np.ix_(inverse, o_nodes)].T
        else:
            path_min = self.node_minutes[np.ix_(o_nodes, d_nodes)]
            path_km = self.node_km[np.ix_(o_nodes, d_nodes)]
        minutes = o_min[:, None] + path_min + d_min[None, :]
        km = o_km[:, None] + path_km + d_km[None, :]
        return TravelMatrix(minutes, km)

    def compute_nearest(
        self, origins: Points, destinations: Points, cutoff_minutes: float | None = None
    ) -> NearestResult:
        check_cutoff(cutoff_minutes)
        if len(origins) == 0 or len(destinations) == 0:
            return no_nearest(len(origins))
        o_nodes, d_nodes = self.node_of(origins), self.node_of(destinations)
        o_min, o_km = self._legs(origins, o_nodes, origin=True)
        d_min, d_km = self._legs(destinations, d_nodes, origin=False)
        node_minutes, node_km, node_source = self._nearest_tree(d_nodes, d_min, d_km)
        minutes = o_min + node_minutes[o_nodes]
        km = o_km + node_km[o_nodes]
        index = node_source[o_nodes].astype(np.int64)
        return within_cutoff(index, minutes, km, cutoff_minutes)

    def _nearest_tree(
        self, d_nodes: np.ndarray, d_min: np.ndarray, d_km: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every commune node: minutes and km to its nearest destination, and which.

        One multi-source Dijkstra: a virtual node per destination, joined to its commune
        node by the egress leg, all virtual nodes as sources (`min_only=True`). The graph
        is symmetric, so times from the destinations are times to them."""
        n, m = len(self.inputs.codes), len(d_nodes)
        graph, edge_km = self._graph()
        coo = graph.tocoo()
        rows = np.concatenate([coo.row, n + np.arange(m)])
        cols = np.concatenate([coo.col, d_nodes])
        data = np.concatenate([coo.data, np.maximum(d_min, _EPSILON_MINUTES)])
        augmented = csr_matrix((data, (rows, cols)), shape=(n + m, n + m))
        dist, predecessors, sources = dijkstra(
            augmented,
            directed=True,
            indices=n + np.arange(m),
            min_only=True,
            return_predecessors=True,
        )
        km = np.full(n + m, np.inf)
        km[n:] = 0.0
        for node in np.argsort(dist[:n], kind="stable"):
            pred = predecessors[node]
            if pred < 0:
                continue
            step = d_km[pred - n] if pred >= n else edge_km[pred, node]
            km[node] = km[pred] + step
        source = np.where(sources[:n] >= 0, sources[:n] - n, -1)
        return dist[:n], km[:n], source

    def compute_pairs(self, origins: Points, destinations: Points) -> TravelMatrix:
        """Minutes and km of trip i = origins[i] → destinations[i] (1-D arrays), with paths
        from the distinct origin nodes only (no all-pairs table: used when fitting)."""
        if len(origins) != len(destinations):
            raise TravelModelError("compute_pairs needs as many origins as destinations")
        o_nodes, d_nodes = self.node_of(origins), self.node_of(destinations)
        o_min, o_km = self._legs(origins, o_nodes, origin=True)
        d_min, d_km = self._legs(destinations, d_nodes, origin=False)
        if self._node_minutes is not None and self._node_km is not None:
            path_min, path_km = (
                self._node_minutes[o_nodes, d_nodes],
                self._node_km[o_nodes, d_nodes],
            )
        else:
            unique, inverse = np.unique(o_nodes, return_inverse=True)
            node_minutes, node_km = self.shortest_from(unique)
            path_min, path_km = node_minutes[inverse, d_nodes], node_km[inverse, d_nodes]
        return TravelMatrix(o_min + path_min + d_min, o_km + path_km + d_km)

    def with_params(self, params: CommuneGraphParameters) -> CommuneGraphModel:
        return CommuneGraphModel(self.inputs, params)


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
