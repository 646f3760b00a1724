"""A per-commune table as a file: JSON (columns, rows, sources), CSV (the project's source
comment lines, then the formula of each derived column, then the table) and XLSX (the
table, then a `Sources` sheet: each source with its licence and edition, and the
definition, formula, source and date of every column that shows a catalogue figure).
Unknown is an empty cell, never 0."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from qurb.access.commune_tables import (
    CommuneTable,
    column_figures,
    column_label,
    column_unit,
)
from qurb.kernel.definitions import FigureKind
from qurb.kernel.i18n import translate
from qurb.platform.csv_cells import csv_cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def _heading(table: CommuneTable, column_index: int, lang: str) -> str:
    column = table.columns[column_index]
    unit = column_unit(column, lang)
    label = column_label(column, lang)
    return f"{label} [{unit}]" if unit else label


def table_json(table: CommuneTable, lang: str) -> dict[str, Any]:
    derived = {c.key: f for c, f in column_figures(table.columns)}
    return {
        "territory": table.territory,
        "kind": table.kind,
        "lang": lang,
        "params": dict(table.params),
        "query": table.query,
        "columns": [
            {
                "key": c.key,
                "label": column_label(c, lang),
                "unit": column_unit(c, lang),
                "kind": c.kind,
                "figure": c.figure,
                "derived": c.key in derived and derived[c.key].kind is not FigureKind.CENSUS,
                "formula": derived[c.key].formula if c.key in derived else None,
            }
            for c in table.columns
        ],
        "rows": table.rows,
        **table.sources.members(),
    }


def _formula_lines(table: CommuneTable, lang: str) -> list[str]:
    lines = [f"# {translate(lang, 'table.sources.query')}: {table.query}"]
    for column, figure in column_figures(table.columns):
        text = " ".join(figure.formula.split())
        lines.append(f"# {column_label(column, lang)}: {text} ({figure.source}, {figure.date})")
    return lines


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return csv_cell(value)


def table_csv(table: CommuneTable, lang: str) -> bytes:
    """The table as CSV: its sources and formulas as comment lines, then each column's
    words in `lang` (`# code: heading`), then the rows under the columns' field names —
    a machine format keeps its English field names in every language, as the JSON's keys."""
    buffer = io.StringIO()
    buffer.writelines(line + "\n" for line in table.sources.csv_comment_lines())
    buffer.writelines(line + "\n" for line in _formula_lines(table, lang))
    buffer.writelines(
        f"# {c.key}: {_heading(table, i, lang)}\n" for i, c in enumerate(table.columns)
    )
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(c.key)) for c in table.columns])
    return buffer.getvalue().encode("utf-8")


def _xlsx_text(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula is kept as text."""
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def table_xlsx(table: CommuneTable, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = translate(lang, f"table.tab.{table.kind}")[:31]
    rtl = lang == "ar"
    sheet.sheet_view.rightToLeft = rtl
    sheet.append([_heading(table, i, lang) for i in range(len(table.columns))])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        values = []
        for column in table.columns:
            value = row.get(column.key)
            values.append(value if column.kind == "number" else _xlsx_text(value))
        sheet.append(values)
    sheet.freeze_panes = "C2"

    sources = book.create_sheet("Sources")
    sources.sheet_view.rightToLeft = rtl
    bold = Font(bold=True)
    say = lambda key: translate(lang, key)  # noqa: E731
    sources.append([say("table.sources.query"), table.query])
    sources.append([])
    sources.append(
        [
            say("table.sources.publisher"),
            say("table.sources.attribution"),
            say("table.sources.licence"),
            say("table.sources.licence_url"),
            say("table.sources.edition"),
        ]
    )
    for cell in sources[sources.max_row]:
        cell.font = bold
    for entry in table.sources.entries:
        sources.append(
            [
                entry.publisher,
                entry.attribution,
                entry.licence,
                entry.licence_url,
                entry.edition,
            ]
        )
    sources.append([])
    sources.append(
        [
            say("table.sources.column"),
            say("table.sources.kind"),
            say("table.sources.definition"),
            say("table.sources.formula"),
            say("table.sources.source"),
            say("table.sources.date"),
        ]
    )
    for cell in sources[sources.max_row]:
        cell.font = bold
    for column, figure in column_figures(table.columns):
        sources.append(
            [
                column_label(column, lang),
                say(f"table.figure_kind.{figure.kind.value}"),
                figure.definition[lang],
                figure.formula,
                figure.source,
                figure.date,
            ]
        )
    sources.append([])
    sources.append([say("table.sources.licences"), "/licences (DATA_LICENSES.md)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
