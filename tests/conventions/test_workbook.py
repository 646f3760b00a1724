"""A convention's workbook through its services, on the small region of `tests/regions.py`:
written and read back unchanged (nothing written, no audit entry), an amount changed
(one update, audited, its history kept), a new row created, two bad rows in two sheets
named with their sheet, row and column while nothing is written, another convention's
workbook and a file that is no workbook (whatever its name) refused, a sheet over the
row cap refused, unknown amounts kept unknown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit._tables import AuditEntryRow
from qurb.conventions import workbook_reader
from qurb.conventions.committee_model import DecisionIn, MeetingIn
from qurb.conventions.committee_service import list_actions, record_meeting
from qurb.conventions.deliverable_model import DeliverableIn, IndicatorIn
from qurb.conventions.deliverable_service import create_deliverable, list_deliverables
from qurb.conventions.model import AmendmentIn, ConventionFields, PartyIn
from qurb.conventions.money_model import Contribution, ContributionIn, DisbursementIn
from qurb.conventions.money_service import (
    add_contribution,
    add_disbursement,
    list_contributions,
    list_disbursements,
)
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import (
    add_amendment,
    create_convention,
    get_convention,
    move_status,
)
from qurb.conventions.workbook import workbook_file
from qurb.conventions.workbook_import import (
    WorkbookImportResult,
    import_convention_workbook,
    read_workbook_file,
)
from qurb.kernel.actor import Actor
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.platform.files import InputFileError
from tests.accounts import add_partner
from tests.regions import PROVINCE_CODE, REGION_CODE

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU = "council-99991", "chu-99"
FIELDS = ConventionFields(
    reference="CP-99991-BOOK",
    title_fr="Convention de financement",
    start_on=PartialDate(2026, 1, 1),
    end_on=PartialDate(2027, 12, 31),
    territories=(PROVINCE_CODE,),
)


class Secretariat:
    """Every row written by the secretariat (the faces' grants are tested on the web)."""

    def manager(self) -> Actor:
        return BY

    def for_money(self, partners: Sequence[str]) -> Actor:
        return BY

    def reporter(self, owner: str) -> Actor:
        return BY

    def for_action(self, owner: str) -> tuple[Actor, str | None]:
        return BY, None


def _convention(small_region_db: Factory) -> tuple[sessionmaker[Session], int]:
    """A convention with a party's million, an unknown commitment, a disbursement, a
    deliverable and a committee's decision."""
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    parties = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
    with transaction(factory) as s:
        cid = create_convention(s, BY, FIELDS, parties).id
        million = add_contribution(s, BY, cid, ContributionIn(COUNCIL, "money", 2026, amount=1e6))
        formula = "=SOMME(A1:A2)"  # a text as typed: never run as a formula
        add_contribution(s, BY, cid, ContributionIn(CHU, "money", description_fr=formula))
        paid = DisbursementIn(million.id, COUNCIL, on=date(2026, 3, 15), amount="250000")
        add_disbursement(s, BY, cid, paid)
        indicator = IndicatorIn("count", "consultations", 0, 1200)
        create_deliverable(s, BY, cid, DeliverableIn("Consultations", CHU, indicator))
        decision = DecisionIn("Verser la première tranche", COUNCIL, date(2026, 5, 31))
        record_meeting(s, BY, cid, MeetingIn(date(2026, 2, 10), decisions=(decision,)))
    return factory, cid


def _export(factory: sessionmaker[Session], cid: int, path: Path, lang: str = "fr") -> Path:
    with factory() as s:
        _, data = workbook_file(s, cid, lang)
    path.write_bytes(data)
    return path


def _import(factory: sessionmaker[Session], cid: int, path: Path) -> WorkbookImportResult:
    book = read_workbook_file(path)
    with transaction(factory) as s:
        return import_convention_workbook(s, Secretariat(), cid, book)


def _audited(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEntryRow)) or 0


def _million(session: Session, cid: int) -> Contribution:
    return next(c for c in list_contributions(session, cid) if c.values.partner_id == COUNCIL)


def _edit(path: Path, cells: dict[tuple[str, str], object]) -> None:
    book = openpyxl.load_workbook(path)
    for (sheet, address), value in cells.items():
        book[sheet][address] = value
    book.save(path)


