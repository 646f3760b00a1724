"""Rendering results for people (a table) and for pipes (csv, json, geojson)."""

from __future__ import annotations

import csv
import enum
import io
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table


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


def _csv_value(value: Any) -> Any:
    """A list (a facility's services) as one cell: its items joined by ';'."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: OutputFormat,
    title: str = "",
    headers: Mapping[str, str] | None = None,
    geometry: Sequence[Mapping[str, Any] | None] | None = None,
    console: Console | None = None,
) -> None:
    """Print `rows` (restricted to `columns`) in the chosen format on stdout."""
    if fmt is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row.get(c)) for c in columns])
        sys.stdout.write(buffer.getvalue())
        return
    if fmt is OutputFormat.JSON:
        payload = [{c: row.get(c) for c in columns} for row in rows]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is OutputFormat.GEOJSON:
        if geometry is None:
            Console(stderr=True).print(
                "[bold red]error:[/] this listing has no geometry; use --format csv or json"
            )
            raise typer.Exit(code=2)
        features = [
            {"type": "Feature", "geometry": g, "properties": {c: row.get(c) for c in columns}}
            for row, g in zip(rows, geometry, strict=True)
        ]
        collection = {"type": "FeatureCollection", "features": features}
        sys.stdout.write(json.dumps(collection, ensure_ascii=False, default=str) + "\n")
        return
    # Piped into a file or a pager: do not squeeze the table into 80 columns.
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=title or None, header_style="bold", show_lines=False)
    names = headers or {}
    for column in columns:
        sample = next((r.get(column) for r in rows if r.get(column) is not None), None)
        numeric = isinstance(sample, int | float) and not isinstance(sample, bool)
        table.add_column(names.get(column, column), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)
