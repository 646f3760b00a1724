"""Create the database and load the bundled national dataset into it, once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from qurb.app.schema import migrate
from qurb.audit import service as audit
from qurb.data import BUNDLED_DIR, read_bundled_csv, read_bundled_json
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import make_sessionmaker, transaction
from qurb.platform.tables import DatasetMetaRow
from qurb.registry._tables import FacilityEditionRow, FacilityRow
from qurb.registry.facility_services import ServiceLine, apply_service_lines, parse_service_lines
from qurb.registry.model import categories
from qurb.registry.service import change_event
from qurb.territory._tables import AdjacencyRow, CensusRow, CommuneGeometryRow, TerritoryRow
from qurb.territory.census import HOUSEHOLD_COLUMNS, PEOPLE_COLUMNS

CURRENT_EDITION = 2024
LOADER = "qurb db init"


@dataclass(frozen=True)
class InitReport:
    loaded: bool  # False: the database already held the dataset, nothing was written
    dataset_sha256: str
    territories: int
    facilities_public: int
    # OpenStreetMap points outside the Ministry lists (private or unknown sector)
    facilities_osm: int
    private_outside_communes: int


def _int(value: str) -> int | None:
    return int(float(value)) if value not in ("", None) else None


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _text(value: str) -> str | None:
    return value if value not in ("", None) else None


def bundled_dataset_sha256() -> str:
    """Identity of the bundled dataset: the manifest's own checksum."""
    return hashlib.sha256((BUNDLED_DIR / "MANIFEST.json").read_bytes()).hexdigest()


def _territory_rows() -> list[dict[str, Any]]:
    geometry = {r["code"]: r for r in read_bundled_csv("commune_geometry.csv")}
    rows: list[dict[str, Any]] = []
    for t in read_bundled_csv("territories.csv"):
        g = geometry.get(t["code"], {})
        rows.append(
            {
                "code": t["code"],
                "level": t["level"],
                "parent_code": _text(t["parent_code"]),
                "cercle_code": _text(t["cercle_code"]),
                "name_fr": t["name_fr"],
                "name_ar": t["name_ar"],
                "kind": t["kind"],
                "population_2024": _int(t["population_2024"]),
                "households_2024": _int(t["households_2024"]),
                "population_2014": _int(t["population_2014"]),
                "area_km2": _float(g.get("area_km2", "")),
                "ref_lon": _float(g.get("ref_lon", "")),
                "ref_lat": _float(g.get("ref_lat", "")),
            }
        )
    # Areas of the larger units are the sums of their communes' areas.
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        if r["level"] != "commune" or r["area_km2"] is None:
            continue
        seen = {r["code"]}
        parents = [r["parent_code"], r["cercle_code"]]
        while parents:
            parent = parents.pop()
            if parent is None or parent in seen:
                continue
            seen.add(parent)
            unit = by_code[parent]
            unit["area_km2"] = round((unit["area_km2"] or 0.0) + r["area_km2"], 2)
            parents.append(unit["parent_code"])
    return rows


def _census_rows() -> list[dict[str, Any]]:
    columns = [*PEOPLE_COLUMNS, *HOUSEHOLD_COLUMNS]
    return [
        {
            "code": r["code"],
            "census": r["census"],
            "area": r["area"],
            "sex": r["sex"],
            "figures": {c: _float(r[c]) for c in columns if r[c] != ""},
        }
        for r in read_bundled_csv("census.csv")
    ]


def _service_lines(category_of: dict[str, str]) -> dict[str, list[ServiceLine]]:
    """The bundled per-facility service lines, checked again against the facilities."""
    lines: dict[str, list[ServiceLine]] = {}
    rows = read_bundled_csv("facility_services.csv")
    for line in parse_service_lines(rows, "facility_services.csv", category_of):
        lines.setdefault(line.facility_id, []).append(line)
    return lines


