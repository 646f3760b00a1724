"""Reading a filled capacity workbook: the file checked as a whole first (an .xlsx, not
empty, within the input files' limits), then its named cells (template, province,
source, as-of date), then every sheet's header (the template's keys, nothing added) and
every data cell against its column. Every problem is kept with its sheet and cell;
nothing here knows the database (the import compares with what is recorded)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem
from qurb.platform.files import (
    MAX_FILE_MB_ENV,
    FileLimits,
    InputFileError,
    check_workbook,
)
from qurb.registry.capacity_model import measure_error
from qurb.registry.capacity_sheets import (
    DATA_SHEETS,
    INSTRUCTIONS,
    KEY_ROW,
    NAMED_ROWS,
    CellProblem,
    CodeLists,
    Column,
    at_cell,
    column_letter,
    is_blank,
    read_cell,
    read_date,
    read_text,
    sheet_columns,
    shown,
)

_MB = 1 << 20
READ_PAST = 26  # columns past the template's read cell by cell (a value there is named)


@dataclass(frozen=True)
class SheetRow:
    """A data row: its number, its cells read (a key per non-blank cell without a
    problem) and its read-only cells as written (the import compares them)."""

    number: int
    cells: dict[str, Any]
    fixed: dict[str, Any]
    valid: bool = True  # no cell of the row has a problem (its cells are then all read)


@dataclass
class ReadWorkbook:
    template: str | None = None
    province: str | None = None
    source: str | None = None
    as_of: date | None = None
    rows: dict[str, list[SheetRow]] = field(default_factory=dict)
    problems: list[FieldError] = field(default_factory=list)


def check_file(path: Path, name: str, limits: FileLimits) -> None:
    """The file as a whole: there, an .xlsx by its name, not empty, within the limits."""
    if not path.exists():
        raise InputFileError(code="no_such_file", values={"path": name})
    if Path(name).suffix.lower() != ".xlsx":
        suffix = Path(name).suffix or name
        values = {"path": name, "suffix": suffix, "supported": ".xlsx"}
        raise InputFileError(code="unsupported_file_type", values=values)
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(code="empty_workbook", values={"path": name})
    if size > limits.max_file_mb * _MB:
        too_large = {"path": name, "size": round(size / _MB, 1), "limit": limits.max_file_mb}
        too_large["setting"] = MAX_FILE_MB_ENV
        raise InputFileError(code="file_too_large", values=too_large)
    try:
        check_workbook(path, limits)
    except InputFileError as error:
        raise InputFileError(code=error.code, values={**error.values, "path": name}) from None


def read_workbook(
    path: Path,
    lists: CodeLists,
    today: date,
    *,
    name: str | None = None,
    limits: FileLimits | None = None,
) -> ReadWorkbook:
    """The workbook's named cells and rows, with every problem found (raises only for a
    file that cannot be read as a workbook at all)."""
    import openpyxl  # imported here: it costs a quarter of a second at start-up
    from openpyxl.utils.exceptions import InvalidFileException

    name = name or path.name
    check_file(path, name, limits or FileLimits.from_env())
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        values = {"path": name, "detail": str(error)[:200]}
        raise InputFileError(code="unreadable_workbook", values=values) from None
    try:
        read = ReadWorkbook()
        missing = [s for s in (INSTRUCTIONS, *DATA_SHEETS) if s not in workbook.sheetnames]
        for sheet in missing:
            read.problems.append(problem("sheet", "sheet_missing", sheet=sheet))
        if INSTRUCTIONS not in missing:
            _named_cells(workbook, read, today)
        for sheet in DATA_SHEETS:
            if sheet not in missing:
                read.rows[sheet] = _read_sheet(workbook[sheet], lists, today, read.problems)
        return read
    except (ValueError, OverflowError) as error:  # a cell openpyxl cannot convert
        values = {"path": name, "detail": str(error)[:200]}
        raise InputFileError(code="unreadable_workbook", values=values) from None
    finally:
        workbook.close()


def _read_sheet(
    worksheet: Any, lists: CodeLists, today: date, problems: list[FieldError]
) -> list[SheetRow]:
    """A data sheet's rows, read no further right than a few columns past the template's
    (a cell far right would make every row that wide): a cell there is named; anything
    further right, once for the sheet, by the sheet's last column."""
    sheet = worksheet.title
    width = len(sheet_columns(sheet, lists)) + READ_PAST
    rows = worksheet.iter_rows(values_only=True, max_col=width)
    found = _sheet_rows(sheet, rows, lists, today, problems)
    last = worksheet.max_column or 0
    if last > width:
        letter = column_letter(last)
        found_far = problem("", "column_not_in_template", value=letter)
        problems.append(
            CellProblem(
                f"{sheet}!{letter}:{letter}",
                found_far.reason,
                code=found_far.code,
                values=found_far.values,
                column=letter,
            )
        )
    return found


