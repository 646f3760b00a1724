"""A partner's yearly execution report, on the small region of `tests/regions.py`, worked
by hand for 2026. The council is a party to two conventions:

* CP-REPORT (the province, not published): it committed 1,000,000 MAD in 2026 and one
  amount unknown (500,000 more in 2025, not this year's), disbursed 250,000 on 15 April
  2026: 25 %. The CHU's staff in kind and scanners there are the CHU's, not the council's.
* CP-TIZGUI (Tizgui, published): it committed 400,000 MAD in 2026, disbursed 300,000 on
  30 June 2026 and once more an unknown amount on 1 September 2026: 75 % of what is known.
  It lends premises for 12 months valued 120,000 MAD (comparable rents) and vehicles at an unknown
  valuation, and owns two deliverables: four health centres renovated by March 2026, 3
  done in 2026 (75 %, overdue at the year's end), and twenty nurses trained, no actual
  reported (unknown).

Its 2026 totals: 1,400,000 committed (1 unknown), 550,000 disbursed (1 unknown): 550,000 ÷
1,400,000 = 39.29 %, shown 39.3 %; in kind 120,000 MAD known and 1 unknown; physical 75 %
(1 measured, 1 actual unknown); 1 deliverable overdue. Anyone sees CP-TIZGUI only."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.app.web import create_app
from qurb.conventions.deliverable_model import DeliverableIn, IndicatorIn
from qurb.conventions.deliverable_service import create_deliverable, report_actual
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn, DisbursementIn
from qurb.conventions.money_service import add_contribution, add_disbursement
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.partner_report import compute_partner_report, report_html, report_rows
from qurb.conventions.service import get_convention, update_convention
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.errors import NotFound
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from tests.accounts import add_account
from tests.conventions.test_execution_report import BY, CHU, COUNCIL, SOURCE
from tests.conventions.test_execution_report import _world as _report_world
from tests.conventions.web import World
from tests.regions import IMI, TIZGUI
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
MADE = date(2027, 1, 10)
TIZGUI_SOURCE = "Convention de Tizgui, archives de la commune."


def _everything(_target: object) -> bool:
    return True


def _rows(sheet: Any) -> dict[Any, tuple[Any, ...]]:
    """The sheet's rows by their first cell, the first row of each (a convention's
    reference heads its money row, then its physical execution's)."""
    rows: dict[Any, tuple[Any, ...]] = {}
    for row in sheet.iter_rows(values_only=True):
        if row and row[0]:
            rows.setdefault(row[0], row[1:])
    return rows


def _world(factory: sessionmaker[Session]) -> None:
    _report_world(factory)  # CP-REPORT, the council and the CHU
    from qurb.conventions.service import create_convention

    fields = ConventionFields("CP-TIZGUI", "Tizgui", territories=(TIZGUI,), source=TIZGUI_SOURCE)
    with transaction(factory) as s:
        tizgui = create_convention(s, BY, fields, (PartyIn(COUNCIL, "financer"),)).id
        money = add_contribution(
            s, BY, tizgui, ContributionIn(COUNCIL, "money", year=2026, amount="400000")
        )
        add_disbursement(
            s, BY, tizgui, DisbursementIn(money.id, COUNCIL, on=date(2026, 6, 30), amount="300000")
        )
        add_disbursement(s, BY, tizgui, DisbursementIn(money.id, COUNCIL, on=date(2026, 9, 1)))
        premises = ContributionIn(
            COUNCIL,
            "premises",
            year=2026,
            quantity="12",
            unit="months",
            valuation="120000",
            valuation_method="comparable rents",
        )
        add_contribution(s, BY, tizgui, premises)
        add_contribution(
            s,
            BY,
            tizgui,
            ContributionIn(COUNCIL, "vehicles", year=2026, quantity="2", unit="items"),
        )
        centres = create_deliverable(
            s,
            BY,
            tizgui,
            DeliverableIn(
                "Quatre centres de santé rénovés",
                COUNCIL,
                IndicatorIn("count", target=4),
                deadline=PartialDate(2026, 3, None),
            ),
        )
        report_actual(s, BY, tizgui, centres.id, "2026", "3")
        create_deliverable(
            s,
            BY,
            tizgui,
            DeliverableIn("Vingt infirmiers formés", COUNCIL, IndicatorIn("count", target=20)),
        )
        update_convention(s, BY, tizgui, replace(get_convention(s, tizgui).fields, published=True))


