"""Read tabular files a user hands us (CSV, XLSX, GeoJSON) into numbered records.

Every failure is an `InputFileError` naming the file and saying what to do, so a broken
file never reaches the database. Every file has a budget (`FileLimits`), checked before
it is read: its size, its rows, and for a workbook the uncompressed size of its parts (from
the zip directory: a zip bomb costs milliseconds) and its sheet's dimension.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

from pydantic import BeforeValidator, Field

from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem
from qurb.platform.csv_cells import read_cell
from qurb.platform.settings import env_int


class InputFileError(InputError):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass(frozen=True)
class Record:
    """One input row: its number as the user sees it (CSV line, sheet row, feature #)."""

    number: int
    values: dict[str, Any]


SUPPORTED = (".csv", ".xlsx", ".geojson", ".json")

MAX_FILE_MB_ENV = "QURB_MAX_FILE_MB"
MAX_ROWS_ENV = "QURB_MAX_ROWS"
MAX_XLSX_UNCOMPRESSED_MB_ENV = "QURB_MAX_XLSX_UNCOMPRESSED_MB"
_MB = 1 << 20
_BLANK_ROWS = 10  # a sheet may hold blank rows above its header and between its rows


@dataclass(frozen=True)
class FileLimits:
    """What one input file may hold; `from_env()` reads the settings (README, "Limits")."""

    max_file_mb: int = 20
    max_rows: int = 100_000
    max_xlsx_uncompressed_mb: int = 200

    @classmethod
    def from_env(cls) -> FileLimits:
        return cls(
            max_file_mb=env_int(MAX_FILE_MB_ENV, cls.max_file_mb),
            max_rows=env_int(MAX_ROWS_ENV, cls.max_rows),
            max_xlsx_uncompressed_mb=env_int(
                MAX_XLSX_UNCOMPRESSED_MB_ENV, cls.max_xlsx_uncompressed_mb
            ),
        )

    def too_many_rows(self, path: Path) -> InputFileError:
        return InputFileError(
            f"{path}: more than {self.max_rows:,} rows, the limit per file "
            f"(setting {MAX_ROWS_ENV}); split the file or raise the limit",
            code="too_many_rows",
            values={"path": str(path), "rows": f"{self.max_rows:,}", "setting": MAX_ROWS_ENV},
        )


def read_records(
    path: Path, sheet: str | None = None, limits: FileLimits | None = None
) -> list[Record]:
    if not path.exists():
        raise InputFileError(
            f"{path}: no such file", code="no_such_file", values={"path": str(path)}
        )
    limits = limits or FileLimits.from_env()
    size = path.stat().st_size
    if size > limits.max_file_mb * _MB:
        values = {"path": str(path), "size": round(size / _MB, 1), "limit": limits.max_file_mb}
        raise InputFileError(code="file_too_large", values={**values, "setting": MAX_FILE_MB_ENV})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, limits)
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet, limits)
    if suffix in (".geojson", ".json"):
        return _read_geojson(path, limits)
    raise InputFileError(
        f"{path}: unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED)}",
        code="unsupported_file_type",
        values={"path": str(path), "suffix": suffix, "supported": ", ".join(SUPPORTED)},
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


def _columns(path: Path, header: list[Any]) -> list[str]:
    """The header's column names, stripped; a name given twice (case aside) is refused."""
    columns = [str(cell).strip() if cell is not None else "" for cell in header]
    seen: dict[str, int] = {}
    for number, column in enumerate(columns, start=1):
        if not column:
            continue
        first = seen.setdefault(column.casefold(), number)
        if first != number:
            values = {"path": str(path), "column": repr(column), "first": first, "second": number}
            raise InputFileError(code="column_twice", values=values)
    return columns


def _read_csv(path: Path, limits: FileLimits) -> list[Record]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"{path}: not UTF-8 text (byte {error.start}); save the CSV as UTF-8",
            code="not_utf8",
            values={"path": str(path), "byte": error.start},
        ) from None
    # Qurb's own CSV exports open with "# Sources: … Licences: …" lines: comment lines
    # before the header are skipped (and counted, so line numbers stay the file's).
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    text = "".join(lines[skipped:])
    try:  # French spreadsheets often save CSV with ';'
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # newline="" keeps quoted line breaks inside a cell; line numbers are the lines on
    # which each record starts, as a spreadsheet or editor shows them.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise InputFileError(
            f"{path}: the file is empty; the first line must name the columns",
            code="empty_file",
            values={"path": str(path)},
        )
    columns = _columns(path, header)
    records: list[Record] = []
    start = skipped + reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            if len(records) == limits.max_rows:
                raise limits.too_many_rows(path)
            if len(cells) > len(columns):
                values = {"path": str(path), "line": start, "cells": len(cells)}
                raise InputFileError(code="ragged_line", values={**values, "columns": len(columns)})
            values = {c: _clean(read_cell(v)) for c, v in zip(columns, cells, strict=False) if c}
            records.append(Record(start, values))
        start = skipped + reader.line_num + 1
    return records


