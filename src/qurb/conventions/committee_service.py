"""A convention's steering committee, written and read: its rule and quorum (with the next
meeting due), its members (the accounts holding `committee.sit` over the convention, and
the people named for a party), its meetings recorded whole (attendance, agenda, decisions)
and the actions the decisions become, each write checked whole first and audited in its
own transaction (entity kind "convention", its id).

Who may do what is the faces' business (the guard over `listing.targets_of`): the
secretariat (`conventions.manage`) sets the rule, names members and records meetings; an
action's owner party's users (`conventions.party`, their grant's partner) move their own
actions, which `move_action` checks when it is told the party acting."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.conventions._committee_tables import (
    AgendaItemRow,
    AttendanceRow,
    CommitteeMemberRow,
    CommitteeRuleRow,
    DecisionRow,
    MeetingRow,
)
from qurb.conventions.committee_model import (
    Action,
    ActionStatus,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingIn,
    Member,
    MemberIn,
    Presence,
    Rule,
    RuleIn,
    check_action_move,
    check_meeting,
    check_member,
    check_rule,
    compute_next_due,
    compute_quorum_reached,
)
from qurb.conventions.listing import targets_of
from qurb.conventions.model import ConventionError, clean, refuse
from qurb.conventions.records import Convention
from qurb.conventions.service import Versions, get_convention, locked
from qurb.identity.account_service import list_accounts
from qurb.identity.grant_service import grants_of
from qurb.identity.permissions import Role
from qurb.identity.scopes import covers
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, NotFound, StaleVersion
from qurb.territory.service import TerritoryIndex

SITTING_ROLES = frozenset({Role.COMMITTEE_MEMBER, Role.CONVENTION_SECRETARIAT})


class CommitteeNotFound(ConventionError, NotFound):
    """No meeting or action of the convention has this number or id."""


def _check_version(kind: str, entity_id: int, current: int, wanted: Versions) -> None:
    """Refuse a write that read another version (If-Match: one or more; None: any)."""
    allowed = frozenset([wanted]) if isinstance(wanted, int) else wanted
    if allowed is not None and current not in allowed:
        raise StaleVersion(kind, str(entity_id), max(allowed, default=None), current)


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    convention: Convention,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    territories = convention.fields.territories
    audit.record(
        session,
        actor,
        AuditEvent(
            action,
            "convention",
            str(convention.id),
            territory_code=territories[0] if len(territories) == 1 else None,
            before=before,
            after=after,
        ),
    )


def _json(value: Any) -> dict[str, Any]:
    def plain(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: plain(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [plain(v) for v in item]
        return item.isoformat() if hasattr(item, "isoformat") else item

    out: dict[str, Any] = plain(dataclasses.asdict(value))
    return out


# ---------------------------------------------------------------------------- the rule


def _last_held_on(session: Session, convention_id: int) -> date | None:
    query = select(func.max(MeetingRow.held_on)).where(MeetingRow.convention_id == convention_id)
    return session.scalar(query)


def get_rule(session: Session, convention_id: int) -> Rule:
    """The rule as recorded (all unknown when none is) and the next meeting due by it:
    from the last meeting held, or else the convention's start when it is whole."""
    convention = get_convention(session, convention_id)
    row = session.get(CommitteeRuleRow, convention_id)
    last = _last_held_on(session, convention_id)
    recorded = RuleIn() if row is None else RuleIn(row.meetings_per_year, row.every_months)
    due = compute_next_due(recorded, last, convention.fields.start_on.as_date())
    return Rule(
        convention_id=convention_id,
        meetings_per_year=None if row is None else row.meetings_per_year,
        every_months=None if row is None else row.every_months,
        quorum=None if row is None else row.quorum,
        source=None if row is None else row.source,
        next_due=due,
        last_held_on=last,
        version=None if row is None else row.version,
        updated_at=None if row is None else row.updated_at,
        updated_by=None if row is None else row.updated_by,
    )


