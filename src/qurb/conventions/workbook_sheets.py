"""A convention's workbook, its layout and the reading of one cell, pure: the sheets
(about, parties, contributions, deliverables, disbursements, decisions), their columns
(a row of headings in the reader's language, a row of keys the import reads, then the
data), which columns are read-only (never changed from the workbook) or fixed (given
once, on a new row), and each cell read as its column's kind. A blank cell is unknown
(None), never 0. The writer (`workbook`) and the import (`workbook_import`) share it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from qurb.algo.execution import IndicatorKind
from qurb.conventions.committee_model import ActionStatus
from qurb.conventions.deliverable_model import DeliverableStatus
from qurb.conventions.model import PartyRole
from qurb.conventions.money_model import ContributionKind, DisbursementKind
from qurb.conventions.partial_dates import PartialDate, PartialDateError, parse_partial
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem
from qurb.registry.capacity_sheets import is_blank, shown

WORKBOOK_KIND = "qurb-convention-1"  # the workbook's own version, on its about sheet

ABOUT = "about"
PARTIES = "parties"
CONTRIBUTIONS = "contributions"
DELIVERABLES = "deliverables"
DISBURSEMENTS = "disbursements"
DECISIONS = "decisions"
DATA_SHEETS = (PARTIES, CONTRIBUTIONS, DELIVERABLES, DISBURSEMENTS, DECISIONS)
LABEL_ROW, KEY_ROW, FIRST_ROW = 1, 2, 3
# The about sheet's cells the import reads (their row; the value sits in column B).
ABOUT_ROWS = {"workbook": 2, "convention_id": 3, "reference": 4, "version": 5, "made_on": 6}
MAX_TEXT = 20_000  # characters in one cell (the longest field a convention keeps)
MAX_ID = 2**31 - 1


class Kind(enum.StrEnum):
    ID = "id"  # a record's id or version: a whole number from 1
    TEXT = "text"
    WHOLE = "whole"  # a year, an article's number, an amendment's number
    MONEY = "money"  # MAD to the centime, from 0 to 999,999,999,999.99
    QUANTITY = "quantity"  # in its unit, read as the money is (two decimals at most)
    NUMBER = "number"  # a weight: a number from 0
    VALUE = "value"  # an indicator's value, read by its deliverable's indicator kind
    DATE = "date"
    PARTIAL = "partial"  # a date whose month or day may be unknown: 2026, 2026-03
    CHOICE = "choice"


@dataclass(frozen=True)
class Column:
    key: str
    kind: Kind
    read_only: bool = False  # shown, never changed from the workbook
    fixed: bool = False  # given on a new row, never changed on a recorded one
    choices: tuple[str, ...] = ()


def _choice(key: str, values: type[enum.StrEnum], **flags: bool) -> Column:
    return Column(key, Kind.CHOICE, choices=tuple(v.value for v in values), **flags)


T, RO = Kind.TEXT, True
COLUMNS: dict[str, tuple[Column, ...]] = {
    PARTIES: (
        Column("partner_id", T),
        _choice("role", PartyRole),
        Column("name_fr", T, read_only=RO),
        Column("name_ar", T, read_only=RO),
    ),
    CONTRIBUTIONS: (
        Column("id", Kind.ID),
        Column("version", Kind.ID),
        Column("partner_id", T),
        _choice("kind", ContributionKind),
        Column("year", Kind.WHOLE),
        Column("item", T),
        Column("amount", Kind.MONEY),
        Column("quantity", Kind.QUANTITY),
        Column("unit", T),
        Column("profession", T),
        Column("specialty", T),
        Column("valuation", Kind.MONEY),
        Column("valuation_method", T),
        Column("equipment_id", Kind.ID),
        Column("facility_id", T),
        Column("description_fr", T),
        Column("description_ar", T),
        Column("amendment_number", Kind.WHOLE),
    ),
    DELIVERABLES: (
        Column("id", Kind.ID),
        Column("version", Kind.ID),
        Column("what_fr", T),
        Column("what_ar", T),
        Column("owner", T),
        Column("article", Kind.WHOLE),
        Column("deadline", Kind.PARTIAL),
        Column("weight", Kind.NUMBER),
        _choice("indicator_kind", IndicatorKind),
        Column("indicator_unit", T),
        Column("baseline", Kind.VALUE),
        Column("target", Kind.VALUE),
        _choice("status", DeliverableStatus),
        Column("period", T),
        Column("actual", Kind.VALUE),
        Column("note", T),
        Column("amendment", Kind.WHOLE),
    ),
    DISBURSEMENTS: (
        Column("id", Kind.ID),
        Column("version", Kind.ID),
        Column("contribution_id", Kind.ID),
        _choice("kind", DisbursementKind),
        Column("on", Kind.DATE),
        Column("amount", Kind.MONEY),
        Column("from_partner_id", T),
        Column("to_partner_id", T),
        Column("to_payee", T),
        Column("reference", T),
    ),
    DECISIONS: (
        Column("id", Kind.ID),
        Column("version", Kind.ID),
        Column("meeting_number", Kind.WHOLE, read_only=RO),
        Column("position", Kind.WHOLE, read_only=RO),
        Column("text", T, read_only=RO),
        Column("owner_partner_id", T, read_only=RO),
        Column("deadline", Kind.DATE, read_only=RO),
        _choice("status", ActionStatus),
        Column("done_on", Kind.DATE),
        Column("note", T),
    ),
}
# The column a service's problem names by another field name.
FIELD_COLUMNS = {
    "indicator.kind": "indicator_kind",
    "indicator.unit": "indicator_unit",
    "indicator.baseline": "baseline",
    "indicator.target": "target",
}


def column_index(sheet: str, key: str) -> int:
    """The 1-based column of `key` on `sheet` (the first when it has no such column)."""
    keys = [c.key for c in COLUMNS[sheet]]
    key = FIELD_COLUMNS.get(key, key)
    return keys.index(key) + 1 if key in keys else 1


# ---------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class CellValue:
    """A cell read: its value, or its problem."""

    value: Any = None
    problem: FieldError | None = None


def _whole(raw: Any, key: str, least: int, most: int) -> CellValue:
    number: Decimal | None = None
    if isinstance(raw, bool):
        number = None
    elif isinstance(raw, int | float):
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    elif isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
        number = Decimal(raw.strip())
    if number is None or not number.is_finite() or number != number.to_integral_value():
        return CellValue(problem=problem(key, "workbook_not_whole", value=shown(raw)))
    if not least <= number <= most:
        values = {"value": shown(raw), "least": least, "most": most}
        return CellValue(problem=problem(key, "workbook_out_of_range", **values))
    return CellValue(int(number))


def _date(raw: Any, key: str) -> CellValue:
    if isinstance(raw, datetime):
        return CellValue(raw.date())
    if isinstance(raw, date):
        return CellValue(raw)
    try:
        return CellValue(date.fromisoformat(str(raw).strip()))
    except ValueError:
        return CellValue(problem=problem(key, "workbook_not_a_date", value=shown(raw)))


def _partial(raw: Any, key: str) -> CellValue:
    if isinstance(raw, datetime | date):
        day = raw.date() if isinstance(raw, datetime) else raw
        return CellValue(PartialDate(day.year, day.month, day.day))
    try:
        return CellValue(parse_partial(shown(raw), key))
    except PartialDateError as error:
        return CellValue(problem=error.errors[0])


def _number(raw: Any, key: str, kind: Kind) -> CellValue:
    """A money amount or a quantity (by the money's rules: two decimals at most, from 0
    to the largest) or a weight (any number from 0) as a Decimal."""
    from qurb.algo.execution import read_value

    if kind == Kind.NUMBER:
        found = _plain_number(raw)
        if found is None:
            return CellValue(problem=problem(key, "indicator_not_number", value=repr(shown(raw))))
        if found < 0:
            return CellValue(problem=problem(key, "indicator_negative", value=repr(shown(raw))))
        return CellValue(found.normalize() + 0)
    read = read_value(IndicatorKind.MONEY, raw, key)
    if isinstance(read, FieldError):
        return CellValue(problem=read)
    return CellValue(read)


def _plain_number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if raw == raw and abs(raw) != float("inf") else None
    text = str(raw).strip().replace(" ", "").replace(",", ".")
    try:
        found = Decimal(text)
    except ArithmeticError:
        return None
    return found if found.is_finite() else None


def _text(raw: Any, key: str) -> CellValue:
    text = shown(raw).strip()
    if len(text) > MAX_TEXT:
        return CellValue(problem=problem(key, "convention_field_too_long", max=MAX_TEXT))
    return CellValue(text)


def _value(raw: Any) -> CellValue:
    """An indicator's value as typed (read against its kind by the import)."""
    if isinstance(raw, float):
        return CellValue(Decimal(repr(raw)))
    return CellValue(raw.strip() if isinstance(raw, str) else raw)


def read_cell(column: Column, raw: Any) -> CellValue:
    """A cell as its column's kind: blank is unknown (None)."""
    if is_blank(raw):
        return CellValue(None)
    key = column.key
    match column.kind:
        case Kind.ID:
            return _whole(raw, key, 1, MAX_ID)
        case Kind.WHOLE:
            return _whole(raw, key, 0, MAX_ID)
        case Kind.MONEY | Kind.QUANTITY | Kind.NUMBER:
            return _number(raw, key, column.kind)
        case Kind.DATE:
            return _date(raw, key)
        case Kind.PARTIAL:
            return _partial(raw, key)
        case Kind.CHOICE:
            text = shown(raw).strip()
            if text in column.choices:
                return CellValue(text)
            values = {"value": repr(text[:40]), "choices": ", ".join(column.choices)}
            return CellValue(problem=problem(key, "convention_choice", **values))
        case Kind.VALUE:
            return _value(raw)
    return _text(raw, key)


def cell_text(value: Any) -> Any:
    """A value as the writer puts it in a cell: None blank, money and numbers as
    numbers, a partial date as its ISO text."""
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
