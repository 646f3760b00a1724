"""Ministry of Health facility lists (open data, data.gov.ma), read from their workbooks.

Two families of workbooks, each in several editions:

* ESSP: "Répartition des établissements de soins de santé primaire par catégorie" (2022, 2024),
  columns Région, Délegation, Commune, Nom établissement, Catégorie.
* hospital: "Liste nominative des établissements hospitaliers par catégorie" (2020, 2022,
  2024), same columns; the 2020 edition starts with an empty column and puts the commune last
  ("Commune/ville d'implantation").

The sheets also carry an abbreviation legend to the right of the table (columns G/H or H/I);
we read only the columns named in the header row, so the legend never becomes a record. The
header row is found by its labels, not by a fixed row number, and every record keeps its
1-based Excel row so a reviewer can go back to the source cell.
"""

from __future__ import annotations

import datetime
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

CATEGORIES_TOML = Path(__file__).resolve().parent.parent / "data" / "categories.toml"

# (file name, family, edition); the sheet is the workbook's only data sheet.
MOH_WORKBOOKS: tuple[tuple[str, str, int], ...] = (
    ("etablissements-de-soins-de-sante-primaire-2022.xlsx", "ESSP", 2022),
    ("etablissements-de-soins-de-sante-primaire-2024.xlsx", "ESSP", 2024),
    ("repartition-des-hopitaux-par-region-et-province-2020.xlsx", "hospital", 2020),
    ("repartition-des-hopitaux-par-region-et-province-2022.xlsx", "hospital", 2022),
    ("repartition-des-hopitaux-par-region-et-province-2024.xlsx", "hospital", 2024),
)

FIELDS = ("region", "delegation", "commune", "name", "category")

# Folded header labels -> field. Folding makes "Délegation"/"Delegation"/"Délégation" one key.
_HEADER_LABELS: dict[str, str] = {
    "region": "region",
    "delegation": "delegation",
    "commune": "commune",
    "commune ville d implantation": "commune",
    "nom etablissement": "name",
    "etablissement hospitalier": "name",
    "nom de l hopital": "name",
    "categorie": "category",
}

# Fields that may hold a place name written as a date ("9 Juillet", "25 Mars", as in
# Hay 9 Juillet): the spreadsheet turned four such names into dates (see _date_as_name).
_NAME_FIELDS = ("commune", "name")

_FRENCH_MONTHS = (
    "Janvier", "Février", "Mars", "Avril", "Mai", "Juin",
    "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre",
)  # fmt: skip

# The header is searched in the first rows only: the tables start within row 10.
_HEADER_SEARCH_ROWS = 20


class MohFormatError(ValueError):
    """A workbook does not have the shape this reader was written for."""


@dataclass(frozen=True)
class MohRecord:
    edition: int
    family: str  # "ESSP" | "hospital"
    source_file: str
    source_row: int  # 1-based Excel row
    region: str
    delegation: str
    commune: str
    name: str
    category: str


def _label(value: Any) -> str:
    text = unicodedata.normalize("NFKD", str(value or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    # Non-breaking spaces and runs of blanks occur in the Ministry's cells.
    return " ".join(str(value).replace("\u00a0", " ").split())


def _date_as_name(value: datetime.date, number_format: str) -> str | None:
    """A facility or commune name the spreadsheet stored as a date, as the sheet shows it.

    The ESSP workbooks (2022 and 2024) typed two CSU-1 names as dates with the format
    d-mmm: the centres of Ouezzane (rows 201 / 171) and of Laayoune (rows 3132 / 3184)
    hold 9 July and 25 March (of the year the file was saved), and the sheet displays
    "9-Jul" and "25-Mar". They are place names commemorating dates, which Morocco writes
    in French ("9 Juillet", "25 Mars"), so a date shown as day and month is read back as
    that text; the year the spreadsheet added is not part of the name. A date shown with
    its year is not a name this reader can restore: None (the caller refuses the row).
    """
    shown = number_format.lower()
    if "d" not in shown or "m" not in shown or "y" in shown or "h" in shown:
        return None
    return f"{value.day} {_FRENCH_MONTHS[value.month - 1]}"


def load_categories(path: Path = CATEGORIES_TOML) -> dict[str, dict[str, Any]]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _find_header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """Index of the header row and the column index of each field."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for col, value in enumerate(row):
            field = _HEADER_LABELS.get(_label(value))
            if field is not None and field not in columns:
                columns[field] = col
        if set(columns) == set(FIELDS):
            return index, columns
    raise MohFormatError("no header row with Région/Délégation/Commune/Nom/Catégorie")


def read_workbook(
    path: Path, family: str, edition: int, categories: dict[str, dict[str, Any]]
) -> list[MohRecord]:
    """Every facility row of one workbook; blank rows are skipped, incomplete rows rejected."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Cells, not values: a date's number format says how the sheet displays it.
        cells = list(sheet.iter_rows())
    finally:
        workbook.close()
    rows = [tuple(getattr(c, "value", None) for c in row) for row in cells]
    header_index, columns = _find_header(rows)
    records: list[MohRecord] = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        excel_row = index + 1
        values = {}
        for f, c in columns.items():
            value = row[c] if c < len(row) else None
            if isinstance(value, datetime.date | datetime.time):
                text = None
                if f in _NAME_FIELDS and isinstance(value, datetime.date):
                    text = _date_as_name(value, cells[index][c].number_format or "")
                if text is None:
                    raise MohFormatError(
                        f"{path.name} row {excel_row}: {f} is a date ({value}) that is not "
                        "a day and month: not a name this reader can restore"
                    )
                value = text
            values[f] = _cell(value)
        if not any(values.values()):
            continue  # blank separator line
        missing = [f for f in FIELDS if not values[f]]
        if missing:
            raise MohFormatError(f"{path.name} row {excel_row}: empty {', '.join(missing)}")
        category = values["category"]
        spec = categories.get(category)
        if spec is None or spec.get("family") != family:
            raise MohFormatError(
                f"{path.name} row {excel_row}: category {category!r} is not a {family} category"
            )
        records.append(
            MohRecord(
                edition=edition,
                family=family,
                source_file=path.name,
                source_row=excel_row,
                region=values["region"],
                delegation=values["delegation"],
                commune=values["commune"],
                name=values["name"],
                category=category,
            )
        )
    return records


def read_moh(moh_dir: Path, categories: dict[str, dict[str, Any]] | None = None) -> list[MohRecord]:
    """All records of all editions, in workbook then row order."""
    cats = categories if categories is not None else load_categories()
    records: list[MohRecord] = []
    for file_name, family, edition in MOH_WORKBOOKS:
        records.extend(read_workbook(moh_dir / file_name, family, edition, cats))
    return records
