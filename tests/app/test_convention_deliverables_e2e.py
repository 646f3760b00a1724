"""A convention's deliverables on its page, in a real headless Chromium, in French and in
Arabic: Fès's council–CHU convention (from the public record) given two deliverables
of test (a count, 50 of 100, its name corrected once, and a yes/no, yes, both reported for
this year), shown to
the signed-in account with their owner and status, and this year's physical execution
above them: (0.5 + 1) / 2 = 75 %; its money (the council commits 1,000,000 MAD and
disburses 250,000: 25 %) and its steering committee (every 6 months, a quorum of 3, one
meeting with two guests only: not reached; one action open). Same server, browser and
skip rules as test_e2e.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from qurb.conventions.deliverable_amend import update_deliverable
from qurb.conventions.deliverable_model import DeliverableIn, IndicatorIn
from qurb.conventions.deliverable_service import create_deliverable, report_actual
from qurb.conventions.imports import import_convention, read_convention_file
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, transaction

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "conventions" / "fes-council-chu.toml"
PERCENT = {"fr": "75", "ar": "75"}
STATUS = {"fr": "Prévu", "ar": "مُبرمَج"}
NO = {"fr": "non", "ar": "لا"}


def _with_deliverables(url: str) -> int:
    """Fès's convention imported, with two deliverables reported for this year."""
    engine = make_engine(url)
    by, year = Actor.local("e2e"), str(date.today().year)
    try:
        with transaction(sessionmaker(engine)) as session:
            made = import_convention(session, by, read_convention_file(EXAMPLE)).convention
            council, chu = (p.partner_id for p in made.parties)
            count = DeliverableIn("Examens de scanner", chu, IndicatorIn("count", target=100))
            yes_no = DeliverableIn("Système d'information", council, IndicatorIn("yes_no"))
            first = create_deliverable(session, by, made.id, count)
            second = create_deliverable(session, by, made.id, yes_no)
            fixed = replace(count, what_fr="Examens de scanner du CHU")  # a correction
            update_deliverable(session, by, made.id, first.id, fixed, if_version=first.version)
            report_actual(session, by, made.id, first.id, year, 50)
            report_actual(session, by, made.id, second.id, year, "oui")
            _money_and_committee(session, by, made.id, council)
            return made.id
    finally:
        engine.dispose()


def _money_and_committee(session: Any, by: Actor, convention: int, council: str) -> None:
    from qurb.conventions.committee_model import AttendanceIn, DecisionIn, MeetingIn, RuleIn
    from qurb.conventions.committee_service import record_meeting, set_rule
    from qurb.conventions.money_model import ContributionIn, DisbursementIn
    from qurb.conventions.money_service import add_contribution, add_disbursement

    paid = add_contribution(
        session, by, convention, ContributionIn(council, "money", year=2026, amount="1000000")
    )
    add_disbursement(session, by, convention, DisbursementIn(paid.id, council, amount="250000"))
    set_rule(session, by, convention, RuleIn(every_months=6, quorum=3))
    meeting = MeetingIn(
        held_on=date(2026, 3, 31),
        attendance=(
            AttendanceIn("present", guest_name="M. A"),
            AttendanceIn("present", guest_name="Mme B"),
        ),
        decisions=(DecisionIn("Installer le scanner", council, date(2026, 6, 30)),),
    )
    record_meeting(session, by, convention, meeting)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_deliverables_and_their_physical_execution(
    page: Any, scratch_db: str, lang: str
) -> None:
    from playwright.sync_api import expect

    convention = _with_deliverables(scratch_db)
    page.goto(f"{page.base}/conventions?id={convention}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}'] .convention-deliverables")
    rows = page.locator(".convention-deliverables tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(STATUS[lang])
    expect(rows.first).to_contain_text("100")
    changes = rows.first.locator(".deliverable-changes")
    expect(changes.locator("summary")).to_contain_text("1")
    changes.locator("summary").click()
    expect(changes.locator("li")).to_contain_text("Examens de scanner du CHU")
    expect(rows.nth(1).locator(".deliverable-changes")).to_have_count(0)
    expect(page.locator(".convention-physical")).to_contain_text(PERCENT[lang])
    money = page.locator(".convention-money tbody tr")
    expect(money).to_have_count(1)  # the council: the one party that committed money
    expect(page.locator(".convention-money-line")).to_contain_text("25")
    meetings = page.locator(".convention-meetings tbody tr")
    expect(meetings).to_have_count(1)
    expect(meetings.first).to_contain_text(NO[lang])  # the quorum: not reached
    expect(page.locator(".convention-actions li")).to_have_count(1)