def test_the_partner_s_year_over_its_two_conventions(small_region_db: Factory) -> None:
    factory = small_region_db()
    _world(factory)
    with factory() as s:
        report = compute_partner_report(s, COUNCIL, 2026, MADE, _everything)
    first, second = report.conventions
    assert [first.convention.fields.reference, second.convention.fields.reference] == [
        "CP-REPORT",
        "CP-TIZGUI",
    ]
    assert first.roles == second.roles == ("financer",)
    assert (first.money.committed_mad, first.money.disbursed_mad) == (1_000_000, 250_000)
    assert (first.money.unknown_commitments, first.money.percent) == (1, Decimal("25.0"))
    assert (second.money.committed_mad, second.money.disbursed_mad) == (400_000, 300_000)
    assert (second.money.unknown_disbursements, second.money.percent) == (1, Decimal("75.0"))
    total = report.money
    assert (total.committed_mad, total.disbursed_mad) == (1_400_000, 550_000)
    assert (total.unknown_commitments, total.unknown_disbursements) == (1, 1)
    assert total.percent == Decimal("39.3")  # 550,000 ÷ 1,400,000 = 39.29 %
    # In kind: the council's own (the CHU's staff and equipment in CP-REPORT are not).
    assert first.in_kind.items == ()
    assert [c.values.kind for c in second.in_kind.items] == ["premises", "vehicles"]
    assert (report.in_kind_valued_mad, report.in_kind_unknown) == (120_000, 1)
    # Deliverables: the council's own (the CHU's scanners are not).
    assert first.deliverables == () and first.physical.percent is None
    ratios = [s.ratio for s in second.deliverables]
    assert ratios == [Decimal("0.75"), None]
    assert (report.physical.percent, report.physical.measured) == (Decimal("75.0"), 1)
    assert report.physical.unknown_actual == 1
    assert (report.overdue, report.as_of) == (1, date(2026, 12, 31))
    # The CHU: no money of its own, its in kind and scanners in CP-REPORT only.
    with factory() as s:
        chu = compute_partner_report(s, CHU, 2026, MADE, _everything)
    assert [line.convention.fields.reference for line in chu.conventions] == ["CP-REPORT"]
    assert chu.money.committed_mad == 0 and chu.money.percent is None  # unknown, not 0
    assert (chu.in_kind_valued_mad, chu.in_kind_unknown) == (60_000, 1)
    assert chu.physical.percent == Decimal("50.0")
    # 2025: the council's 500,000 in CP-REPORT, nothing disbursed: 0 %, a known 0.
    with factory() as s:
        before = compute_partner_report(s, COUNCIL, 2025, MADE, _everything)
    assert (before.money.committed_mad, before.money.percent) == (500_000, Decimal("0.0"))
    assert ["All its conventions", "", "", "", 500_000, 0, 0, 0] in report_rows(before, "en")
    with factory() as s, pytest.raises(NotFound):
        compute_partner_report(s, "nobody", 2026, MADE, _everything)


