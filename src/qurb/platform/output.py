"""Rendering results for people (a table) and for pipes (csv, json, geojson).

A table speaks the command line's language (`--lang`, $QURB_LANG, $LANG): its title and
the words printed around it come from the catalogues through `say`, and each column is
headed by its `cli.column.<name>` message (the column's name where the catalogue has
none). The machine formats keep their stable English field names in every language."""

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
from qurb.kernel.i18n import cli_lang, has_key, number, translate
from qurb.platform.csv_cells import csv_cell

if TYPE_CHECKING:
    from qurb.algo.travel import TravelTimeModel


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    GEOJSON = "geojson"


def say(key: str, /, **values: Any) -> str:
    """The catalogue's message `key` in the command line's language, its values filled."""
    return translate(cli_lang(), key, values)


def column_header(column: str) -> str:
    """A table's heading of a column: `cli.column.<column>` in the command line's language,
    else the column's (English, stable) field name."""
    key = f"cli.column.{column}"
    return say(key) if has_key(key) else column


def _cell(value: Any, lang: str = "en") -> str:
    """A table's cell: a number grouped (one decimal at most) as CLDR writes it in the
    language (`12,345.6`, `12 345,6`, `12.345,6`), a list joined, nothing as `unknown`."""
    if value is None:
        return say("unknown")
    if isinstance(value, float | int) and not isinstance(value, bool) and lang != "en":
        shown = round(value) if float(value).is_integer() else round(value, 1)
        return number(shown, lang)
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
    names = headers or {}  # words (already in the command line's language) by column
    for column in columns:
        sample = next((r.get(column) for r in rows if r.get(column) is not None), None)
        numeric = isinstance(sample, int | float) and not isinstance(sample, bool)
        heading = names[column] if column in names else column_header(column)
        table.add_column(heading, justify="right" if numeric else "left")
    # Cells are data (a facility named "Markup [/] crash"), never markup.
    lang = cli_lang()
    for row in rows:
        table.add_row(*(escape(_cell(row.get(c), lang)) for c in columns))
    console.print(table)


def export_metadata(model: TravelTimeModel, **more: Any) -> dict[str, Any]:
    """What travels with an export: the model, what it measures (FR/AR/EN), and more."""
    return {"model": model.name, "measure": model.measure.as_dict(), **more}


def refuse_geojson() -> NoReturn:
    """What a listing without geometry answers `--format geojson`: exit 2, saying why."""
    Console(stderr=True).print(
        f"[bold red]{escape(say('cli.error'))}[/] {escape(say('cli.no_geometry'))}"
    )
    raise typer.Exit(code=2)
