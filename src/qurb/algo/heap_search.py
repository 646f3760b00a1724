"""Dijkstra in plain Python (heapq) over a graph held as lists, for the few searches of a
short command: loading SciPy's sparse graphs costs a command more than its search.

The same rules as `scipy.sparse.csgraph.dijkstra`: a node's time is improved only by a
strictly shorter path (its predecessor is the node that gave it), times are the sums of
the edge minutes along the path in path order, and the km along the fastest path are the
predecessor's km plus the edge's. A search may stop once every node it is asked for is
settled: their times and km are final then; the others are left at inf (unsettled).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ListGraph:
    """A directed graph as lists: the edges out of node u are offsets[u] … offsets[u+1]-1
    of `targets`, `minutes` and `km`."""

    offsets: list[int]
    targets: list[int]
    minutes: list[float]
    km: list[float]

    @property
    def size(self) -> int:
        return len(self.offsets) - 1


@dataclass(frozen=True)
class Search:
    """Per node: minutes, km along the fastest path, predecessor node (-1: a source or
    unreached) and the source it was reached from (-1: unreached)."""

    minutes: list[float]
    km: list[float]
    predecessor: list[int]
    source: list[int]


def search(
    graph: ListGraph,
    starts: Iterable[tuple[int, float, float, int]],
    needed: Sequence[int] | None = None,
) -> Search:
    """Fastest paths from several sources at once: `starts` are (node, minutes, km, source)
        entries, a node starting at those minutes and km (its predecessor -1; of equal starts at
    a node, the last). Stops when every
        node of `needed` is settled (all of them when None)."""
    n = graph.size
    inf = math.inf
    minutes = [inf] * n
    km = [inf] * n
    predecessor = [-1] * n
    through = [-1] * n  # the edge from the predecessor
    source = [-1] * n
    heap: list[tuple[float, int]] = []
    for node, start_minutes, start_km, origin in starts:
        # Equal starts at a node: the later one (SciPy's multi-source search gives a node to
        # the last of several sources at the same distance, e.g. two co-located hospitals).
        if start_minutes <= minutes[node]:
            minutes[node], km[node], source[node] = start_minutes, start_km, origin
            heap.append((start_minutes, node))
    heapq.heapify(heap)
    waiting = set(range(n) if needed is None else needed)
    settled = [False] * n
    offsets, targets, weights, lengths = graph.offsets, graph.targets, graph.minutes, graph.km
    while heap and waiting:
        time, u = heapq.heappop(heap)
        if settled[u] or time > minutes[u]:
            continue
        settled[u] = True
        waiting.discard(u)
        if predecessor[u] >= 0:  # settled after its predecessor: its km are final
            km[u] = km[predecessor[u]] + lengths[through[u]]
        for e in range(offsets[u], offsets[u + 1]):
            v = targets[e]
            if settled[v]:
                continue
            candidate = time + weights[e]
            if candidate < minutes[v]:
                minutes[v] = candidate
                predecessor[v], through[v], source[v] = u, e, source[u]
                heapq.heappush(heap, (candidate, v))
    for v in range(n):
        if not settled[v]:
            minutes[v], km[v], predecessor[v], source[v] = inf, inf, -1, -1
    return Search(minutes, km, predecessor, source)
