"""A convention's yearly execution report, on the small region of `tests/regions.py`,
worked by hand for 2026: the council committed 1,000,000 MAD that year (and one amount
unknown; 500,000 more in 2025, not this year's) and disbursed 250,000 on 15 April 2026:
25 % executed. The CHU gave 20 days of a doctor valued 60,000 MAD by the pay scale and
two items of equipment at an unknown valuation. Its deliverable (two ultrasound scanners,
due June 2026) has 1 delivered in 2026: 50 %. The committee met on 31 March 2026 (no
quorum rule: unknown) and decided two actions, one due 31 May 2026 (overdue by the year's
end), one with no deadline. Unknown figures are said to be unknown, never 0."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.app.web import create_app
from qurb.conventions.committee_model import DecisionIn, MeetingIn
from qurb.conventions.committee_service import record_meeting
from qurb.conventions.deliverable_model import DeliverableIn, IndicatorIn
from qurb.conventions.deliverable_service import create_deliverable, report_actual
from qurb.conventions.execution_report import compute_report, report_html, report_rows
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn, DisbursementIn
from qurb.conventions.money_service import add_contribution, add_disbursement
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from tests.accounts import add_account, add_partner
from tests.regions import IMI, PROVINCE_CODE, REGION_CODE
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU = "council-99991", "chu-99"
SOURCE = "Convention signée, archives du conseil."


def _world(factory: sessionmaker[Session]) -> int:
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    parties = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
    fields = ConventionFields(
        "CP-REPORT",
        "Convention de santé de la province",
        title_ar="اتفاقية الصحة الإقليمية",
        territories=(PROVINCE_CODE,),
        source=SOURCE,
    )
    with transaction(factory) as s:
        found = create_convention(s, BY, fields, parties).id
        money = add_contribution(
            s, BY, found, ContributionIn(COUNCIL, "money", year=2026, amount="1000000")
        )
        add_contribution(s, BY, found, ContributionIn(COUNCIL, "money", year=2026))  # unknown
        add_contribution(s, BY, found, ContributionIn(COUNCIL, "money", year=2025, amount="500000"))
        add_contribution(
            s,
            BY,
            found,
            ContributionIn(
                CHU,
                "staff",
                year=2026,
                quantity="20",
                unit="days",
                profession="doctor",
                valuation="60000",
                valuation_method="pay scale",
            ),
        )
        add_contribution(
            s, BY, found, ContributionIn(CHU, "equipment", year=2026, quantity="2", unit="items")
        )
        paid = DisbursementIn(money.id, COUNCIL, on=date(2026, 4, 15), amount="250000")
        add_disbursement(s, BY, found, paid)
        scanners = create_deliverable(
            s,
            BY,
            found,
            DeliverableIn(
                "Deux échographes",
                CHU,
                IndicatorIn("count", target=2),
                deadline=PartialDate(2026, 6, None),
            ),
        )
        report_actual(s, BY, found, scanners.id, "2026", "1")
        decisions = (
            DecisionIn("Verser la tranche", COUNCIL, date(2026, 5, 31)),
            DecisionIn("Livrer l'échographe", CHU),
        )
        record_meeting(s, BY, found, MeetingIn(date(2026, 3, 31), decisions=decisions))
    return found


def test_the_year_s_figures_with_their_unknowns(small_region_db: Factory) -> None:
    factory = small_region_db()
    found = _world(factory)
    with factory() as s:
        report = compute_report(s, found, 2026, date(2027, 1, 10))
    assert (report.money.committed_mad, report.money.disbursed_mad) == (1_000_000, 250_000)
    assert (report.money.unknown_commitments, report.money.percent) == (1, Decimal("25.0"))
    council, chu = report.parties
    assert (council.execution.committed_mad, council.execution.percent) == (
        1_000_000,
        Decimal("25.0"),
    )
    assert chu.execution.percent is None  # nothing committed in money: unknown, not 0
    assert [c.values.kind for c in report.in_kind] == ["staff", "equipment"]
    assert (report.in_kind_valued_mad, report.in_kind_unknown) == (60_000, 1)
    assert (report.physical.percent, report.physical.measured) == (Decimal("50.0"), 1)
    assert [m.number for m in report.meetings] == [1]
    assert report.meetings[0].quorum_reached is None
    assert report.actions.open == 2 and report.actions.overdue == 1  # at 31 December
    assert report.as_of == date(2026, 12, 31)
    # 2025: its 500,000, nothing disbursed; no meeting, no deliverable measured.
    with factory() as s:
        before = compute_report(s, found, 2025, date(2027, 1, 10))
    assert (before.money.committed_mad, before.money.percent) == (500_000, Decimal("0.0"))
    assert before.meetings == () and before.physical.percent is None
    rows = report_rows(before, "en")
    assert ["The year's physical execution:", "unknown"] in rows


def test_the_report_on_the_web_as_xlsx_html_and_pdf(
    small_region_db: Factory, region_engine: Engine
) -> None:
    factory = small_region_db()
    found = _world(factory)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    people = app.state.qurb.factory
    reader = add_account(people, "reader", Role.CONVENTION_SECRETARIAT)
    outside = Scope(territories=[IMI])
    stranger = add_account(people, "secretariat-imi", Role.CONVENTION_SECRETARIAT, outside)
    url = f"/api/conventions/{found}/report?year=2026"
    with TestClient(app, raise_server_exceptions=False) as client:
        book = client.get(f"{url}&format=xlsx&lang=en", headers=reader.headers)
        assert book.status_code == 200, book.text
        assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
        assert sheet is not None
        rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
        assert rows["Execution report for 2026"][0] is None
        assert rows["Reference"][0] == "CP-REPORT"
        assert rows["Status"][0] == "Draft"
        assert rows["Start"][0] == "unknown"
        assert rows["Signed on"][0] == "unknown"
        assert rows[COUNCIL][:4] == (1_000_000, 250_000, 25, 1)
        assert rows[CHU][:4] == (0, 0, "unknown", 0)  # no money of its own: unknown
        assert rows["Whole convention"][:4] == (1_000_000, 250_000, 25, 1)
        assert rows["Staff"][1:4] == (20, 60_000, "pay scale")
        assert rows["Equipment"][1:4] == (2, "unknown", "unknown")
        assert rows["Known valuations' total"][2:4] == (60_000, 1)
        assert rows["Deux échographes"][2:5] == (2, 1, 50)
        assert rows["The year's physical execution:"][0] == 50
        assert rows["Deliverables measured"][0] == 1
        assert rows[1][:2] == ("2026-03-31", "unknown")  # meeting 1, its quorum unknown
        assert rows["Actions decided in the year, open:"][0] == 2
        assert rows["Convention entered by secretariat, source:"][0] == SOURCE

        arabic = client.get(f"{url}&lang=ar", headers=reader.headers)
        assert arabic.status_code == 200, arabic.text
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert "تقرير التنفيذ لسنة 2026" in arabic.text
        assert "اتفاقية الصحة الإقليمية" in arabic.text
        french = client.get(url, headers=reader.headers).text
        assert '<html lang="fr" dir="ltr">' in french
        assert "Rapport d&#39;exécution de l&#39;année 2026" in french
        assert "pay scale" in french and SOURCE in french

        pdf = client.get(f"{url}&format=pdf", headers=reader.headers)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

        refused = client.get(url, headers=stranger.headers)
        assert refused.status_code == 403, refused.text
        assert client.get(url).status_code in (401, 403)
        bad = client.get(f"/api/conventions/{found}/report?year=soon", headers=reader.headers)
        assert bad.status_code == 422
        assert client.get(f"{url}&lang=de", headers=reader.headers).status_code == 422


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_every_language_words_the_whole_report(small_region_db: Factory, lang: str) -> None:
    factory = small_region_db()
    found = _world(factory)
    with factory() as s:
        report = compute_report(s, found, 2026, date(2027, 1, 10))
    page = report_html(report, lang, date(2027, 1, 10))
    assert "CP-REPORT" in page and SOURCE in page
    assert len(report_rows(report, lang)) > 30


def test_the_command_writes_the_report_by_its_suffix(
    small_region_db: Factory,
    region_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    _world(small_region_db())
    db = region_engine.url.render_as_string(hide_password=False)

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["conventions", "report", "CP-REPORT", *args, "--db", db])
        return result.exit_code, result.output

    book = tmp_path / "report.xlsx"
    code, output = run("--year", "2026", "--out", str(book))
    assert code == 0, output
    assert "Report for 2026 written to" in output
    sheet = openpyxl.load_workbook(book).active
    assert sheet is not None
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["Référence"][0] == "CP-REPORT"  # French by default
    assert rows["Ensemble de la convention"][:4] == (1_000_000, 250_000, 25, 1)
    page = tmp_path / "report.html"
    code, output = run("--year", "2026", "--lang", "ar", "--out", str(page))
    assert code == 0, output
    assert '<html lang="ar" dir="rtl">' in page.read_text(encoding="utf-8")
    code, output = run("--year", "2026", "--out", str(tmp_path / "report.txt"))
    assert code == 2 and "--out" in output, output
    code, output = run("--year", "soon", "--out", str(book))
    assert code == 2, output
