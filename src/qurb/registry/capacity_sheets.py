"""The capacity workbook's layout and the reading of one cell, pure: the sheets, their
columns (a label row, then a row of keys the import reads, then the data), which columns
are read-only, and each cell's value checked against its column (counts, bounds, codes,
dates). The template (`capacity_workbook`) and the import (`capacity_import`) share it.

A cell left blank means "not given": what is recorded stays as it is. A count written `?`
says "unknown" (recorded as such, with its source, when something else was known)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem

TEMPLATE_KIND = "qurb-capacity-1"  # the template's own version, in a named cell

INSTRUCTIONS = "instructions"
CAPACITY = "capacity"
BEDS = "beds_by_service"
SPECIALISTS = "specialists"
EQUIPMENT = "equipment"
CODES = "codes"
SHEETS = (INSTRUCTIONS, CAPACITY, BEDS, SPECIALISTS, EQUIPMENT, CODES)
DATA_SHEETS = (CAPACITY, BEDS, SPECIALISTS, EQUIPMENT)

# Named cells of the instructions sheet (their row; the value sits in column B).
NAMED_ROWS = {"qurb_template": 2, "qurb_province": 3, "qurb_source": 4, "qurb_as_of": 5}
LABEL_ROW, KEY_ROW, FIRST_ROW = 1, 2, 3

UNKNOWN_MARK = "?"  # a count said to be unknown
SERVICES_SEPARATOR = ";"
HOURS_MAX = 200  # characters, as capacity_values.text
TEXT_MAX = 200  # model, down reason
INVENTORY_REF_MAX = 80  # characters, as equipment.inventory_ref
_HOURS = re.compile(r"^(24/7|[A-Za-z0-9 :;,.\-+/\[\]\"'()]+)$")


class Kind(enum.StrEnum):
    ID = "id"  # an identifier the template writes (read-only or a key)
    TEXT = "text"
    COUNT = "count"
    DATE = "date"
    CODE = "code"
    SERVICES = "services"
    HOURS = "hours"


@dataclass(frozen=True)
class Column:
    key: str  # row 2 of the sheet: what the import reads
    kind: Kind
    read_only: bool = False
    codes: str | None = None  # the list (of `CodeLists`) a value is one of
    bound: str | None = None  # "beds" or "staff": the most a count may be
    required: bool = False  # a data row without it is refused
    most: int = TEXT_MAX  # the most characters of a text


@dataclass(frozen=True)
class CodeLists:
    """The codes a cell may hold, by list (professions, specialties, bed_services,
    equipment_kinds, statuses), each code with its labels and the list's source, and the
    bounds of counts."""

    lists: Mapping[str, Mapping[str, Mapping[str, str]]]  # list → code → name_fr/ar/en
    sources: Mapping[str, str]  # list → its source
    bounds: Mapping[str, int]  # "beds" | "staff" → the most one facility may have
    services: frozenset[str]  # the registry's service names

    def codes(self, name: str) -> list[str]:
        return list(self.lists.get(name, {}))


def capacity_columns(lists: CodeLists) -> tuple[Column, ...]:
    staff = tuple(
        Column(f"staff.{code}", Kind.COUNT, bound="staff") for code in lists.codes("professions")
    )
    return (
        Column("facility_id", Kind.ID, read_only=True, required=True),
        Column("name", Kind.TEXT, read_only=True),
        Column("name_ar", Kind.TEXT, read_only=True),
        Column("category", Kind.TEXT, read_only=True),
        Column("commune", Kind.TEXT, read_only=True),
        Column("beds", Kind.COUNT, bound="beds"),
        *staff,
        Column("hours", Kind.HOURS),
        Column("services", Kind.SERVICES),
        Column("version", Kind.ID, read_only=True),  # the facility's, when the template was made
    )


BEDS_COLUMNS = (
    Column("facility_id", Kind.ID, required=True),
    Column("service", Kind.CODE, codes="bed_services", required=True),
    Column("beds", Kind.COUNT, bound="beds"),
)
SPECIALISTS_COLUMNS = (
    Column("facility_id", Kind.ID, required=True),
    Column("specialty", Kind.CODE, codes="specialties", required=True),
    Column("headcount", Kind.COUNT, bound="staff"),
)
EQUIPMENT_COLUMNS = (
    Column("equipment_id", Kind.ID),
    Column("facility_id", Kind.ID, required=True),
    Column("kind", Kind.CODE, codes="equipment_kinds", required=True),
    Column("model", Kind.TEXT),
    Column("inventory_ref", Kind.TEXT, most=INVENTORY_REF_MAX),
    Column("in_service", Kind.DATE),
    Column("status", Kind.CODE, codes="statuses"),
    Column("down_reason", Kind.TEXT),
    Column("down_since", Kind.DATE),
    Column("retired_on", Kind.DATE),
    Column("version", Kind.ID, read_only=True),  # the item's, when the template was made
)


def sheet_columns(sheet: str, lists: CodeLists) -> tuple[Column, ...]:
    if sheet == CAPACITY:
        return capacity_columns(lists)
    return {BEDS: BEDS_COLUMNS, SPECIALISTS: SPECIALISTS_COLUMNS, EQUIPMENT: EQUIPMENT_COLUMNS}[
        sheet
    ]


def column_letter(index: int) -> str:
    """A, B, … Z, AA… for a column's 1-based index."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class CellProblem(FieldError):
    """A bad cell: `field` is its address (`capacity!F12`), `column` the key of its column;
    worded `capacity!F12 (beds): -3 is negative`."""

    column: str = ""

    def rendered(self, say: Any) -> str:
        reason = super().rendered(say)
        return say("reason.in_column", {"column": self.column, "reason": reason})

    def located(self, say: Any) -> str:
        return say("error.cell_problem", {"cell": self.field, "reason": self.rendered(say)})