def _named_value(workbook: Any, key: str) -> Any:
    """The value of the cell a defined name points at (None when there is none)."""
    defined = workbook.defined_names.get(key)
    if defined is None:
        return None
    for title, reference in defined.destinations:
        if title in workbook.sheetnames:
            cell = reference.replace("$", "")
            column = "".join(c for c in cell if c.isalpha())
            row = int("".join(c for c in cell if c.isdigit()) or 0)
            sheet = workbook[title]
            for values in sheet.iter_rows(
                min_row=row,
                max_row=row,
                min_col=_column_index(column),
                max_col=_column_index(column),
                values_only=True,
            ):
                return values[0] if values else None
    return None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return max(index, 1)


def _named_cells(workbook: Any, read: ReadWorkbook, today: date) -> None:
    values = {key: _named_value(workbook, key) for key in NAMED_ROWS}
    read.template = None if is_blank(values["qurb_template"]) else shown(values["qurb_template"])
    read.province = None if is_blank(values["qurb_province"]) else shown(values["qurb_province"])
    if not is_blank(values["qurb_source"]):
        source = read_text(values["qurb_source"])
        if source.problem is None:
            read.source = source.value
        else:
            read.problems.append(_named_problem("qurb_source", source.problem))
    if not is_blank(values["qurb_as_of"]):
        as_of = read_date(values["qurb_as_of"], today)
        if as_of.problem is None:
            read.as_of = as_of.value
        else:
            read.problems.append(_named_problem("qurb_as_of", as_of.problem))


def _named_problem(key: str, found: FieldError) -> FieldError:
    return at_cell(INSTRUCTIONS, 2, NAMED_ROWS[key], key, found)


def _header_problems(
    sheet: str, keys: tuple[Any, ...], columns: tuple[Column, ...]
) -> list[FieldError]:
    """The key row as the template wrote it: each column's key in its place, no other."""
    problems: list[FieldError] = []
    for index, written in enumerate(keys, start=1):
        expected = columns[index - 1].key if index <= len(columns) else None
        value = "" if is_blank(written) else shown(written).strip()
        if value == (expected or ""):
            continue
        # a count of a profession, service or specialty the lists do not have: named so
        found = measure_error(value) if "." in value else None
        if found is None and expected is None:
            found = problem(value, "column_not_in_template", value=value)
        elif found is None:
            found = problem(expected or "", "column_changed", value=value, expected=expected)
        problems.append(at_cell(sheet, index, KEY_ROW, expected or value, found))
    return problems


def _sheet_rows(
    sheet: str,
    rows: Iterable[tuple[Any, ...]],
    lists: CodeLists,
    today: date,
    problems: list[FieldError],
) -> list[SheetRow]:
    columns = sheet_columns(sheet, lists)
    found: list[SheetRow] = []
    header_ok = True
    for number, row in enumerate(rows, start=1):
        if number < KEY_ROW:
            continue
        if number == KEY_ROW:
            header = _header_problems(sheet, tuple(row), columns)
            problems.extend(header)
            header_ok = not header
            continue
        if all(is_blank(v) for v in row):
            continue
        read = _data_row(sheet, number, tuple(row), columns, lists, today, problems)
        if header_ok:
            found.append(read)
    return found


def _data_row(
    sheet: str,
    number: int,
    row: tuple[Any, ...],
    columns: tuple[Column, ...],
    lists: CodeLists,
    today: date,
    problems: list[FieldError],
) -> SheetRow:
    """A data row's cells read, each problem kept (the row is then not valid)."""
    before = len(problems)
    for index in range(len(columns) + 1, len(row) + 1):
        if not is_blank(row[index - 1]):
            found = problem("", "cell_outside_template", value=shown(row[index - 1]))
            problems.append(at_cell(sheet, index, number, column_letter(index), found))
    cells: dict[str, Any] = {}
    fixed: dict[str, Any] = {}
    for index, column in enumerate(columns, start=1):
        raw = row[index - 1] if index <= len(row) else None
        if column.read_only:
            fixed[column.key] = None if is_blank(raw) else shown(raw).strip()
        if is_blank(raw):
            if column.required:
                found = problem(column.key, "missing")
                problems.append(at_cell(sheet, index, number, column.key, found))
            continue
        if column.read_only:
            continue
        value = read_cell(column, raw, lists, today)
        if value.problem is not None:
            problems.append(at_cell(sheet, index, number, column.key, value.problem))
        else:
            cells[column.key] = value.value
    if fixed.get("facility_id") is not None:
        cells["facility_id"] = fixed["facility_id"]
    return SheetRow(number, cells, fixed, valid=len(problems) == before)
