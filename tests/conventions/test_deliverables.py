"""A convention's deliverables through their services on the small region of
`tests/regions.py`, on SQLite and PostgreSQL: checked whole before anything is written
(an owner that is not a party, a deadline outside the convention, a facility that does
not exist or is closed, an actual of the wrong type), their actuals' history, a party's
user reporting only its own, the physical execution of a period worked by hand, and the
overdue deliverables' job raising each alert once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.conventions import deliverable_job
from qurb.conventions.deliverable_model import (
    DeliverableIn,
    IndicatorIn,
    Reference,
)
from qurb.conventions.deliverable_service import (
    attach_evidence,
    create_deliverable,
    get_deliverable,
    last_day,
    list_deliverables,
    move_deliverable,
    overdue,
    physical_execution,
    report_actual,
)
from qurb.conventions.model import ConventionFields, ConventionInputError, PartyIn
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, StaleVersion
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.registry._tables import FacilityRow
from tests.accounts import add_account, add_partner
from tests.conventions.test_model import PDF
from tests.regions import HP_TIZGUI, PROVINCE_CODE, REGION_CODE, TIZGUI

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU, OUTSIDER = "council-99991", "chu-99", "association-sante"
CSU = "ESSP-99.991.01.01-csu-centre"
FIELDS = ConventionFields(
    reference="CP-99991-CHU",
    title_fr="Convention entre le conseil préfectoral et le CHU",
    start_on=PartialDate(2026, 1, 1),
    end_on=PartialDate(2028, 12, 31),
    territories=(PROVINCE_CODE,),
)
PARTIES = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
SCANNERS = DeliverableIn(
    "Équiper l'hôpital provincial de deux scanners",
    CHU,
    IndicatorIn("count", "scanners", baseline=0, target=100),
    what_ar="تجهيز المستشفى الإقليمي بجهازي سكانير",
    deadline=PartialDate(2027, 6, 30),
    references=(Reference("facility", HP_TIZGUI), Reference("territory", TIZGUI)),
)
SYSTEM = DeliverableIn("Système d'information intégré", COUNCIL, IndicatorIn("yes_no"))
FOLLOW_UP = DeliverableIn("Suivi mère-enfant", CHU, IndicatorIn("percentage", "%", target=80))


def _world(small_region_db: Factory) -> tuple[sessionmaker[Session], int]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    add_partner(factory, OUTSIDER, "association", TIZGUI)
    with transaction(factory) as s:
        return factory, create_convention(s, BY, FIELDS, PARTIES).id


def _refused(factory: sessionmaker[Session], convention: int, item: DeliverableIn) -> set[str]:
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        create_deliverable(s, BY, convention, item)
    return {f"{p.field}:{p.code}" for p in refused.value.errors}


def test_a_deliverable_keeps_its_indicator_and_the_objects_it_concerns(
    small_region_db: Factory,
) -> None:
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        made = create_deliverable(s, BY, convention, SCANNERS)
    with factory() as s:
        read = get_deliverable(s, convention, made.id)
        [entry] = audit.entries(s, EntryFilter(entity_kind="deliverable"))
    assert read == made
    assert (read.status, read.version, read.owner, read.deadline.iso()) == (
        "planned",
        1,
        CHU,
        "2027-06-30",
    )
    assert (read.indicator_kind, read.baseline, read.target) == ("count", 0, 100)
    assert type(read.target) is int and read.weight is None
    assert read.references == SCANNERS.references
    assert (entry.action, entry.entity_id) == ("deliverable.create", str(made.id))


def test_bad_deliverables_are_refused_whole_each_problem_named(small_region_db: Factory) -> None:
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        s.execute(update(FacilityRow).where(FacilityRow.id == CSU).values(status="closed"))
    assert _refused(
        factory,
        convention,
        DeliverableIn(
            "Hors délai",
            OUTSIDER,
            IndicatorIn("count", target="N/A"),
            article=9,
            deadline=PartialDate(2030, 1, 1),
        ),
    ) == {
        "owner:deliverable_owner_not_party",
        "article:deliverable_no_article",
        "deadline:deliverable_deadline_outside",
        "indicator.target:indicator_not_number",
    }
    references = (
        Reference("facility", "no-such-facility"),
        Reference("facility", CSU),
        Reference("equipment", "999"),
        Reference("project", "999"),
        Reference("campaign", "nope"),
        Reference("territory", "00.000"),
    )
    assert _refused(factory, convention, DeliverableIn("x", CHU, IndicatorIn("yes_no"),
                                                       references=references)) == {
        "references[0].ref:deliverable_no_facility",
        "references[1].ref:deliverable_facility_closed",
        "references[2].ref:deliverable_no_equipment",
        "references[3].ref:deliverable_no_project",
        "references[4].ref:deliverable_no_campaign",
        "references[5].ref:deliverable_no_territory",
    }  # fmt: skip
    # A deadline known only to the year is not compared: the check is skipped, not guessed.
    with transaction(factory) as s:
        later = DeliverableIn("x", CHU, IndicatorIn("yes_no"), deadline=PartialDate(2030))
        create_deliverable(s, BY, convention, later)
    with factory() as s:
        assert len(list_deliverables(s, convention)) == 1
        assert audit.entries(s, EntryFilter(entity_kind="deliverable"))[0].action == (
            "deliverable.create"
        )


def test_actuals_are_typed_and_their_history_kept(small_region_db: Factory) -> None:
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        made = create_deliverable(s, BY, convention, SCANNERS)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        report_actual(s, BY, convention, made.id, "2026", "N/A")
    assert [(p.field, p.code) for p in refused.value.errors] == [("actual", "indicator_not_number")]
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        report_actual(s, BY, convention, made.id, "2026-13", 3)
    assert [(p.field, p.code) for p in refused.value.errors] == [("period", "deliverable_period")]
    with transaction(factory) as s:
        report_actual(s, BY, convention, made.id, "2026", "40")
    with transaction(factory) as s:
        after = report_actual(s, BY, convention, made.id, "2026", 50, note="corrected")
    assert [(a.period, a.value) for a in after.actuals] == [("2026", 40), ("2026", 50)]
    current = after.actual_for("2026")
    assert current is not None and (current.value, current.note) == (50, "corrected")
    assert after.actual_for("2027") is None


def test_a_partys_user_reports_its_own_deliverables_only(small_region_db: Factory) -> None:
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        scanners = create_deliverable(s, BY, convention, SCANNERS)  # the CHU's
        system = create_deliverable(s, BY, convention, SYSTEM)  # the council's
    chu_user = Actor("account:7", grant="3", partner=CHU)
    with pytest.raises(Forbidden) as refused, transaction(factory) as s:
        report_actual(s, chu_user, convention, system.id, "2026", "yes")
    assert refused.value.code == "deliverable_not_yours"
    with pytest.raises(Forbidden), transaction(factory) as s:
        attach_evidence(s, chu_user, convention, system.id, "pv.pdf", PDF)
    with transaction(factory) as s:
        report_actual(s, chu_user, convention, scanners.id, "2026", 1)
        shown = attach_evidence(s, chu_user, convention, scanners.id, "pv.pdf", PDF)
    assert len(shown.documents) == 1
    with factory() as s:
        assert get_deliverable(s, convention, system.id).actuals == ()
        actions = [e.action for e in audit.entries(s, EntryFilter(entity_kind="deliverable"))]
    assert sorted(actions) == sorted(
        ["deliverable.create"] * 2 + ["deliverable.actual", "deliverable.evidence"]
    )


def test_statuses_move_forward_with_if_match(small_region_db: Factory) -> None:
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        made = create_deliverable(s, BY, convention, SYSTEM)
    with pytest.raises(StaleVersion), transaction(factory) as s:
        move_deliverable(s, BY, convention, made.id, "in_progress", if_version=7)
    with transaction(factory) as s:
        moved = move_deliverable(s, BY, convention, made.id, "delivered", if_version=1)
    assert (moved.status, moved.version) == ("delivered", 2)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        move_deliverable(s, BY, convention, made.id, "late")
    assert refused.value.errors[0].code == "deliverable_move_refused"


def test_physical_execution_worked_by_hand(small_region_db: Factory) -> None:
    """Scanners 50 of 100 → 0.5; the system delivered (yes) → 1; the follow-up has no
    actual for 2026 → left out: (0.5 + 1) / 2 = 75 %, one unknown. A dropped one is left
    out; weights are used only when every open deliverable has one."""
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        scanners = create_deliverable(s, BY, convention, SCANNERS)
        system = create_deliverable(s, BY, convention, SYSTEM)
        create_deliverable(s, BY, convention, FOLLOW_UP)
        dropped = create_deliverable(s, BY, convention, SYSTEM)
        report_actual(s, BY, convention, scanners.id, "2026", 50)
        report_actual(s, BY, convention, system.id, "2026", "oui")
        report_actual(s, BY, convention, dropped.id, "2026", "non")
        move_deliverable(s, BY, convention, dropped.id, "dropped")
    with factory() as s:
        report = physical_execution(s, convention, "2026")
        other_year = physical_execution(s, convention, "2027")
    execution = report.execution
    assert (execution.ratio, execution.percent) == (Decimal("0.75"), Decimal("75.0"))
    assert (execution.measured, execution.unknown_actual, execution.without_target) == (2, 1, 0)
    assert (report.weighted, report.dropped) == (False, 1)
    assert [(x.ratio, x.left_out) for x in report.scores] == [
        (Decimal("0.5"), None),
        (Decimal(1), None),
        (None, "actual"),
    ]
    assert other_year.execution.ratio is None and other_year.execution.unknown_actual == 3


def test_weights_given_for_every_deliverable_weigh(small_region_db: Factory) -> None:
    """Weights 3 and 1: (3 × 0.5 + 1 × 1) / 4 = 0.625."""
    factory, convention = _world(small_region_db)
    with transaction(factory) as s:
        scanners = create_deliverable(
            s, BY, convention, DeliverableIn(**{**SCANNERS.__dict__, "weight": Decimal(3)})
        )
        system = create_deliverable(
            s, BY, convention, DeliverableIn(**{**SYSTEM.__dict__, "weight": Decimal(1)})
        )
        report_actual(s, BY, convention, scanners.id, "2026-05", 50)
        report_actual(s, BY, convention, system.id, "2026-05", True)
    with factory() as s:
        report = physical_execution(s, convention, "2026-05")
    assert (report.weighted, report.execution.ratio) == (True, Decimal("0.625"))


def test_a_partial_deadline_is_past_after_its_last_possible_day() -> None:
    assert last_day(PartialDate(2026)) == date(2026, 12, 31)
    assert last_day(PartialDate(2028, 2)) == date(2028, 2, 29)
    assert last_day(PartialDate(None, 12, 1)) is None


def test_overdue_deliverables_raise_each_alert_once(small_region_db: Factory) -> None:
    """On 1 January 2028: the scanners (deadline 30 June 2027, planned) are overdue; the
    system (no deadline) and a delivered one are not. One alert to the CHU's user, one to
    the secretariat over the province; a second run raises none."""
    factory, convention = _world(small_region_db)
    chu_user = add_account(
        factory, "chu-user", Role.CONVENTION_PARTY, Scope(partners=[CHU]), partner=CHU
    )
    add_account(factory, "council-user", Role.CONVENTION_PARTY, partner=COUNCIL)
    with transaction(factory) as s:
        scanners = create_deliverable(s, BY, convention, SCANNERS)
        create_deliverable(s, BY, convention, SYSTEM)
        done = create_deliverable(s, BY, convention, SCANNERS)
        move_deliverable(s, BY, convention, done.id, "delivered")
    now = datetime(2028, 1, 1, 6, 0, tzinfo=UTC)
    with factory() as s:
        assert [o.deliverable.id for o in overdue(s, now.date())] == [scanners.id]
        assert overdue(s, date(2027, 6, 30)) == []
    with transaction(factory) as s:
        first = deliverable_job.run(s, now)
    with transaction(factory) as s:
        second = deliverable_job.run(s, now)
    assert (first.counts, len(first.alerts)) == ({"overdue_deliverables": 1}, 2)
    assert (second.counts, second.alerts) == ({"overdue_deliverables": 1}, ())
    with factory() as s:
        rows = s.scalars(select(AlertRow).order_by(AlertRow.id)).all()
        count = s.scalar(select(func.count()).select_from(AlertRow))
    assert count == 2
    owner, secretariat = rows
    assert (owner.account_id, owner.permission) == (chu_user.account_id, None)
    assert (secretariat.account_id, secretariat.permission, secretariat.territory_code) == (
        None,
        "conventions.manage",
        PROVINCE_CODE,
    )
    assert owner.words_key == "alert.deliverable_overdue"
