"""DHIS2's identifiers and formats, pure: UIDs derived from codes, periods written as
DHIS2 writes them, the category option combos of a data set's disaggregations.

A UID is derived deterministically from what Qurb calls the object, so that the same
territory, facility, data element or combo has the same UID in every export: the first
bytes of SHA-256 of `qurb:<kind>:<code>` (UTF-8) read as a big-endian integer, written as
DHIS2 requires (11 characters, `[A-Za-z][A-Za-z0-9]{10}`): the first character the
integer modulo 52 in `A-Za-z`, then ten characters in base 62 (`0-9A-Za-z`), least
significant first. Kinds: `ou` (organisation unit: an HCP code or a facility id), `ds`
(data set id), `de` (data element code), `co` (category option `axis:option`), `ca`
(category: a disaggregation id), `cc` (category combo: its axes joined by `_`), `coc`
(category option combo: `combo:cell`). The total of an element reported without a
disaggregation is DHIS2's own default combo (`default`, HllvX50cXC0)."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

from qurb.watch.model import TOTAL, DataElement, DataSet, PeriodType

LETTERS = string.ascii_uppercase + string.ascii_lowercase
ALPHABET = string.digits + LETTERS
UID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
# DHIS2's built-in default category combo and option combo (present in every instance).
DEFAULT_COMBO_UID = "bjDvmb4bfuf"
DEFAULT_COC_UID = "HllvX50cXC0"
DEFAULT_CODE = "default"
PERIOD_TYPES = {PeriodType.ISO_WEEK: "Weekly", PeriodType.MONTH: "Monthly"}
SHORT_NAME_MAX = 50
# DHIS2 requires an opening date; Qurb knows none for a territory or a facility: this
# date stands for "unknown" and the export says so.
OPENING_DATE_UNKNOWN = "1970-01-01"


def uid(kind: str, code: str) -> str:
    """The DHIS2 UID of a Qurb object (module docstring)."""
    number = int.from_bytes(hashlib.sha256(f"qurb:{kind}:{code}".encode()).digest(), "big")
    chars = [LETTERS[number % 52]]
    number //= 52
    for _ in range(10):
        chars.append(ALPHABET[number % 62])
        number //= 62
    return "".join(chars)


def short_name(name: str) -> str:
    """DHIS2's short name: the name, cut at 50 characters (on a word where one fits)."""
    name = " ".join(name.split())
    if len(name) <= SHORT_NAME_MAX:
        return name
    cut = name[: SHORT_NAME_MAX - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= SHORT_NAME_MAX // 2 else cut).rstrip(" ,;-") + "…"


def dhis2_period(code: str, period_type: PeriodType) -> str:
    """A Qurb period code as DHIS2 writes it: weeks as they are (`2026W5`), months
    without their dash (`2026-01` → `202601`)."""
    return code.replace("-", "") if period_type is PeriodType.MONTH else code


def combo_code(element: DataElement) -> str:
    """The category combo of an element: its disaggregations joined by `_`, or DHIS2's
    default."""
    return "_".join(element.disaggregations) or DEFAULT_CODE


def coc_code(combo: str, cell: str) -> str:
    """A category option combo's code: its combo and the cell (`sex_age:f|1-4`)."""
    return DEFAULT_CODE if cell == TOTAL else f"{combo}:{cell}"


def coc_uid(combo: str, cell: str) -> str:
    return DEFAULT_COC_UID if cell == TOTAL else uid("coc", coc_code(combo, cell))


@dataclass(frozen=True)
class Cell:
    """Where one DHIS2 data value lands in a Qurb report."""

    dataset: str
    element: str
    disaggregation: str


@dataclass(frozen=True)
class Codebook:
    """The data sets' identifiers both ways: data set, data element and combo by code
    and by UID."""

    datasets: dict[str, DataSet]  # by id and by UID
    elements: dict[str, tuple[DataSet, DataElement]]  # by code and by UID
    cells: dict[tuple[str, str], str]  # (element code, combo code or UID) → cell

    @classmethod
    def of(cls, datasets: Iterable[DataSet]) -> Codebook:
        by_id: dict[str, DataSet] = {}
        elements: dict[str, tuple[DataSet, DataElement]] = {}
        cells: dict[tuple[str, str], str] = {}
        for dataset in datasets:
            by_id[dataset.id] = by_id[uid("ds", dataset.id)] = dataset
            for element in dataset.elements:
                elements[element.code] = elements[uid("de", element.code)] = (dataset, element)
                combo = combo_code(element)
                for cell in dataset.combos[element.code]:
                    cells[(element.code, coc_code(combo, cell))] = cell
                    cells[(element.code, coc_uid(combo, cell))] = cell
        return cls(by_id, elements, cells)
