"""A convention's steering committee, pure: its meeting rule and quorum, its members (the
accounts sitting on it and the people named for a party), its meetings (a whole date, a
kind, the attendance, agenda items tied to articles, decisions owned by a party with a
deadline) and the actions the decisions become (open, then done with a date and a note,
or dropped). The checks name every problem; nothing here reads a database."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from qurb.algo.execution import MeetingRule, compute_next_meeting_due
from qurb.conventions.model import SHORT_MAX_CHARS
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem

MAX_QUORUM = 500
# A meeting is sent whole: its lines and texts are bounded so that the largest body stays
# under the server's request cap (256 KiB).
MAX_LINES = 50  # attendance lines, agenda items or decisions of one meeting
TITLE_MAX_CHARS = 300
DECISION_MAX_CHARS = 1000
NOTE_MAX_CHARS = 2000  # a source, a note


class MeetingKind(enum.StrEnum):
    ORDINARY = "ordinary"
    EXTRAORDINARY = "extraordinary"


class Presence(enum.StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


# ---------------------------------------------------------------------------- what is asked


@dataclass(frozen=True)
class RuleIn:
    """How often the committee meets (one of the two, or neither: unknown) and its
    quorum (a number of members present; None: unknown)."""

    meetings_per_year: int | None = None
    every_months: int | None = None
    quorum: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class MemberIn:
    """A member named for a party: a person, who need not have an account."""

    name: str
    partner_id: str
    title: str | None = None


@dataclass(frozen=True)
class AttendanceIn:
    """One line: an account sitting on the committee, a named member (by id), or a guest
    by name (guests do not count towards the quorum)."""

    presence: str
    account_id: int | None = None
    member_id: int | None = None
    guest_name: str | None = None


@dataclass(frozen=True)
class AgendaItemIn:
    title: str
    article_number: int | None = None


@dataclass(frozen=True)
class DecisionIn:
    text: str
    owner_partner_id: str
    deadline: date | None = None


@dataclass(frozen=True)
class MeetingIn:
    held_on: date
    kind: str = MeetingKind.ORDINARY.value
    place: str | None = None
    source: str | None = None
    attendance: tuple[AttendanceIn, ...] = ()
    agenda: tuple[AgendaItemIn, ...] = ()
    decisions: tuple[DecisionIn, ...] = ()


# ---------------------------------------------------------------------------- what is read


@dataclass(frozen=True)
class Rule:
    """The rule as recorded (every part None when nothing is), and the next meeting due
    by it (None when the rule, or the date it counts from, is unknown)."""

    convention_id: int
    meetings_per_year: int | None
    every_months: int | None
    quorum: int | None
    source: str | None
    next_due: date | None
    last_held_on: date | None
    version: int | None  # None: no rule recorded yet
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class Member:
    """A member: an account sitting on the committee (`account_id`, its name), or a
    person named for a party (`member_id`)."""

    name: str
    account_id: int | None = None
    member_id: int | None = None
    title: str | None = None
    partner_id: str | None = None


@dataclass(frozen=True)
class Attendance:
    presence: str
    name: str
    account_id: int | None = None
    member_id: int | None = None
    guest: bool = False
    partner_id: str | None = None


@dataclass(frozen=True)
class AgendaItem:
    position: int
    title: str
    article_number: int | None


@dataclass(frozen=True)
class Action:
    id: int
    convention_id: int
    meeting_number: int
    position: int
    text: str
    owner_partner_id: str
    deadline: date | None
    status: str
    done_on: date | None
    note: str | None
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class Meeting:
    id: int
    convention_id: int
    number: int
    held_on: date
    kind: str
    place: str | None
    source: str | None
    quorum: int | None
    present: int  # members present (guests apart)
    quorum_reached: bool | None  # None: the quorum is unknown
    attendance: tuple[Attendance, ...]
    agenda: tuple[AgendaItem, ...]
    decisions: tuple[Action, ...]
    created_at: datetime
    created_by: str


# ---------------------------------------------------------------------------- rules


def compute_quorum_reached(present: int, quorum: int | None) -> bool | None:
    """Reached when at least `quorum` members are present; unknown without a quorum."""
    return None if quorum is None else present >= quorum


def meeting_rule(rule: RuleIn | Rule) -> MeetingRule | None:
    """The algorithm's rule, or None when the convention states none."""
    if rule.meetings_per_year is None and rule.every_months is None:
        return None
    return MeetingRule(rule.meetings_per_year, rule.every_months)


def compute_next_due(
    rule: RuleIn | Rule, last_held_on: date | None, start: date | None
) -> date | None:
    """The next meeting due by the rule, from the last meeting held (or the convention's
    start, when whole); None when the rule or both dates are unknown."""
    algo_rule = meeting_rule(rule)
    return None if algo_rule is None else compute_next_meeting_due(algo_rule, last_held_on, start)


def _text(name: str, value: str | None, limit: int, *, required: bool = False) -> list[FieldError]:
    if value is None or not value.strip():
        return [problem(name, "convention_field_required")] if required else []
    if len(value) > limit:
        return [problem(name, "convention_field_too_long", max=limit)]
    return []


