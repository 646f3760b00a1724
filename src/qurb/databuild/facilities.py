"""The public facility registry of the bundled dataset, and the private sector from OSM.

Inputs: the Ministry of Health lists (`moh.py`), their links to HCP 2024 communes
(`linking.py`, with the reviewed overrides in `data/overrides/`), the OpenStreetMap extract
(`osm.py`) and the commune polygons/reference points already written into `out_dir` by the
geometry step (`communes.geojson`, `commune_geometry.csv`).

Outputs, byte-identical from one run to the next (sorted rows, fixed decimals):

* facilities.csv: one row per Ministry record of every edition;
* private_facilities.csv: OSM points that are not a Ministry facility;
* facility_match_report.csv: how each (edition, délégation, commune) spelling was linked.

Facility ids are `<family>-<unit>-<slug>[-<line>][--<n>]`: family `essp`/`hosp`; unit the
arrondissement code when the Ministry names one (Casablanca, Rabat, Fès... where two
centres of the same name sit in different arrondissements of one commune), otherwise the
commune code; slug the folded name. `line` separates the specialised services that share a
site and a name with a health centre (a CDTMR, CRSR or LSP "Azilal" next to the CSU
"Azilal"; a CRO or psychiatric hospital next to a general hospital); it is absent for the
general categories so that an upgrade (CSR-1 -> CSR-2, HPr -> HP) keeps its id. `n` (2, 3...)
numbers what is still identical within one edition, by category then source row; the double
dash keeps it apart from names that end in a number ("Sbata Jamila 7").
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qurb.databuild.linking import LinkResult, fold, link_records
from qurb.databuild.moh import MohRecord, load_categories, read_moh
from qurb.databuild.osm import (
    OSM_PRECISION_M,
    OsmPoint,
    Wanted,
    match_points,
    private_sector,
    read_geometry,
    read_points,
)

OSM_FILE = Path("osm") / "health-facilities-morocco-2026-03.geojson"
GEOMETRY_GEOJSON = "communes.geojson"
GEOMETRY_TABLE = "commune_geometry.csv"

FACILITY_COLUMNS = [
    "facility_id",
    "edition",
    "family",
    "source_file",
    "source_row",
    "name",
    "category",
    "moh_region",
    "moh_delegation",
    "moh_commune",
    "province_code",
    "commune_code",
    "arrondissement_code",
    "link_method",
    "link_score",
    "lon",
    "lat",
    "location_source",
    "location_precision_m",
    "osm_id",
]
PRIVATE_COLUMNS = [
    "osm_id",
    "osm_type",
    "name",
    "name_ar",
    "facility_type",
    "sector",
    "commune_code",
    "lon",
    "lat",
    "region",
]
REPORT_COLUMNS = [
    "edition",
    "moh_delegation",
    "moh_commune",
    "province_code",
    "commune_code",
    "arrondissement_code",
    "link_method",
    "link_score",
    "detail",
    "facilities",
]

# Categories that are a distinct service line, not a level of the general health centre
# or hospital: they get their own id even when they share a name and a commune.
_SERVICE_LINE = {
    "CDTMR": "cdtmr",
    "CRSR": "crsr",
    "LSP": "lsp",
    "CRO": "cro",
    "CPU": "cpu",
    "HPsyP": "psy",
    "HPsyR": "psy",
}
_FAMILY_PREFIX = {"ESSP": "essp", "hospital": "hosp"}


@dataclass(frozen=True)
class FacilityReport:
    records_by_edition_method: dict[str, int]  # "2024 ESSP exact" -> records
    linked_pct_by_edition: dict[int, float]
    osm_located_by_family: dict[str, int]  # distinct facility ids located on an OSM point
    facilities_by_family: dict[str, int]  # distinct facility ids
    osm_located_2024: dict[str, int]  # 2024 records located on an OSM point, by family
    private_by_type: dict[str, int]
    private_outside_communes: int
    duplicates: list[str]  # exactly identical source rows (kept, with distinct ids)
    id_numbered: int  # records whose id needed a "--n" suffix
    unmatched: list[str]  # must be empty
    region_conflicts: list[str]
    seconds: float


def _fmt_coord(value: float) -> str:
    return f"{value:.6f}"  # 1e-6 degree = 0.1 m: more than the sources know


def _assign_ids(records: list[MohRecord], link: LinkResult) -> tuple[dict[int, str], int]:
    """Facility id of each record (by position in `records`)."""
    base: dict[int, str] = {}
    for i, r in enumerate(records):
        rl = link.links[(r.delegation, r.commune)].commune
        unit = rl.arrondissement_code or rl.commune_code
        slug = fold(r.name).replace(" ", "-") or "sans-nom"
        line = _SERVICE_LINE.get(r.category)
        base[i] = f"{_FAMILY_PREFIX[r.family]}-{unit}-{slug}" + (f"-{line}" if line else "")
    groups: dict[tuple[int, str], list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault((r.edition, base[i]), []).append(i)
    ids: dict[int, str] = {}
    numbered = 0
    for members in groups.values():
        # Category first: two same-named centres of one commune usually differ in level
        # (a CSR-2 and a DR "Tazroute"), and the Ministry reorders rows between editions.
        members.sort(key=lambda i: (records[i].category, records[i].source_row))
        for n, i in enumerate(members, start=1):
            ids[i] = base[i] if n == 1 else f"{base[i]}--{n}"
            numbered += n > 1
    return ids, numbered


def _write_csv(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def build_facilities(
    sources_dir: Path,
    out_dir: Path,
    overrides_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> FacilityReport:
    started = time.perf_counter()
    say = progress or (lambda _message: None)

    say("facilities: reading the Ministry workbooks")
    categories = load_categories()
    records = read_moh(sources_dir / "moh", categories)

    say(f"facilities: linking {len(records)} records to HCP 2024 communes")
    link = link_records(records, overrides_dir)
    if link.unused_overrides:
        raise ValueError("overrides not used by any record: " + "; ".join(link.unused_overrides))
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(
        out_dir / "facility_match_report.csv",
        REPORT_COLUMNS,
        [
            [
                str(row.edition),
                row.moh_delegation,
                row.moh_commune,
                row.province_code,
                row.commune_code,
                row.arrondissement_code,
                row.link_method,
                "" if row.link_score is None else f"{row.link_score:.1f}",
                row.detail,
                str(row.facilities),
            ]
            for row in link.report
        ],
    )
    if link.unmatched:
        raise ValueError(
            "Ministry communes without a link (add reviewed rows to communes.csv): "
            + "; ".join(link.unmatched)
        )

    duplicates: list[str] = []
    seen: dict[tuple[object, ...], MohRecord] = {}
    for r in records:
        key = (r.edition, r.family, r.region, r.delegation, r.commune, r.name, r.category)
        if key in seen:
            duplicates.append(f"{r.source_file} rows {seen[key].source_row} and {r.source_row}")
        else:
            seen[key] = r

    ids, numbered = _assign_ids(records, link)

    say("facilities: locating facilities on OpenStreetMap points")
    geometry_json = out_dir / GEOMETRY_GEOJSON
    geometry_table = out_dir / GEOMETRY_TABLE
    if not (geometry_json.exists() and geometry_table.exists()):
        raise FileNotFoundError(
            f"{geometry_json.name} and {geometry_table.name} must be built first (in {out_dir})"
        )
    geometry = read_geometry(geometry_json, geometry_table)
    points = read_points(sources_dir / OSM_FILE)
    point_communes = geometry.commune_of(points)

    # One query per facility id; the latest edition's record speaks for it (the id fixes
    # family, unit and folded name, so any edition would give the same key).
    latest: dict[str, MohRecord] = {}
    for i, r in enumerate(records):
        if ids[i] not in latest or r.edition > latest[ids[i]].edition:
            latest[ids[i]] = r
    wanted = [
        Wanted(fid, r.family, r.name, link.links[(r.delegation, r.commune)].commune.commune_code)
        for fid, r in sorted(latest.items())
    ]
    located = match_points(wanted, points, point_communes)

    rows: list[tuple[str, int, list[str]]] = []
    for i, r in enumerate(records):
        rl = link.links[(r.delegation, r.commune)]
        cl = rl.commune
        fid = ids[i]
        if fid in located:
            point: OsmPoint = points[located[fid][0]]
            lon, lat = point.lon, point.lat
            source, precision = "osm", OSM_PRECISION_M
            osm_ref = f"{point.osm_type}/{point.osm_id}"
        else:
            lon, lat = geometry.reference[cl.commune_code]
            source, precision = "commune_reference", geometry.precision_m(cl.commune_code)
            osm_ref = ""
        rows.append(
            (
                fid,
                r.edition,
                [
                    fid,
                    str(r.edition),
                    r.family,
                    r.source_file,
                    str(r.source_row),
                    r.name,
                    r.category,
                    r.region,
                    r.delegation,
                    r.commune,
                    rl.province_code,
                    cl.commune_code,
                    cl.arrondissement_code,
                    cl.method,
                    "" if cl.score is None else f"{cl.score:.1f}",
                    _fmt_coord(lon),
                    _fmt_coord(lat),
                    source,
                    str(precision),
                    osm_ref,
                ],
            )
        )
    rows.sort(key=lambda item: (item[0], item[1]))
    _write_csv(out_dir / "facilities.csv", FACILITY_COLUMNS, [row for _f, _e, row in rows])

    say("facilities: writing the private sector")
    used = {index for index, _score in located.values()}
    private_rows: list[list[str]] = []
    private_types: Counter[str] = Counter()
    outside = 0
    for index, point in enumerate(points):
        if index in used:
            continue
        private_types[point.facility_type] += 1
        outside += point_communes[index] == ""
        private_rows.append(
            [
                point.osm_id,
                point.osm_type,
                point.name,
                point.name_ar,
                point.facility_type,
                private_sector(point),
                point_communes[index],
                _fmt_coord(point.lon),
                _fmt_coord(point.lat),
                point.region,
            ]
        )
    _write_csv(out_dir / "private_facilities.csv", PRIVATE_COLUMNS, private_rows)

    by_method: Counter[str] = Counter()
    per_edition: Counter[int] = Counter()
    linked: Counter[int] = Counter()
    osm_2024: Counter[str] = Counter()
    for i, r in enumerate(records):
        cl = link.links[(r.delegation, r.commune)].commune
        by_method[f"{r.edition} {r.family} {cl.method}"] += 1
        per_edition[r.edition] += 1
        linked[r.edition] += 1
        if r.edition == 2024 and ids[i] in located:
            osm_2024[r.family] += 1
    families = {fid: r.family for fid, r in latest.items()}
    return FacilityReport(
        records_by_edition_method=dict(sorted(by_method.items())),
        linked_pct_by_edition={
            e: round(100.0 * linked[e] / n, 2) for e, n in sorted(per_edition.items())
        },
        osm_located_by_family=dict(sorted(Counter(families[f] for f in located).items())),
        facilities_by_family=dict(sorted(Counter(families.values()).items())),
        osm_located_2024=dict(sorted(osm_2024.items())),
        private_by_type=dict(sorted(private_types.items())),
        private_outside_communes=outside,
        duplicates=duplicates,
        id_numbered=numbered,
        unmatched=list(link.unmatched),
        region_conflicts=list(link.region_conflicts),
        seconds=round(time.perf_counter() - started, 1),
    )
