"""The capacity workbook without a database: each cell read against its column (counts,
bounds, codes, dates), a template read back unchanged, and a filled one planned cell by
cell, with every bad cell named by its sheet and address."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qurb.kernel.i18n import say_in
from qurb.platform.files import InputFileError
from qurb.registry.capacity_plan import ProvinceState, plan_changes
from qurb.registry.capacity_reader import read_workbook
from qurb.registry.capacity_sheets import (
    UNKNOWN,
    CodeLists,
    read_count,
    read_date,
    read_hours,
    read_services,
)
from qurb.registry.capacity_workbook import (
    TemplateContent,
    TemplateEquipment,
    TemplateFacility,
    template_workbook,
)

TODAY = date(2026, 12, 6)


def _entry(code: str) -> dict[str, str]:
    return {"name_fr": f"{code} fr", "name_ar": f"{code} ar", "name_en": f"{code} en"}


LISTS = CodeLists(
    lists={
        "professions": {
            c: _entry(c)
            for c in ("doctor_general", "doctor_specialist", "nurse", "midwife", "other")
        },
        "specialties": {c: _entry(c) for c in ("paediatrics", "cardiology")},
        "bed_services": {c: _entry(c) for c in ("medicine", "surgery")},
        "equipment_kinds": {c: _entry(c) for c in ("ct_scanner", "ambulance")},
        "statuses": {c: _entry(c) for c in ("working", "down", "retired")},
    },
    sources={"professions": "a test"},
    bounds={"beds": 3000, "staff": 10000},
    services=frozenset({"emergency", "maternity"}),
)
HOSPITAL = TemplateFacility(
    "f1",
    "Hôpital A",
    "مستشفى أ",
    "HP",
    "Fès",
    {"beds": 100, "staff.nurse": None, "beds.medicine": 40},
    None,
    ("emergency",),
    3,  # its record's version
)
CENTRE = TemplateFacility("f2", "CSR B", None, "CSR-1", "Fès", {}, None, (), 1)
SCANNER = TemplateEquipment(
    "7", "f1", "ct_scanner", "X1", None, date(2020, 1, 1), "working", None, None, None, 2
)
STATE = ProvinceState("03.231", {"f1": HOSPITAL, "f2": CENTRE}, {"7": SCANNER})


def _template() -> openpyxl.Workbook:
    content = TemplateContent(
        "03.231",
        "Fès",
        [HOSPITAL, CENTRE],
        [SCANNER],
        LISTS,
        {"emergency": _entry("emergency"), "maternity": _entry("maternity")},
        "data/services.toml",
        TODAY,
    )
    return openpyxl.load_workbook(BytesIO(template_workbook(content, "fr")))


def _plan(workbook: openpyxl.Workbook, tmp_path: Path) -> Any:
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    read = read_workbook(path, LISTS, TODAY)
    plan = plan_changes(read.rows, STATE, LISTS, TODAY)
    return read, plan


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        (12, 12, None),
        (12.0, 12, None),
        (" 7 ", 7, None),
        ("?", UNKNOWN, None),
        (0, 0, None),
        (-1, None, "negative"),
        (2.5, None, "not_whole"),
        ("douze", None, "not_a_number"),
        (True, None, "not_a_number"),
        (3001, None, "count_above_bound"),
        (10**400, None, "count_above_bound"),  # float() of it overflows
        ("1" * 400, None, "count_above_bound"),
        ("1" * 5000, None, "not_a_number"),  # more digits than int() converts
    ],
)
def test_a_count_is_a_whole_number_within_its_bound(raw: Any, value: Any, code: Any) -> None:
    read = read_count(raw, 3000)
    assert read.value == value
    assert (read.problem.code if read.problem else None) == code


def test_dates_hours_and_services() -> None:
    assert read_date(datetime(2026, 1, 2), TODAY).value == date(2026, 1, 2)
    assert read_date("2026-01-02", TODAY).value == date(2026, 1, 2)
    future = read_date("2026-12-07", TODAY).problem
    assert future is not None and future.code == "date_in_future"
    assert read_date("02/01/2026", TODAY).problem.code == "not_a_date"  # type: ignore[union-attr]
    assert read_hours("24/7").value == "24/7"
    assert read_hours("Mo-Fr 08:00-16:00").value == "Mo-Fr 08:00-16:00"
    assert read_hours("<script>").problem.code == "not_opening_hours"  # type: ignore[union-attr]
    services = frozenset({"emergency", "maternity"})
    assert read_services("maternity; emergency", services).value == ("emergency", "maternity")
    unknown = read_services("maternity; spa", services).problem
    assert unknown is not None and unknown.values["value"] == "spa"


def test_a_template_read_back_changes_nothing(tmp_path: Path) -> None:
    read, plan = _plan(_template(), tmp_path)
    assert read.province == "03.231" and read.template == "qurb-capacity-1"
    assert read.problems == [] and plan.problems == [] and plan.empty
    capacity = read.rows["capacity"]
    assert [r.cells["facility_id"] for r in capacity] == ["f1", "f2"]
    # What is recorded is prefilled: 100 beds, nurses said unknown, 40 beds in medicine.
    assert capacity[0].cells["beds"] == 100 and capacity[0].cells["staff.nurse"] is UNKNOWN
    assert [(r.cells["service"], r.cells["beds"]) for r in read.rows["beds_by_service"]] == [
        ("medicine", 40)
    ]


def test_a_filled_template_changes_exactly_the_cells_changed(tmp_path: Path) -> None:
    workbook = _template()
    capacity = workbook["capacity"]
    capacity["F3"] = 100  # beds: as recorded, no change
    capacity["H3"] = 3  # specialist doctors, never given
    capacity["F4"] = 12  # the centre's beds
    capacity["M4"] = "maternity"  # its services
    workbook["specialists"]["A3"], workbook["specialists"]["B3"] = "f1", "cardiology"
    workbook["specialists"]["C3"] = 2
    equipment = workbook["equipment"]
    equipment["G3"], equipment["H3"], equipment["I3"] = "down", "tube", date(2026, 11, 30)
    equipment["B4"], equipment["C4"] = "f2", "ambulance"
    read, plan = _plan(workbook, tmp_path)
    assert read.problems == [] and plan.problems == []
    assert {k: (v.values, v.services) for k, v in plan.facilities.items()} == {
        "f1": ({"staff.doctor_specialist": 3, "specialists.cardiology": 2}, None),
        "f2": ({"beds": 12}, ("maternity",)),
    }
    assert [(e.id, e.facility_id, dict(e.fields)) for e in plan.equipment] == [
        ("7", "f1", {"status": "down", "down_reason": "tube", "down_since": date(2026, 11, 30)}),
        (None, "f2", {"status": "working", "kind": "ambulance"}),
    ]


def test_every_bad_cell_is_named(tmp_path: Path) -> None:
    workbook = _template()
    capacity = workbook["capacity"]
    capacity["F3"] = -3
    capacity["G3"] = "beaucoup"
    capacity["F4"] = 3001
    capacity["B4"] = "CSR renamed"  # a read-only column
    capacity["P3"] = "extra"  # a column the template does not have
    beds = workbook["beds_by_service"]
    beds["A4"], beds["B4"], beds["C4"] = "f9", "medicine", 3  # not a facility of the province
    beds["A5"], beds["B5"], beds["C5"] = "f1", "medicine", 3  # given twice (row 3)
    specialists = workbook["specialists"]
    specialists["A3"], specialists["B3"], specialists["C3"] = "f1", "astrology", 1
    equipment = workbook["equipment"]
    equipment["B4"], equipment["C4"], equipment["F4"] = "f2", "teleporter", date(2027, 1, 1)
    equipment["B5"], equipment["C5"], equipment["G5"] = "f2", "ambulance", "down"
    equipment["B6"], equipment["C6"], equipment["E6"] = "f2", "ambulance", "i" * 81
    read, plan = _plan(workbook, tmp_path)
    problems = read.problems + plan.problems
    say = say_in("en")
    found = sorted(p.located(say) for p in problems)
    assert found == sorted(
        [
            "capacity!F3, beds: -3 is negative",
            "capacity!G3, staff.doctor_general: beaucoup is not a number",
            "capacity!F4, beds: 3001 is above the bound of 3,000 per facility",
            "capacity!P3, P: a value (extra) in a column the template does not have",
            "capacity!B4, name: read-only column changed: CSR renamed instead of CSR B",
            "beds_by_service!A4, facility_id: f9 is not a facility of province 03.231 listed "
            "in the template",
            "beds_by_service!B5, service: f1 medicine is already given on row 3",
            "specialists!B3, specialty: astrology is not a code of the list specialties "
            "(sheet codes)",
            "equipment!C4, kind: teleporter is not a code of the list equipment_kinds "
            "(sheet codes)",
            "equipment!F4, in_service: the date 2027-01-01 is in the future (today: 2026-12-06)",
            "equipment!H5, down_reason: say why the equipment is down",
            "equipment!I5, down_since: give the date the equipment has been down since",
            "equipment!E6, inventory_ref: longer than 80 characters (got " + "i" * 40 + "…)",
        ]
    )
    negative = next(p for p in problems if p.field == "capacity!F3")
    assert negative.rendered(say_in("fr")) == "beds : -3 est négatif"


def _with_number(workbook: openpyxl.Workbook, path: Path, digits: str) -> Path:
    """The workbook saved with capacity!F3 holding the number `digits` (openpyxl cannot
    write an int float() cannot hold: the sheet's XML is written over)."""
    workbook["capacity"]["F3"] = 987654321
    plain = path.with_suffix(".plain.xlsx")
    workbook.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if b"<v>987654321</v>" in data:
                data = data.replace(b"<v>987654321</v>", f"<v>{digits}</v>".encode())
            target.writestr(item, data)
    return path


def test_a_huge_number_is_named_or_the_file_refused(tmp_path: Path) -> None:
    # 400 digits: read as an int that float() cannot hold, named as above the bound
    path = _with_number(_template(), tmp_path / "long.xlsx", "1" * 400)
    read = read_workbook(path, LISTS, TODAY)
    assert [(p.field, p.code) for p in read.problems] == [("capacity!F3", "count_above_bound")]
    # 5,000 digits: beyond what int() converts, openpyxl itself fails: the file is refused
    path = _with_number(_template(), tmp_path / "huge.xlsx", "1" * 5000)
    with pytest.raises(InputFileError) as refused:
        read_workbook(path, LISTS, TODAY)
    assert refused.value.code == "unreadable_workbook"
    assert refused.value.values["path"] == "huge.xlsx"


def test_a_cell_far_right_is_named_once_and_rows_are_not_read_that_wide(
    tmp_path: Path,
) -> None:
    """A value at XFD (column 16,384) would make every row that wide: the sheet is read
    a few columns past the template's (a value there named cell by cell), anything
    further right named once for the sheet."""
    workbook = _template()
    capacity = workbook["capacity"]
    capacity["Z3"] = "near"  # 13 columns in the template: within the columns read
    for row in (3, 4):
        capacity.cell(row, 16384).value = "far"
    read, _ = _plan(workbook, tmp_path)
    say = say_in("en")
    assert sorted(p.located(say) for p in read.problems) == [
        "capacity!XFD:XFD, XFD: column XFD is not one of the template's",
        "capacity!Z3, Z: a value (near) in a column the template does not have",
    ]


def test_a_row_changing_a_record_moved_on_since_the_template_is_refused(
    tmp_path: Path,
) -> None:
    """The template has the hospital at version 3 (100 beds) and the scanner at 2; since,
    the hospital's beds became 120 (version 4) and the scanner went down (version 3).
    A row that changes them is refused at its version cell (or, on the beds by service,
    at its count): its other cells would write the old values back. Rows that change
    nothing, and the centre whose record has not moved, pass."""
    moved = replace(HOSPITAL, values={**HOSPITAL.values, "beds": 120}, version=4)
    down = replace(SCANNER, status="down", down_reason="tube", down_since=date(2026, 11, 1))
    state = replace(
        STATE, facilities={"f1": moved, "f2": CENTRE}, equipment={"7": replace(down, version=3)}
    )
    workbook = _template()
    path = tmp_path / "old.xlsx"
    workbook.save(path)
    read = read_workbook(path, LISTS, TODAY)
    # Read back as it was made, it would write 100 beds and the scanner working again.
    plan = plan_changes(read.rows, state, LISTS, TODAY)
    assert sorted((p.field, p.code) for p in plan.problems) == [
        ("capacity!N3", "changed_since_template"),
        ("equipment!K3", "changed_since_template"),
    ]
    workbook["capacity"]["F3"] = 120  # as now recorded: the hospital's row changes nothing
    workbook["equipment"]["G3"] = "down"
    workbook["equipment"]["H3"], workbook["equipment"]["I3"] = "tube", date(2026, 11, 1)
    workbook["beds_by_service"]["C3"] = 45  # medicine: 40 in the template
    workbook["capacity"]["F4"] = 8  # the centre: its record has not moved
    workbook.save(path)
    plan = plan_changes(read_workbook(path, LISTS, TODAY).rows, state, LISTS, TODAY)
    assert [(p.field, p.code, p.values) for p in plan.problems] == [
        (
            "beds_by_service!C3",
            "changed_since_template",
            {"id": "f1", "written": "3", "recorded": 4},
        )
    ]
    assert plan.facilities["f2"].values == {"beds": 8}
