"""CSV cells that a spreadsheet shows and never runs.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by spreadsheet programs (CSV injection, OWASP): a facility named `=HYPERLINK(…)` would be
a live link in whoever opens the export. Such a text cell is written with a leading `'`,
which spreadsheets take as "this is text". Numbers stay as they are, and so does text that
is a plain number (`-7.25`, a longitude): the data still reads as numbers. Qurb's CSV
reader takes the `'` off again (`read_cell`), so its own exports import back unchanged.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """The value as a CSV writer should receive it: text that a spreadsheet would run as
    a formula gets a leading `'`; anything else (numbers, plain-number text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def read_cell(text: str) -> str:
    """A cell read from a CSV: the `'` that `csv_cell` put before a formula taken off."""
    if (
        text.startswith("'")
        and text[1:].startswith(FORMULA_STARTS)
        and not _NUMBER.fullmatch(text[1:])
    ):
        return text[1:]
    return text
