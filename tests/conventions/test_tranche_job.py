"""Tranches due as a time-based job, on the small region of `tests/regions.py` (SQLite
and PostgreSQL), worked by hand: the council commits 1,000,000 MAD in four tranches —
400,000 due 15 January 2026, 300,000 due in June 2026, 300,000 due 1 January 2027, and one
of unknown date — and has disbursed 400,000. Run on 1 July 2026 (a notice of 30 days): the
first tranche is covered, June's is due and not covered (alerted), 2027's is not due yet,
the undated one cannot be told (counted). A second run raises nothing new."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn, DisbursementIn, TrancheIn
from qurb.conventions.money_service import add_contribution, add_disbursement, add_tranche
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention, move_status
from qurb.conventions.tranche_job import run
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from tests.accounts import add_account, add_partner
from tests.regions import PROVINCE_CODE

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL = "council-99991"
JULY = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def test_a_tranche_due_and_not_covered_is_alerted_once(small_region_db: Factory) -> None:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    payer = add_account(
        factory,
        "council-clerk",
        Role.CONVENTION_PARTY,
        Scope(territories=[PROVINCE_CODE]),
        partner=COUNCIL,
    )
    with transaction(factory) as s:
        fields = ConventionFields("CP-TRANCHES", "Tranches", territories=(PROVINCE_CODE,))
        convention = create_convention(s, BY, fields, (PartyIn(COUNCIL, "financer"),)).id
        move_status(s, BY, convention, "signed")
        money = add_contribution(
            s, BY, convention, ContributionIn(COUNCIL, "money", amount="1000000")
        )
        for due, amount in (
            (PartialDate(2026, 1, 15), "400000"),
            (PartialDate(2026, 6, None), "300000"),
            (PartialDate(2027, 1, 1), "300000"),
            (PartialDate(None, None, None), "0"),
        ):
            add_tranche(s, BY, convention, money.id, TrancheIn(due, amount))
        add_disbursement(s, BY, convention, DisbursementIn(money.id, COUNCIL, amount="400000"))
    with transaction(factory) as s:
        first = run(s, JULY)
    assert first.counts == {"tranches_due": 1, "unknown": 1}
    # One alert to the council's clerk, one to the secretariat over the province.
    assert len(first.alerts) == 2
    with factory() as s:
        rows = s.scalars(select(AlertRow)).all()
        assert {r.account_id for r in rows} == {payer.account_id, None}
        assert {r.permission for r in rows if r.account_id is None} == {"conventions.manage"}
        assert all("2026-06" in r.words_values and "300000" in r.words_values for r in rows)
    with transaction(factory) as s:
        again = run(s, JULY)
    assert again.alerts == () and again.counts["tranches_due"] == 1
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 2
