"""The commune graph's edges: neighbouring communes, and the transit edges that join
communes up to `transit_hops` edges apart (see `commune_graph.py` for the costs), and the
fingerprint that says which inputs, parameters and code built a set of edges, so that a
set built once can be kept and used again (`qurb.territory.graph_store`).

Building them means walking about a quarter of a million three-hop walks over Morocco's
1,503 communes (about 0.1 s); a command that needs one or two searches spends more on
that than on its searches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from qurb.algo.commune_graph_inputs import CommuneGraphInputs, CommuneGraphParameters
from qurb.algo.travel import TravelModelError, compute_haversine_km

# scipy.sparse.csgraph reads an explicit 0 as "no edge": the shortest legal cost.
EPSILON_MINUTES = 1e-9

# The modules whose code decides the edges: a change to any of them is a new fingerprint.
_EDGE_CODE = ("commune_graph.py", "commune_graph_edges.py", "commune_graph_inputs.py", "travel.py")

Edges = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def neighbour_lists(
    adjacency: tuple[tuple[str, str], ...], index: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The neighbours of every node as CSR arrays (offsets, targets), edges both ways."""
    missing = {c for pair in adjacency for c in pair} - set(index)
    if missing:
        raise TravelModelError(
            f"adjacency names {len(missing)} commune(s) without a node, e.g. {sorted(missing)[0]}"
        )
    pairs = np.array([(index[a], index[b]) for a, b in adjacency], dtype=np.int64).reshape(-1, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    offsets = np.searchsorted(src, np.arange(len(index) + 1))
    return offsets, dst


def walks_from(offsets: np.ndarray, targets: np.ndarray, hops: int) -> list[np.ndarray]:
    """Walks without a repeated node along 1 … hops edges, as node arrays (walks[h - 1]
    has h + 1 columns)."""
    degree = np.diff(offsets)
    n = len(degree)
    starts = np.repeat(np.arange(n), degree)
    walks = [np.column_stack([starts, targets])]
    for _ in range(1, hops):
        last = walks[-1][:, -1]
        counts = degree[last]
        rows = np.repeat(walks[-1], counts, axis=0)
        # the k-th neighbour of each walk's last node, for k < its degree
        first = np.repeat(offsets[last], counts)
        rank = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        step = targets[first + rank]
        fresh = (rows != step[:, None]).all(axis=1)
        walks.append(np.column_stack([rows[fresh], step[fresh]]))
    return walks


def build_edges(
    inputs: CommuneGraphInputs,
    walks: list[np.ndarray],
    minutes_per_km: np.ndarray,
    detour: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Every edge both ways (rows, cols, minutes) and road km per edge (dense n × n): for
    each pair of communes joined by a walk, the straight leg with the terrain mix of the
    walk (road minutes per great-circle km and detour factor per commune)."""
    n = len(inputs.codes)
    lon, lat = inputs.ref_lon, inputs.ref_lat
    seen = np.zeros((n, n), dtype=bool)
    parts_a, parts_b, parts_min, parts_km = [], [], [], []
    for walk in walks:
        hops = walk.shape[1] - 1
        start, end = walk[:, 0], walk[:, -1]
        # Terrain mix of the walk: each end commune weighs half, each inner one whole,
        # as on the chain of half-legs the straight leg replaces.
        weight = np.full(hops + 1, 1.0)
        weight[[0, -1]] = 0.5
        weight /= hops
        mix_minutes = minutes_per_km[walk] @ weight
        mix_detour = detour[walk] @ weight
        gc_km = compute_haversine_km(lon[start], lat[start], lon[end], lat[end])
        minutes = gc_km * mix_minutes
        # The straight leg crosses the communes of the shortest chain between its ends:
        # a pair joined by fewer hops keeps that chain's mix; among chains of as many
        # hops, the fastest.
        keep = (start < end) & ~seen[start, end]
        order = np.lexsort((minutes[keep], end[keep], start[keep]))
        a, b = start[keep][order], end[keep][order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        chosen = np.flatnonzero(keep)[order][first]
        seen[start[chosen], end[chosen]] = True
        parts_a.append(start[chosen])
        parts_b.append(end[chosen])
        parts_min.append(minutes[chosen])
        parts_km.append(gc_km[chosen] * mix_detour[chosen])
    a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    minutes = np.maximum(np.concatenate(parts_min), EPSILON_MINUTES)
    road_km = np.concatenate(parts_km)
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    edge_km = np.zeros((n, n))
    edge_km[rows, cols] = np.concatenate([road_km, road_km])
    return rows, cols, np.concatenate([minutes, minutes]), edge_km


def check_edges(edges: Edges, nodes: int) -> Edges:
    """Edges as `CommuneGraphModel.edge_list` gives them (rows, cols, minutes, road km,
    one entry per edge and direction), checked: four arrays of one length, whole node
    numbers below `nodes`, minutes above 0 and km from 0, all finite."""
    arrays = [np.asarray(a) for a in edges]
    if len(arrays) != 4 or len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise TravelModelError("stored edges: expected four arrays of one length")
    rows, cols, minutes, km = arrays
    ends = np.concatenate([rows, cols])
    if ends.dtype.kind not in "iu" or (len(ends) and (ends.min() < 0 or ends.max() >= nodes)):
        raise TravelModelError(f"stored edges: node numbers outside 0 … {nodes - 1}")
    if minutes.dtype.kind != "f" or km.dtype.kind != "f":
        raise TravelModelError("stored edges: minutes and km are not numbers")
    if not (np.isfinite(minutes).all() and (minutes > 0).all()):
        raise TravelModelError("stored edges: minutes not finite and above 0")
    if not (np.isfinite(km).all() and (km >= 0).all()):
        raise TravelModelError("stored edges: km not finite and at least 0")
    return rows.astype(np.int64), cols.astype(np.int64), minutes.astype(float), km.astype(float)


def edges_fingerprint(inputs: CommuneGraphInputs, params: CommuneGraphParameters) -> str:
    """SHA-256 of what decides the edges: the communes (codes, reference points, areas,
    census figures, adjacency), every parameter, and the code of the modules that build
    them; equal fingerprints, equal edges."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _EDGE_CODE:
        digest.update((here / name).read_bytes())
    digest.update(json.dumps(params.to_mapping(), sort_keys=True).encode())
    digest.update("\n".join(inputs.codes).encode())
    for values in (inputs.ref_lon, inputs.ref_lat, inputs.area_km2, inputs.population):
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(inputs.paved_road_km, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(inputs.urban, dtype=np.bool_).tobytes())
    digest.update("\n".join(f"{a} {b}" for a, b in inputs.adjacency).encode())
    return digest.hexdigest()