def _choice(name: str, value: str, choices: type[enum.StrEnum]) -> list[FieldError]:
    allowed = [c.value for c in choices]
    if value in allowed:
        return []
    return [problem(name, "convention_choice", value=repr(value), choices=", ".join(allowed))]


def check_rule(rule: RuleIn) -> list[FieldError]:
    problems: list[FieldError] = []
    algo_rule = meeting_rule(rule)
    if algo_rule is not None:
        try:
            algo_rule.months()
        except InputError as error:
            field = "every_months" if rule.every_months is not None else "meetings_per_year"
            both = rule.every_months is not None and rule.meetings_per_year is not None
            problems.append(FieldError.of("rule" if both else field, error))
    if rule.quorum is not None and not 1 <= rule.quorum <= MAX_QUORUM:
        problems.append(problem("quorum", "committee_quorum", max=MAX_QUORUM))
    return problems + _text("source", rule.source, NOTE_MAX_CHARS)


def check_member(member: MemberIn, parties: frozenset[str]) -> list[FieldError]:
    problems = _text("name", member.name, SHORT_MAX_CHARS, required=True)
    problems += _text("title", member.title, SHORT_MAX_CHARS)
    if member.partner_id not in parties:
        problems.append(problem("partner_id", "committee_not_a_party", id=repr(member.partner_id)))
    return problems


def _attendance_problems(
    lines: Sequence[AttendanceIn], accounts: frozenset[int], members: frozenset[int]
) -> list[FieldError]:
    problems: list[FieldError] = []
    seen: set[tuple[str, int]] = set()
    for n, line in enumerate(lines):
        where = f"attendance[{n}]"
        problems += _choice(f"{where}.presence", line.presence, Presence)
        given = [x for x in (line.account_id, line.member_id, line.guest_name) if x is not None]
        if len(given) != 1:
            problems.append(problem(where, "committee_attendance_one_of"))
            continue
        if line.guest_name is not None:
            problems += _text(
                f"{where}.guest_name", line.guest_name, SHORT_MAX_CHARS, required=True
            )
            continue
        key = ("account", line.account_id) if line.account_id is not None else ("member", 0)
        if line.account_id is not None and line.account_id not in accounts:
            problems.append(
                problem(f"{where}.account_id", "committee_not_a_member", id=line.account_id)
            )
        if line.member_id is not None:
            key = ("member", line.member_id)
            if line.member_id not in members:
                problems.append(
                    problem(f"{where}.member_id", "committee_not_a_member", id=line.member_id)
                )
        if key in seen:
            problems.append(problem(where, "committee_member_twice", id=key[1]))
        seen.add(key)
    return problems


def check_meeting(
    meeting: MeetingIn,
    *,
    articles: frozenset[int],
    parties: frozenset[str],
    accounts: frozenset[int],
    members: frozenset[int],
) -> list[FieldError]:
    """Every problem of a meeting: its kind and texts, attendance naming the committee's
    members (each once), agenda items on articles the convention has, decisions owned by
    one of its parties."""
    problems = _choice("kind", meeting.kind, MeetingKind)
    problems += _text("place", meeting.place, SHORT_MAX_CHARS)
    problems += _text("source", meeting.source, NOTE_MAX_CHARS)
    for name in ("attendance", "agenda", "decisions"):
        if len(getattr(meeting, name)) > MAX_LINES:
            problems.append(problem(name, "convention_too_many", max=MAX_LINES))
    problems += _attendance_problems(meeting.attendance, accounts, members)
    for n, item in enumerate(meeting.agenda):
        problems += _text(f"agenda[{n}].title", item.title, TITLE_MAX_CHARS, required=True)
        if item.article_number is not None and item.article_number not in articles:
            field = f"agenda[{n}].article_number"
            problems.append(problem(field, "committee_no_article", number=item.article_number))
    for n, decision in enumerate(meeting.decisions):
        problems += _text(f"decisions[{n}].text", decision.text, DECISION_MAX_CHARS, required=True)
        if decision.owner_partner_id not in parties:
            field = f"decisions[{n}].owner_partner_id"
            owner = repr(decision.owner_partner_id)
            problems.append(problem(field, "committee_not_a_party", id=owner))
    return problems


def check_action_move(
    status: str, target: str, done_on: date | None, note: str | None
) -> list[FieldError]:
    """An open action is done (with its date) or dropped; a closed one moves no more."""
    problems = _choice("status", target, ActionStatus)
    if problems:
        return problems
    if status != ActionStatus.OPEN or target == ActionStatus.OPEN:
        return [problem("status", "committee_action_move", status=status, target=target)]
    if target == ActionStatus.DONE and done_on is None:
        problems.append(problem("done_on", "convention_field_required"))
    if target == ActionStatus.DROPPED and done_on is not None:
        problems.append(problem("done_on", "committee_done_on_dropped"))
    return problems + _text("note", note, NOTE_MAX_CHARS)