def at_cell(sheet: str, column: int, row: int, key: str, found: FieldError) -> CellProblem:
    """The problem `found` as that of the cell at `column` (1-based) and `row` of `sheet`."""
    address = f"{sheet}!{column_letter(column)}{row}"
    return CellProblem(address, found.reason, row, code=found.code, values=found.values, column=key)


def shown(value: Any) -> str:
    """A cell's value as the user typed it, for a message."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Unknown:
    """A count given as `?`: said to be unknown."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class CellValue:
    """A cell read: its value, or its problem."""

    value: Any = None
    problem: FieldError | None = None


def read_count(raw: Any, bound: int) -> CellValue:
    """A headcount or a number of beds: a whole number from 0 to `bound`, or `?`."""
    if isinstance(raw, str):
        text = raw.strip()
        if text == UNKNOWN_MARK:
            return CellValue(UNKNOWN)
        number = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            raw = int(number) if number.lstrip("+-").isdigit() else float(number)
        except ValueError:  # not a number, or more digits than Python converts
            return CellValue(problem=problem("value", "not_a_number", value=text[:40]))
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return CellValue(problem=problem("value", "not_a_number", value=shown(raw)))
    if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
        return CellValue(problem=problem("value", "not_a_number", value=shown(raw)))
    # An int is compared as it is: float() of a very long one overflows.
    if raw < 0:
        return CellValue(problem=problem("value", "negative", value=_shown_number(raw)))
    if isinstance(raw, float) and not raw.is_integer():
        return CellValue(problem=problem("value", "not_whole", value=shown(raw)))
    if raw > bound:
        value = _shown_number(raw)
        return CellValue(problem=problem("value", "count_above_bound", value=value, bound=bound))
    return CellValue(int(raw))


def _shown_number(raw: int | float) -> str:
    """A number for a message, its digits cut after 40."""
    return shown(raw) if isinstance(raw, float) or abs(raw) < 10**40 else f"{str(raw)[:40]}…"


def read_date(raw: Any, today: date) -> CellValue:
    """A date (a date cell or ISO text), not after today."""
    day: date | None
    if isinstance(raw, datetime):
        day = raw.date()
    elif isinstance(raw, date):
        day = raw
    else:
        text = str(raw).strip()
        try:
            day = date.fromisoformat(text[:10]) if len(text) in (10, 19) else None
        except ValueError:
            day = None
    if day is None:
        return CellValue(problem=problem("value", "not_a_date", value=shown(raw)))
    if day > today:
        return CellValue(
            problem=problem("value", "date_in_future", value=day.isoformat(), today=today)
        )
    return CellValue(day)


def read_text(raw: Any, most: int = TEXT_MAX) -> CellValue:
    text = shown(raw).strip()
    if "\x00" in text:
        return CellValue(problem=problem("value", "nul_character", got=text[:40]))
    if len(text) > most:
        return CellValue(problem=problem("value", "too_long", max=most, got=text[:40] + "…"))
    return CellValue(text)


def read_code(raw: Any, codes: list[str], list_name: str) -> CellValue:
    text = shown(raw).strip()
    if text not in codes:
        return CellValue(problem=problem("value", "unknown_code", value=text, list=list_name))
    return CellValue(text)


def read_hours(raw: Any) -> CellValue:
    """Opening hours: `24/7` or an OpenStreetMap `opening_hours` value (checked loosely:
    its characters and its length)."""
    found = read_text(raw, HOURS_MAX)
    if found.problem is None and not _HOURS.match(found.value):
        return CellValue(problem=problem("value", "not_opening_hours", value=found.value))
    return found


def read_services(raw: Any, known: frozenset[str]) -> CellValue:
    """Service names separated by `;`, each a name of the registry's services."""
    names = [n.strip() for n in shown(raw).split(SERVICES_SEPARATOR) if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        return CellValue(problem=problem("value", "unknown_service_name", value=", ".join(unknown)))
    return CellValue(tuple(sorted(set(names))))


def read_cell(column: Column, raw: Any, lists: CodeLists, today: date) -> CellValue:
    """The value of a non-blank cell of `column`, or the problem it has."""
    if column.kind == Kind.COUNT:
        return read_count(raw, lists.bounds[column.bound or "staff"])
    if column.kind == Kind.DATE:
        return read_date(raw, today)
    if column.kind == Kind.CODE:
        return read_code(raw, lists.codes(column.codes or ""), column.codes or "")
    if column.kind == Kind.HOURS:
        return read_hours(raw)
    if column.kind == Kind.SERVICES:
        return read_services(raw, lists.services)
    return read_text(raw, column.most)