def set_rule(
    session: Session,
    actor: Actor,
    convention_id: int,
    rule: RuleIn,
    *,
    if_version: Versions = None,
) -> Rule:
    """Record the rule (meetings per year or every so many months, or neither) and the
    quorum, at the version read (If-Match; 0 stands for no rule recorded yet)."""
    locked(session, convention_id, None)  # one write of its committee at a time
    convention = get_convention(session, convention_id)
    refuse(check_rule(rule))
    row = session.get(CommitteeRuleRow, convention_id, with_for_update=True, populate_existing=True)
    before = None if row is None else get_rule(session, convention_id)
    _check_version("committee_rule", convention_id, 0 if row is None else row.version, if_version)
    if row is None:
        row = CommitteeRuleRow(convention_id=convention_id)
        session.add(row)
    row.meetings_per_year, row.every_months = rule.meetings_per_year, rule.every_months
    row.quorum, row.source = rule.quorum, (rule.source or "").strip() or None
    row.updated_at, row.updated_by = clock.now(), actor.name
    session.flush()
    after = get_rule(session, convention_id)
    old = None if before is None else _json(before)
    _audit(session, actor, "committee.rule", convention, _json(after), old)
    return after


# ---------------------------------------------------------------------------- members


def sitting_accounts(
    session: Session, index: TerritoryIndex, convention: Convention
) -> list[Member]:
    """The enabled accounts holding `committee.sit` through a live grant over one of the
    convention's targets, by name: a committee member's or the secretariat's role (an
    administrator holds every permission to administer, not to sit)."""
    targets = targets_of(index, convention)
    out = []
    for account in list_accounts(session):
        if account.disabled:
            continue
        for grant in grants_of(session, account.id):
            sits = grant.live and grant.role in SITTING_ROLES
            if sits and any(covers(grant.scope, t) for t in targets):
                name = account.display_name
                out.append(Member(name, account_id=account.id, partner_id=grant.partner_id))
                break
    return out


def _named(session: Session, convention_id: int) -> list[Member]:
    query = select(CommitteeMemberRow).where(CommitteeMemberRow.convention_id == convention_id)
    return [
        Member(r.name, member_id=r.id, title=r.title, partner_id=r.partner_id)
        for r in session.scalars(query.order_by(CommitteeMemberRow.id))
    ]


def committee_members(
    session: Session, convention_id: int, index: TerritoryIndex | None = None
) -> list[Member]:
    """The accounts sitting on the committee, then the members named for a party."""
    index = index or TerritoryIndex.from_session(session)
    convention = get_convention(session, convention_id)
    return sitting_accounts(session, index, convention) + _named(session, convention_id)