def _facility_rows(
    now: datetime, province_of: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    specs = categories()
    editions, current = [], []
    bundled = read_bundled_csv("facilities.csv")
    service_lines = _service_lines(
        {r["facility_id"]: r["category"] for r in bundled if int(r["edition"]) == CURRENT_EDITION}
    )
    for r in bundled:
        editions.append(
            {
                "facility_id": r["facility_id"],
                "edition": int(r["edition"]),
                "family": r["family"],
                "name": r["name"],
                "category": r["category"],
                "commune_code": r["commune_code"],
                "source_file": r["source_file"],
                "source_row": int(r["source_row"]),
            }
        )
        if int(r["edition"]) != CURRENT_EDITION:
            continue
        current.append(
            {
                "id": r["facility_id"],
                "name": r["name"],
                "name_ar": None,
                "category": r["category"],
                "family": r["family"],
                "level": specs[r["category"]].level.value,
                "sector": "public",
                "status": "open",
                "province_code": r["province_code"],
                "commune_code": r["commune_code"],
                "arrondissement_code": _text(r["arrondissement_code"]),
                "lon": float(r["lon"]),
                "lat": float(r["lat"]),
                "location_source": r["location_source"],
                "location_precision_m": _float(r["location_precision_m"]),
                "osm_id": _text(r["osm_id"]),
                "beds": None,
                "doctors": None,
                "services": apply_service_lines(
                    r["category"], service_lines.get(r["facility_id"], ())
                ),
                "source": f"{r['source_file']} (Ministère de la Santé, {r['edition']})",
                "source_row": int(r["source_row"]),
                "link_method": r["link_method"],
                "link_score": _float(r["link_score"]),
                "moh_delegation": r["moh_delegation"],
                "moh_commune": r["moh_commune"],
                "updated_at": now,
            }
        )
    outside = 0
    for p in read_bundled_csv("private_facilities.csv"):
        if not p["commune_code"]:
            outside += 1
            continue
        current.append(
            {
                "id": f"osm-{p['osm_type']}-{p['osm_id']}",
                "name": p["name"],
                "name_ar": _text(p["name_ar"]),
                "category": p["facility_type"],
                "family": "osm",
                "level": specs[p["facility_type"]].level.value,
                "sector": p["sector"] or "unknown",
                "status": "open",
                "province_code": province_of[p["commune_code"]],
                "commune_code": p["commune_code"],
                "arrondissement_code": None,
                "lon": float(p["lon"]),
                "lat": float(p["lat"]),
                "location_source": "osm",
                "location_precision_m": 25.0,
                "osm_id": p["osm_id"],
                "beds": None,
                "doctors": None,
                "services": sorted(specs[p["facility_type"]].services),
                "source": "OpenStreetMap (© OpenStreetMap contributors, ODbL), extract 2026-03",
                "source_row": None,
                "link_method": None,
                "link_score": None,
                "moh_delegation": None,
                "moh_commune": None,
                "updated_at": now,
            }
        )
    return current, editions, outside


def init_database(engine: Engine, progress: Callable[[str], None] | None = None) -> InitReport:
    """Migrate the schema and load the bundled dataset unless it is already there.

    Idempotent: a second call finds the dataset's checksum in `dataset_meta` and writes
    nothing, so registry edits made since are kept. The load is one transaction.
    """
    say = progress or (lambda _m: None)
    say("schema: applying migrations")
    migrate(engine)
    factory = make_sessionmaker(engine, write=True)  # it reads whether it is loaded
    sha = bundled_dataset_sha256()
    with transaction(factory) as session:
        meta = session.get(DatasetMetaRow, "dataset_sha256")
        if meta is not None:
            count = session.scalar(select(func.count()).select_from(TerritoryRow)) or 0
            public = session.scalar(
                select(func.count()).select_from(FacilityRow).where(FacilityRow.family != "osm")
            )
            private = session.scalar(
                select(func.count()).select_from(FacilityRow).where(FacilityRow.family == "osm")
            )
            return InitReport(False, meta.value, count, public or 0, private or 0, 0)
        now = clock.now()
        say("territories and census")
        territories = _territory_rows()
        session.execute(insert(TerritoryRow), territories)
        session.execute(insert(CensusRow), _census_rows())
        say("commune boundaries and adjacency")
        features = read_bundled_json("communes.geojson")["features"]
        session.execute(
            insert(CommuneGeometryRow),
            [
                {"code": f["properties"]["code"], "geojson": json.dumps(f["geometry"])}
                for f in features
            ],
        )
        adjacency = [
            {
                "code_a": a["code_a"],
                "code_b": a["code_b"],
                "shared_border_km": float(a["shared_border_km"]),
            }
            for a in read_bundled_csv("adjacency.csv")
        ]
        session.execute(insert(AdjacencyRow), adjacency)
        say("facilities: Ministry lists and OpenStreetMap")
        province_of = {t["code"]: t["parent_code"] for t in territories if t["level"] == "commune"}
        current, editions, outside = _facility_rows(now, province_of)
        session.execute(insert(FacilityRow), current)
        session.execute(insert(FacilityEditionRow), editions)
        # Each facility's history starts with its load, in the audit trail.
        audit.record_many(
            session,
            Actor.system(LOADER),
            [
                change_event(row["id"], "create", None, row, f"loaded from {row['source']}")
                for row in current
            ],
        )
        # Planner statistics: without them SQLite picks the low-selectivity status index
        # for commune joins (0.6 s instead of a few ms for a region's communes).
        session.execute(text("ANALYZE"))
        session.add(DatasetMetaRow(key="dataset_sha256", value=sha))
        session.add(DatasetMetaRow(key="loaded_at", value=now.isoformat()))
        public = sum(1 for r in current if r["family"] != "osm")
        return InitReport(True, sha, len(territories), public, len(current) - public, outside)
