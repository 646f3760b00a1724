"""A convention's steering committee through its services, on the small region of
`tests/regions.py` (SQLite and PostgreSQL): the rule and its next meeting due, the members
(accounts sitting on it over the convention's territory, people named for a party),
meetings recorded whole with their quorum worked by hand, every bad line named and
nothing written, actions moved by their own party only, each write audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.conventions._committee_tables import DecisionRow, MeetingRow
from qurb.conventions.committee_model import (
    AgendaItemIn,
    AttendanceIn,
    DecisionIn,
    MeetingIn,
    MemberIn,
    RuleIn,
)
from qurb.conventions.committee_service import (
    add_member,
    committee_members,
    get_meeting,
    get_rule,
    list_actions,
    move_action,
    record_meeting,
    set_rule,
)
from qurb.conventions.model import ArticleIn, ConventionFields, ConventionInputError, PartyIn
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Forbidden, StaleVersion
from qurb.platform.database import transaction
from tests.accounts import add_account, add_partner
from tests.regions import IMI, PROVINCE_CODE, REGION_CODE

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU, OUTSIDER = "council-99991", "chu-99", "association-sante"
FIELDS = ConventionFields(
    reference="CP-99991-CHU",
    title_fr="Convention entre le conseil préfectoral et le CHU",
    kind="partnership",
    start_on=PartialDate(2025, 9, 30),
    territories=(PROVINCE_CODE,),
    source="A press report of the signing meeting.",
)


class Committee:
    def __init__(self, factory: sessionmaker[Session], convention_id: int) -> None:
        self.factory, self.id = factory, convention_id
        self.members: dict[str, int] = {}


def _committee(small_region_db: Factory) -> Committee:
    factory = small_region_db()
    for partner, kind, territory in (
        (COUNCIL, "provincial_council", PROVINCE_CODE),
        (CHU, "chu", REGION_CODE),
        (OUTSIDER, "association", PROVINCE_CODE),
    ):
        add_partner(factory, partner, kind, territory)
    with transaction(factory) as s:
        parties = [PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer")]
        made = create_convention(s, BY, FIELDS, parties, [ArticleIn(1, "Objet"), ArticleIn(2)])
    committee = Committee(factory, made.id)
    sits = Role.COMMITTEE_MEMBER
    for name, scope, partner in (
        ("amina", Scope(territories=[PROVINCE_CODE]), COUNCIL),
        ("karim", Scope(territories=[REGION_CODE]), CHU),
        ("salma", Scope(territories=[PROVINCE_CODE]), None),
        ("yassine", Scope(territories=[IMI]), None),  # a commune only: not over the province
    ):
        committee.members[name] = add_account(
            factory, name, sits, scope, partner=partner
        ).account_id
    add_account(factory, "viewer", Role.VIEWER, Scope(territories=[PROVINCE_CODE]))
    add_account(factory, "admin")  # holds committee.sit to administer, does not sit
    return committee


def _meeting(c: Committee, **changes: object) -> MeetingIn:
    base = MeetingIn(
        held_on=date(2026, 3, 31),
        place="Siège du conseil préfectoral",
        source="Feuille de présence signée, archivée par le secrétariat.",
        attendance=(
            AttendanceIn("present", account_id=c.members["amina"]),
            AttendanceIn("present", account_id=c.members["karim"]),
            AttendanceIn("excused", account_id=c.members["salma"]),
            AttendanceIn("present", guest_name="Dr Invité"),
        ),
        agenda=(AgendaItemIn("Bilan des équipements", 2), AgendaItemIn("Divers")),
        decisions=(
            DecisionIn("Livrer l'échographe", CHU, date(2026, 6, 30)),
            DecisionIn("Verser la première tranche", COUNCIL, date(2026, 5, 31)),
        ),
    )
    return MeetingIn(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def _count(factory: sessionmaker[Session], table: type) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_the_rule_gives_the_next_meeting_due_from_the_last_one_held(
    small_region_db: Factory,
) -> None:
    c = _committee(small_region_db)
    with c.factory() as s:
        unknown = get_rule(s, c.id)
    assert (unknown.every_months, unknown.quorum, unknown.next_due, unknown.version) == (
        None,
        None,
        None,
        None,
    )
    with transaction(c.factory) as s:
        rule = set_rule(s, BY, c.id, RuleIn(every_months=6, quorum=3))
    # No meeting yet: six months from the start, 2025-09-30.
    assert (rule.next_due, rule.last_held_on, rule.version) == (date(2026, 3, 30), None, 1)
    with transaction(c.factory) as s:
        record_meeting(s, BY, c.id, _meeting(c))
    with c.factory() as s:
        after = get_rule(s, c.id)
    assert (after.last_held_on, after.next_due) == (date(2026, 3, 31), date(2026, 9, 30))
    with pytest.raises(StaleVersion), transaction(c.factory) as s:
        set_rule(s, BY, c.id, RuleIn(meetings_per_year=2), if_version=7)
    with transaction(c.factory) as s:
        twice = set_rule(s, BY, c.id, RuleIn(meetings_per_year=4, quorum=None), if_version=1)
    assert (twice.next_due, twice.quorum, twice.version) == (date(2026, 6, 30), None, 2)


def test_a_rule_that_is_not_one_is_refused_by_name(small_region_db: Factory) -> None:
    c = _committee(small_region_db)
    with pytest.raises(ConventionInputError) as refused, transaction(c.factory) as s:
        set_rule(s, BY, c.id, RuleIn(meetings_per_year=5, quorum=0))
    found = {(p.field, p.code) for p in refused.value.errors}
    assert found == {
        ("meetings_per_year", "meetings_per_year_not_monthly"),
        ("quorum", "committee_quorum"),
    }


def test_the_members_are_the_accounts_sitting_over_it_and_those_named(
    small_region_db: Factory,
) -> None:
    c = _committee(small_region_db)
    with transaction(c.factory) as s:
        named = add_member(s, BY, c.id, MemberIn("M. Trésorier", COUNCIL, "Trésorier"))
    with c.factory() as s:
        members = committee_members(s, c.id)
    assert [(m.name, m.account_id, m.member_id, m.partner_id) for m in members] == [
        ("Amina", c.members["amina"], None, COUNCIL),
        ("Karim", c.members["karim"], None, CHU),
        ("Salma", c.members["salma"], None, None),
        ("M. Trésorier", None, named.member_id, COUNCIL),
    ]
    with pytest.raises(ConventionInputError) as refused, transaction(c.factory) as s:
        add_member(s, BY, c.id, MemberIn("Mme X", OUTSIDER))
    [problem] = refused.value.errors
    assert (problem.field, problem.code) == ("partner_id", "committee_not_a_party")


def test_two_present_for_a_quorum_of_three_is_not_reached(small_region_db: Factory) -> None:
    c = _committee(small_region_db)
    with transaction(c.factory) as s:
        no_rule = record_meeting(s, BY, c.id, _meeting(c))
    assert (no_rule.number, no_rule.present, no_rule.quorum, no_rule.quorum_reached) == (
        1,
        2,
        None,
        None,
    )
    with transaction(c.factory) as s:
        set_rule(s, BY, c.id, RuleIn(every_months=6, quorum=3))
        held = record_meeting(s, BY, c.id, _meeting(c, held_on=date(2026, 9, 15)))
    assert (held.number, held.present, held.quorum, held.quorum_reached) == (2, 2, 3, False)
    assert [(a.name, a.presence, a.guest) for a in held.attendance] == [
        ("Amina", "present", False),
        ("Karim", "present", False),
        ("Salma", "excused", False),
        ("Dr Invité", "present", True),
    ]
    assert [(i.position, i.title, i.article_number) for i in held.agenda] == [
        (1, "Bilan des équipements", 2),
        (2, "Divers", None),
    ]
    with transaction(c.factory) as s:
        set_rule(s, BY, c.id, RuleIn(every_months=6, quorum=2), if_version=1)
    with c.factory() as s:
        again = get_meeting(s, c.id, 2)
        first = get_meeting(s, c.id, 1)
    # A meeting keeps the quorum of its day.
    assert (again.quorum_reached, first.quorum_reached) == (False, None)


def test_an_agenda_item_on_a_missing_article_and_a_non_party_owner_are_named(
    small_region_db: Factory,
) -> None:
    c = _committee(small_region_db)
    bad = _meeting(
        c,
        kind="secret",
        attendance=(
            AttendanceIn("present", account_id=c.members["yassine"]),
            AttendanceIn("late", account_id=c.members["amina"]),
            AttendanceIn("present", account_id=c.members["amina"]),
        ),
        agenda=(AgendaItemIn("Article inexistant", 9),),
        decisions=(DecisionIn("Faire", OUTSIDER, date(2026, 6, 30)),),
    )
    with pytest.raises(ConventionInputError) as refused, transaction(c.factory) as s:
        record_meeting(s, BY, c.id, bad)
    found = {(p.field, p.code) for p in refused.value.errors}
    assert found == {
        ("kind", "convention_choice"),
        ("attendance[0].account_id", "committee_not_a_member"),
        ("attendance[1].presence", "convention_choice"),
        ("attendance[2]", "committee_member_twice"),
        ("agenda[0].article_number", "committee_no_article"),
        ("decisions[0].owner_partner_id", "committee_not_a_party"),
    }
    assert (_count(c.factory, MeetingRow), _count(c.factory, DecisionRow)) == (0, 0)


def test_a_party_marks_its_own_actions_and_not_another_partys(small_region_db: Factory) -> None:
    c = _committee(small_region_db)
    with transaction(c.factory) as s:
        held = record_meeting(s, BY, c.id, _meeting(c))
    chu_action, council_action = held.decisions
    assert (chu_action.status, chu_action.owner_partner_id) == ("open", CHU)
    karim = Actor(str(c.members["karim"]), ActorKind.ACCOUNT, partner=CHU)
    with pytest.raises(Forbidden) as refused, transaction(c.factory) as s:
        move_action(s, karim, c.id, council_action.id, "done", done_on=date(2026, 5, 2), party=CHU)
    assert refused.value.code == "committee_action_not_yours"
    with pytest.raises(ConventionInputError) as no_date, transaction(c.factory) as s:
        move_action(s, karim, c.id, chu_action.id, "done", party=CHU)
    assert [p.code for p in no_date.value.errors] == ["convention_field_required"]
    with transaction(c.factory) as s:
        done = move_action(
            s,
            karim,
            c.id,
            chu_action.id,
            "done",
            done_on=date(2026, 6, 12),
            note="Livré",
            party=CHU,
        )
    assert (done.status, done.done_on, done.note, done.version) == (
        "done",
        date(2026, 6, 12),
        "Livré",
        2,
    )
    with pytest.raises(ConventionInputError) as closed, transaction(c.factory) as s:
        move_action(s, BY, c.id, chu_action.id, "dropped")
    assert [p.code for p in closed.value.errors] == ["committee_action_move"]
    with c.factory() as s:
        listed = list_actions(s, c.id)
        open_ones = list_actions(s, c.id, "open")
        entries = audit.entries(s, EntryFilter(entity_kind="convention"))
    # By deadline: the council's (31 May) before the CHU's (30 June).
    assert [a.id for a in listed] == [council_action.id, chu_action.id]
    assert [a.id for a in open_ones] == [council_action.id]
    actions = [e.action for e in entries]
    assert actions == ["convention.create", "committee.meeting", "committee.action"]
    assert entries[-1].after is not None and entries[-1].after["status"] == "done"
    assert entries[-1].before is not None and entries[-1].before["status"] == "open"
