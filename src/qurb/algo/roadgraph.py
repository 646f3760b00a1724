"""The road network as a graph: OpenStreetMap ways → a routable graph per travel mode.

What it holds:
- `RoadWays`: the routable ways of an extract as plain arrays (the OSM adapter fills it);
- `SpeedProfile`: the speeds per `highway` class, surface factors and walkable classes
  (`qurb/data/network_speeds.toml`);
- `build_road_graph`: the ways → a `RoadGraph` per mode (driving honours one-ways, walking
  ignores them), whose nodes are the intersections and way ends only; the largest strongly
  (driving) or weakly (walking) connected component is kept and the rest counted.

How points are snapped to the roads is `road_snapping`'s business; the travel-time model
over a graph, and the saved network of both modes, are `road_network`'s.

Units: minutes, km, km/h; coordinates in lon/lat degrees (WGS 84). Edge lengths are
geodesic (haversine per segment, summed along the way).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from qurb.algo.travel import MINUTES_PER_HOUR, TravelModelError, compute_haversine_km

MODES = ("driving", "walking")
DEFAULT_MAX_SNAP_KM = 5.0  # a point farther than this from every road is refused


# ---------------------------------------------------------------------------- input ways


@dataclass(frozen=True, eq=False)
class RoadWays:
    """The routable ways of an extract as flat arrays; way `i` owns the node positions
    `offsets[i]:offsets[i + 1]` of `node_id`/`lon`/`lat` (in way order)."""

    way_id: np.ndarray  # (n_ways,) int64 OSM way id
    offsets: np.ndarray  # (n_ways + 1,) int64
    node_id: np.ndarray  # (n_refs,) int64 OSM node id
    lon: np.ndarray  # (n_refs,) float64 degrees
    lat: np.ndarray  # (n_refs,) float64 degrees
    highway: np.ndarray  # (n_ways,) str, the `highway` tag
    surface: np.ndarray  # (n_ways,) str, the `surface` tag ("" when absent)
    oneway: np.ndarray  # (n_ways,) int8: 0 both ways, 1 along the way, -1 against it
    maxspeed_kph: np.ndarray  # (n_ways,) float64, NaN when absent or not a number
    car_access: np.ndarray  # (n_ways,) bool: not closed to cars by access tags
    foot_access: np.ndarray  # (n_ways,) bool: not closed to pedestrians by access tags

    def __post_init__(self) -> None:
        n_ways = len(self.way_id)
        if len(self.offsets) != n_ways + 1:
            raise TravelModelError("RoadWays: offsets must have one entry per way plus one")
        n_refs = int(self.offsets[-1]) if n_ways else 0
        if not (len(self.node_id) == len(self.lon) == len(self.lat) == n_refs):
            raise TravelModelError("RoadWays: node arrays must match the offsets")
        per_way = (
            self.highway,
            self.surface,
            self.oneway,
            self.maxspeed_kph,
            self.car_access,
            self.foot_access,
        )
        if any(len(a) != n_ways for a in per_way):
            raise TravelModelError("RoadWays: one tag value per way")

    def __len__(self) -> int:
        return len(self.way_id)


# ---------------------------------------------------------------------------- speeds


@dataclass(frozen=True)
class SpeedProfile:
    """Speeds per mode (see `qurb/data/network_speeds.toml` for the meaning of each key)."""

    walking_speed_kph: float
    walking_highways: frozenset[str]
    driving_speed_kph: Mapping[str, float]
    surface_factor: Mapping[str, float]
    unpaved_highways: frozenset[str]
    maxspeed_caps: bool
    config: Mapping[str, Any]  # the mapping it was read from (saved with the network)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], origin: str = "speeds") -> SpeedProfile:
        """Check and read a speeds mapping; errors name `origin` (the file) and the key."""

        def fail(message: str) -> TravelModelError:
            return TravelModelError(f"{origin}: {message}")

        def speed(value: Any, key: str) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(f"{key} must be a number of km/h, got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise fail(f"{key} must be a positive number of km/h, got {value!r}")
            return float(value)

        def classes(value: Any, key: str) -> frozenset[str]:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(f"{key} must be a list of highway classes")
            return frozenset(value)

        walking = config.get("walking")
        driving = config.get("driving")
        if not isinstance(walking, Mapping) or not isinstance(driving, Mapping):
            raise fail("needs a [walking] and a [driving] table")
        walking_speed = speed(walking.get("speed_kph"), "walking.speed_kph")
        walking_highways = classes(walking.get("highways"), "walking.highways")
        speeds = driving.get("speed_kph")
        if not isinstance(speeds, Mapping) or not speeds:
            raise fail("needs a [driving.speed_kph] table of km/h per highway class")
        driving_speed = {k: speed(v, f"driving.speed_kph.{k}") for k, v in speeds.items()}
        policy = driving.get("maxspeed", "cap")
        if policy not in ("cap", "ignore"):
            raise fail(f'driving.maxspeed must be "cap" or "ignore", got {policy!r}')
        unpaved = classes(driving.get("unpaved_highways", []), "driving.unpaved_highways")
        factors_raw = config.get("surface_factor", {})
        if not isinstance(factors_raw, Mapping):
            raise fail("[surface_factor] must be a table of multipliers")
        factors: dict[str, float] = {}
        for key, value in factors_raw.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(f"surface_factor.{key} must be a number, got {value!r}")
            if not (0 < value <= 1):
                raise fail(f"surface_factor.{key} must be in (0, 1], got {value!r}")
            factors[key] = float(value)
        return cls(
            walking_speed_kph=walking_speed,
            walking_highways=walking_highways,
            driving_speed_kph=driving_speed,
            surface_factor=factors,
            unpaved_highways=unpaved,
            maxspeed_caps=policy == "cap",
            config=dict(config),
        )

    def highways(self, mode: str) -> frozenset[str]:
        check_mode(mode)
        return frozenset(self.driving_speed_kph) if mode == "driving" else self.walking_highways

    def compute_way_speed_kph(self, ways: RoadWays, mode: str) -> np.ndarray:
        """Speed of each way in `mode` (km/h); NaN where the mode does not use the way."""
        check_mode(mode)
        n_ways = len(ways)
        speed_kph = np.full(n_ways, np.nan)
        if mode == "walking":
            usable = np.isin(ways.highway, list(self.walking_highways)) & ways.foot_access
            speed_kph[usable] = self.walking_speed_kph
            return speed_kph
        classes = list(self.driving_speed_kph)
        class_speed = np.array([self.driving_speed_kph[c] for c in classes])
        index = _lookup_labels(ways.highway, classes)
        usable = (index >= 0) & ways.car_access
        speed_kph[usable] = class_speed[index[usable]]
        if self.maxspeed_caps:
            tagged = usable & np.isfinite(ways.maxspeed_kph) & (ways.maxspeed_kph > 0)
            speed_kph[tagged] = np.minimum(speed_kph[tagged], ways.maxspeed_kph[tagged])
        surfaces = list(self.surface_factor)
        factor_of = np.append(np.array([self.surface_factor[s] for s in surfaces]), 1.0)
        surface_index = _lookup_labels(ways.surface, surfaces)  # -1 → the last entry, 1.0
        factor = factor_of[surface_index]
        factor[np.isin(ways.highway, list(self.unpaved_highways))] = 1.0
        return speed_kph * factor


def _lookup_labels(values: np.ndarray, labels: list[str]) -> np.ndarray:
    """Position of each value in `labels`, -1 where absent (vectorised over `values`)."""
    if not labels or len(values) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    order = np.argsort(np.array(labels))
    sorted_labels = np.array(labels)[order]
    where = np.searchsorted(sorted_labels, values)
    where = np.clip(where, 0, len(labels) - 1)
    found = sorted_labels[where] == values
    return np.where(found, order[where], -1).astype(np.int64)


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TravelModelError(
            code="unknown_travel_mode", values={"mode": repr(mode), "modes": list(MODES)}
        )


# ---------------------------------------------------------------------------- the graph


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """One mode's graph. Nodes are intersections and way ends; a *piece* is the stretch of
    a way between two consecutive nodes, with its geometry (vertices) for snapping. The
    directed edges (CSR) come from the pieces: both ways, or one for a one-way piece; of
    parallel edges between the same two nodes the fastest is kept."""

    mode: str
    node_id: np.ndarray  # (n_nodes,) int64 OSM node id
    node_lon: np.ndarray  # (n_nodes,) float64
    node_lat: np.ndarray  # (n_nodes,) float64
    piece_u: np.ndarray  # (n_pieces,) int32 node index at the way's earlier end
    piece_v: np.ndarray  # (n_pieces,) int32 node index at its later end
    piece_minutes: np.ndarray  # (n_pieces,) float64 travel time along the piece
    piece_km: np.ndarray  # (n_pieces,) float64 geodesic length
    piece_forward: np.ndarray  # (n_pieces,) bool: u → v allowed
    piece_backward: np.ndarray  # (n_pieces,) bool: v → u allowed
    vertex_offsets: np.ndarray  # (n_pieces + 1,) int64 into vertex_lon/lat
    vertex_lon: np.ndarray  # float64, each piece's vertices from u to v
    vertex_lat: np.ndarray
    dropped_nodes: int  # nodes outside the largest connected component, left out

    @property
    def n_nodes(self) -> int:
        return len(self.node_id)

    @property
    def n_pieces(self) -> int:
        return len(self.piece_u)

    @property
    def n_edges(self) -> int:
        return int(self._edges[0].shape[0])

    @cached_property
    def _edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Directed edges (source, target, minutes, km), one per node pair (the fastest)."""
        fwd, bwd = self.piece_forward, self.piece_backward
        source = np.concatenate([self.piece_u[fwd], self.piece_v[bwd]]).astype(np.int64)
        target = np.concatenate([self.piece_v[fwd], self.piece_u[bwd]]).astype(np.int64)
        minutes = np.concatenate([self.piece_minutes[fwd], self.piece_minutes[bwd]])
        km = np.concatenate([self.piece_km[fwd], self.piece_km[bwd]])
        order = np.lexsort((km, minutes, target, source))
        source, target, minutes, km = source[order], target[order], minutes[order], km[order]
        first = np.ones(len(source), dtype=bool)
        first[1:] = (source[1:] != source[:-1]) | (target[1:] != target[:-1])
        return source[first], target[first], minutes[first], km[first]

    def _csr(self, reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        source, target, minutes, km = self._edges
        if reverse:
            source, target = target, source
        order = np.lexsort((target, source))
        counts = np.bincount(source, minlength=self.n_nodes)
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, target[order].astype(np.int32), minutes[order], km[order]

    @cached_property
    def forward_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, minutes, km) of the graph: row = from-node, column = to-node."""
        return self._csr(reverse=False)

    @cached_property
    def reverse_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The same, transposed: row = to-node (for searches from the destinations)."""
        return self._csr(reverse=True)

    def minutes_matrix(self, reverse: bool = False) -> csr_matrix:
        """The graph as a scipy CSR matrix of minutes (transposed when `reverse`)."""
        indptr, indices, minutes, _ = self.reverse_csr if reverse else self.forward_csr
        return csr_matrix((minutes, indices, indptr), shape=(self.n_nodes, self.n_nodes))

    def km_matrix(self, reverse: bool = False) -> csr_matrix:
        """The km of the same edges, aligned entry for entry with `minutes_matrix`."""
        indptr, indices, _, km = self.reverse_csr if reverse else self.forward_csr
        return csr_matrix((km, indices, indptr), shape=(self.n_nodes, self.n_nodes))

    def bbox(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the nodes."""
        if self.n_nodes == 0:
            return (math.nan, math.nan, math.nan, math.nan)
        return (
            float(self.node_lon.min()),
            float(self.node_lat.min()),
            float(self.node_lon.max()),
            float(self.node_lat.max()),
        )

    ARRAYS = (
        "node_id",
        "node_lon",
        "node_lat",
        "piece_u",
        "piece_v",
        "piece_minutes",
        "piece_km",
        "piece_forward",
        "piece_backward",
        "vertex_offsets",
        "vertex_lon",
        "vertex_lat",
    )

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}


def build_road_graph(ways: RoadWays, profile: SpeedProfile, mode: str) -> RoadGraph:
    """The graph of `mode` over `ways` (see the module docstring)."""
    check_mode(mode)
    speed_kph = profile.compute_way_speed_kph(ways, mode)
    counts = np.diff(ways.offsets)
    selected = np.isfinite(speed_kph) & (speed_kph > 0) & (counts >= 2)
    way_of_ref = np.repeat(np.arange(len(ways)), counts)
    keep_ref = selected[way_of_ref]
    way_of_ref = way_of_ref[keep_ref]
    node_id = ways.node_id[keep_ref]
    lon = ways.lon[keep_ref]
    lat = ways.lat[keep_ref]
    n_refs = len(node_id)
    if n_refs == 0:
        return _empty_graph(mode)

    # Graph nodes: way ends, nodes shared by two ways (or met twice by one), and the middle
    # vertex of a closed way (so a loop is not a piece from a node to itself).
    starts = np.zeros(n_refs, dtype=bool)
    starts[0] = True
    starts[1:] = way_of_ref[1:] != way_of_ref[:-1]
    ends = np.zeros(n_refs, dtype=bool)
    ends[-1] = True
    ends[:-1] = starts[1:]
    _, inverse, occurrences = np.unique(node_id, return_inverse=True, return_counts=True)
    is_node = starts | ends | (occurrences[inverse] >= 2)
    start_at = np.flatnonzero(starts)
    end_at = np.flatnonzero(ends)
    closed = node_id[start_at] == node_id[end_at]
    is_node[(start_at[closed] + end_at[closed]) // 2] = True

    # Geodesic km of each segment, accumulated along the refs (0 across a way boundary).
    segment_km = compute_haversine_km(lon[:-1], lat[:-1], lon[1:], lat[1:])
    segment_km[starts[1:]] = 0.0
    cumulative_km = np.zeros(n_refs)
    np.cumsum(segment_km, out=cumulative_km[1:])

    # Pieces: consecutive graph-node refs of the same way.
    at = np.flatnonzero(is_node)
    same_way = way_of_ref[at[1:]] == way_of_ref[at[:-1]]
    piece_a, piece_b = at[:-1][same_way], at[1:][same_way]
    piece_km = cumulative_km[piece_b] - cumulative_km[piece_a]
    piece_way = way_of_ref[piece_a]
    piece_minutes = piece_km / speed_kph[piece_way] * MINUTES_PER_HOUR
    if mode == "driving":
        oneway = ways.oneway[piece_way]
        piece_forward = oneway >= 0
        piece_backward = oneway <= 0
    else:
        piece_forward = np.ones(len(piece_a), dtype=bool)
        piece_backward = piece_forward.copy()
    loop = node_id[piece_a] == node_id[piece_b]  # a piece from a node back to itself
    keep = ~loop

    # Node indices and the largest connected component.
    ids, index = np.unique(
        np.concatenate([node_id[piece_a], node_id[piece_b]]), return_inverse=True
    )
    n_pieces = len(piece_a)
    u, v = index[:n_pieces], index[n_pieces:]
    kept_nodes = _largest_component(
        len(ids),
        u[keep],
        v[keep],
        piece_forward[keep],
        piece_backward[keep],
        strong=mode == "driving",
    )
    keep &= kept_nodes[u] & kept_nodes[v]
    dropped_nodes = int(len(ids) - kept_nodes.sum())
    new_index = np.cumsum(kept_nodes) - 1
    node_ref = np.empty(len(ids), dtype=np.int64)  # one ref position per node, for its location
    node_ref[u] = piece_a
    node_ref[v] = piece_b
    node_ref = node_ref[kept_nodes]

    piece_a, piece_b = piece_a[keep], piece_b[keep]
    lengths = piece_b - piece_a + 1
    vertex_offsets = np.zeros(len(piece_a) + 1, dtype=np.int64)
    np.cumsum(lengths, out=vertex_offsets[1:])
    vertex_ref = np.arange(vertex_offsets[-1]) - np.repeat(vertex_offsets[:-1] - piece_a, lengths)
    return RoadGraph(
        mode=mode,
        node_id=ids[kept_nodes].astype(np.int64),
        node_lon=lon[node_ref],
        node_lat=lat[node_ref],
        piece_u=new_index[u[keep]].astype(np.int32),
        piece_v=new_index[v[keep]].astype(np.int32),
        piece_minutes=piece_minutes[keep],
        piece_km=piece_km[keep],
        piece_forward=piece_forward[keep],
        piece_backward=piece_backward[keep],
        vertex_offsets=vertex_offsets,
        vertex_lon=lon[vertex_ref],
        vertex_lat=lat[vertex_ref],
        dropped_nodes=dropped_nodes,
    )


def _largest_component(
    n_nodes: int,
    u: np.ndarray,
    v: np.ndarray,
    forward: np.ndarray,
    backward: np.ndarray,
    strong: bool,
) -> np.ndarray:
    """Mask of the nodes in the largest strongly (or weakly) connected component."""
    if n_nodes == 0:
        return np.zeros(0, dtype=bool)
    source = np.concatenate([u[forward], v[backward]])
    target = np.concatenate([v[forward], u[backward]])
    graph = csr_matrix((np.ones(len(source)), (source, target)), shape=(n_nodes, n_nodes))
    _, labels = connected_components(
        graph, directed=True, connection="strong" if strong else "weak"
    )
    largest = np.argmax(np.bincount(labels))
    return np.asarray(labels == largest)


def _empty_graph(mode: str) -> RoadGraph:
    empty_f = np.zeros(0)
    empty_i = np.zeros(0, dtype=np.int32)
    empty_b = np.zeros(0, dtype=bool)
    return RoadGraph(
        mode,
        np.zeros(0, dtype=np.int64),
        empty_f,
        empty_f,
        empty_i,
        empty_i,
        empty_f,
        empty_f,
        empty_b,
        empty_b,
        np.zeros(1, dtype=np.int64),
        empty_f,
        empty_f,
        0,
    )
