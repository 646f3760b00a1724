"""Benchmark: the whole national access analysis on the bundled commune-graph model
(issue figure: 1,503 communes × every public facility, all levels, in under 2 s).

Measures, in one run, on a fresh copy of the national database:
  1. the CLI end to end: `qurb access summary` for Morocco, in a new process;
  2. the service in-process, cold (model built from the database) and warm: nearest
     facility for every commune, for all public facilities and for each level
     (primary, secondary, tertiary), with population beyond 30/60/120 min;
  3. the peer: networkx `multi_source_dijkstra_path_length` on the same commune graph,
     same edge costs and the same legs, for the same four facility sets.
Checks that both give the same minutes for every commune; prints the ratio.

Run:  .venv/bin/python benchmarks/access.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from qurb.access.service import compute_access
from qurb.algo.commune_graph_inputs import commune_points
from qurb.app.dataset import init_database
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory import travel
from qurb.territory.service import TerritoryIndex

SELECTORS = [
    FacilitySelector(),
    FacilitySelector(levels=("primary",)),
    FacilitySelector(levels=("secondary",)),
    FacilitySelector(levels=("tertiary",)),
]


def median_time(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'qurb.sqlite'}"
        engine = make_engine(url)
        init_database(engine)
        factory = make_sessionmaker(engine)

        cli = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qurb.app.cli", "access", "summary", "--db", url],
                check=True,
                capture_output=True,
            )
            cli.append(time.perf_counter() - start)

        def service(cold: bool) -> list[np.ndarray]:
            if cold:
                travel._cache.clear()
            with factory() as session:
                index = TerritoryIndex.from_session(session)
                model = travel.commune_graph_model(session)
                country = index.by_code["MA"]
                out = []
                for selector in SELECTORS:
                    report = compute_access(session, country, selector, model, index=index)
                    out.append(np.array([r["minutes"] for r in report.rows], float))
                return out

        cold, _ = median_time(lambda: service(True), args.repeat)
        warm, ours = median_time(lambda: service(False), args.repeat)

        with factory() as session:
            model = travel.commune_graph_model(session)
            destinations = [read_destinations(session, s) for s in SELECTORS]
        inputs = model.inputs
        origins = commune_points(inputs)

        def peer() -> list[np.ndarray]:
            # The same graph and costs (neighbours and transit edges), as a networkx graph;
            # the same legs added by hand.
            graph = nx.Graph()
            for i, j, minutes in zip(*model.graph_edges(), strict=True):
                graph.add_edge(int(i), int(j), weight=float(minutes))
            n = len(inputs.codes)
            access = model.access_minutes()
            out = []
            for dest in destinations:
                nodes = model.node_of(dest.points)
                legs = model.attachments(dest.points, nodes, origin=False)
                for j, node, minutes in zip(legs.point, legs.node, legs.minutes, strict=True):
                    # a virtual source per facility, joined to the nodes it is attached to
                    graph.add_edge(("f", int(j)), int(node), weight=max(float(minutes), 1e-9))
                sources = [("f", j) for j in range(len(nodes))]
                dist = nx.multi_source_dijkstra_path_length(graph, sources)
                graph.remove_nodes_from(sources)
                minutes = np.array([access[i] + dist[i] for i in range(n)])
                # a commune holding k of the facilities: the nearest of them inside it
                k = np.bincount(nodes, minlength=n)
                inside, _ = model.in_commune_leg(np.arange(n), k)
                out.append(np.where(k > 0, np.minimum(minutes, inside), minutes))
            return out

        peer_time, theirs = median_time(peer, max(1, args.repeat // 2))
        diffs = [
            float(np.max(np.abs(np.round(t, 1) - o)))
            for t, o in zip(theirs, ours, strict=True)  # type: ignore[arg-type]
        ]
    n_dest = [len(d) for d in destinations]
    print(
        f"communes: {len(origins)}; facility sets: all {n_dest[0]}, primary {n_dest[1]}, "
        f"secondary {n_dest[2]}, tertiary {n_dest[3]}"
    )
    print(
        f"CLI `qurb access summary` (Morocco, all public facilities), new process: "
        f"{statistics.median(cli):.2f} s (target < 2 s)"
    )
    print(f"service, 4 national analyses, cold (model built): {cold * 1000:.0f} ms")
    print(f"service, 4 national analyses, warm:               {warm * 1000:.0f} ms")
    print(f"peer networkx multi-source Dijkstra, same graph:  {peer_time * 1000:.0f} ms")
    print(
        f"ratio peer / ours (warm): {peer_time / warm:.1f}×; max |Δ minutes| = {max(diffs):.2f}"
        " (ours rounded to 0.1 min)"
    )


if __name__ == "__main__":
    main()
