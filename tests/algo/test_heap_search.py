"""The heap search on a small graph worked out on paper."""

from __future__ import annotations

import math

from qurb.algo.heap_search import ListGraph, search


def graph_of(n: int, edges: list[tuple[int, int, float, float]]) -> ListGraph:
    """An undirected graph: (a, b, minutes, km) per edge, both ways."""
    both = sorted([*edges, *((b, a, m, k) for a, b, m, k in edges)])
    offsets = [sum(1 for e in both if e[0] < u) for u in range(n + 1)]
    return ListGraph(offsets, [e[1] for e in both], [e[2] for e in both], [e[3] for e in both])


# 0 —(10 min, 8 km)— 1 —(10, 9)— 2, and a slow short cut 0 —(25, 5)— 2; 3 —(1, 1)— 4 apart.
GRAPH = graph_of(5, [(0, 1, 10.0, 8.0), (1, 2, 10.0, 9.0), (0, 2, 25.0, 5.0), (3, 4, 1.0, 1.0)])


def test_fastest_path_and_its_km() -> None:
    found = search(GRAPH, [(0, 0.0, 0.0, 0)])
    assert found.minutes[:3] == [0.0, 10.0, 20.0]
    assert found.km[:3] == [0.0, 8.0, 17.0]  # by node 1, not the shorter slow edge
    assert found.predecessor[:3] == [-1, 0, 1]
    # Another component: unreached.
    assert math.isinf(found.minutes[3]) and found.source[3] == -1 and found.predecessor[4] == -1


def test_several_sources_each_node_by_its_nearest() -> None:
    # Source 7 starts at node 2 after a 12-minute, 3-km leg; source 5 at node 0 (no leg).
    found = search(GRAPH, [(0, 0.0, 0.0, 5), (2, 12.0, 3.0, 7)])
    assert found.minutes[:3] == [0.0, 10.0, 12.0]
    assert found.km[:3] == [0.0, 8.0, 3.0]
    assert found.source[:3] == [5, 5, 7]


def test_a_search_stops_once_the_needed_nodes_are_settled() -> None:
    found = search(GRAPH, [(0, 0.0, 0.0, 0)], needed=[1])
    assert found.minutes[1] == 10.0 and found.km[1] == 8.0
    assert math.isinf(found.minutes[2])  # not settled: left unreached
