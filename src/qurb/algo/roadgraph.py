"""The road-network travel-time model: OpenStreetMap ways → a routable graph → minutes.

What it holds:
- `RoadWays`: the routable ways of an extract as plain arrays (the OSM adapter fills it);
- `SpeedProfile`: the speeds per `highway` class, surface factors and walkable classes
  (`qurb/data/network_speeds.toml`);
- `build_road_graph`: the ways → a `RoadGraph` per mode (driving honours one-ways, walking
  ignores them), whose nodes are the intersections and way ends only; the largest strongly
  (driving) or weakly (walking) connected component is kept and the rest counted;
- `RoadNetwork`: the graphs of both modes with where they came from (saved and loaded by
  `qurb.access.network` as `.npz` arrays plus a `network.json`);
- `RoadNetworkModel`: the `TravelTimeModel` over one mode's graph.

How a point enters the graph: it is snapped to the nearest point of the nearest road
(projection onto the segment), and that snapping leg is walked at the walking speed (its
minutes and km are added). A point snapped in the middle of a road piece (the stretch of a
way between two graph nodes) leaves or reaches the graph through both ends of the piece,
each with its share of the piece's minutes and km, as the piece's one-way rule allows
(a point exactly at an end is at that node). Two points on the same piece may also travel
directly along it. Each set of snapped points becomes virtual nodes of the graph joined to
their piece ends, so one Dijkstra run answers all of them: `compute_nearest` is one
multi-source run from the destinations over the reversed graph (`min_only`, limited to the
cutoff), `compute_matrix` one run per point of the smaller side.

Units: minutes, km, km/h; coordinates in lon/lat degrees (WGS 84). Edge lengths are
geodesic (haversine per segment, summed along the way).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from qurb.algo.travel import (
    EARTH_RADIUS_KM,
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

MODES = ("driving", "walking")
NETWORK_FORMAT = 1  # version of the saved layout (network.json + <mode>.npz)
NETWORK_JSON = "network.json"
DEFAULT_MAX_SNAP_KM = 5.0  # a point farther than this from every road is refused
# Sub-segment length (km) of the snapping index: long segments are indexed by points at most
# this far apart, so that the nearest-segment search stays exact without huge search radii.
SNAP_INDEX_STEP_KM = 0.1
# Nearest index points examined per query point, in rounds for the points still unsure.
SNAP_CANDIDATES = (8, 32, 128)
SNAP_SNUG_KM = 1e-9  # a point this close to a piece end (km along it) is at that node
# The matrix is computed in chunks of sources holding at most this many (source, node) cells.
MATRIX_CHUNK_CELLS = 20_000_000


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
        _check_mode(mode)
        return frozenset(self.driving_speed_kph) if mode == "driving" else self.walking_highways

    def compute_way_speed_kph(self, ways: RoadWays, mode: str) -> np.ndarray:
        """Speed of each way in `mode` (km/h); NaN where the mode does not use the way."""
        _check_mode(mode)
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


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TravelModelError(f"unknown travel mode {mode!r}; use one of {', '.join(MODES)}")


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
    _check_mode(mode)
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


# ---------------------------------------------------------------------------- snapping


@dataclass(frozen=True)
class Snap:
    """Where each point joins the graph: a piece, the km along it from its `u` end, and the
    walk from the point to the road."""

    piece: np.ndarray  # (n,) int64
    along_km: np.ndarray  # (n,) km from the piece's u end to the snapped point
    distance_km: np.ndarray  # (n,) geodesic km from the point to the snapped point
    lon: np.ndarray  # (n,) snapped point
    lat: np.ndarray


class _SnapIndex:
    """Nearest road segment of a point, exact in a local equirectangular plane (km).

    A k-d tree holds points along every segment at most `SNAP_INDEX_STEP_KM` apart (the
    middle of each sub-segment); the segment nearest a query point is among those of its
    nearest index points unless a farther index point could still hide a nearer segment,
    which is checked and then settled by a radius search.
    """

    def __init__(self, graph: RoadGraph) -> None:
        offsets = graph.vertex_offsets
        n_vertices = int(offsets[-1])
        is_last = np.zeros(n_vertices, dtype=bool)
        is_last[offsets[1:] - 1] = True
        self.seg_a = np.flatnonzero(~is_last)  # segment = vertex a → a + 1
        lengths = np.diff(offsets) - 1
        self.seg_piece = np.repeat(np.arange(graph.n_pieces), lengths)
        lon, lat = graph.vertex_lon, graph.vertex_lat
        a, b = self.seg_a, self.seg_a + 1
        self.seg_km = compute_haversine_km(lon[a], lat[a], lon[b], lat[b])
        cumulative = np.zeros(len(a) + 1)
        np.cumsum(self.seg_km, out=cumulative[1:])
        first_seg = np.zeros(graph.n_pieces + 1, dtype=np.int64)
        np.cumsum(lengths, out=first_seg[1:])
        # km from the piece's u end to the segment's start
        self.seg_start_km = cumulative[:-1] - cumulative[first_seg[self.seg_piece]]
        self.lat0 = float(np.radians(np.mean(lat))) if n_vertices else 0.0
        self.x, self.y = self._plane(lon, lat)
        dx, dy = self.x[b] - self.x[a], self.y[b] - self.y[a]
        plane_km = np.hypot(dx, dy)
        parts = np.maximum(1, np.ceil(plane_km / SNAP_INDEX_STEP_KM)).astype(np.int64)
        owner = np.repeat(np.arange(len(a)), parts)
        first_part = np.zeros(len(a) + 1, dtype=np.int64)
        np.cumsum(parts, out=first_part[1:])
        t = (np.arange(len(owner)) - first_part[owner] + 0.5) / parts[owner]
        self.point_seg = owner
        self.half_step_km = float(np.max(plane_km / parts / 2)) if len(a) else 0.0
        self.tree = (
            cKDTree(
                np.column_stack(
                    [self.x[a][owner] + t * dx[owner], self.y[a][owner] + t * dy[owner]]
                )
            )
            if len(a)
            else None
        )

    def _plane(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = EARTH_RADIUS_KM * np.radians(lon) * math.cos(self.lat0)
        return x, EARTH_RADIUS_KM * np.radians(lat)

    def _project(
        self, px: np.ndarray, py: np.ndarray, seg: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(distance in the plane, position t in [0, 1]) of points onto segments."""
        a = self.seg_a[seg]
        ax, ay = self.x[a], self.y[a]
        dx, dy = self.x[a + 1] - ax, self.y[a + 1] - ay
        norm = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(norm > 0, ((px - ax) * dx + (py - ay) * dy) / norm, 0.0)
        t = np.clip(t, 0.0, 1.0)
        return np.hypot(px - (ax + t * dx), py - (ay + t * dy)), t

    def nearest(
        self, lon: np.ndarray, lat: np.ndarray, beyond_km: float = math.inf
    ) -> tuple[np.ndarray, np.ndarray]:
        """(segment index, t) of the nearest segment of each point. Points certainly
        farther than `beyond_km` (plane km) get a near, not necessarily the nearest, one."""
        assert self.tree is not None
        px, py = self._plane(lon, lat)
        n = len(px)
        seg = np.zeros(n, dtype=np.int64)
        best_t = np.zeros(n)
        best_km = np.full(n, np.inf)
        pending = np.arange(n)
        # Few candidates settle most points; the unsure ones are asked again with more.
        for k_wanted in SNAP_CANDIDATES:
            k = int(min(k_wanted, self.tree.n))
            index_km, found = self.tree.query(np.column_stack([px[pending], py[pending]]), k=k)
            index_km = index_km.reshape(len(pending), k)
            segs = self.point_seg[found.reshape(len(pending), k)]
            dist, t = self._project(px[pending, None], py[pending, None], segs)
            j = np.argmin(dist, axis=1)
            rows = np.arange(len(pending))
            seg[pending], best_t[pending] = segs[rows, j], t[rows, j]
            best_km[pending] = dist[rows, j]
            # A segment not among the candidates has all its index points beyond the k-th
            # one, so it is at least (k-th index distance - half step) away.
            sure = (dist[rows, j] <= index_km[:, -1] - self.half_step_km) | (k == self.tree.n)
            sure |= index_km[:, 0] - self.half_step_km > beyond_km
            pending = pending[~sure]
            if not pending.size:
                break
        for i in pending:  # rare: settle by a radius search
            near = self.tree.query_ball_point([px[i], py[i]], best_km[i] + self.half_step_km)
            cand = np.unique(self.point_seg[np.asarray(near, dtype=np.int64)])
            d, tt = self._project(np.full(len(cand), px[i]), np.full(len(cand), py[i]), cand)
            j = int(np.argmin(d))
            seg[i], best_t[i] = cand[j], tt[j]
        return seg, best_t


