"""The capacity workbook of a province on the national data, on SQLite and PostgreSQL:
the template lists exactly the province's facilities (Tarfaya, 11.537: its seven open
public facilities), a filled one changes exactly the cells changed (an audit entry per
facility and per piece of equipment changed, the import's record), and a bad one writes
nothing and names every bad cell; then the faces (CLI and HTTP) with their grants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.audit import service as audit
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, InputError
from qurb.platform.database import transaction
from qurb.platform.files import FileLimits
from qurb.registry._tables import CapacityImportRow, CapacityValueRow, EquipmentRow, FacilityRow
from qurb.registry.capacity import CapacityChange, read_capacity, set_capacity
from qurb.registry.capacity_import import capacity_template, import_capacity_workbook
from qurb.registry.equipment import (
    EquipmentCreate,
    EquipmentUpdate,
    add_equipment,
    update_equipment,
)
from qurb.registry.service import get_facility
from tests.accounts import add_account

TARFAYA = "11.537"
FACILITIES = [
    "essp-11.537.01.05-tarfaya",
    "essp-11.537.01.05-tarfaya-2",
    "essp-11.537.03.03-daoura",
    "essp-11.537.03.05-el-hagounia",
    "essp-11.537.05.01-akhfennir",
    "essp-11.537.05.07-amgriow",
    "essp-11.537.05.07-tah",
]
AOUSSERD = "12.066"
SOURCE = "Délégation de Tarfaya, inventaire de décembre 2026"
BY = Actor.local("planner")
runner = CliRunner()


def _anyone(_code: str) -> Actor:
    return BY


@pytest.fixture
def template(scratch_factory: sessionmaker[Session]) -> openpyxl.Workbook:
    with transaction(scratch_factory) as session:
        _, data = capacity_template(session, TARFAYA, "fr")
    return openpyxl.load_workbook(BytesIO(data))


def _saved(workbook: openpyxl.Workbook, tmp_path: Path, name: str = "tarfaya.xlsx") -> Path:
    path = tmp_path / name
    workbook.save(path)
    return path


def _import(factory: sessionmaker[Session], path: Path, **options: Any) -> Any:
    with transaction(factory) as session:
        return import_capacity_workbook(session, _anyone, path, **options)


def _counts(factory: sessionmaker[Session]) -> tuple[int, int, int, int]:
    with transaction(factory) as session:
        return (
            session.scalar(select(func.count()).select_from(CapacityValueRow)) or 0,
            session.scalar(select(func.count()).select_from(EquipmentRow)) or 0,
            session.scalar(select(func.count()).select_from(CapacityImportRow)) or 0,
            audit.count(session),
        )


def _row_of(sheet: Any, facility_id: str) -> int:
    return next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == facility_id)


def test_the_template_lists_exactly_the_province_s_facilities(
    template: openpyxl.Workbook,
) -> None:
    assert template.sheetnames == [
        "instructions",
        "capacity",
        "beds_by_service",
        "specialists",
        "equipment",
        "codes",
    ]
    capacity = template["capacity"]
    ids = [capacity.cell(r, 1).value for r in range(3, capacity.max_row + 1)]
    assert ids == FACILITIES
    assert capacity["B3"].value == "Tarfaya" and capacity["D3"].value == "CSU-2"
    assert capacity["A3"].protection.locked and not capacity["F3"].protection.locked
    assert capacity.protection.sheet
    # Nothing is known yet: every capacity cell blank.
    assert all(capacity.cell(r, c).value is None for r in range(3, 10) for c in range(6, 13))
    [(title, cell)] = list(template.defined_names["qurb_province"].destinations)
    assert (title, template[title][cell.replace("$", "")].value) == ("instructions", TARFAYA)
    codes = template["codes"]
    listed = {(codes.cell(r, 1).value, codes.cell(r, 2).value) for r in range(3, codes.max_row + 1)}
    assert {("professions", "nurse"), ("equipment_kinds", "ct_scanner")} <= listed
    assert all(codes.cell(r, 7).value for r in range(3, codes.max_row + 1))  # each its source
    assert template["capacity"].data_validations.dataValidation  # lists and bounds


def test_a_filled_template_changes_exactly_the_cells_changed(
    template: openpyxl.Workbook, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    capacity = template["capacity"]
    tarfaya, tah = _row_of(capacity, FACILITIES[0]), _row_of(capacity, FACILITIES[6])
    capacity.cell(tarfaya, 6).value = 12  # beds
    capacity.cell(tarfaya, 7).value = 2  # general doctors
    capacity.cell(tarfaya, 8).value = 0  # specialist doctors
    capacity.cell(tarfaya, 9).value = "?"  # nurses: said unknown
    capacity.cell(tah, 12).value = "24/7"
    services = capacity.cell(tah, 13)
    assert services.value == (
        "child_health; chronic_disease_followup; family_planning; general_consultation; "
        "nursing_care; prenatal_care; vaccination"
    )
    services.value = services.value.replace("vaccination", "delivery")
    beds = template["beds_by_service"]
    beds["A3"], beds["B3"], beds["C3"] = FACILITIES[0], "gynaecology_obstetrics", 6
    equipment = template["equipment"]
    equipment["B3"], equipment["C3"], equipment["D3"] = FACILITIES[0], "ultrasound", "Sono 2"
    equipment["F3"] = date(2024, 3, 1)
    before = _counts(scratch_factory)
    result = _import(scratch_factory, _saved(template, tmp_path), source=SOURCE)
    written = result.written
    assert (written.facilities, written.values) == (2, 6)
    assert (written.equipment_added, written.equipment_changed) == (1, 0)
    assert [(c.facility_id, c.measures) for c in result.changed] == [
        (
            FACILITIES[0],
            (
                "beds",
                "beds.gynaecology_obstetrics",
                "staff.doctor_general",
                "staff.doctor_specialist",
                "staff.nurse",
            ),
        ),
        (FACILITIES[6], ("hours",)),
    ]
    assert [c.services_changed for c in result.changed] == [False, True]
    after = _counts(scratch_factory)
    # 6 values, 1 item, 1 import; audit: 2 facilities' capacity, 1 item, Tah's services.
    assert [a - b for a, b in zip(after, before, strict=True)] == [6, 1, 1, 4]
    with transaction(scratch_factory) as session:
        read = read_capacity(session, FACILITIES[0])
        assert (read.beds, read.doctors) == (12, 2)
        nurses = read.value("staff.nurse")
        assert nurses is not None and not nurses.known and nurses.source == SOURCE
        assert get_facility(session, FACILITIES[0]).beds == 12
        assert read_capacity(session, FACILITIES[6]).hours == "24/7"
        offered = get_facility(session, FACILITIES[6]).services or ()
        assert "delivery" in offered and "vaccination" not in offered

    # The same workbook again, its new item now read from a new template: nothing changes.
    with transaction(scratch_factory) as session:
        _, data = capacity_template(session, TARFAYA, "ar")
    again = _import(scratch_factory, _saved(openpyxl.load_workbook(BytesIO(data)), tmp_path))
    assert again.changed == () and again.written.values == 0
    assert _counts(scratch_factory)[:2] == after[:2]


def test_a_bad_workbook_writes_nothing_and_names_every_bad_cell(
    template: openpyxl.Workbook, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    capacity = template["capacity"]
    capacity["F3"] = -2  # negative
    capacity["G3"] = "deux"  # not a number
    capacity["F4"] = 3001  # above the domain's bound
    capacity["B5"] = "Daoura (renamed)"  # a read-only column
    capacity["O6"] = 4  # a column the template does not have
    beds = template["beds_by_service"]
    beds["A3"], beds["B3"], beds["C3"] = "essp-12.066.01.01-x", "medicine", 2  # not here
    beds["A4"], beds["B4"], beds["C4"] = FACILITIES[1], "medicine", 2
    beds["A5"], beds["B5"], beds["C5"] = FACILITIES[1], "medicine", 3  # duplicate
    equipment = template["equipment"]
    equipment["B3"], equipment["C3"] = FACILITIES[1], "teleporter"  # unknown kind
    equipment["B4"], equipment["C4"], equipment["F4"] = FACILITIES[1], "xray", date(2099, 1, 1)
    before = _counts(scratch_factory)
    with pytest.raises(InputError) as refused:
        _import(scratch_factory, _saved(template, tmp_path), source=SOURCE)
    assert _counts(scratch_factory) == before
    named = sorted((e.field, e.code) for e in refused.value.errors)
    assert named == sorted(
        [
            ("capacity!F3", "negative"),
            ("capacity!G3", "not_a_number"),
            ("capacity!F4", "count_above_bound"),
            ("capacity!O6", "cell_outside_template"),
            ("capacity!B5", "read_only_changed"),
            ("beds_by_service!A3", "facility_not_in_province"),
            ("beds_by_service!B5", "row_twice"),
            ("equipment!C3", "unknown_code"),
            ("equipment!F4", "date_in_future"),
        ]
    )


def test_a_template_older_than_the_record_is_refused_instead_of_reverting_it(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Tarfaya's 12 beds and an x-ray "Old" are in the template; then the page enters 20
    beds and renames the x-ray "New". The old template, its doctors and the x-ray's date
    filled in, would write 12 beds and "Old" back: it is refused at the version cells
    (capacity!N3, equipment!K3), nothing written; a fresh template imports."""
    with transaction(scratch_factory) as session:
        change = CapacityChange(SOURCE, date(2026, 11, 1), {"beds": 12})
        set_capacity(session, BY, FACILITIES[0], change)
        xray = EquipmentCreate(FACILITIES[0], "xray", SOURCE, model="Old")
        item = add_equipment(session, BY, xray)
        _, data = capacity_template(session, TARFAYA, "en")
    old = openpyxl.load_workbook(BytesIO(data))
    capacity, equipment = old["capacity"], old["equipment"]
    assert (capacity["F3"].value, capacity["N2"].value, capacity["N3"].value) == (12, "version", 2)
    assert (equipment["D3"].value, equipment["K2"].value, equipment["K3"].value) == (
        "Old",
        "version",
        1,
    )
    assert capacity["N3"].protection.locked and equipment["K3"].protection.locked
    with transaction(scratch_factory) as session:
        change = CapacityChange(SOURCE, date(2026, 12, 1), {"beds": 20})
        set_capacity(session, BY, FACILITIES[0], change, if_version=2)
        update_equipment(session, BY, item.id, EquipmentUpdate(model="New"), if_version=1)
    capacity["G3"] = 2  # general doctors
    equipment["F3"] = date(2020, 5, 1)  # the x-ray's date in service
    capacity["F4"] = 6  # another facility's beds: its record has not moved
    before = _counts(scratch_factory)
    with pytest.raises(InputError) as refused:
        _import(scratch_factory, _saved(old, tmp_path), source=SOURCE)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("capacity!N3", "changed_since_template"),
        ("equipment!K3", "changed_since_template"),
    ]
    assert refused.value.errors[0].values == {
        "id": FACILITIES[0],
        "written": "2",
        "recorded": 3,
    }
    assert _counts(scratch_factory) == before
    with transaction(scratch_factory) as session:
        beds = read_capacity(session, FACILITIES[0]).value("beds")
        assert beds is not None and beds.count == 20
        assert session.get(EquipmentRow, item.id).model == "New"
        _, data = capacity_template(session, TARFAYA, "en")
    fresh = openpyxl.load_workbook(BytesIO(data))
    fresh["capacity"]["G3"], fresh["equipment"]["F3"] = 2, date(2020, 5, 1)
    result = _import(scratch_factory, _saved(fresh, tmp_path, "fresh.xlsx"), source=SOURCE)
    assert (result.written.values, result.written.equipment_changed) == (1, 1)
    with transaction(scratch_factory) as session:
        beds = read_capacity(session, FACILITIES[0]).value("beds")
        assert beds is not None and beds.count == 20
        row = session.get(EquipmentRow, item.id)
        assert (row.model, row.in_service) == ("New", date(2020, 5, 1))


