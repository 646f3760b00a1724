"""Benchmark: nearest facility by road, on a road graph of more than 500,000 nodes.

The graph: no national OSM extract is available offline, so it is a SEEDED SYNTHETIC
road-like network, not real OSM data: a 770 × 770 grid of intersections (~150 m apart,
jittered) around Fès, cut into ways of 3–15 blocks; every 60th line a primary road (some
with maxspeed 50), every 12th a tertiary, the rest residential, 8 % of the minor ways
removed, 10 % of residential ways one-way, 5 % unpaved (surface=dirt). It goes through the
same `build_road_graph` as an extract read from a .osm.pbf, with the bundled speeds.

Measured in one run, from 200 facilities to 20,000 origins (both placed on graph nodes, so
that every tool answers the same question):
  1. ours: `RoadNetworkModel.compute_nearest` (snapping, the multi-source Dijkstra over
     the reversed graph with virtual source nodes, the km along each fastest path);
  2. SciPy: `scipy.sparse.csgraph.dijkstra(min_only=True)` called directly on the same
     reversed CSR from the facilities' nodes (minutes only, no km, no snapping);
  3. networkx: `multi_source_dijkstra_path_length` on the same reversed graph (once).
Each without a cutoff and with one (`limit` for SciPy); prints medians, the ratios
ours/SciPy and networkx/ours, and the largest difference in minutes between the tools.

Run:  .venv/bin/python benchmarks/nearest_road.py [--repeat 5] [--size 720] [--cutoff 15]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from qurb.access.network import read_speed_profile
from qurb.algo.road_network import RoadNetworkModel
from qurb.algo.roadgraph import RoadWays, build_road_graph
from qurb.algo.travel import Points

STEP_DEG = 0.0015  # grid spacing, about 150 m east-west and 170 m north-south at 34° N
ORIGIN_LON, ORIGIN_LAT = -5.6, 33.6  # south-west corner, near Fès


def synthetic_ways(size: int, seed: int) -> RoadWays:
    """A seeded road-like network as `RoadWays` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(size * size, dtype=np.int64).reshape(size, size)
    jitter = rng.uniform(-0.3, 0.3, size=(2, size, size)) * STEP_DEG
    grid_lon = ORIGIN_LON + np.arange(size)[None, :] * STEP_DEG + jitter[0]
    grid_lat = ORIGIN_LAT + np.arange(size)[:, None] * STEP_DEG + jitter[1]
    lon_of, lat_of = grid_lon.reshape(-1), grid_lat.reshape(-1)
    lines = [(ids[r, :], r) for r in range(size)] + [(ids[:, c], c) for c in range(size)]
    refs: list[np.ndarray] = []
    highway: list[str] = []
    for line, position in lines:
        road_class = (
            "primary" if position % 60 == 0 else "tertiary" if position % 12 == 0 else "residential"
        )
        cuts = np.cumsum(rng.integers(3, 16, size=size))
        cuts = np.concatenate([[0], cuts[cuts < size - 1], [size - 1]])
        for a, b in itertools.pairwise(cuts):
            refs.append(line[a : b + 1])
            highway.append(road_class)
    classes = np.array(highway)
    n_ways = len(refs)
    minor = classes != "primary"
    keep = ~(minor & (rng.random(n_ways) < 0.08))
    residential = classes == "residential"
    oneway = np.where(
        residential & (rng.random(n_ways) < 0.10), rng.choice([-1, 1], size=n_ways), 0
    ).astype(np.int8)
    surface = np.where(residential & (rng.random(n_ways) < 0.05), "dirt", "")
    maxspeed = np.where((classes == "primary") & (rng.random(n_ways) < 0.1), 50.0, np.nan)
    kept = np.flatnonzero(keep)
    node_id = np.concatenate([refs[i] for i in kept])
    offsets = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum([len(refs[i]) for i in kept], out=offsets[1:])
    return RoadWays(
        way_id=kept.astype(np.int64) + 1,
        offsets=offsets,
        node_id=node_id,
        lon=lon_of[node_id],
        lat=lat_of[node_id],
        highway=classes[kept],
        surface=surface[kept],
        oneway=oneway[kept],
        maxspeed_kph=maxspeed[kept],
        car_access=np.ones(len(kept), dtype=bool),
        foot_access=np.ones(len(kept), dtype=bool),
    )