# ---------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Legs:
    """How each snapped point joins the graph: through node[:, j] at minutes[:, j] and
    km[:, j] (j = 0 the piece's u end, 1 its v end), inf minutes where not allowed."""

    node: np.ndarray  # (n, 2) int64
    minutes: np.ndarray  # (n, 2) float64
    km: np.ndarray  # (n, 2) float64


class RoadNetworkModel:
    """`TravelTimeModel` over one mode's road graph (see the module docstring).

    `max_snap_km`: a point farther than this from the mode's roads is refused with a
    `TravelModelError`. After each query, `last_snap_km` holds the snapping distances (km)
    of its (origins, destinations).
    """

    def __init__(
        self,
        graph: RoadGraph,
        walking_speed_kph: float,
        max_snap_km: float = DEFAULT_MAX_SNAP_KM,
        network: RoadNetwork | None = None,
    ) -> None:
        if graph.n_pieces == 0:
            raise TravelModelError(f"the {graph.mode} network has no roads")
        if not (walking_speed_kph > 0 and math.isfinite(walking_speed_kph)):
            raise TravelModelError(f"walking_speed_kph must be positive, got {walking_speed_kph}")
        if not (max_snap_km > 0 and math.isfinite(max_snap_km)):
            raise TravelModelError(f"max_snap_km must be a positive number, got {max_snap_km}")
        self.graph = graph
        self.walking_speed_kph = float(walking_speed_kph)
        self.max_snap_km = float(max_snap_km)
        self.network = network
        self.name = f"road-{graph.mode}"
        walk = f"{self.walking_speed_kph:g}"
        self.measure = Measure(
            self.name,
            f"Temps et km sur le réseau routier OpenStreetMap ({graph.mode}) ; chaque point "
            f"est rattaché à la route la plus proche, ce trajet étant fait à pied à {walk} km/h.",
            f"المدد والمسافات على الشبكة الطرقية لـ OpenStreetMap ({graph.mode})؛ يُربط كل "
            f"نقطة بأقرب طريق، ويُقطع هذا الجزء مشيًا بسرعة {walk} كم/س.",
            f"Times and km over the OpenStreetMap road network ({graph.mode}); each point is "
            f"snapped to the nearest road, that leg walked at {walk} km/h.",
        )
        self.last_snap_km: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def _snap_index(self) -> _SnapIndex:
        return _SnapIndex(self.graph)

    # ---- snapping

    def snap(self, points: Points, role: str = "points") -> Snap:
        """Snap `points` to the nearest road; refuses points beyond `max_snap_km`."""
        n = len(points)
        if n == 0:
            empty = np.zeros(0)
            return Snap(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
        index = self._snap_index
        seg, t = index.nearest(points.lon, points.lat, beyond_km=2 * self.max_snap_km)
        a = index.seg_a[seg]
        g = self.graph
        lon = g.vertex_lon[a] + t * (g.vertex_lon[a + 1] - g.vertex_lon[a])
        lat = g.vertex_lat[a] + t * (g.vertex_lat[a + 1] - g.vertex_lat[a])
        distance_km = compute_haversine_km(points.lon, points.lat, lon, lat)
        piece = index.seg_piece[seg]
        along_km = index.seg_start_km[seg] + t * index.seg_km[seg]
        # Rounding must not leave a point at a node a hair inside a one-way piece.
        along_km[along_km <= SNAP_SNUG_KM] = 0.0
        at_v = along_km >= g.piece_km[piece] - SNAP_SNUG_KM
        along_km[at_v] = g.piece_km[piece][at_v]
        far = np.flatnonzero(distance_km > self.max_snap_km)
        if far.size:
            worst = int(far[np.argmax(distance_km[far])])
            label = f" {points.labels[worst]!r}" if points.labels is not None else ""
            raise TravelModelError(
                f"{far.size} of {n} {role} are more than {self.max_snap_km:g} km from the "
                f"{g.mode} road network (worst: {role} #{worst}{label} at "
                f"{distance_km[worst]:.2f} km, lon {points.lon[worst]:.5f} lat "
                f"{points.lat[worst]:.5f}); check their coordinates or the extract's extent"
            )
        return Snap(piece.astype(np.int64), along_km, distance_km, lon, lat)

    def _legs(self, snap: Snap, arriving: bool) -> _Legs:
        g = self.graph
        p = snap.piece
        length_km = g.piece_km[p]
        minutes = g.piece_minutes[p]
        s = snap.along_km
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(length_km > 0, s / length_km, 0.0)
        at_u = s <= 0.0
        at_v = s >= length_km
        forward, backward = g.piece_forward[p], g.piece_backward[p]
        # Leaving towards u runs v → u on the piece; arriving from u runs u → v.
        u_ok = (forward if arriving else backward) | at_u
        v_ok = (backward if arriving else forward) | at_v
        walk_minutes = snap.distance_km / self.walking_speed_kph * MINUTES_PER_HOUR
        leg_minutes = np.column_stack(
            [
                np.where(u_ok, walk_minutes + share * minutes, np.inf),
                np.where(v_ok, walk_minutes + (1.0 - share) * minutes, np.inf),
            ]
        )
        leg_km = np.column_stack([snap.distance_km + s, snap.distance_km + (length_km - s)])
        nodes = np.column_stack([g.piece_u[p], g.piece_v[p]]).astype(np.int64)
        return _Legs(nodes, leg_minutes, leg_km)

    def _direct(
        self, origin: Snap, destination: Snap, o: np.ndarray, d: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and km of travelling straight along the shared piece, pairs (o, d)."""
        g = self.graph
        p = origin.piece[o]
        delta_km = destination.along_km[d] - origin.along_km[o]
        allowed = np.where(delta_km >= 0, g.piece_forward[p], g.piece_backward[p]) | (delta_km == 0)
        length_km = g.piece_km[p]
        with np.errstate(invalid="ignore", divide="ignore"):
            along_minutes = np.where(
                length_km > 0, np.abs(delta_km) / length_km * g.piece_minutes[p], 0.0
            )
        walk_km = origin.distance_km[o] + destination.distance_km[d]
        minutes = walk_km / self.walking_speed_kph * MINUTES_PER_HOUR + along_minutes
        return np.where(allowed, minutes, np.inf), walk_km + np.abs(delta_km)

    def _tree(
        self,
        legs: _Legs,
        reverse: bool,
        limit: float,
        min_only: bool,
        needed: np.ndarray,
        rows: slice | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Dijkstra from virtual nodes joined to the graph by `legs` (over the reversed
        graph when `reverse`): (minutes, km along the fastest paths, sources when
        `min_only`), for the graph's nodes; one row per virtual node unless `min_only`. The
        km are those of the `needed` nodes (elsewhere 0)."""
        g = self.graph
        n = g.n_nodes
        sources = np.arange(len(legs.node)) if rows is None else np.arange(len(legs.node))[rows]
        k = len(sources)
        indptr, indices, minutes, _ = g.reverse_csr if reverse else g.forward_csr
        # Virtual node n + i (i-th source) → its two piece ends, those allowed, in node order.
        node, leg_minutes, leg_km = legs.node[sources], legs.minutes[sources], legs.km[sources]
        order = np.argsort(node, axis=1, kind="stable")
        node = np.take_along_axis(node, order, axis=1)
        leg_minutes = np.take_along_axis(leg_minutes, order, axis=1)
        leg_km = np.take_along_axis(leg_km, order, axis=1)
        ok = np.isfinite(leg_minutes)
        per_row = ok.sum(axis=1)
        aug_indptr = np.concatenate([indptr, indptr[-1] + np.cumsum(per_row)])
        aug_indices = np.concatenate([indices, node[ok].astype(np.int32)])
        aug_minutes = np.concatenate([minutes, leg_minutes[ok]])
        graph = csr_matrix((aug_minutes, aug_indices, aug_indptr), shape=(n + k, n + k))
        result = dijkstra(
            graph,
            directed=True,
            indices=np.arange(n, n + k),
            return_predecessors=True,
            min_only=min_only,
            limit=limit,
        )
        if min_only:
            dist, pred, src = result
        else:
            dist, pred = result
            src = None
        # km of the edge into each reached node: (pred → node) in the searched graph, which
        # is (node → pred) in the other orientation; from a virtual node, its leg.
        other_indptr, other_indices, _, other_km = g.forward_csr if reverse else g.reverse_csr
        dist = np.atleast_2d(dist)
        pred = np.atleast_2d(pred).astype(np.int64)
        km_rows = np.zeros_like(dist)
        for r in range(dist.shape[0]):
            km_rows[r] = _accumulate_km(
                pred[r], n, other_indptr, other_indices, other_km, node, leg_km, ok, needed
            )
        if min_only:
            return dist[0, :n], km_rows[0, :n], np.asarray(src)[:n] - n
        return dist[:, :n], km_rows[:, :n], None

    # ---- the protocol

    def compute_nearest(
        self, origins: Points, destinations: Points, cutoff_minutes: float | None = None
    ) -> NearestResult:
        check_cutoff(cutoff_minutes)
        n_o = len(origins)
        o_snap = self.snap(origins, "origins")
        d_snap = self.snap(destinations, "destinations")
        self.last_snap_km = (o_snap.distance_km, d_snap.distance_km)
        if n_o == 0 or len(destinations) == 0:
            return no_nearest(n_o)
        limit = np.inf if cutoff_minutes is None else float(cutoff_minutes)
        legs = self._legs(o_snap, arriving=False)
        dist, km, src = self._tree(
            self._legs(d_snap, arriving=True), True, limit, True, legs.node.reshape(-1)
        )
        assert src is not None
        total = legs.minutes + dist[legs.node]
        j = np.argmin(total, axis=1)
        rows = np.arange(n_o)
        best_minutes = total[rows, j]
        reached = np.isfinite(best_minutes)
        chosen = legs.node[rows, j]
        index = np.where(reached, src[chosen], -1).astype(np.int64)
        best_km = np.where(reached, legs.km[rows, j] + km[chosen], np.inf)
        # Origins sharing a piece with destinations may go straight along it.
        o, d = _same_piece_pairs(o_snap.piece, d_snap.piece)
        if o.size:
            direct_minutes, direct_km = self._direct(o_snap, d_snap, o, d)
            for i, dd, m, dkm in zip(o, d, direct_minutes, direct_km, strict=True):
                if m < best_minutes[i] or (m == best_minutes[i] and dd < index[i]):
                    best_minutes[i], best_km[i], index[i] = m, dkm, dd
        return within_cutoff(index, best_minutes, best_km, cutoff_minutes)

    def compute_matrix(self, origins: Points, destinations: Points) -> TravelMatrix:
        n_o, n_d = len(origins), len(destinations)
        o_snap = self.snap(origins, "origins")
        d_snap = self.snap(destinations, "destinations")
        self.last_snap_km = (o_snap.distance_km, d_snap.distance_km)
        minutes = np.full((n_o, n_d), np.inf)
        km = np.full((n_o, n_d), np.inf)
        if n_o == 0 or n_d == 0:
            return TravelMatrix(minutes, km)
        from_origins = n_o <= n_d
        # Trees grow from the smaller side; the other side joins them through its legs.
        tree_legs = self._legs(o_snap, False) if from_origins else self._legs(d_snap, True)
        far_legs = self._legs(d_snap, True) if from_origins else self._legs(o_snap, False)
        n_tree = n_o if from_origins else n_d
        chunk = max(1, MATRIX_CHUNK_CELLS // max(1, self.graph.n_nodes))
        for start in range(0, n_tree, chunk):
            rows = slice(start, min(n_tree, start + chunk))
            dist, tree_km, _ = self._tree(
                tree_legs, not from_origins, np.inf, False, far_legs.node.reshape(-1), rows
            )
            # (tree point, far point, end j)
            total = dist[:, far_legs.node] + far_legs.minutes[None, :, :]
            j = np.argmin(total, axis=2)
            best = np.take_along_axis(total, j[..., None], axis=2)[..., 0]
            chosen = np.take_along_axis(
                np.broadcast_to(far_legs.node, total.shape), j[..., None], axis=2
            )[..., 0]
            path_km = (
                np.take_along_axis(tree_km, chosen, axis=1)
                + np.take_along_axis(
                    np.broadcast_to(far_legs.km, total.shape), j[..., None], axis=2
                )[..., 0]
            )
            path_km = np.where(np.isfinite(best), path_km, np.inf)
            if from_origins:
                minutes[rows], km[rows] = best, path_km
            else:
                minutes[:, rows], km[:, rows] = best.T, path_km.T
        o, d = _same_piece_pairs(o_snap.piece, d_snap.piece)
        if o.size:
            direct_minutes, direct_km = self._direct(o_snap, d_snap, o, d)
            better = direct_minutes < minutes[o, d]
            minutes[o[better], d[better]] = direct_minutes[better]
            km[o[better], d[better]] = direct_km[better]
        return TravelMatrix(minutes, km)


def _same_piece_pairs(
    origin_piece: np.ndarray, destination_piece: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (origin, destination) index pair snapped to the same piece."""
    order = np.argsort(destination_piece, kind="stable")
    sorted_pieces = destination_piece[order]
    lo = np.searchsorted(sorted_pieces, origin_piece, side="left")
    hi = np.searchsorted(sorted_pieces, origin_piece, side="right")
    counts = hi - lo
    o = np.repeat(np.arange(len(origin_piece)), counts)
    within = np.arange(len(o)) - np.repeat(np.cumsum(counts) - counts, counts)
    d = order[np.repeat(lo, counts) + within]
    return o.astype(np.int64), d.astype(np.int64)


def _accumulate_km(
    pred: np.ndarray,
    n_nodes: int,
    other_indptr: np.ndarray,
    other_indices: np.ndarray,
    other_km: np.ndarray,
    leg_node: np.ndarray,
    leg_km: np.ndarray,
    leg_ok: np.ndarray,
    needed: np.ndarray,
) -> np.ndarray:
    """km along the shortest-path tree from its roots to the `needed` nodes (and every node
    on their paths; 0 elsewhere), by pointer doubling over those paths only.

    `pred` is Dijkstra's predecessor array over the graph plus its virtual nodes (<0 at the
    roots and unreached nodes). The km of the edge pred → x is read in the other
    orientation's CSR at row x (its few entries are scanned, vectorised), or, from a virtual
    node, from that node's legs.
    """
    km = np.zeros(len(pred))
    # The nodes on the paths from the needed nodes up to the roots, walked hop by hop
    # (each node once: paths merge towards the roots).
    on_path = np.zeros(len(pred), dtype=bool)
    front = np.unique(needed)
    front = front[pred[front] >= 0]
    while front.size:
        on_path[front] = True
        up = pred[front]
        up = np.unique(up[up >= 0])
        front = up[~on_path[up] & (pred[up] >= 0)]
    reached = np.flatnonzero(on_path)
    p = pred[reached]
    virtual = p >= n_nodes
    # Edges from a virtual node: its leg to this node.
    vr, vp = reached[virtual], p[virtual] - n_nodes
    hit0 = (leg_node[vp, 0] == vr) & leg_ok[vp, 0]
    km[vr] = np.where(hit0, leg_km[vp, 0], leg_km[vp, 1])
    # Real edges: find column p in row x of the other orientation.
    x, px = reached[~virtual], p[~virtual]
    start = other_indptr[x]
    degree = other_indptr[x + 1] - start
    pending = np.arange(len(x))
    step = 0
    while pending.size:
        pending = pending[step < degree[pending]]
        position = start[pending] + step
        hit = other_indices[position] == px[pending]
        km[x[pending[hit]]] = other_km[position[hit]]
        pending = pending[~hit]
        step += 1
    # Pointer doubling: after round r each node holds the km of its 2^r nearest tree edges.
    pointer = pred.copy()
    active = reached
    while active.size:
        up = pointer[active]
        km[active] += km[up]
        pointer[active] = pointer[up]
        active = active[pointer[active] >= 0]
    return km


# ---------------------------------------------------------------------------- networks


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """The graphs of an extract, one per mode, with the speeds and source they came from."""

    graphs: Mapping[str, RoadGraph]
    speeds: Mapping[str, Any]  # the speeds configuration used (as in the TOML file)
    source_file: str = ""
    source_sha256: str = ""
    built_at: str = ""
    ways_read: int = 0

    def model(
        self, mode: str = "driving", max_snap_km: float = DEFAULT_MAX_SNAP_KM
    ) -> RoadNetworkModel:
        _check_mode(mode)
        if mode not in self.graphs:
            raise TravelModelError(f"this network has no {mode} graph")
        walking = self.speeds.get("walking", {})
        speed = walking.get("speed_kph") if isinstance(walking, Mapping) else None
        if not isinstance(speed, int | float):
            raise TravelModelError("the network's speeds lack walking.speed_kph")
        return RoadNetworkModel(self.graphs[mode], float(speed), max_snap_km, network=self)

    def bbox(self) -> tuple[float, float, float, float]:
        boxes = np.array([g.bbox() for g in self.graphs.values() if g.n_nodes])
        if not len(boxes):
            return (math.nan, math.nan, math.nan, math.nan)
        return (
            float(boxes[:, 0].min()),
            float(boxes[:, 1].min()),
            float(boxes[:, 2].max()),
            float(boxes[:, 3].max()),
        )

    def summary(self) -> dict[str, Any]:
        """What network.json says about the network."""
        return {
            "format": NETWORK_FORMAT,
            "source": {"file": self.source_file, "sha256": self.source_sha256},
            "built_at": self.built_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "ways_read": self.ways_read,
            "bbox": list(self.bbox()),
            "modes": {
                mode: {
                    "nodes": g.n_nodes,
                    "edges": g.n_edges,
                    "pieces": g.n_pieces,
                    "dropped_nodes": g.dropped_nodes,
                    "km": round(float(g.piece_km.sum()), 3),
                }
                for mode, g in self.graphs.items()
            },
            "speeds": dict(self.speeds),
        }