def test_a_changed_header_and_equipment_moves(
    template: openpyxl.Workbook, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    capacity = template["capacity"]
    capacity["K2"] = "staff.dentist"  # an unknown profession's column
    capacity["L2"] = "opening"  # a key the template does not write
    with pytest.raises(InputError) as refused:
        _import(scratch_factory, _saved(template, tmp_path), source=SOURCE)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("capacity!K2", "unknown_profession"),
        ("capacity!L2", "column_changed"),
    ]
    capacity["K2"], capacity["L2"] = "staff.other", "hours"
    equipment = template["equipment"]
    equipment["B3"], equipment["C3"] = FACILITIES[2], "delivery_table"
    _import(scratch_factory, _saved(template, tmp_path), source=SOURCE)
    with transaction(scratch_factory) as session:
        _, data = capacity_template(session, TARFAYA, "en")
    again = openpyxl.load_workbook(BytesIO(data))
    item = again["equipment"]
    assert (item["B3"].value, item["C3"].value, item["G3"].value) == (
        FACILITIES[2],
        "delivery_table",
        "working",
    )
    item["G3"] = "down"  # without its reason and date
    item["C3"] = "ambulance"  # an item keeps its kind
    with pytest.raises(InputError) as moved:
        _import(scratch_factory, _saved(again, tmp_path, "again.xlsx"), source=SOURCE)
    assert sorted((e.field, e.code) for e in moved.value.errors) == [
        ("equipment!C3", "equipment_field_fixed"),
        ("equipment!H3", "down_without_reason"),
        ("equipment!I3", "down_without_since"),
    ]
    item["C3"], item["H3"], item["I3"] = "delivery_table", "pied cassé", date(2026, 11, 2)
    result = _import(scratch_factory, _saved(again, tmp_path, "again.xlsx"), source=SOURCE)
    assert (result.written.equipment_added, result.written.equipment_changed) == (0, 1)
    with transaction(scratch_factory) as session:
        row = session.scalars(select(EquipmentRow)).one()
        assert (row.status, row.down_reason, row.down_since) == (
            "down",
            "pied cassé",
            date(2026, 11, 2),
        )
        entries = audit.entries(session, audit.EntryFilter(entity_kind="equipment"))
        assert [e.action for e in entries] == ["equipment.add", "equipment.update"]