def test_the_report_on_the_web_as_xlsx_html_and_pdf(
    small_region_db: Factory, region_engine: Engine
) -> None:
    factory = small_region_db()
    _world(factory)
    web = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    people = web.state.qurb.factory
    reader = add_account(people, "reader", Role.CONVENTION_SECRETARIAT)
    stranger = add_account(
        people, "secretariat-imi", Role.CONVENTION_SECRETARIAT, Scope(territories=[IMI])
    )
    url = f"/api/conventions/partners/{COUNCIL}/report?year=2026"
    with TestClient(web, raise_server_exceptions=False) as client:
        world = World(client, {"reader": reader, "stranger": stranger})
        book = world.ask("reader", "GET", f"{url}&format=xlsx&lang=en")
        assert book.status_code == 200, book.text
        assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert f"qurb-partner-report-{COUNCIL}-2026-en.xlsx" in book.headers["content-disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
        assert sheet is not None
        rows = _rows(sheet)
        assert rows[f"Execution report of {COUNCIL} for 2026"][0] is None
        assert rows["Partner"][:2] == (COUNCIL, COUNCIL)
        assert rows["CP-REPORT"][1:7] == ("Draft", "Financer", 1_000_000, 250_000, 25, 1)
        assert rows["CP-TIZGUI"][3:7] == (400_000, 300_000, 75, 1)
        assert rows["All its conventions"][3:7] == (1_400_000, 550_000, 39.3, 2)
        assert rows["Premises"][:4] == ("CP-TIZGUI", 12, 120_000, "comparable rents")
        assert rows["Vehicles"][:4] == ("CP-TIZGUI", 2, "unknown", "unknown")
        assert rows["Known valuations' total"][2:4] == (120_000, 1)
        assert rows["Quatre centres de santé rénovés"][:5] == ("CP-TIZGUI", "2026-03", 4, 3, 75)
        assert rows["Vingt infirmiers formés"][:5] == (
            "CP-TIZGUI",
            "unknown",
            20,
            "unknown",
            "unknown",
        )
        assert "Échographes" not in str(rows) and "Deux échographes" not in rows
        # Counted at the year's end, or today when sooner: March 2026 is past either way.
        overdue = [v[0] for k, v in rows.items() if str(k).startswith("Deliverables overdue on")]
        assert overdue == [1]
        assert rows["CP-REPORT: convention entered by secretariat, source:"][0] == SOURCE
        assert rows["CP-TIZGUI: convention entered by secretariat, source:"][0] == TIZGUI_SOURCE
        formulas = [k for k in rows if str(k).startswith("Financial execution (%) = known")]
        assert len(formulas) == 1

        arabic = world.ask("reader", "GET", f"{url}&lang=ar")
        assert arabic.status_code == 200, arabic.text
        assert arabic.headers["content-type"].startswith("text/html")
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert f"تقرير تنفيذ {COUNCIL} لسنة 2026" in arabic.text
        assert "اتفاقية الصحة الإقليمية" in arabic.text
        french = world.ask("reader", "GET", url).text
        assert '<html lang="fr" dir="ltr">' in french
        assert "comparable rents" in french and SOURCE in french and TIZGUI_SOURCE in french

        pdf = world.ask("reader", "GET", f"{url}&format=pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

        # As the partner's figures: anyone, and a reader elsewhere, see the published one.
        for who in (None, "stranger"):
            seen = world.ask(who, "GET", f"{url}&format=xlsx&lang=en")
            assert seen.status_code == 200, seen.text
            sheet = openpyxl.load_workbook(io.BytesIO(seen.content)).active
            assert sheet is not None
            firsts = [r[0] for r in sheet.iter_rows(values_only=True) if r]
            assert "CP-TIZGUI" in firsts and "CP-REPORT" not in firsts
            assert SOURCE not in str(list(sheet.iter_rows(values_only=True)))
            # Its source, but not the account that entered it: a published summary names none.
            rows = _rows(sheet)
            assert rows["CP-TIZGUI: published convention, source:"][0] == TIZGUI_SOURCE
            assert "secretariat" not in str(list(sheet.iter_rows(values_only=True)))
        # The CHU is a party to the unpublished convention only: anyone sees none of it.
        chu = world.ask(None, "GET", f"/api/conventions/partners/{CHU}/report?year=2026&lang=en")
        assert chu.status_code == 200, chu.text
        assert "No convention of this partner that you may see." in chu.text
        assert "CP-REPORT" not in chu.text and "pay scale" not in chu.text


def test_bad_asks_are_refused_with_their_reason(
    small_region_db: Factory, region_engine: Engine
) -> None:
    factory = small_region_db()
    _world(factory)
    web = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    reader = add_account(web.state.qurb.factory, "reader", Role.CONVENTION_SECRETARIAT)
    base = "/api/conventions/partners"
    with TestClient(web, raise_server_exceptions=False) as client:
        world = World(client, {"reader": reader})
        unknown = world.ask("reader", "GET", f"{base}/nobody-here/report?year=2026&lang=en")
        assert unknown.status_code == 404, unknown.text
        assert "nobody-here" in unknown.text
        for year in ("1900", "2101", "soon"):
            late = world.ask("reader", "GET", f"{base}/{COUNCIL}/report?year={year}")
            assert late.status_code == 422, (year, late.text)
            assert "year" in late.text
        docx = world.ask("reader", "GET", f"{base}/{COUNCIL}/report?year=2026&format=docx")
        assert docx.status_code == 422 and "format" in docx.text
        german = world.ask("reader", "GET", f"{base}/{COUNCIL}/report?year=2026&lang=de")
        assert german.status_code == 422


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_every_language_words_the_whole_report(small_region_db: Factory, lang: str) -> None:
    factory = small_region_db()
    _world(factory)
    with factory() as s:
        report = compute_partner_report(s, COUNCIL, 2026, MADE, _everything)
    page = report_html(report, lang, MADE)
    assert "CP-REPORT" in page and "CP-TIZGUI" in page and SOURCE in page
    assert len(report_rows(report, lang)) > 30


def test_the_command_writes_the_report_in_its_format(
    small_region_db: Factory,
    region_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    _world(small_region_db())
    db = region_engine.url.render_as_string(hide_password=False)

    def run(*args: str) -> tuple[int, str]:
        command = ["conventions", "partner-report", *args, "--db", db]
        result = CliRunner().invoke(app, command)
        return result.exit_code, result.output

    book = tmp_path / "council.xlsx"
    code, output = run(COUNCIL, "--year", "2026", "--format", "xlsx", "-o", str(book))
    assert code == 0, output
    assert f"Report of {COUNCIL} for 2026 written to" in output
    sheet = openpyxl.load_workbook(book).active
    assert sheet is not None
    rows = _rows(sheet)
    assert rows["Ensemble de ses conventions"][3:7] == (1_400_000, 550_000, 39.3, 2)  # French
    page = tmp_path / "council.html"
    code, output = run(
        COUNCIL, "--year", "2026", "--format", "html", "--lang", "ar", "-o", str(page)
    )
    assert code == 0, output
    assert '<html lang="ar" dir="rtl">' in page.read_text(encoding="utf-8")
    pdf = tmp_path / "council.pdf"
    code, output = run(COUNCIL, "--year", "2026", "-o", str(pdf))  # PDF by default
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF"), output
    code, output = run("nobody-here", "--year", "2026", "-o", str(pdf))
    assert code != 0 and "nobody-here" in output, output
    code, output = run(COUNCIL, "--year", "1900", "-o", str(pdf))
    assert code == 2 and "--year" in output and "1956" in output, output
    code, output = run(COUNCIL, "--year", "2026", "--format", "docx", "-o", str(pdf))
    assert code == 2, output