def check_workbook(path: Path, limits: FileLimits) -> None:
    """The workbook's parts, unzipped, within the limit (read from the zip directory: a
    bomb costs milliseconds), then each sheet's rows: its declared dimension, or without
    one its rows counted up to the limit. Done before openpyxl opens the workbook, which
    reads a sheet without a dimension to its end."""
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
            if unzipped > limits.max_xlsx_uncompressed_mb * _MB:
                values = {"path": str(path), "size": round(unzipped / _MB)}
                values |= {"limit": limits.max_xlsx_uncompressed_mb}
                values |= {"setting": MAX_XLSX_UNCOMPRESSED_MB_ENV}
                raise InputFileError(code="workbook_too_large", values=values)
            most = limits.max_rows + _BLANK_ROWS
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as sheet:
                        if _sheet_rows(sheet, most) > most:
                            raise limits.too_many_rows(path)
    except (zipfile.BadZipFile, OSError) as error:
        values = {"path": str(path), "detail": str(error)}
        raise InputFileError(code="unreadable_workbook", values=values) from None


_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")


def _sheet_rows(sheet: IO[bytes], most: int) -> int:
    """The last row a worksheet declares (its `dimension`, before its data) or, without
    one, the rows it holds, counted in 1 MiB blocks no further than `most` + 1."""
    rows = 0
    tail = b""
    head = True  # before <sheetData>: where the dimension is
    for block in iter(lambda: sheet.read(1 << 20), b""):
        text = tail + block
        if head:
            dimension = _DIMENSION.search(text)
            if dimension:
                return int(dimension.group(1))
            data = _SHEET_DATA.search(text)
            if data is None:
                tail = text[-256:]
                continue
            head = False
            text = text[data.start() :]
        # a row tag cut by the block's end is counted with the next block
        cut = text.rfind(b"<")
        cut = len(text) if cut < 0 else cut
        rows += len(_ROW.findall(text, 0, cut))
        tail = text[cut:]
        if rows > most:
            return rows
    return rows + len(_ROW.findall(tail))


