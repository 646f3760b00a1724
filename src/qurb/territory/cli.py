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
    _session,
)
from qurb.platform.output import OutputFormat, render
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex

cli = typer.Typer()


def _territory_record(t: Territory) -> dict[str, Any]:
    return {**dataclasses.asdict(t), "level": t.level.value}


def _ref_point(t: Territory) -> dict[str, Any] | None:
    """The territory's reference point as a GeoJSON geometry (None where unknown)."""
    if t.ref_lon is None or t.ref_lat is None:
        return None
    return {"type": "Point", "coordinates": [t.ref_lon, t.ref_lat]}


@cli.command("territories")
def territories_cmd(
    within: Annotated[str | None, typer.Option(help="Only units inside this territory.")] = None,
    level: Annotated[TerritoryLevel | None, typer.Option(help="Only units of this level.")] = None,
    search: Annotated[
        str | None, typer.Option(help="Name (FR/AR) or code prefix to look for.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List territories: regions by default; drill down with --within and --level."""
    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        if search:
            units = index.search(search, [level] if level else ())
        else:
            parent = index.resolve(within) if within else index.by_code["MA"]
            units = index.units_within(parent, level) if level else index.children(parent.code)
        rows = [_territory_record(t) for t in units]
        geometry = [_ref_point(t) for t in units]
    columns = [
        "code",
        "level",
        "name_fr",
        "name_ar",
        "kind",
        "population_2024",
        "population_2014",
        "area_km2",
    ]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "parent_code"],
        fmt,
        title=f"{len(rows)} territories",
        geometry=geometry,
        sources=Attribution(TERRITORY_SOURCES),
    )
