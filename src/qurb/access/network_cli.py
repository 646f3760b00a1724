"""`qurb network …`: build a road network from an OSM extract, describe it, query it."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.kernel.attribution import Attribution, DataSource
from qurb.kernel.errors import QurbError
from qurb.platform.cli import FormatOption, err, fail, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from qurb.access.network import NetworkReport

# The road-graph code pulls in SciPy and Shapely: imported inside the commands so that the
# rest of the CLI starts fast. Same value as qurb.algo.roadgraph.DEFAULT_MAX_SNAP_KM.
DEFAULT_MAX_SNAP_KM = 5.0

network_app = typer.Typer(
    help="Road networks from OpenStreetMap: build one from a .osm.pbf, inspect, query it.",
    no_args_is_help=True,
)


class ModeChoice(enum.StrEnum):
    DRIVING = "driving"
    WALKING = "walking"


def _print_report(report: NetworkReport, title: str) -> None:
    rows = [
        {
            "mode": mode,
            "nodes": c.nodes,
            "edges": c.edges,
            "dropped_nodes": c.dropped_nodes,
            "km": round(c.km, 1),
        }
        for mode, c in report.modes.items()
    ]
    render(rows, ["mode", "nodes", "edges", "dropped_nodes", "km"], OutputFormat.TABLE, title=title)
    lon0, lat0, lon1, lat1 = report.bbox
    source = {"file": report.source_file, "sha256": report.source_sha256[:16]}
    source |= {"ways": f"{report.ways_read:,}", "built": report.built_at}
    out.print(escape(say("cli.network.source", **source)))
    out.print(f"bbox lon {lon0:.5f} … {lon1:.5f}, lat {lat0:.5f} … {lat1:.5f}")
    out.print(f"[dim]{escape(say('cli.network.dropped_note'))}[/]")


@network_app.command("build")
def build_cmd(
    pbf: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf).")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: FILE name + .network).")
    ] = None,
    speeds: Annotated[
        Path | None, typer.Option("--speeds", help="Speeds TOML replacing the bundled one.")
    ] = None,
) -> None:
    """Build the driving and walking graphs of an extract and save them in a folder."""
    from qurb.access.network import build_network

    target = out_dir or pbf.with_name(
        pbf.name.removesuffix(".pbf").removesuffix(".osm") + ".network"
    )
    try:
        with err.status(say("cli.network.building", name=pbf.name)) as status:
            report = build_network(pbf, target, speeds, progress=lambda m: status.update(m))
    except QurbError as error:
        raise fail(str(error)) from None
    _print_report(report, say("cli.network.written", path=str(target)))


@network_app.command("info")
def info_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder written by `qurb network build`.")],
) -> None:
    """What a built network holds: nodes, edges, dropped nodes, extent, source."""
    from qurb.access.network import read_network_report

    try:
        report = read_network_report(directory)
    except QurbError as error:
        raise fail(str(error)) from None
    _print_report(report, f"Road network {directory}")


NEAREST_COLUMNS = [
    "origin",
    "lon",
    "lat",
    "nearest",
    "minutes",
    "distance_km",
    "snap_km",
]


@network_app.command("nearest")
def nearest_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder written by `qurb network build`.")],
    origins: Annotated[
        Path, typer.Option("--from", help="Points CSV/XLSX/GeoJSON: lon, lat[, label].")
    ],
    destinations: Annotated[
        Path, typer.Option("--to", help="Destinations (e.g. facilities): lon, lat[, label].")
    ],
    cutoff: Annotated[
        float | None, typer.Option("--cutoff", help="Only destinations within MIN minutes.")
    ] = None,
    mode: Annotated[ModeChoice, typer.Option(help="Travel mode.")] = ModeChoice.DRIVING,
    max_snap_km: Annotated[
        float, typer.Option(help="Refuse points farther than this from every road (km).")
    ] = DEFAULT_MAX_SNAP_KM,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """For each origin, the nearest destination by road: minutes, km along the road."""
    from qurb.access.network import load_network, read_points

    try:
        from_points = read_points(origins)
        to_points = read_points(destinations)
        model = load_network(directory, mode.value, max_snap_km)
        result = model.compute_nearest(from_points, to_points, cutoff)
    except QurbError as error:
        raise fail(str(error)) from None
    snap_km = model.last_snap_km[0] if model.last_snap_km is not None else None
    to_labels = to_points.labels or ()
    rows: list[dict[str, Any]] = []
    for i in range(len(from_points)):
        found = int(result.index[i]) >= 0
        rows.append(
            {
                "origin": from_points.labels[i] if from_points.labels else str(i),
                "lon": float(from_points.lon[i]),
                "lat": float(from_points.lat[i]),
                "nearest": to_labels[int(result.index[i])] if found else None,
                "minutes": round(float(result.minutes[i]), 2) if found else None,
                "distance_km": round(float(result.distance_km[i]), 3) if found else None,
                "snap_km": None if snap_km is None else round(float(snap_km[i]), 3),
            }
        )
    geometry = [{"type": "Point", "coordinates": [r["lon"], r["lat"]]} for r in rows]
    within = say("cli.network.within", minutes=f"{cutoff:g}") if cutoff is not None else ""
    reached = int((result.index >= 0).sum())
    title = say(
        "cli.network.nearest_title",
        destinations=len(to_points),
        mode=mode.value,
        within=within,
        reached=reached,
        origins=len(rows),
    )
    if fmt is OutputFormat.TABLE:
        none = say("cli.network.none")
        shown = [{**r, "nearest": r["nearest"] or none} for r in rows]
        render(shown, NEAREST_COLUMNS, fmt, title=title)
        walk = say("cli.network.walk_note", speed=f"{model.walking_speed_kph:g}")
        out.print(f"[dim]{escape(walk)}[/]")
        return
    # Road times come from the OpenStreetMap network; the points are the user's own.
    render(rows, NEAREST_COLUMNS, fmt, geometry=geometry, sources=Attribution.of(DataSource.OSM))