def _read_xlsx(path: Path, sheet: str | None, limits: FileLimits) -> list[Record]:
    import openpyxl  # imported here: it costs a quarter of a second at start-up
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook(path, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        values = {"path": str(path), "detail": str(error)}
        raise InputFileError(code="unreadable_workbook", values=values) from None
    if sheet is not None and sheet not in workbook.sheetnames:
        sheets = ", ".join(workbook.sheetnames)
        raise InputFileError(
            f"{path}: no sheet named {sheet!r}; the workbook has: {sheets}",
            code="no_sheet",
            values={"path": str(path), "sheet": repr(sheet), "sheets": sheets},
        )
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    # The rows as read too (a dimension may lie): never more than the limit, plus a
    # header and a few blank rows, read.
    most = limits.max_rows + _BLANK_ROWS
    rows: list[tuple[Any, ...]] = []
    for row in worksheet.iter_rows(values_only=True):
        if len(rows) == most:
            raise limits.too_many_rows(path)
        rows.append(row)
    header_index = next((i for i, r in enumerate(rows) if any(c is not None for c in r)), None)
    if header_index is None:
        values = {"path": str(path), "sheet": repr(worksheet.title)}
        raise InputFileError(code="empty_sheet", values=values)
    header = _columns(path, list(rows[header_index]))
    if sum(1 for r in rows[header_index + 1 :] if any(c is not None for c in r)) > limits.max_rows:
        raise limits.too_many_rows(path)
    records = []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(c is None for c in row):
            continue
        values = {h: _clean(v) for h, v in zip(header, row, strict=False) if h}
        records.append(Record(offset, values))
    return records


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys its text gave more than once (JSON itself
    would keep the last value silently)."""

    twice: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    found = _JsonObject(pairs)
    if len(found) < len(pairs):
        keys = [key for key, _ in pairs]
        found.twice = tuple(dict.fromkeys(k for i, k in enumerate(keys) if k in keys[:i]))
    return found


def _given_twice(value: Any) -> tuple[_JsonObject, str] | None:
    """The first object in `value` (itself included) that gives a key twice, and the key."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _JsonObject):
            if item.twice:
                return item, item.twice[0]
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None


def _refuse_keys_twice(path: Path, data: dict[str, Any]) -> None:
    """A member given twice anywhere is refused, with its feature's number if in one."""
    features = data["features"] if isinstance(data.get("features"), list) else []
    rest = _JsonObject((k, v) for k, v in data.items() if k != "features")
    rest.twice = data.twice if isinstance(data, _JsonObject) else ()
    if found := _given_twice(rest):
        values = {"path": str(path), "key": repr(found[1])}
        raise InputFileError(code="member_twice", values=values)
    for number, feature in enumerate(features, start=1):
        if found := _given_twice(feature):
            where, key = found
            is_property = isinstance(feature, dict) and where is feature.get("properties")
            facts = {"path": str(path), "number": number, "key": repr(key)}
            raise InputFileError(
                code="feature_property_twice" if is_property else "feature_member_twice",
                values=facts,
            )


def _read_geojson(path: Path, limits: FileLimits) -> list[Record]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_json_object)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        facts = {"path": str(path), "detail": str(error)}
        raise InputFileError(code="invalid_geojson", values=facts) from None
    except RecursionError:  # thousands of nested arrays or objects: no GeoJSON is so deep
        raise InputFileError(code="geojson_too_deep", values={"path": str(path)}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputFileError(code="not_a_feature_collection", values={"path": str(path)})
    _refuse_keys_twice(path, data)
    features = data.get("features")
    if not isinstance(features, list):
        raise InputFileError(code="features_not_a_list", values={"path": str(path)})
    if len(features) > limits.max_rows:
        raise limits.too_many_rows(path)
    records = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            facts = {"path": str(path), "number": str(number)}
            raise InputFileError(code="feature_not_an_object", values=facts)
        properties = feature.get("properties")
        values: dict[str, Any] = dict(properties) if isinstance(properties, dict) else {}
        geometry = feature.get("geometry")
        trouble = _point_problem(geometry)
        if trouble:  # the reader of the rows gives it its row
            values["__geometry_error__"] = trouble
        elif isinstance(geometry, dict):
            values.setdefault("lon", geometry["coordinates"][0])
            values.setdefault("lat", geometry["coordinates"][1])
        records.append(Record(number, {k: _clean(v) for k, v in values.items()}))
    return records


def _point_problem(geometry: Any) -> FieldError | None:
    """Why a feature's geometry is not a usable Point (None if it is one, or absent): a
    problem of the field `geometry`, its row given by the reader."""
    if geometry is None:
        return None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return problem("geometry", "not_a_point", None, kind=str(kind))
    coordinates = geometry.get("coordinates")
    if (
        not isinstance(coordinates, list)
        or len(coordinates) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        return problem("geometry", "point_coordinates", None, value=repr(coordinates))
    return None


def _decimal_text(value: Any) -> Any:
    """A number as a spreadsheet may write it: `1,5` is 1.5; an empty cell is no value."""
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        return text or None
    return value


# A finite number from a cell of a CSV, sheet or GeoJSON property (decimal comma accepted).
_Finite = Annotated[float, Field(allow_inf_nan=False)]
Number = Annotated[_Finite, BeforeValidator(_decimal_text)]
# The same, absent when the cell is empty.
OptionalNumber = Annotated[_Finite | None, BeforeValidator(_decimal_text)]


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


# A cell read as text (a number typed in a label column stays its digits); None if empty.
OptionalText = Annotated[str | None, BeforeValidator(_text)]


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (a road network's source, the bundle)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
