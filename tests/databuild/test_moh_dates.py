"""Facility names the Ministry's spreadsheet stored as dates are read as the sheet shows them."""

from __future__ import annotations

import csv
import datetime
import re
from pathlib import Path

import openpyxl
import pytest

from qurb.data import BUNDLED_DIR
from qurb.databuild.moh import MohFormatError, load_categories, read_moh, read_workbook
from tests.environment import SOURCES

HEADER = ("Région", "Délegation", "Commune", "Nom établissement", "Catégorie")


def _workbook(path: Path, rows: list[tuple[object, ...]], formats: dict[str, str]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for cell, number_format in formats.items():
        sheet[cell].number_format = number_format
    book.save(path)
    return path


def test_the_four_date_cells_of_the_essp_lists_read_as_day_and_month_in_french() -> None:
    records = {
        (r.edition, r.source_row): r for r in read_moh(SOURCES / "moh") if r.family == "ESSP"
    }
    every = read_moh(SOURCES / "moh")
    for key, commune, name in [
        ((2022, 201), "Ouezzane (Mun.)", "9 Juillet"),
        ((2024, 171), "Ouezzane (Mun.)", "9 Juillet"),
        ((2022, 3132), "Laayoune (Mun.)", "25 Mars"),
        ((2024, 3184), "Laayoune (Mun.)", "25 Mars"),
    ]:
        assert (records[key].commune, records[key].name, records[key].category) == (
            commune,
            name,
            "CSU-1",
        )
    # No other name or commune of any Ministry list came out as a date's text.
    as_date = re.compile(r"\d{4}-\d\d-\d\d")
    assert not [r for r in every if as_date.search(r.name + r.commune)]


def test_the_bundled_facilities_carry_the_names_in_both_editions() -> None:
    with (BUNDLED_DIR / "facilities.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["name"] in ("9 Juillet", "25 Mars")]
    assert sorted((r["facility_id"], r["edition"]) for r in rows) == [
        ("essp-01.405.01.09-9-juillet", "2022"),
        ("essp-01.405.01.09-9-juillet", "2024"),
        ("essp-11.321.01.03-25-mars", "2022"),
        ("essp-11.321.01.03-25-mars", "2024"),
    ]


def test_a_day_and_month_cell_becomes_the_french_text(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "essp.xlsx",
        [
            ("Oriental", "Oujda", "Oujda (Mun.)", datetime.datetime(2025, 8, 20), "CSU-1"),
            ("Oriental", "Oujda", datetime.datetime(2023, 1, 11), "Al Qods", "CSU-2"),
        ],
        {"D2": "d-mmm", "C3": "d mmmm"},
    )
    records = read_workbook(path, "ESSP", 2024, load_categories())
    assert [(r.commune, r.name) for r in records] == [
        ("Oujda (Mun.)", "20 Août"),
        ("11 Janvier", "Al Qods"),
    ]


@pytest.mark.parametrize(
    ("cell", "row", "number_format", "field"),
    [
        # Shown with its year: not a name this reader can restore.
        ("D2", ("Oriental", "Oujda", "Oujda (Mun.)", datetime.datetime(2025, 8, 20), "CSU-1"),
         "dd/mm/yyyy", "name"),
        # A date in the region column is no name at all.
        ("A2", (datetime.datetime(2025, 8, 20), "Oujda", "Oujda (Mun.)", "Al Qods", "CSU-1"),
         "d-mmm", "region"),
    ],
)  # fmt: skip
def test_other_dates_are_refused_by_file_row_and_field(
    tmp_path: Path, cell: str, row: tuple[object, ...], number_format: str, field: str
) -> None:
    path = _workbook(tmp_path / "essp.xlsx", [row], {cell: number_format})
    with pytest.raises(MohFormatError, match=rf"^essp\.xlsx row 2: {field} is a date"):
        read_workbook(path, "ESSP", 2024, load_categories())