def test_a_workbook_of_another_province_or_not_a_workbook(
    template: openpyxl.Workbook, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _saved(template, tmp_path)
    with pytest.raises(InputError) as other:
        _import(scratch_factory, path, source=SOURCE, province=AOUSSERD)
    assert other.value.code == "workbook_other_province"
    outside = Forbidden(code="outside_scope", values={"needed": "registry.edit"})

    def refuse(code: str) -> Actor:
        assert code == TARFAYA
        raise outside

    with transaction(scratch_factory) as session, pytest.raises(Forbidden):
        import_capacity_workbook(session, refuse, path, source=SOURCE)
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    csv = tmp_path / "tarfaya.csv"
    csv.write_text("a,b\n")
    huge = tmp_path / "huge.xlsx"
    huge.write_bytes(b"\0" * (1 << 20) * 2)
    codes = {}
    for bad, limits in ((text, None), (empty, None), (csv, None), (huge, FileLimits(1))):
        with pytest.raises(InputError) as refused:
            _import(scratch_factory, bad, source=SOURCE, limits=limits)
        codes[bad.name] = refused.value.code
    assert codes == {
        "notes.xlsx": "unreadable_workbook",
        "empty.xlsx": "empty_workbook",
        "tarfaya.csv": "unsupported_file_type",
        "huge.xlsx": "file_too_large",
    }
    del template["specialists"]
    with pytest.raises(InputError) as missing:
        _import(scratch_factory, _saved(template, tmp_path, "short.xlsx"), source=SOURCE)
    assert [(e.field, e.code) for e in missing.value.errors] == [("sheet", "sheet_missing")]
    assert _counts(scratch_factory)[2] == 0


def test_the_source_is_required_and_the_date_not_in_the_future(
    template: openpyxl.Workbook, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    template["capacity"]["F3"] = 4
    path = _saved(template, tmp_path)
    with pytest.raises(InputError) as no_source:
        _import(scratch_factory, path)
    assert [(e.field, e.code) for e in no_source.value.errors] == [
        ("instructions!B4", "source_missing")
    ]
    with pytest.raises(InputError) as future:
        _import(scratch_factory, path, source=SOURCE, as_of=date(2099, 1, 1))
    assert [e.code for e in future.value.errors] == ["date_in_future"]
    template["instructions"]["B4"], template["instructions"]["B5"] = SOURCE, date(2026, 1, 31)
    result = _import(scratch_factory, _saved(template, tmp_path, "dated.xlsx"))
    assert (result.source, result.as_of) == (SOURCE, date(2026, 1, 31))


def test_more_than_fifty_bad_cells_are_counted(
    template: openpyxl.Workbook, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    beds = template["beds_by_service"]
    for row in range(3, 63):  # 60 rows, each with a negative count
        beds.cell(row, 1).value = FACILITIES[0]
        beds.cell(row, 2).value = "medicine" if row == 3 else "surgery"
        beds.cell(row, 3).value = -1
    with pytest.raises(InputError) as refused:
        _import(scratch_factory, _saved(template, tmp_path), source=SOURCE)
    errors = refused.value.errors
    # 60 negative counts and 58 duplicates (surgery from row 5 on): 118, the first 50 shown.
    assert len(errors) == 51 and errors[-1].values == {"more": 68, "total": 118}


@pytest.fixture
def cli_db(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("QURB_LANG", "en")
    yield scratch_db


def test_the_command_line_writes_as_the_token_s_account_over_its_province(
    cli_db: str,
    scratch_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    out = tmp_path / "tarfaya.xlsx"
    made = runner.invoke(
        app, ["capacity", "template", "--province", TARFAYA, "-o", str(out), "--db", cli_db]
    )
    assert made.exit_code == 0, made.output
    workbook = openpyxl.load_workbook(out)
    workbook["capacity"]["F3"] = 9
    workbook.save(out)
    aousserd = add_account(
        scratch_factory, "aousserd", Role.REGISTRY_EDITOR, Scope(territories=[AOUSSERD])
    )
    monkeypatch.setenv("QURB_TOKEN", aousserd.token)
    command = ["capacity", "import", str(out), "--source", SOURCE, "--db", cli_db]
    refused = runner.invoke(app, command)
    assert refused.exit_code == 2 and "may not" in refused.output
    tarfaya = add_account(
        scratch_factory, "tarfaya", Role.REGISTRY_EDITOR, Scope(territories=[TARFAYA])
    )
    monkeypatch.setenv("QURB_TOKEN", tarfaya.token)
    done = runner.invoke(app, [*command, "--as-of", "2026-11-30"])
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert FACILITIES[0] in text and "1 facility(ies) and 1 capacity value(s)" in text
    with transaction(scratch_factory) as session:
        beds = read_capacity(session, FACILITIES[0]).value("beds")
        assert beds is not None and beds.count == 9 and beds.entered_by == "tarfaya"
        assert beds.as_of == date(2026, 11, 30)
        entries = audit.entries(session, audit.EntryFilter(entity_id=FACILITIES[0]))
        assert entries[-1].actor.startswith(str(tarfaya.account_id))


def test_the_routes_download_and_import_over_the_province_only(
    edit_client: Any, scratch_db: str, tmp_path: Path
) -> None:
    from qurb.platform.database import make_engine, make_sessionmaker

    asked = edit_client.get("/api/capacity/template", params={"province": TARFAYA, "lang": "en"})
    assert asked.status_code == 200, asked.text
    assert "capacity-11.537.xlsx" in asked.headers["content-disposition"]
    workbook = openpyxl.load_workbook(BytesIO(asked.content))
    assert workbook["capacity"]["F1"].value == "Beds"
    assert edit_client.get("/api/capacity/template", params={"province": "11"}).status_code == 422
    workbook["capacity"]["F3"] = -1
    bad = BytesIO()
    workbook.save(bad)
    refused = edit_client.post(
        "/api/capacity/import",
        params={"source": SOURCE},
        files={"file": ("mine.xlsx", bad.getvalue())},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {"field": "capacity!F3", "reason": "beds : -1 est négatif", "row": 3, "code": "negative"}
    ]
    workbook["capacity"]["F3"] = 5
    good = BytesIO()
    workbook.save(good)
    done = edit_client.post(
        "/api/capacity/import",
        params={"source": SOURCE},
        files={"file": ("mine.xlsx", good.getvalue())},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["facilities"], body["values"], body["file_name"]) == (1, 1, "mine.xlsx")
    assert body["changed"][0]["measures"] == ["beds"]
    factory = make_sessionmaker(make_engine(scratch_db))
    aousserd = add_account(factory, "aousserd", Role.REGISTRY_EDITOR, Scope(territories=[AOUSSERD]))
    outside = edit_client.post(
        "/api/capacity/import",
        params={"source": SOURCE},
        files={"file": ("mine.xlsx", good.getvalue())},
        headers=aousserd.headers,
    )
    assert outside.status_code == 403
    template = edit_client.get(
        "/api/capacity/template", params={"province": TARFAYA}, headers=aousserd.headers
    )
    assert template.status_code == 403
    with transaction(factory) as session:
        assert session.get(FacilityRow, FACILITIES[0]).beds == 5


def test_the_workbook_is_read_before_the_write_transaction_opens(
    edit_client: Any,
    cli_db: str,
    template: openpyxl.Workbook,
    scratch_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Reading a file (however odd) holds no write transaction: on both faces the
    workbook is read first."""
    from qurb.platform.state import AppState
    from qurb.registry import capacity_import, capacity_workbook_cli

    steps: list[str] = []
    read_workbook = capacity_import.read_workbook
    write = AppState.write
    open_session = capacity_workbook_cli.open_session

    def reading(*args: Any, **kwargs: Any) -> Any:
        steps.append("read")
        return read_workbook(*args, **kwargs)

    def writing(self: AppState) -> Any:
        steps.append("write")
        return write(self)

    def opening(*args: Any, **kwargs: Any) -> Any:
        steps.append("write")
        return open_session(*args, **kwargs)

    monkeypatch.setattr(capacity_import, "read_workbook", reading)
    monkeypatch.setattr(AppState, "write", writing)
    monkeypatch.setattr(capacity_workbook_cli, "open_session", opening)
    template["capacity"]["F3"] = 7
    path = _saved(template, tmp_path)
    done = edit_client.post(
        "/api/capacity/import",
        params={"source": SOURCE},
        files={"file": ("mine.xlsx", path.read_bytes())},
    )
    assert done.status_code == 200, done.text
    assert steps[:2] == ["read", "write"]
    steps.clear()
    command = ["capacity", "import", str(path), "--source", SOURCE, "--db", cli_db]
    account = add_account(
        scratch_factory, "tarfaya", Role.REGISTRY_EDITOR, Scope(territories=[TARFAYA])
    )
    monkeypatch.setenv("QURB_TOKEN", account.token)
    template["capacity"]["F4"] = 8  # another facility: the first one moved on
    done = runner.invoke(
        app, [*command[:2], str(_saved(template, tmp_path, "cli.xlsx")), *command[3:]]
    )
    assert done.exit_code == 0, done.output
    assert steps[:2] == ["read", "write"]