def add_member(session: Session, actor: Actor, convention_id: int, member: MemberIn) -> Member:
    """Name a member for one of the convention's parties (no account needed)."""
    convention = get_convention(session, convention_id)
    parties = frozenset(p.partner_id for p in convention.parties)
    refuse(check_member(member, parties))
    row = CommitteeMemberRow(
        convention_id=convention_id,
        name=clean(member.name),
        title=clean(member.title),
        partner_id=member.partner_id,
        created_at=clock.now(),
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    made = Member(row.name, member_id=row.id, title=row.title, partner_id=row.partner_id)
    _audit(session, actor, "committee.member", convention, _json(made))
    return made


# ---------------------------------------------------------------------------- meetings


def _action(row: DecisionRow, meeting_number: int) -> Action:
    return Action(
        id=row.id,
        convention_id=row.convention_id,
        meeting_number=meeting_number,
        position=row.position,
        text=row.text,
        owner_partner_id=row.owner_partner_id,
        deadline=row.deadline,
        status=row.status,
        done_on=row.done_on,
        note=row.note,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _attendance(row: AttendanceRow, members: dict[tuple[str, int], Member]) -> Attendance:
    if row.guest_name is not None:
        return Attendance(row.presence, row.guest_name, guest=True)
    key = ("account", row.account_id) if row.account_id is not None else ("member", row.member_id)
    known = members.get(key)  # type: ignore[arg-type]
    name = known.name if known is not None else f"#{key[1]}"
    partner = known.partner_id if known is not None else None
    return Attendance(row.presence, name, row.account_id, row.member_id, partner_id=partner)


def _member_keys(members: Sequence[Member]) -> dict[tuple[str, int], Member]:
    out: dict[tuple[str, int], Member] = {}
    for m in members:
        if m.account_id is not None:
            out[("account", m.account_id)] = m
        elif m.member_id is not None:
            out[("member", m.member_id)] = m
    return out


def _meeting(session: Session, row: MeetingRow, members: dict[tuple[str, int], Member]) -> Meeting:
    lines = session.scalars(
        select(AttendanceRow).where(AttendanceRow.meeting_id == row.id).order_by(AttendanceRow.id)
    )
    attendance = tuple(_attendance(a, members) for a in lines)
    agenda = session.scalars(
        select(AgendaItemRow)
        .where(AgendaItemRow.meeting_id == row.id)
        .order_by(AgendaItemRow.position)
    )
    decisions = session.scalars(
        select(DecisionRow).where(DecisionRow.meeting_id == row.id).order_by(DecisionRow.position)
    )
    present = sum(1 for a in attendance if not a.guest and a.presence == Presence.PRESENT)
    return Meeting(
        id=row.id,
        convention_id=row.convention_id,
        number=row.number,
        held_on=row.held_on,
        kind=row.kind,
        place=row.place,
        source=row.source,
        quorum=row.quorum,
        present=present,
        quorum_reached=compute_quorum_reached(present, row.quorum),
        attendance=attendance,
        agenda=tuple(AgendaItem(i.position, i.title, i.article_number) for i in agenda),
        decisions=tuple(_action(d, row.number) for d in decisions),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def record_meeting(
    session: Session,
    actor: Actor,
    convention_id: int,
    meeting: MeetingIn,
    *,
    index: TerritoryIndex | None = None,
) -> Meeting:
    """A meeting held, whole: its attendance (the committee's members, each once; guests
    by name), agenda items on the convention's articles, decisions owned by its parties,
    each an open action; the quorum is the rule's on the day (unknown without one)."""
    index = index or TerritoryIndex.from_session(session)
    locked(session, convention_id, None)  # one meeting numbered at a time
    convention = get_convention(session, convention_id)
    members = committee_members(session, convention_id, index)
    refuse(
        check_meeting(
            meeting,
            articles=frozenset(a.number for a in convention.articles),
            parties=frozenset(p.partner_id for p in convention.parties),
            accounts=frozenset(m.account_id for m in members if m.account_id is not None),
            members=frozenset(m.member_id for m in members if m.member_id is not None),
        )
    )
    rule = session.get(CommitteeRuleRow, convention_id)
    taken = select(func.max(MeetingRow.number)).where(MeetingRow.convention_id == convention_id)
    now = clock.now()
    row = MeetingRow(
        convention_id=convention_id,
        number=(session.scalar(taken) or 0) + 1,
        held_on=meeting.held_on,
        place=clean(meeting.place),
        kind=meeting.kind,
        quorum=None if rule is None else rule.quorum,
        source=(meeting.source or "").strip() or None,
        created_at=now,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    session.add_all(
        AttendanceRow(
            meeting_id=row.id,
            account_id=a.account_id,
            member_id=a.member_id,
            guest_name=clean(a.guest_name),
            presence=a.presence,
        )
        for a in meeting.attendance
    )
    session.add_all(
        AgendaItemRow(
            meeting_id=row.id, position=n, title=clean(i.title), article_number=i.article_number
        )
        for n, i in enumerate(meeting.agenda, 1)
    )
    session.add_all(
        DecisionRow(
            meeting_id=row.id,
            convention_id=convention_id,
            position=n,
            text=(d.text or "").strip(),
            owner_partner_id=d.owner_partner_id,
            deadline=d.deadline,
            status=ActionStatus.OPEN.value,
            updated_at=now,
            updated_by=actor.name,
        )
        for n, d in enumerate(meeting.decisions, 1)
    )
    session.flush()
    made = _meeting(session, row, _member_keys(members))
    _audit(session, actor, "committee.meeting", convention, _json(made))
    return made


def list_meetings(
    session: Session, convention_id: int, index: TerritoryIndex | None = None
) -> list[Meeting]:
    """The convention's meetings, by number."""
    members = _member_keys(committee_members(session, convention_id, index))
    query = select(MeetingRow).where(MeetingRow.convention_id == convention_id)
    return [
        _meeting(session, r, members) for r in session.scalars(query.order_by(MeetingRow.number))
    ]


def get_meeting(
    session: Session, convention_id: int, number: int, index: TerritoryIndex | None = None
) -> Meeting:
    members = _member_keys(committee_members(session, convention_id, index))
    row = session.scalars(
        select(MeetingRow).where(
            MeetingRow.convention_id == convention_id, MeetingRow.number == number
        )
    ).first()
    if row is None:
        raise CommitteeNotFound(code="no_committee_meeting", values={"number": number})
    return _meeting(session, row, members)


# ---------------------------------------------------------------------------- actions


def _numbers(session: Session, convention_id: int) -> dict[int, int]:
    query = select(MeetingRow.id, MeetingRow.number).where(
        MeetingRow.convention_id == convention_id
    )
    return {meeting_id: number for meeting_id, number in session.execute(query)}


def list_actions(session: Session, convention_id: int, status: str | None = None) -> list[Action]:
    """The convention's actions (its meetings' decisions), by deadline (unknown last),
    then meeting and position; only those at `status` when given."""
    get_convention(session, convention_id)
    numbers = _numbers(session, convention_id)
    query = select(DecisionRow).where(DecisionRow.convention_id == convention_id)
    if status is not None:
        query = query.where(DecisionRow.status == status)
    actions = [_action(r, numbers[r.meeting_id]) for r in session.scalars(query)]
    return sorted(
        actions,
        key=lambda a: (a.deadline is None, a.deadline or date.min, a.meeting_number, a.position),
    )


def get_action(session: Session, convention_id: int, action_id: int) -> Action:
    row = session.get(DecisionRow, action_id)
    if row is None or row.convention_id != convention_id:
        raise CommitteeNotFound(code="no_committee_action", values={"id": action_id})
    return _action(row, _numbers(session, convention_id)[row.meeting_id])


def move_action(
    session: Session,
    actor: Actor,
    convention_id: int,
    action_id: int,
    status: str,
    *,
    done_on: date | None = None,
    note: str | None = None,
    party: str | None = None,
    if_version: Versions = None,
) -> Action:
    """Mark an open action done (with its date and a note) or dropped. `party`: the
    partner whose user acts (None: the secretariat), refused for another party's action."""
    convention = get_convention(session, convention_id)
    row = session.get(DecisionRow, action_id, with_for_update=True, populate_existing=True)
    if row is None or row.convention_id != convention_id:
        raise CommitteeNotFound(code="no_committee_action", values={"id": action_id})
    if party is not None and party != row.owner_partner_id:
        values = {"owner": row.owner_partner_id, "party": party}
        raise Forbidden(code="committee_action_not_yours", values=values)
    _check_version("committee_action", action_id, row.version, if_version)
    refuse(check_action_move(row.status, status, done_on, note))
    before = get_action(session, convention_id, action_id)
    row.status, row.done_on, row.note = status, done_on, (note or "").strip() or None
    row.updated_at, row.updated_by = clock.now(), actor.name
    session.flush()
    after = get_action(session, convention_id, action_id)
    _audit(session, actor, "committee.action", convention, _json(after), _json(before))
    return after