def median_seconds(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=770, help="grid side (nodes)")
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--origins", type=int, default=20_000)
    parser.add_argument("--cutoff", type=float, default=15.0, help="minutes")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    start = time.perf_counter()
    ways = synthetic_ways(args.size, args.seed)
    graph = build_road_graph(ways, read_speed_profile(), "driving")
    build_s = time.perf_counter() - start
    model = RoadNetworkModel(graph, walking_speed_kph=5.0)
    rng = np.random.default_rng(args.seed + 1)
    facility_nodes = rng.choice(graph.n_nodes, args.facilities, replace=False)
    origin_nodes = rng.choice(graph.n_nodes, args.origins, replace=False)
    facilities = Points(graph.node_lon[facility_nodes], graph.node_lat[facility_nodes])
    origins = Points(graph.node_lon[origin_nodes], graph.node_lat[origin_nodes])
    reverse = graph.minutes_matrix(reverse=True)
    start = time.perf_counter()
    model.compute_nearest(origins, facilities)  # builds the snapping index and CSRs once
    index_s = time.perf_counter() - start

    print(
        "Graph: SEEDED SYNTHETIC road-like grid (not real OSM data; see the docstring), "
        f"seed {args.seed}"
    )
    print(
        f"  {graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges, "
        f"{graph.dropped_nodes:,} nodes dropped (outside the largest strongly connected part); "
        f"{len(ways):,} ways, built in {build_s:.1f} s"
    )
    print(
        f"  first query {index_s:.1f} s (it builds the snapping index and the CSRs, "
        "which the model keeps; not counted below)"
    )
    print(f"  {args.facilities} facilities → {args.origins:,} origins, median of {args.repeat}")
    print()

    rows = []
    for cutoff in (None, args.cutoff):
        limit = np.inf if cutoff is None else cutoff
        ours_s, ours = median_seconds(
            lambda c=cutoff: model.compute_nearest(origins, facilities, c), args.repeat
        )
        scipy_s, scipy_dist = median_seconds(
            lambda lim=limit: dijkstra(
                reverse, directed=True, indices=facility_nodes, min_only=True, limit=lim
            ),
            args.repeat,
        )
        expected = scipy_dist[origin_nodes]
        same_reach = np.array_equal(np.isfinite(ours.minutes), np.isfinite(expected))
        finite = np.isfinite(expected)
        diff = float(np.max(np.abs(ours.minutes[finite] - expected[finite]))) if finite.any() else 0
        rows.append((cutoff, ours_s, scipy_s, diff, same_reach, ours, scipy_dist))

    import networkx as nx

    start = time.perf_counter()
    peer = nx.DiGraph()
    coo = reverse.tocoo()
    peer.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    nx_build_s = time.perf_counter() - start
    start = time.perf_counter()
    nx_minutes = nx.multi_source_dijkstra_path_length(peer, set(facility_nodes.tolist()))
    nx_s = time.perf_counter() - start
    nx_all = np.full(graph.n_nodes, np.inf)
    nx_all[list(nx_minutes)] = list(nx_minutes.values())

    header = f"{'cutoff':>8} {'ours s':>9} {'scipy s':>9} {'ours/scipy':>11} {'max |Δ| min':>12}"
    print(header)
    for cutoff, ours_s, scipy_s, diff, same_reach, *_ in rows:
        label = "none" if cutoff is None else f"{cutoff:g} min"
        reach = "" if same_reach else "  (REACH DIFFERS)"
        print(
            f"{label:>8} {ours_s:9.3f} {scipy_s:9.3f} {ours_s / scipy_s:11.2f} {diff:12.2e}{reach}"
        )
    no_cut = rows[0]
    nx_diff_all = float(np.max(np.abs(nx_all - no_cut[6])))
    nx_diff_ours = float(np.max(np.abs(nx_all[origin_nodes] - no_cut[5].minutes)))
    print()
    print(
        f"networkx multi_source_dijkstra_path_length (no cutoff): {nx_s:.1f} s "
        f"(+ {nx_build_s:.1f} s to build its graph); networkx/ours = {nx_s / no_cut[1]:.0f}×, "
        f"networkx/ours with the {args.cutoff:g}-min cutoff = {nx_s / rows[1][1]:.0f}×"
    )
    print(
        f"max |Δ| minutes: networkx vs scipy over all {graph.n_nodes:,} nodes {nx_diff_all:.2e}; "
        f"networkx vs ours at the origins {nx_diff_ours:.2e}"
    )
    km = no_cut[5].distance_km
    print(
        f"ours also returns the km along each fastest path (median {np.median(km):.2f} km, "
        f"{np.median(no_cut[5].minutes):.1f} min) and the facility reached"
    )


if __name__ == "__main__":
    main()
