"""Rendering results for people (a table) and for pipes (csv, json, geojson)."""

from __future__ import annotations

import csv
import enum
import io
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qurb.kernel.attribution import Attribution, metadata_comment_lines
from qurb.platform.csv_cells import csv_cell

if TYPE_CHECKING:
    from qurb.algo.travel import TravelTimeModel


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    GEOJSON = "geojson"


def _cell(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def write_json(document: Any, indent: int | None = None) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=indent, default=str) + "\n")


def _csv_value(value: Any) -> Any:
    """A list (a facility's services) as one cell: its items joined by ';'; text that a
    spreadsheet would run as a formula neutralised (`csv_cell`)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return csv_cell(";".join(str(v) for v in value))
    return csv_cell(value)


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: OutputFormat,
    title: str = "",
    headers: Mapping[str, str] | None = None,
    geometry: Sequence[Mapping[str, Any] | None] | None = None,
    console: Console | None = None,
    metadata: Mapping[str, Any] | None = None,
    sources: Attribution | None = None,
) -> None:
    """Print `rows` (restricted to `columns`) in the chosen format on stdout.

    An export (csv, json, geojson) names the sources of its data and their licences:
    `sources` is required for them. `metadata` (what the figures measure, which columns
    are estimates and their formulas) travels with the data too: `# key: value` lines
    before a CSV's header (nested values on one line each, `# key.sub: value`), a
    `metadata` member of the JSON listing and of the GeoJSON FeatureCollection.
    """
    if fmt is not OutputFormat.TABLE and sources is None:
        raise ValueError("an export must name its sources (render(..., sources=...))")
    if fmt is OutputFormat.CSV:
        assert sources is not None
        buffer = io.StringIO()
        buffer.writelines(line + "\n" for line in sources.csv_comment_lines())
        for line in metadata_comment_lines(metadata or {}):
            buffer.write(f"# {line}\n")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row.get(c)) for c in columns])
        sys.stdout.write(buffer.getvalue())
        return
    if fmt is OutputFormat.JSON:
        assert sources is not None
        payload = sources.listing([{c: row.get(c) for c in columns} for row in rows])
        if metadata is not None:
            payload = {"metadata": dict(metadata), **payload}
        write_json(payload, indent=2)
        return
    if fmt is OutputFormat.GEOJSON:
        if geometry is None:
            refuse_geojson()
        assert sources is not None
        features = [
            {"type": "Feature", "geometry": g, "properties": {c: row.get(c) for c in columns}}
            for row, g in zip(rows, geometry, strict=True)
        ]
        collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
        if metadata is not None:
            collection["metadata"] = dict(metadata)
        write_json(sources.annotate(collection))
        return
    # Piped into a file or a pager: do not squeeze the table into 80 columns.
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=title or None, header_style="bold", show_lines=False)
    names = headers or {}
    for column in columns:
        sample = next((r.get(column) for r in rows if r.get(column) is not None), None)
        numeric = isinstance(sample, int | float) and not isinstance(sample, bool)
        table.add_column(names.get(column, column), justify="right" if numeric else "left")
    # Cells are data (a facility named "Markup [/] crash"), never markup.
    for row in rows:
        table.add_row(*(escape(_cell(row.get(c))) for c in columns))
    console.print(table)


def export_metadata(model: TravelTimeModel, **more: Any) -> dict[str, Any]:
    """What travels with an export: the model, what it measures (FR/AR/EN), and more."""
    return {"model": model.name, "measure": model.measure.as_dict(), **more}


def refuse_geojson() -> NoReturn:
    """What a listing without geometry answers `--format geojson`: exit 2, saying why."""
    Console(stderr=True).print(
        "[bold red]error:[/] this listing has no geometry; use --format csv or json"
    )
    raise typer.Exit(code=2)
