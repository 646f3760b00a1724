"""Polygon helpers of the geometry build: geodesic measures, enclaves, reference points,
simplified display shapes and GeoJSON output (lon/lat degrees on WGS84 throughout)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

GEOD = Geod(ellps="WGS84")

# A commune whose area lies at least this share inside another's ring is an enclave of it;
# below it, the overlap is a digitising sliver between neighbours (all are under 1%).
ENCLAVE_SHARE = 0.5

# A display dissolve closes the sliver gaps between neighbours narrower than twice this (degrees).
DISSOLVE_CLOSE_DEG = 0.0005


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts (make_valid and overlays can leave lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid, km², of a lon/lat (Multi)Polygon (holes subtracted)."""
    oriented = shapely.orient_polygons(geom)  # exterior CCW, holes CW: holes count negative
    area_m2, _ = GEOD.geometry_area_perimeter(oriented)
    return abs(area_m2) / 1e6


def geodesic_length_km(geom: BaseGeometry) -> float:
    return float(GEOD.geometry_length(geom)) / 1000 if not geom.is_empty else 0.0


def transform_all(geoms: Sequence[BaseGeometry], transformer: Transformer) -> np.ndarray:
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