def test_an_unchanged_workbook_writes_nothing(small_region_db: Factory, tmp_path: Path) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    before = _audited(factory)
    result = _import(factory, cid, path)
    assert result.changed == 0
    assert {s.sheet: s.unchanged for s in result.sheets} == {
        "parties": 2,
        "contributions": 2,
        "deliverables": 1,
        "disbursements": 1,
        "decisions": 1,
    }
    assert _audited(factory) == before
    # The unknown commitment is a blank cell, never 0, and stays unknown (by party: the
    # CHU's row first).
    sheet = openpyxl.load_workbook(path)["contributions"]
    assert [sheet["C3"].value, sheet["G3"].value, sheet["G4"].value] == [CHU, None, 1000000]
    assert (sheet["P3"].value, sheet["P3"].data_type) == ("=SOMME(A1:A2)", "s")
    with factory() as s:
        assert [c.values.amount for c in list_contributions(s, cid)] == [
            None,
            Decimal("1000000.00"),
        ]


def test_the_about_sheet_names_the_convention_in_the_readers_language(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    book = openpyxl.load_workbook(_export(factory, cid, tmp_path / "ar.xlsx", "ar"))
    about = book["about"]
    assert about["A1"].value == "الاتفاقية CP-99991-BOOK: Convention de financement"
    assert [about[f"B{row}"].value for row in (2, 3, 4)] == [
        "qurb-convention-1",
        cid,
        "CP-99991-BOOK",
    ]
    assert about["A4"].value == "مرجع الاتفاقية"
    assert all(book[name].sheet_view.rightToLeft for name in book.sheetnames)
    assert book["contributions"]["G1"].value == "المبلغ (درهم)"


def test_a_changed_amount_updates_its_record_with_its_audit(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    _edit(path, {("contributions", "G4"): "1 200 000"})
    before = _audited(factory)
    result = _import(factory, cid, path)
    assert result.changed == 1
    counts = {s.sheet: (s.created, s.updated, s.unchanged) for s in result.sheets}
    assert counts["contributions"] == (0, 1, 1)
    assert _audited(factory) == before + 1
    with factory() as s:
        million = _million(s, cid)
        assert million.values.amount == Decimal("1200000.00")
        assert [(h.previous, h.value) for h in million.history] == [
            (Decimal("1000000.00"), Decimal("1200000.00"))
        ]
        entry = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq.desc())).first()
        assert entry is not None and entry.action == "convention.contribution.update"
    # Exported again and imported: nothing more.
    assert _import(factory, cid, _export(factory, cid, tmp_path / "again.xlsx")).changed == 0


