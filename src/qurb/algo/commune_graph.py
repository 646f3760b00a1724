"""The bundled Morocco travel-time model without roads: a graph over the communes.

Nodes are the communes' reference points; edges join neighbouring communes (a shared
border, or a gap of the source polygons: see the dataset build). An edge a–b costs
`km(a, b) / 2 × detour[a] / speed[a] + km(a, b) / 2 × detour[b] / speed[b]` (half of the
great-circle leg in each commune's terrain). *Transit edges* join communes up to
`transit_hops` edges apart by the straight leg between their reference points, with the
terrain mix of the path they shortcut (each inner commune weighs as much as two half-legs,
each end as one): a road that crosses a commune does not go by its reference point (the
point of the commune farthest from its borders). A trip is

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

A point that is not its commune's reference point (a located facility, a user's point) is
joined to its own commune's node and to the nodes of the neighbouring communes, each by
the straight leg in the terrain of the two communes: the road to a hospital at the edge of
a town does not go by the town's reference point first.

Inside the commune: when the population's own commune holds k of the destinations, the
trip to the nearest of them is the paved-road term plus the mean distance to the nearest
of k facilities that share the commune's area, `intra_radius_factor × √(area / (π k))` on
the road (each serves a disc of area / k around it), instead of going to the reference
point and on. `compute_nearest` and `compute_matrix` give the minutes *and km* of every
trip, including these legs (`NearestResult.distance_km`, `TravelMatrix.distance_km`).

Coarse by construction (see `data/commune_graph.toml`): a road network replaces it.
The graph is built once per model. Nearest queries are one multi-source Dijkstra from
the destinations (milliseconds); matrices use Dijkstra from the distinct destination
nodes (the graph is symmetric), or the all-pairs table (about a second, then kept) when
the destinations cover much of the country. `heap_searching()` gives the same model
searching in plain Python (`heap_search.py`), without loading SciPy, each search stopping
once the origins' nodes are settled: for a command's one or two queries (the same minutes
and km).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from qurb.algo.commune_graph_edges import (
    EPSILON_MINUTES,
    build_edges,
    check_edges,
    neighbour_lists,
    walks_from,
)
from qurb.algo.commune_graph_inputs import (
    CommuneGraphInputs,
    CommuneGraphParameters,
    classify_terrain,
)
from qurb.algo.heap_search import ListGraph, search
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

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from scipy.spatial import cKDTree

# What the model's minutes and km are, beside every figure made with them.
COMMUNE_GRAPH_MEASURE = Measure.worded("commune-graph", "commune_graph", lambda lang: {})

_EPSILON_MINUTES = EPSILON_MINUTES
_SAME_POINT_KM = 1e-6


@dataclass(frozen=True)
class Attachments:
    """Legs joining points to graph nodes: point index, node, minutes, km (one row each)."""

    point: np.ndarray
    node: np.ndarray
    minutes: np.ndarray
    km: np.ndarray


def _min_by_group(
    minutes: np.ndarray, km: np.ndarray, group: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Columns reduced to one per group: the fastest, with its km (groups 0 … groups-1)."""
    if len(group) == groups and (group == np.arange(groups)).all():
        return minutes, km
    out_min = np.full((minutes.shape[0], groups), np.inf)
    out_km = np.full((minutes.shape[0], groups), np.inf)
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group, minlength=groups)
    start = np.cumsum(counts) - counts
    for slot in range(int(counts.max(initial=0))):
        has = np.flatnonzero(counts > slot)
        cols = order[start[has] + slot]
        candidate = minutes[:, cols]
        better = candidate < out_min[:, has]
        out_min[:, has] = np.where(better, candidate, out_min[:, has])
        out_km[:, has] = np.where(better, km[:, cols], out_km[:, has])
    return out_min, out_km


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
        self._edge_cache: tuple[np.ndarray, ...] | None = None
        self._graph_cache: tuple[csr_matrix, np.ndarray] | None = None
        self._list_cache: ListGraph | None = None
        self._heap = False
        self._neighbour_cache: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ the graph
    def _neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """The neighbours of every node as CSR arrays (offsets, targets), edges both ways."""
        if self._neighbour_cache is None:
            self._neighbour_cache = neighbour_lists(self.inputs.adjacency, self._index)
        return self._neighbour_cache

    def _edge_arrays(self) -> tuple[np.ndarray, ...]:
        """Every edge both ways (rows, cols, minutes) and road km per edge (dense n × n);
        built once per model (its parameters are fixed), not at every query."""
        if self._edge_cache is None:
            self._edge_cache = self._build_edges()
        return self._edge_cache

    def edge_list(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every edge both ways: rows, cols, minutes and road km (what a store keeps)."""
        rows, cols, minutes, edge_km = self._edge_arrays()
        return rows, cols, minutes, edge_km[rows, cols]

    def adopt_edges(self, edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> None:
        """Take the edges `edge_list` gave for the same inputs, parameters and code
        (`edges_fingerprint`) instead of building them; other arrays are refused."""
        rows, cols, minutes, km = check_edges(edges, len(self.inputs.codes))
        edge_km = np.zeros((len(self.inputs.codes),) * 2)
        edge_km[rows, cols] = km
        self._edge_cache = (rows, cols, minutes, edge_km)

    def _graph(self) -> tuple[csr_matrix, np.ndarray]:
        """The commune graph: minutes as a CSR matrix, and road km per edge (dense n × n)."""
        if self._graph_cache is None:
            from scipy.sparse import csr_matrix  # the heap search needs no SciPy

            rows, cols, minutes, edge_km = self._edge_arrays()
            n = len(self.inputs.codes)
            self._graph_cache = (csr_matrix((minutes, (rows, cols)), shape=(n, n)), edge_km)
        return self._graph_cache

    def _list_graph(self) -> ListGraph:
        """The commune graph as lists, for the heap search."""
        if self._list_cache is None:
            rows, cols, minutes, edge_km = self._edge_arrays()
            order = np.lexsort((cols, rows))
            rows, cols = rows[order], cols[order]
            offsets = np.searchsorted(rows, np.arange(len(self.inputs.codes) + 1))
            self._list_cache = ListGraph(
                offsets.tolist(),
                cols.tolist(),
                minutes[order].tolist(),
                edge_km[rows, cols].tolist(),
            )
        return self._list_cache

    def heap_searching(self) -> CommuneGraphModel:
        """The same model (sharing the graph built so far) answering `compute_nearest` and
        `compute_matrix` by the heap search, without SciPy, each search stopping when the
        origins' nodes are settled: for a command's few queries (the same minutes and km);
        SciPy is faster for many queries or a whole country's matrix."""
        self._list_graph()
        view = copy.copy(self)
        view._heap = True
        return view

    def _build_edges(self) -> tuple[np.ndarray, ...]:
        offsets, targets = self._neighbours()
        walks = walks_from(offsets, targets, self.params.transit_hops)
        return build_edges(self.inputs, walks, self.minutes_per_km, self.detour)

    def graph_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every edge once (a < b), with its minutes: the neighbours and the transit edges."""
        coo = self._graph()[0].tocoo()
        keep = coo.row < coo.col
        return coo.row[keep], coo.col[keep], coo.data[keep]

    def shortest_from(
        self, sources: np.ndarray, needed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Node minutes (fastest paths) from each source node, and the road km along them
        (with the heap search, only the `needed` nodes' are sure: the others may be inf)."""
        sources = np.asarray(sources, dtype=np.int64)
        if self._heap:
            graph = self._list_graph()
            # sorted(set()): np.unique would load numpy.ma for a command's one search
            wanted = None if needed is None else sorted(set(np.asarray(needed).tolist()))
            found = [search(graph, [(int(s), 0.0, 0.0, 0)], wanted) for s in sources]
            return np.array([f.minutes for f in found]).reshape(len(sources), -1), np.array(
                [f.km for f in found]
            ).reshape(len(sources), -1)
        from scipy.sparse.csgraph import dijkstra

        graph, edge_km = self._graph()
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

    def access_km(self) -> np.ndarray:
        """The km of the access term (paved-road distance + road km to the centre)."""
        return self._paved_km + self._intra_km * self.detour

    def in_commune_leg(self, nodes: np.ndarray, facilities: np.ndarray) -> tuple[np.ndarray, ...]:
        """(minutes, km) from the population of each commune in `nodes` to the nearest of
        the `facilities` (a count ≥ 1 per commune) that share its area: the paved-road term
        plus intra_radius_factor × √(area / (π k)) on the road."""
        intra_km = self._intra_km[nodes] / np.sqrt(np.maximum(facilities, 1))
        minutes = self._paved_minutes[nodes] + intra_km * self.minutes_per_km[nodes]
        return minutes, self._paved_km[nodes] + intra_km * self.detour[nodes]

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
            from scipy.spatial import cKDTree  # points without a commune only: kept off start-up

            self._tree = cKDTree(self._project(self.inputs.ref_lon, self.inputs.ref_lat))
        _, index = self._tree.query(self._project(points.lon, points.lat))
        return np.asarray(index, dtype=np.int64)

    @staticmethod
    def _project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack([lon * np.cos(np.radians(31.5)) * 111.32, lat * 111.32])

    def _stands_for_commune(self, points: Points, nodes: np.ndarray) -> np.ndarray:
        """Population points that are their commune's reference point."""
        if not points.is_population:
            return np.zeros(len(nodes), dtype=bool)
        gc_km = compute_haversine_km(
            points.lon, points.lat, self.inputs.ref_lon[nodes], self.inputs.ref_lat[nodes]
        )
        return np.asarray(gc_km < _SAME_POINT_KM)

    def attachments(self, points: Points, nodes: np.ndarray, origin: bool) -> Attachments:
        """The legs joining each point to the graph: to its own commune's node, and for a
        point off its reference point also to the neighbouring communes' nodes."""
        lon, lat = self.inputs.ref_lon, self.inputs.ref_lat
        gc_km = compute_haversine_km(points.lon, points.lat, lon[nodes], lat[nodes])
        population = origin and points.is_population
        point = np.arange(len(nodes))
        node = nodes.copy()
        minutes = gc_km * self.minutes_per_km[nodes]
        km = gc_km * self.detour[nodes]
        if population:
            stands = gc_km < _SAME_POINT_KM
            minutes = np.where(stands, self.access_minutes()[nodes], minutes)
            km = np.where(stands, self.access_km()[nodes], km)
            minutes = np.where(stands, minutes, minutes + self._paved_minutes[nodes])
            km = np.where(stands, km, km + self._paved_km[nodes])
        off = np.flatnonzero(gc_km >= _SAME_POINT_KM)
        if len(off):
            offsets, targets = self._neighbours()
            counts = np.diff(offsets)[nodes[off]]
            which = np.repeat(off, counts)
            first = np.repeat(offsets[nodes[off]], counts)
            rank = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
            neighbour = targets[first + rank]
            own = nodes[which]
            leg = compute_haversine_km(
                points.lon[which], points.lat[which], lon[neighbour], lat[neighbour]
            )
            leg_minutes = leg * (self.minutes_per_km[own] + self.minutes_per_km[neighbour]) / 2
            leg_km = leg * (self.detour[own] + self.detour[neighbour]) / 2
            if population:
                leg_minutes = leg_minutes + self._paved_minutes[own]
                leg_km = leg_km + self._paved_km[own]
            point = np.concatenate([point, which])
            node = np.concatenate([node, neighbour])
            minutes = np.concatenate([minutes, leg_minutes])
            km = np.concatenate([km, leg_km])
        return Attachments(point, node, minutes, km)

    def _node_paths(
        self, from_nodes: np.ndarray, to_nodes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and km of the fastest paths between two lists of nodes (a matrix)."""
        unique, inverse = np.unique(to_nodes, return_inverse=True)
        few = len(unique) * 4 < len(self.inputs.codes)
        if self._heap or (self._node_minutes is None and few):
            # Few target communes: paths from them only (symmetric graph: the time from b
            # to a is the time from a to b).
            from_t_min, from_t_km = self.shortest_from(unique, from_nodes)
            return from_t_min[np.ix_(inverse, from_nodes)].T, from_t_km[
                np.ix_(inverse, from_nodes)
            ].T
        return (
            self.node_minutes[np.ix_(from_nodes, to_nodes)],
            self.node_km[np.ix_(from_nodes, to_nodes)],
        )

    # ------------------------------------------------------------------ the protocol
    def compute_matrix(self, origins: Points, destinations: Points) -> TravelMatrix:
        o_nodes, d_nodes = self.node_of(origins), self.node_of(destinations)
        o_att = self.attachments(origins, o_nodes, origin=True)
        d_att = self.attachments(destinations, d_nodes, origin=False)
        path_min, path_km = self._node_paths(o_att.node, d_att.node)
        minutes = o_att.minutes[:, None] + path_min + d_att.minutes[None, :]
        km = o_att.km[:, None] + path_km + d_att.km[None, :]
        minutes, km = _min_by_group(minutes, km, d_att.point, len(destinations))
        minutes, km = _min_by_group(minutes.T, km.T, o_att.point, len(origins))
        minutes, km = minutes.T, km.T
        # The population of a commune that holds some of the destinations reaches them
        # inside the commune (the nearest of k sharing its area).
        stands = np.flatnonzero(self._stands_for_commune(origins, o_nodes))
        if len(stands) and len(destinations):
            k = np.bincount(d_nodes, minlength=len(self.inputs.codes))
            inside_min, inside_km = self.in_commune_leg(o_nodes[stands], k[o_nodes[stands]])
            same = o_nodes[stands][:, None] == d_nodes[None, :]
            block_min, block_km = minutes[stands], km[stands]
            better = same & (inside_min[:, None] < block_min)
            minutes[stands] = np.where(better, inside_min[:, None], block_min)
            km[stands] = np.where(better, inside_km[:, None], block_km)
        return TravelMatrix(minutes, km)

    def compute_nearest(
        self, origins: Points, destinations: Points, cutoff_minutes: float | None = None
    ) -> NearestResult:
        check_cutoff(cutoff_minutes)
        if len(origins) == 0 or len(destinations) == 0:
            return no_nearest(len(origins))
        o_nodes, d_nodes = self.node_of(origins), self.node_of(destinations)
        o_att = self.attachments(origins, o_nodes, origin=True)
        d_att = self.attachments(destinations, d_nodes, origin=False)
        node_minutes, node_km, node_source = self._nearest_tree(
            d_att, len(destinations), o_att.node
        )
        each_min = o_att.minutes + node_minutes[o_att.node]
        each_km = o_att.km + node_km[o_att.node]
        order = np.lexsort((each_min, o_att.point))
        first = np.ones(len(order), dtype=bool)
        first[1:] = o_att.point[order][1:] != o_att.point[order][:-1]
        best = order[first]  # one attachment per origin, in origin order
        minutes = each_min[best]
        km = each_km[best]
        index = node_source[o_att.node[best]].astype(np.int64)
        stands = np.flatnonzero(self._stands_for_commune(origins, o_nodes))
        if len(stands):
            k = np.bincount(d_nodes, minlength=len(self.inputs.codes))
            holds = stands[k[o_nodes[stands]] > 0]
            inside_min, inside_km = self.in_commune_leg(o_nodes[holds], k[o_nodes[holds]])
            better = inside_min < minutes[holds]
            chosen = holds[better]
            minutes[chosen] = inside_min[better]
            km[chosen] = inside_km[better]
            # which of them: the one nearest the commune's reference point
            d_order = np.lexsort((d_att.minutes[: len(destinations)], d_nodes))
            first_of_node = np.full(len(self.inputs.codes), -1, dtype=np.int64)
            first_of_node[d_nodes[d_order][::-1]] = d_order[::-1]
            index[chosen] = first_of_node[o_nodes[chosen]]
        return within_cutoff(index, minutes, km, cutoff_minutes)

    def _nearest_tree(
        self, d_att: Attachments, m: int, needed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every commune node: minutes and km to its nearest destination, and which.

        One multi-source Dijkstra: a virtual node per destination, joined to the nodes it
        is attached to by its legs, all virtual nodes as sources (`min_only=True`). The
        graph is symmetric, so times from the destinations are times to them. The heap
        search stops when the `needed` nodes are settled (the others may be left at inf)."""
        n = len(self.inputs.codes)
        if self._heap:
            found = search(
                self._list_graph(),
                zip(
                    d_att.node.tolist(),
                    np.maximum(d_att.minutes, _EPSILON_MINUTES).tolist(),
                    d_att.km.tolist(),
                    d_att.point.tolist(),
                    strict=True,
                ),
                sorted(set(needed.tolist())),
            )
            return np.array(found.minutes), np.array(found.km), np.array(found.source)
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        graph, edge_km = self._graph()
        coo = graph.tocoo()
        rows = np.concatenate([coo.row, n + d_att.point])
        cols = np.concatenate([coo.col, d_att.node])
        data = np.concatenate([coo.data, np.maximum(d_att.minutes, _EPSILON_MINUTES)])
        augmented = csr_matrix((data, (rows, cols)), shape=(n + m, n + m))
        dist, predecessors, sources = dijkstra(
            augmented,
            directed=True,
            indices=n + np.arange(m),
            min_only=True,
            return_predecessors=True,
        )
        leg_km = {
            (int(p), int(v)): float(k)
            for p, v, k in zip(d_att.point, d_att.node, d_att.km, strict=True)
        }
        km = np.full(n + m, np.inf)
        km[n:] = 0.0
        for node in np.argsort(dist[:n], kind="stable"):
            pred = predecessors[node]
            if pred < 0:
                continue
            step = leg_km[(pred - n, int(node))] if pred >= n else edge_km[pred, node]
            km[node] = km[pred] + step
        source = np.where(sources[:n] >= 0, sources[:n] - n, -1)
        return dist[:n], km[:n], source

    def compute_pairs(self, origins: Points, destinations: Points) -> TravelMatrix:
        """Minutes and km of trip i = origins[i] → destinations[i] (1-D arrays), with paths
        from the distinct origin nodes only (no all-pairs table: used when fitting)."""
        if len(origins) != len(destinations):
            raise TravelModelError("compute_pairs needs as many origins as destinations")
        o_nodes, d_nodes = self.node_of(origins), self.node_of(destinations)
        o_att = self.attachments(origins, o_nodes, origin=True)
        d_att = self.attachments(destinations, d_nodes, origin=False)
        # every (origin leg, destination leg) of the same trip
        d_order = np.argsort(d_att.point, kind="stable")
        d_counts = np.bincount(d_att.point, minlength=len(destinations))
        d_start = np.cumsum(d_counts) - d_counts
        counts = d_counts[o_att.point]
        o_rows = np.repeat(np.arange(len(o_att.point)), counts)
        rank = np.arange(len(o_rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        d_rows = d_order[np.repeat(d_start[o_att.point], counts) + rank]
        o_node, d_node = o_att.node[o_rows], d_att.node[d_rows]
        if self._node_minutes is not None and self._node_km is not None:
            path_min, path_km = self._node_minutes[o_node, d_node], self._node_km[o_node, d_node]
        else:
            unique, inverse = np.unique(o_node, return_inverse=True)
            node_minutes, node_km = self.shortest_from(unique)
            path_min, path_km = node_minutes[inverse, d_node], node_km[inverse, d_node]
        each_min = o_att.minutes[o_rows] + path_min + d_att.minutes[d_rows]
        each_km = o_att.km[o_rows] + path_km + d_att.km[d_rows]
        trip = o_att.point[o_rows]
        order = np.lexsort((each_min, trip))
        first = np.ones(len(order), dtype=bool)
        first[1:] = trip[order][1:] != trip[order][:-1]
        best = order[first]
        return TravelMatrix(each_min[best], each_km[best])

    def with_params(self, params: CommuneGraphParameters) -> CommuneGraphModel:
        return CommuneGraphModel(self.inputs, params)
