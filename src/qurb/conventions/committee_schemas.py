"""The steering committee API's bodies and answers: the rule and quorum, a member named
for a party, a meeting recorded whole (whole dates, `YYYY-MM-DD`), an action's move; the
committee (rule, next meeting due, members), a meeting, an action read back."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from qurb.conventions.committee_model import (
    DECISION_MAX_CHARS,
    MAX_LINES,
    MAX_QUORUM,
    NOTE_MAX_CHARS,
    TITLE_MAX_CHARS,
    Action,
    AgendaItemIn,
    AttendanceIn,
    DecisionIn,
    Meeting,
    MeetingIn,
    Member,
    MemberIn,
    Rule,
    RuleIn,
)
from qurb.conventions.model import REFERENCE_MAX_CHARS, SHORT_MAX_CHARS

ID = 2**31 - 1


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleBody(_Body):
    """One of `meetings_per_year` (1, 2, 3, 4, 6 or 12) and `every_months`, or neither
    (unknown); `quorum`: the members present it takes (null: unknown)."""

    meetings_per_year: int | None = Field(default=None, ge=0, le=366)
    every_months: int | None = Field(default=None, ge=0, le=1200)
    quorum: int | None = Field(default=None, ge=0, le=MAX_QUORUM * 2)
    source: str | None = Field(default=None, max_length=NOTE_MAX_CHARS)

    def rule(self) -> RuleIn:
        return RuleIn(self.meetings_per_year, self.every_months, self.quorum, self.source)


class MemberBody(_Body):
    name: str = Field(max_length=SHORT_MAX_CHARS)
    title: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    partner_id: str = Field(max_length=REFERENCE_MAX_CHARS)

    def member(self) -> MemberIn:
        return MemberIn(self.name, self.partner_id, self.title)


class AttendanceBody(_Body):
    """One of `account_id` (an account sitting on the committee), `member_id` (a member
    named for a party) or `guest_name`."""

    presence: str = Field(max_length=16, description="present, excused or absent")
    account_id: int | None = Field(default=None, ge=1, le=ID)
    member_id: int | None = Field(default=None, ge=1, le=ID)
    guest_name: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)


class AgendaItemBody(_Body):
    title: str = Field(max_length=TITLE_MAX_CHARS)
    article_number: int | None = Field(default=None, ge=1, le=ID)


class DecisionBody(_Body):
    text: str = Field(max_length=DECISION_MAX_CHARS)
    owner_partner_id: str = Field(max_length=REFERENCE_MAX_CHARS)
    deadline: date | None = None


class MeetingBody(_Body):
    held_on: date
    kind: str = Field(default="ordinary", max_length=16, description="ordinary or extraordinary")
    place: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    source: str | None = Field(default=None, max_length=NOTE_MAX_CHARS)
    attendance: list[AttendanceBody] = Field(default_factory=list, max_length=MAX_LINES)
    agenda: list[AgendaItemBody] = Field(default_factory=list, max_length=MAX_LINES)
    decisions: list[DecisionBody] = Field(default_factory=list, max_length=MAX_LINES)

    def meeting(self) -> MeetingIn:
        return MeetingIn(
            held_on=self.held_on,
            kind=self.kind,
            place=self.place,
            source=self.source,
            attendance=tuple(AttendanceIn(**a.model_dump()) for a in self.attendance),
            agenda=tuple(AgendaItemIn(**i.model_dump()) for i in self.agenda),
            decisions=tuple(DecisionIn(**d.model_dump()) for d in self.decisions),
        )


class ActionMoveBody(_Body):
    """`done` (with `done_on`) or `dropped`, with a note."""

    status: str = Field(max_length=16)
    done_on: date | None = None
    note: str | None = Field(default=None, max_length=NOTE_MAX_CHARS)


class RuleRead(BaseModel):
    meetings_per_year: int | None
    every_months: int | None
    quorum: int | None
    source: str | None
    next_due: date | None = Field(description="by the rule; null when it is unknown")
    last_held_on: date | None
    version: int | None = Field(description="null: no rule recorded (If-Match: *)")
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, rule: Rule) -> RuleRead:
        return cls.model_validate(rule, from_attributes=True)


class MemberRead(BaseModel):
    name: str
    account_id: int | None
    member_id: int | None
    title: str | None
    partner_id: str | None

    @classmethod
    def of(cls, member: Member) -> MemberRead:
        return cls.model_validate(member, from_attributes=True)


class CommitteeRead(BaseModel):
    rule: RuleRead
    members: list[MemberRead]


class AttendanceRead(BaseModel):
    presence: str
    name: str
    account_id: int | None
    member_id: int | None
    guest: bool
    partner_id: str | None


class AgendaItemRead(BaseModel):
    position: int
    title: str
    article_number: int | None


class ActionRead(BaseModel):
    id: int
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

    @classmethod
    def of(cls, action: Action) -> ActionRead:
        return cls.model_validate(action, from_attributes=True)


class MeetingRead(BaseModel):
    id: int
    number: int
    held_on: date
    kind: str
    place: str | None
    source: str | None
    quorum: int | None
    present: int
    quorum_reached: bool | None = Field(description="null: the quorum is unknown")
    attendance: list[AttendanceRead]
    agenda: list[AgendaItemRead]
    decisions: list[ActionRead]
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingRead:
        return cls.model_validate(meeting, from_attributes=True)