def test_new_rows_create_records_and_moves_go_through_the_services(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    with factory() as s:
        million_id = _million(s, cid).id
    book = openpyxl.load_workbook(path)
    book["disbursements"].append(
        [None, None, million_id, "disbursement", "2026-06-01", 100000, COUNCIL]
    )
    book["deliverables"]["M3"] = "in_progress"  # planned → in progress
    book["deliverables"]["N3"] = "2026"
    book["deliverables"]["O3"] = 300
    book["decisions"]["H3"] = "done"
    book["decisions"]["I3"] = date(2026, 5, 20)
    book.save(path)
    result = _import(factory, cid, path)
    counts = {s.sheet: (s.created, s.updated) for s in result.sheets}
    assert counts["disbursements"] == (1, 0)
    assert counts["deliverables"] == (0, 1)
    assert counts["decisions"] == (0, 1)
    with factory() as s:
        paid = [(d.amount, d.on) for d in list_disbursements(s, cid)]
        assert paid == [
            (Decimal("250000.00"), date(2026, 3, 15)),
            (Decimal("100000.00"), date(2026, 6, 1)),
        ]
        deliverable = list_deliverables(s, cid)[0]
        assert deliverable.status == "in_progress"
        assert [(a.period, a.value) for a in deliverable.actuals] == [("2026", 300)]
        action = list_actions(s, cid)[0]
        assert (action.status, action.done_on) == ("done", date(2026, 5, 20))
    assert _import(factory, cid, _export(factory, cid, tmp_path / "again.xlsx")).changed == 0


def test_bad_rows_in_two_sheets_are_all_named_and_nothing_is_written(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx", "en")
    _edit(
        path,
        {
            ("contributions", "G4"): 1_500_000,  # good: not written, as the others are bad
            ("contributions", "G3"): -5,
            ("deliverables", "M3"): "finished",
            ("disbursements", "E3"): "2031-01-01",  # after the convention's end
        },
    )
    before = _audited(factory)
    with pytest.raises(InputError) as refused:
        _import(factory, cid, path)
    named = {(e.field, e.code) for e in refused.value.errors}
    assert named == {
        ("contributions!G3", "indicator_negative"),
        ("deliverables!M3", "convention_choice"),
        ("disbursements!E3", "money_date_outside"),
    }
    assert _audited(factory) == before
    with factory() as s:
        assert _million(s, cid).values.amount == Decimal("1000000.00")


def test_a_row_of_another_convention_and_another_conventions_workbook_are_refused(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    with transaction(factory) as s:
        other = create_convention(
            s, BY, ConventionFields(**{**FIELDS.__dict__, "reference": "CP-OTHER"}), ()
        ).id
    path = _export(factory, cid, tmp_path / "book.xlsx")
    with pytest.raises(InputFileError) as refused:
        _import(factory, other, path)
    assert refused.value.code == "workbook_other_convention"
    assert refused.value.values["given"] == "CP-99991-BOOK"
    _edit(path, {("contributions", "A3"): 999})
    with pytest.raises(InputError) as named:
        _import(factory, cid, path)
    assert [(e.field, e.code) for e in named.value.errors] == [
        ("contributions!A3", "workbook_not_this_convention")
    ]


def test_a_file_is_a_workbook_by_its_content_not_its_name(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    fake = tmp_path / "book.xlsx"
    fake.write_bytes(b"%PDF-1.7 not a workbook")
    with pytest.raises(InputFileError) as refused:
        read_workbook_file(fake)
    assert refused.value.code == "workbook_not_xlsx"
    renamed = _export(factory, cid, tmp_path / "book.bin")  # a workbook, whatever its name
    assert _import(factory, cid, renamed).changed == 0


def test_a_sheet_over_the_row_cap_is_refused(
    small_region_db: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    monkeypatch.setattr(workbook_reader, "MAX_SHEET_ROWS", 1)
    with pytest.raises(InputFileError) as refused:
        read_workbook_file(path)
    assert refused.value.code == "workbook_sheet_too_long"
    assert refused.value.values["sheet"] == "parties"


def test_what_the_workbook_may_not_change_is_named(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    book["decisions"]["E3"] = "Une autre décision"  # read-only
    book["decisions"].append([None, None, None, None, "Nouvelle", COUNCIL, None, "open"])
    book["disbursements"]["B3"] = 7  # a version it never had
    book.save(path)
    with pytest.raises(InputError) as refused:
        _import(factory, cid, path)
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("decisions!E3", "workbook_read_only"),
        ("decisions!A4", "workbook_decision_new"),
        ("disbursements!B3", "workbook_stale_row"),
    }


def test_parties_are_added_and_a_role_changed_none_removed(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    add_partner(factory, "association-sante", "association", PROVINCE_CODE)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    parties = book["parties"]
    assert [(parties[f"A{r}"].value, parties[f"B{r}"].value) for r in (3, 4)] == [
        (COUNCIL, "financer"),
        (CHU, "implementer"),
    ]
    parties["B4"] = "supervisor"
    parties["C4"] = "Un autre nom"  # the registry's: read-only
    parties.delete_rows(3)  # left out: the council stays a party
    parties.append(["association-sante", "beneficiary"])
    parties.append(["nobody-registered", None])
    book.save(path)
    with pytest.raises(InputError) as refused:
        _import(factory, cid, path)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("parties!C3", "workbook_read_only"),
        ("parties!A5", "convention_not_a_partner"),
    ]
    book["parties"].delete_rows(5)
    book["parties"]["C3"] = None  # blank: left as it is
    book.save(path)
    result = _import(factory, cid, path)
    assert [(s.created, s.updated) for s in result.sheets if s.sheet == "parties"] == [(1, 1)]
    with factory() as s:
        convention = get_convention(s, cid)
        assert [(p.partner_id, p.role) for p in convention.parties] == [
            (COUNCIL, "financer"),
            (CHU, "supervisor"),
            ("association-sante", "beneficiary"),
        ]


def test_a_refusal_only_the_service_sees_is_named_with_its_row_and_undoes_all(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    with factory() as s:
        million_id = _million(s, cid).id
    book = openpyxl.load_workbook(path)
    book["contributions"]["G4"] = 1_100_000  # good alone, written first, then undone
    # 250,000 paid already: 900,000 more is beyond the 1,100,000 committed.
    book["disbursements"].append(
        [None, None, million_id, "disbursement", "2026-06-01", 900000, COUNCIL]
    )
    book.save(path)
    before = _audited(factory)
    with pytest.raises(InputError) as refused:
        _import(factory, cid, path)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("disbursements!F4", "money_beyond_commitment")
    ]
    assert _audited(factory) == before
    with factory() as s:
        assert _million(s, cid).values.amount == Decimal("1000000.00")
        assert len(list_disbursements(s, cid)) == 1


def test_in_kind_rows_go_round_and_a_new_deliverable_is_added_moved_and_reported(
    small_region_db: Factory, tmp_path: Path
) -> None:
    factory, cid = _convention(small_region_db)
    staff = ContributionIn(
        CHU,
        "staff",
        2026,
        quantity="20",
        unit="days",
        profession="médecin",
        valuation="150000",
        valuation_method="grille de la fonction publique",
    )
    with transaction(factory) as s:
        add_contribution(s, BY, cid, staff)
    path = _export(factory, cid, tmp_path / "book.xlsx")
    assert _import(factory, cid, path).changed == 0
    book = openpyxl.load_workbook(path)
    new = [None, None, "Dépistages", None, CHU, None, "2026-09", None, "count", None, None, 500]
    book["deliverables"].append([*new, "in_progress", "2026-06", 120, "premier semestre"])
    book.save(path)
    result = _import(factory, cid, path)
    assert [(s.created, s.updated) for s in result.sheets if s.sheet == "deliverables"] == [(1, 0)]
    with factory() as s:
        added = list_deliverables(s, cid)[-1]
        assert (added.what_fr, added.deadline, added.status) == (
            "Dépistages",
            PartialDate(2026, 9),
            "in_progress",
        )
        assert [(a.period, a.value, a.note) for a in added.actuals] == [
            ("2026-06", 120, "premier semestre")
        ]
    assert _import(factory, cid, _export(factory, cid, tmp_path / "again.xlsx")).changed == 0


def test_a_deliverable_is_amended_from_the_workbook(
    small_region_db: Factory, tmp_path: Path
) -> None:
    """Draft: its name and target changed freely, each change kept; signed: its deadline
    changes only with the amendment deciding it, named in the row's `amendment` column."""
    factory, cid = _convention(small_region_db)
    path = _export(factory, cid, tmp_path / "draft.xlsx")
    _edit(path, {("deliverables", "C3"): "Consultations du CHU", ("deliverables", "L3"): 1500})
    assert _import(factory, cid, path).changed == 1
    with factory() as s:
        [item] = list_deliverables(s, cid)
    assert (item.what_fr, item.target) == ("Consultations du CHU", 1500)
    changes = [(c.field, c.previous, c.value, c.amendment) for c in item.changes]
    assert changes == [
        ("target", "1200", "1500", None),
        ("what_fr", "Consultations", "Consultations du CHU", None),
    ]
    with transaction(factory) as s:
        move_status(s, BY, cid, "signed")
    path = _export(factory, cid, tmp_path / "signed.xlsx")
    _edit(path, {("deliverables", "G3"): "2027-06"})
    with pytest.raises(InputError) as refused:
        _import(factory, cid, path)
    assert [e.code for e in refused.value.errors] == ["deliverable_needs_amendment"]
    assert refused.value.errors[0].field.startswith("deliverables!")
    with transaction(factory) as s:
        add_amendment(s, BY, cid, AmendmentIn(1, PartialDate(2026, 9, 1)))
    _edit(path, {("deliverables", "Q3"): 1})
    assert _import(factory, cid, path).changed == 1
    with factory() as s:
        [item] = list_deliverables(s, cid)
    last = item.changes[-1]
    assert (item.deadline, last.field, last.value, last.amendment) == (
        PartialDate(2027, 6),
        "deadline",
        "2027-06",
        1,
    )
