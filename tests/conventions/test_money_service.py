"""A convention's money through its services on the small region of `tests/regions.py`,
on SQLite and PostgreSQL: contributions in money and in kind, co-funded items' shares,
tranches, disbursements refused beyond the current commitment (allowed once an amendment
raised it), outside the convention's dates or from a party that is not one, and the
financial execution worked by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.conventions._money_tables import ContributionRow, DisbursementRow
from qurb.conventions.model import AmendmentIn, ConventionFields, ConventionInputError, PartyIn
from qurb.conventions.money_execution import financial_execution
from qurb.conventions.money_model import ContributionIn, DisbursementIn, TrancheIn
from qurb.conventions.money_service import (
    add_contribution,
    add_disbursement,
    add_tranche,
    list_contributions,
    list_disbursements,
    update_contribution,
    update_disbursement,
    update_tranche,
)
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import add_amendment, create_convention
from qurb.kernel.actor import Actor
from qurb.kernel.errors import StaleVersion
from qurb.platform.database import transaction
from qurb.registry.capacity_model import EquipmentCreate
from qurb.registry.equipment import add_equipment
from qurb.registry.service import FacilityCreate, close_facility, create_facilities
from tests.accounts import add_partner
from tests.regions import HP_TIZGUI, IMI, PROVINCE_CODE, REGION_CODE, TIZGUI

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU, ASSOCIATION = "council-99991", "chu-99", "association-sante"
FIELDS = ConventionFields(
    reference="CP-99991-MONEY",
    title_fr="Convention de financement",
    start_on=PartialDate(2026, 1, 1),
    end_on=PartialDate(2027, 12, 31),
    territories=(PROVINCE_CODE,),
)


def _region(small_region_db: Factory) -> tuple[sessionmaker[Session], int]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    add_partner(factory, ASSOCIATION, "association", TIZGUI)  # a partner, not a party
    parties = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
    with transaction(factory) as s:
        return factory, create_convention(s, BY, FIELDS, parties).id


def _money(partner: str, amount: object, year: int | None = 2026, **kw: object) -> ContributionIn:
    return ContributionIn(partner, "money", year, amount=amount, **kw)  # type: ignore[arg-type]


def _pay(
    contribution_id: int, partner: str, amount: object, on: date | None, **kw: object
) -> DisbursementIn:
    return DisbursementIn(contribution_id, partner, on=on, amount=amount, **kw)  # type: ignore[arg-type]


def _count(factory: sessionmaker[Session], table: type) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_financial_execution_counts_unknown_amounts_apart(small_region_db: Factory) -> None:
    factory, cid = _region(small_region_db)
    with transaction(factory) as s:
        million = add_contribution(s, BY, cid, _money(COUNCIL, "1 000 000"))
        add_contribution(s, BY, cid, _money(COUNCIL, None, year=None))  # amount not published
        chu = add_contribution(s, BY, cid, _money(CHU, 200_000))
        add_disbursement(s, BY, cid, _pay(million.id, COUNCIL, "250000", date(2026, 3, 15)))
        add_disbursement(s, BY, cid, _pay(chu.id, CHU, 50_000, date(2027, 2, 1)))
        add_disbursement(s, BY, cid, _pay(chu.id, CHU, None, date(2026, 5, 1)))
        add_disbursement(
            s,
            BY,
            cid,
            _pay(
                chu.id, CHU, "30000.50", date(2026, 6, 1), kind="expenditure", to_payee="Société X"
            ),
        )
        equipment = add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "ultrasound", "délégation"))
        add_contribution(
            s,
            BY,
            cid,
            ContributionIn(
                CHU,
                "staff",
                2026,
                quantity=120,
                unit="days",
                profession="médecin",
                specialty="pédiatrie",
                valuation=60_000,
                valuation_method="120 jours × 500 MAD",
            ),
        )
        add_contribution(
            s,
            BY,
            cid,
            ContributionIn(
                CHU,
                "equipment",
                2026,
                quantity=1,
                unit="items",
                equipment_id=equipment.id,
                facility_id=HP_TIZGUI,
            ),
        )
        add_contribution(
            s,
            BY,
            cid,
            ContributionIn(
                COUNCIL,
                "premises",
                None,
                quantity=200,
                unit="m2",
                valuation="48000",
                valuation_method="loyer du marché",
            ),
        )
    with factory() as s:
        report = financial_execution(s, cid)
    whole = report.convention
    # committed 1,000,000 + 200,000 known, 1 unknown; disbursed 250,000 + 50,000, 1 unknown
    assert (whole.committed_mad, whole.unknown_commitments) == (Decimal(1_200_000), 1)
    assert (whole.disbursed_mad, whole.unknown_disbursements) == (Decimal(300_000), 1)
    assert whole.percent == Decimal("25.0")
    council, chu_execution = report.by_party[COUNCIL], report.by_party[CHU]
    assert (council.committed_mad, council.disbursed_mad, council.percent) == (
        Decimal(1_000_000),
        Decimal(250_000),
        Decimal("25.0"),
    )
    assert (council.unknown_commitments, council.unknown_disbursements) == (1, 0)
    assert (chu_execution.percent, chu_execution.unknown_disbursements) == (Decimal("25.0"), 1)
    # 2026: 250,000 ÷ 1,200,000 = 20.83 %; 2027 and the unknown year: nothing committed known
    assert report.by_year[2026].percent == Decimal("20.8")
    assert report.by_year[2027].ratio is None and report.by_year[None].ratio is None
    assert report.by_party_year[(CHU, 2027)].disbursed_mad == Decimal(50_000)
    assert (report.spent_mad, report.unknown_spent) == (Decimal("30000.50"), 0)
    overall = {
        t.kind: (t.valued_mad, t.valued, t.unknown) for t in report.in_kind if t.partner_id is None
    }
    assert overall == {
        "staff": (Decimal(60_000), 1, 0),
        "equipment": (Decimal(0), 0, 1),
        "premises": (Decimal(48_000), 1, 0),
    }
    assert [(t.kind, t.partner_id) for t in report.in_kind if t.partner_id] == [
        ("staff", CHU),
        ("equipment", CHU),
        ("premises", COUNCIL),
    ]


def test_a_co_funded_item_shows_each_partys_share(small_region_db: Factory) -> None:
    factory, cid = _region(small_region_db)
    with transaction(factory) as s:
        add_contribution(s, BY, cid, _money(COUNCIL, 300_000, item="ambulance"))
        add_contribution(s, BY, cid, _money(CHU, 100_000, item="ambulance"))
        add_contribution(
            s,
            BY,
            cid,
            ContributionIn(CHU, "vehicles", 2026, item="ambulance", quantity=1, unit="items"),
        )
    with factory() as s:
        found = list_contributions(s, cid)
    shares = [
        (c.values.partner_id, c.values.kind, c.share, c.item_total, c.item_unknown) for c in found
    ]
    assert shares == [
        (CHU, "money", Decimal("25.0"), Decimal(400_000), 1),
        (CHU, "vehicles", None, Decimal(400_000), 1),
        (COUNCIL, "money", Decimal("75.0"), Decimal(400_000), 1),
    ]


def test_bad_contributions_are_all_named_and_nothing_is_written(small_region_db: Factory) -> None:
    factory, cid = _region(small_region_db)
    with transaction(factory) as s:
        made = FacilityCreate(name="CSR fermé", category="CSR-1", commune=IMI, lon=-7.0, lat=31.3)
        [gone] = create_facilities(s, BY, [(None, made)])
        close_facility(s, BY, gone, "closed")
    cases = [
        (_money(COUNCIL, "-5"), [("amount", "indicator_negative")]),
        (_money(COUNCIL, "beaucoup"), [("amount", "indicator_not_number")]),
        (_money(COUNCIL, "12.345"), [("amount", "money_too_precise")]),
        (_money(ASSOCIATION, 1000), [("partner_id", "money_not_a_party")]),
        (
            ContributionIn(CHU, "equipment", 2026, equipment_id=999_999, facility_id=gone),
            [("equipment_id", "money_no_equipment"), ("facility_id", "money_facility_closed")],
        ),
        (
            ContributionIn(CHU, "equipment", 2026, facility_id="nowhere"),
            [("facility_id", "money_no_facility")],
        ),
        (
            ContributionIn(CHU, "staff", 2026, quantity=2, valuation=10),
            [
                ("unit", "money_unit_required"),
                ("valuation_method", "money_method_required"),
                ("profession", "convention_field_required"),
            ],
        ),
        (
            ContributionIn(CHU, "premises", 1900, quantity=2, unit="days", amount=5),
            [("year", "money_year")],
        ),
        (
            ContributionIn(CHU, "premises", 2026, quantity=2, unit="days", amount=5),
            [("amount", "money_field_not_for_kind"), ("unit", "convention_choice")],
        ),
        (ContributionIn(CHU, "gold"), [("kind", "convention_choice")]),
    ]
    for asked, expected in cases:
        with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
            add_contribution(s, BY, cid, asked)
        assert [(e.field, e.code) for e in refused.value.errors] == expected, asked
    assert _count(factory, ContributionRow) == 0


def test_a_disbursement_beyond_the_commitment_waits_for_an_amendment(
    small_region_db: Factory,
) -> None:
    factory, cid = _region(small_region_db)
    with transaction(factory) as s:
        committed = add_contribution(s, BY, cid, _money(COUNCIL, 100_000))
        tranche = add_tranche(s, BY, cid, committed.id, TrancheIn(PartialDate(2026, 6), 50_000))
        add_disbursement(s, BY, cid, _pay(committed.id, COUNCIL, 80_000, date(2026, 2, 1)))
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        add_disbursement(s, BY, cid, _pay(committed.id, COUNCIL, 30_000, date(2026, 3, 1)))
    [beyond] = refused.value.errors
    assert (beyond.field, beyond.code) == ("amount", "money_beyond_commitment")
    assert beyond.values == {"committed": "100000.00", "disbursed": "80000.00"}
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        update_contribution(s, BY, cid, committed.id, _money(COUNCIL, 150_000), amendment_number=1)
    assert [e.code for e in refused.value.errors] == ["money_no_amendment"]
    with transaction(factory) as s:
        add_amendment(s, BY, cid, AmendmentIn(1, PartialDate(2026, 2, 20)))
        raised = update_contribution(
            s, BY, cid, committed.id, _money(COUNCIL, 150_000), amendment_number=1, if_version=1
        )
    assert raised.version == 2 and raised.values.amount == Decimal(150_000)
    [change] = raised.history
    assert (change.field, change.previous, change.value, change.amendment_number) == (
        "amount",
        Decimal(100_000),
        Decimal(150_000),
        1,
    )
    assert change.changed_by == "secretariat"
    with transaction(factory) as s:
        paid = add_disbursement(s, BY, cid, _pay(committed.id, COUNCIL, 30_000, date(2026, 3, 1)))
    with pytest.raises(StaleVersion), transaction(factory) as s:
        update_contribution(s, BY, cid, committed.id, _money(COUNCIL, 90_000), if_version=1)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        update_contribution(s, BY, cid, committed.id, _money(COUNCIL, 100_000), if_version=2)
    assert [e.code for e in refused.value.errors] == ["money_below_disbursed"]
    # an edit of a disbursement counts the others, not its old self
    with transaction(factory) as s:
        edited = _pay(committed.id, COUNCIL, 70_000, date(2026, 3, 2))
        changed = update_disbursement(s, BY, cid, paid.id, edited, if_version=1)
        moved = update_tranche(
            s,
            BY,
            cid,
            committed.id,
            tranche.id,
            TrancheIn(PartialDate(2026, 9), 60_000, "rapport"),
            if_version=1,
        )
    assert (changed.amount, changed.version) == (Decimal(70_000), 2)
    assert (moved.due_on, moved.condition, moved.version) == (PartialDate(2026, 9), "rapport", 2)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        update_disbursement(s, BY, cid, paid.id, _pay(committed.id, COUNCIL, 70_000.01, None))
    assert [e.code for e in refused.value.errors] == ["money_beyond_commitment"]
    with factory() as s:
        [listed] = list_contributions(s, cid)
        actions = [e.action for e in audit.entries(s, EntryFilter(entity_kind="contribution"))]
    assert [t.amount for t in listed.tranches] == [Decimal(60_000)]
    assert actions == ["convention.contribution.add", "convention.contribution.update"]


def test_dates_outside_the_convention_and_parties_not_its_own_are_refused(
    small_region_db: Factory,
) -> None:
    factory, cid = _region(small_region_db)
    with transaction(factory) as s:
        council = add_contribution(s, BY, cid, _money(COUNCIL, 100_000))
        chu = add_contribution(s, BY, cid, _money(CHU, 100_000))
    cases = [
        (_pay(council.id, COUNCIL, 10, date(2025, 12, 31)), [("on", "money_date_outside")]),
        (_pay(council.id, COUNCIL, 10, date(2028, 1, 1)), [("on", "money_date_outside")]),
        (
            _pay(council.id, ASSOCIATION, 10, None),
            [
                ("from_partner_id", "money_not_a_party"),
                ("contribution_id", "money_not_its_contribution"),
            ],
        ),
        (
            _pay(council.id, COUNCIL, 10, None, to_partner_id=ASSOCIATION),
            [("to_partner_id", "money_not_a_party")],
        ),
        (_pay(chu.id, COUNCIL, 10, None), [("contribution_id", "money_not_its_contribution")]),
        (_pay(council.id, COUNCIL, "-1", None), [("amount", "indicator_negative")]),
        (_pay(council.id, COUNCIL, "dix", None), [("amount", "indicator_not_number")]),
        (
            _pay(council.id, COUNCIL, 10, None, to_partner_id=CHU, to_payee="X"),
            [("to_payee", "money_two_payees")],
        ),
        (_pay(999, COUNCIL, 10, None), [("contribution_id", "no_contribution")]),
    ]
    for asked, expected in cases:
        with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
            add_disbursement(s, BY, cid, asked)
        assert [(e.field, e.code) for e in refused.value.errors] == expected, asked
    assert _count(factory, DisbursementRow) == 0
    with transaction(factory) as s:
        # the last day of the convention, and one of unknown date, are within it
        add_disbursement(
            s, BY, cid, _pay(council.id, COUNCIL, 10, date(2027, 12, 31), to_partner_id=CHU)
        )
        add_disbursement(s, BY, cid, _pay(council.id, COUNCIL, 10, None))
        found = list_disbursements(s, cid)
    assert [(d.on, d.to_partner_id) for d in found] == [(date(2027, 12, 31), CHU), (None, None)]


def test_dates_are_not_checked_against_a_partial_start(small_region_db: Factory) -> None:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    fields = ConventionFields(
        reference="CP-PARTIAL",
        title_fr="Début inconnu",
        start_on=PartialDate(2026),
        territories=(PROVINCE_CODE,),
    )
    with transaction(factory) as s:
        cid = create_convention(s, BY, fields, (PartyIn(COUNCIL, "financer"),)).id
        made = add_contribution(s, BY, cid, _money(COUNCIL, None))
        paid = add_disbursement(s, BY, cid, _pay(made.id, COUNCIL, 5, date(2020, 1, 1)))
    assert paid.on == date(2020, 1, 1)  # the start's day is unknown: no comparison guessed
