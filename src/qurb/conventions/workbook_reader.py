"""Reading a convention's workbook, without the database: the file checked whole first
(an .xlsx by its content, whatever its name: a zip holding a workbook; within the input
files' size limits; no sheet over `MAX_SHEET_ROWS` rows), then the about sheet's cells
(the workbook's kind, the convention's id, reference and version), then each data
sheet's key row (the columns the writer wrote, nothing added) and every cell against
its column. Every problem is kept with its sheet, row and column."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qurb.conventions.workbook_sheets import (
    ABOUT,
    ABOUT_ROWS,
    COLUMNS,
    DATA_SHEETS,
    KEY_ROW,
    Column,
    column_index,
    read_cell,
)
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem
from qurb.platform.files import MAX_FILE_MB_ENV, FileLimits, InputFileError, check_workbook
from qurb.registry.capacity_sheets import CellProblem, at_cell, column_letter, is_blank, shown

_MB = 1 << 20
MAX_SHEET_ROWS = 10_000  # data rows on one sheet: far above a convention's records
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ReadRow:
    """A data row: its sheet, its number, its cells read (blank ones None)."""

    sheet: str
    number: int
    cells: dict[str, Any]


@dataclass
class ReadBook:
    name: str
    about: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[ReadRow]] = field(default_factory=dict)
    problems: list[FieldError] = field(default_factory=list)


def located(sheet: str, row: int, key: str, found: FieldError) -> CellProblem:
    """`found` as the problem of the cell of column `key` on `row` of `sheet` (its
    catalogue family kept: a service's error stays worded as its error)."""
    cell = at_cell(sheet, column_index(sheet, key), row, key or "", found)
    return replace(cell, family=found.family) if found.family else cell


def check_file(path: Path, name: str, limits: FileLimits) -> None:
    """The file as a whole: there, not empty, within the limits, an .xlsx by its bytes."""
    if not path.exists():
        raise InputFileError(code="no_such_file", values={"path": name})
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(code="empty_workbook", values={"path": name})
    if size > limits.max_file_mb * _MB:
        too_large = {"path": name, "size": round(size / _MB, 1), "limit": limits.max_file_mb}
        raise InputFileError(
            code="file_too_large", values={**too_large, "setting": MAX_FILE_MB_ENV}
        )
    with path.open("rb") as file:
        head = file.read(len(_ZIP_MAGIC))
    if head != _ZIP_MAGIC or not _holds_a_workbook(path):
        raise InputFileError(code="workbook_not_xlsx", values={"path": name})
    try:
        check_workbook(path, limits)
    except InputFileError as error:
        raise InputFileError(code=error.code, values={**error.values, "path": name}) from None


def _holds_a_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def read_book(path: Path, *, name: str | None = None, limits: FileLimits | None = None) -> ReadBook:
    """The workbook's about cells and rows, with every problem found (raises only for a
    file that cannot be read as a workbook at all, or a sheet over the row cap)."""
    import openpyxl  # imported here: it costs a quarter of a second at start-up
    from openpyxl.utils.exceptions import InvalidFileException

    name = name or path.name
    check_file(path, name, limits or FileLimits.from_env())
    with path.open("rb") as handle:  # a file, not a name: openpyxl would judge it by its suffix
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            values = {"path": name, "detail": str(error)[:200]}
            raise InputFileError(code="unreadable_workbook", values=values) from None
        try:
            return _read(workbook, name)
        except InputFileError:
            raise
        except (ValueError, OverflowError) as error:  # a cell openpyxl cannot convert
            values = {"path": name, "detail": str(error)[:200]}
            raise InputFileError(code="unreadable_workbook", values=values) from None
        finally:
            workbook.close()


def _read(workbook: Any, name: str) -> ReadBook:
    read = ReadBook(name)
    for sheet in (ABOUT, *DATA_SHEETS):
        if sheet not in workbook.sheetnames:
            read.problems.append(problem("sheet", "sheet_missing", sheet=sheet))
    if ABOUT in workbook.sheetnames:
        about = workbook[ABOUT]
        for key, row in ABOUT_ROWS.items():
            read.about[key] = about.cell(row, 2).value
    for sheet in DATA_SHEETS:
        if sheet in workbook.sheetnames:
            read.rows[sheet] = _read_sheet(workbook[sheet], name, read.problems)
    return read


def _read_sheet(worksheet: Any, name: str, problems: list[FieldError]) -> list[ReadRow]:
    sheet = worksheet.title
    columns = COLUMNS[sheet]
    rows = worksheet.iter_rows(values_only=True, max_col=len(columns) + 26)
    found: list[ReadRow] = []
    header_ok = True
    seen = 0
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
        seen += 1
        if seen > MAX_SHEET_ROWS:  # rows with something in them (a file's rows are capped)
            values = {"path": name, "sheet": sheet, "rows": f"{MAX_SHEET_ROWS:,}"}
            raise InputFileError(code="workbook_sheet_too_long", values=values)
        cells = _data_row(sheet, number, tuple(row), columns, problems)
        if header_ok and cells is not None:
            found.append(ReadRow(sheet, number, cells))
    return found


def _header_problems(
    sheet: str, keys: tuple[Any, ...], columns: tuple[Column, ...]
) -> list[FieldError]:
    """The key row as the writer wrote it: each column's key in its place, no other."""
    problems: list[FieldError] = []
    for index, written in enumerate(keys, start=1):
        expected = columns[index - 1].key if index <= len(columns) else None
        value = "" if is_blank(written) else shown(written).strip()
        if value == (expected or ""):
            continue
        if expected is None:
            found = problem(value, "column_not_in_template", value=value)
        else:
            found = problem(expected, "column_changed", value=value, expected=expected)
        cell = at_cell(sheet, index, KEY_ROW, expected or value, found)
        problems.append(replace(cell, field=f"{sheet}!{column_letter(index)}{KEY_ROW}"))
    return problems


def _data_row(
    sheet: str,
    number: int,
    row: tuple[Any, ...],
    columns: tuple[Column, ...],
    problems: list[FieldError],
) -> dict[str, Any] | None:
    """A row's cells read (None when one has a problem: each is kept)."""
    cells: dict[str, Any] = {}
    bad = False
    for index, raw in enumerate(row, start=1):
        if index > len(columns):
            if not is_blank(raw):
                found = problem("", "column_not_in_template", value=column_letter(index))
                problems.append(at_cell(sheet, index, number, column_letter(index), found))
                bad = True
            continue
        column = columns[index - 1]
        read = read_cell(column, raw)
        if read.problem is not None:
            problems.append(located(sheet, number, column.key, read.problem))
            bad = True
        else:
            cells[column.key] = read.value
    for column in columns[len(row) :]:
        cells[column.key] = None
    return None if bad else cells


def rows_of(book: ReadBook, sheet: str) -> Iterable[ReadRow]:
    return book.rows.get(sheet, [])
