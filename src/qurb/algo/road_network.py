"""The road-network travel-time model over a `RoadGraph`, and the saved network.

- `RoadNetworkModel`: the `TravelTimeModel` over one mode's graph;
- `RoadNetwork`: the graphs of both modes with where they came from (saved and loaded by
  `qurb.access.network` as `.npz` arrays plus a `network.json`).

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

Units: minutes, km, km/h; coordinates in lon/lat degrees (WGS 84).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from qurb.algo.road_snapping import SNAP_SNUG_KM, Snap, SnapIndex
from qurb.algo.roadgraph import DEFAULT_MAX_SNAP_KM, RoadGraph, check_mode
from qurb.algo.travel import (
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

NETWORK_FORMAT = 1  # version of the saved layout (network.json + <mode>.npz)
NETWORK_JSON = "network.json"
# The matrix is computed in chunks of sources holding at most this many (source, node) cells.
MATRIX_CHUNK_CELLS = 20_000_000


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
            raise TravelModelError(code="snap_not_positive", values={"value": str(max_snap_km)})
        self.graph = graph
        self.walking_speed_kph = float(walking_speed_kph)
        self.max_snap_km = float(max_snap_km)
        self.network = network
        self.name = f"road-{graph.mode}"
        from qurb.kernel.i18n import number

        def values(lang: str) -> dict[str, str]:
            return {"mode": graph.mode, "walk": number(self.walking_speed_kph, lang)}

        self.measure = Measure.worded(self.name, "road", values)
        self.last_snap_km: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def _snap_index(self) -> SnapIndex:
        return SnapIndex(self.graph)

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
            values: dict[str, Any] = {"count": int(far.size), "total": n}
            values |= {"limit": self.max_snap_km}
            values |= {"mode": g.mode, "index": str(worst), "label": label}
            values |= {"distance": round(float(distance_km[worst]), 2)}
            values |= {"lon": f"{points.lon[worst]:.5f}", "lat": f"{points.lat[worst]:.5f}"}
            # error.far_from_roads.points, .origins, .destinations
            raise TravelModelError(code=f"far_from_roads.{role}", values=values)
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
        check_mode(mode)
        if mode not in self.graphs:
            raise TravelModelError(code="network_without_mode", values={"mode": mode})
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
            "built_at": self.built_at or None,  # set by the service that builds it
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
