"""Snapping points to a road graph: the nearest point of the nearest road segment.

Units: km; coordinates in lon/lat degrees (WGS 84), projected for the search onto a local
equirectangular plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from qurb.algo.roadgraph import RoadGraph
from qurb.algo.travel import EARTH_RADIUS_KM, compute_haversine_km

# Sub-segment length (km) of the snapping index: long segments are indexed by points at most
# this far apart, so that the nearest-segment search stays exact without huge search radii.
SNAP_INDEX_STEP_KM = 0.1
# Nearest index points examined per query point, in rounds for the points still unsure.
SNAP_CANDIDATES = (8, 32, 128)
SNAP_SNUG_KM = 1e-9  # a point this close to a piece end (km along it) is at that node


@dataclass(frozen=True)
class Snap:
    """Where each point joins the graph: a piece, the km along it from its `u` end, and the
    walk from the point to the road."""

    piece: np.ndarray  # (n,) int64
    along_km: np.ndarray  # (n,) km from the piece's u end to the snapped point
    distance_km: np.ndarray  # (n,) geodesic km from the point to the snapped point
    lon: np.ndarray  # (n,) snapped point
    lat: np.ndarray


class SnapIndex:
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
