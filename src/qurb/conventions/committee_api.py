"""A convention's steering committee on the web: its rule, next meeting due and members,
its meetings, their minutes (HTML or PDF, French or Arabic) and its actions, read by the
committee's members (`committee.sit` over the convention); the rule, named members and
meetings written by the secretariat (`conventions.manage` over every territory it
covers); an action marked done or dropped by its owner party's users (`conventions.party`,
their grant acting for that partner) or the secretariat. Edits take If-Match."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse

from qurb.conventions.acting import action_actor, party_grants
from qurb.conventions.committee_schemas import (
    ActionMoveBody,
    ActionRead,
    CommitteeRead,
    MeetingBody,
    MeetingRead,
    MemberBody,
    MemberRead,
    RuleBody,
    RuleRead,
)
from qurb.conventions.committee_service import (
    add_member,
    committee_members,
    get_action,
    get_meeting,
    get_rule,
    list_actions,
    list_meetings,
    move_action,
    record_meeting,
    set_rule,
)
from qurb.conventions.listing import targets_of
from qurb.conventions.minutes import compute_minutes, minutes_html, render_pdf
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.clock import today
from qurb.platform.downloads import content_disposition
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(
    prefix="/api/conventions", tags=["conventions committee"], responses=ERROR_RESPONSES
)

ConventionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]
Sit = Annotated[Guard, needs(Permission.COMMITTEE_SIT)]
Manage = Annotated[Guard, needs(Permission.CONVENTIONS_MANAGE)]
Party = Annotated[Guard, needs(Permission.CONVENTIONS_PARTY)]
NO_CACHE = {"Cache-Control": "no-store"}


def _reader(guard: Guard, index: TerritoryIndex, convention: Convention) -> None:
    """Read: allowed over any of the convention's targets (else 403 over the first)."""
    targets = targets_of(index, convention)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])


def _writer(guard: Guard, index: TerritoryIndex, convention: Convention) -> Actor:
    """Write: allowed over every one of its targets."""
    return [guard.over(t) for t in targets_of(index, convention)][-1]


def _read(session: SessionDep, index: TerritoryIndex, guard: Guard, convention_id: int) -> None:
    _reader(guard, index, get_convention(session, convention_id))


@router.get("/{convention_id}/committee", response_model=CommitteeRead)
def committee(
    convention_id: ConventionId,
    session: SessionDep,
    index: IndexDep,
    guard: Sit,
    response: Response,
) -> CommitteeRead:
    """The committee's rule (its ETag the rule's version, `"0"` before any), the next
    meeting due by it (null when unknown), and its members: the accounts sitting on it
    over the convention's territories, then the people named for a party."""
    _read(session, index, guard, convention_id)
    rule = get_rule(session, convention_id)
    response.headers["ETag"] = version_etag(rule.version or 0)
    members = committee_members(session, convention_id, index)
    return CommitteeRead(rule=RuleRead.of(rule), members=[MemberRead.of(m) for m in members])


@router.put(
    "/{convention_id}/committee/rule",
    response_model=RuleRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def rule(
    convention_id: ConventionId,
    body: RuleBody,
    state: StateDep,
    guard: Manage,
    response: Response,
    if_match: IfMatch = None,
) -> RuleRead:
    """Record the meeting rule and the quorum (If-Match: the committee's ETag)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        done = set_rule(session, actor, convention_id, body.rule(), if_version=version)
        response.headers["ETag"] = version_etag(done.version or 0)
        return RuleRead.of(done)


@router.post("/{convention_id}/committee/members", response_model=MemberRead, status_code=201)
def member(
    convention_id: ConventionId, body: MemberBody, state: StateDep, guard: Manage
) -> MemberRead:
    """Name a member for one of the convention's parties (no account needed)."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        return MemberRead.of(add_member(session, actor, convention_id, body.member()))


@router.get("/{convention_id}/meetings", response_model=list[MeetingRead])
def meetings(
    convention_id: ConventionId, session: SessionDep, index: IndexDep, guard: Sit
) -> list[MeetingRead]:
    """The committee's meetings, by number, each with its quorum reached (null: unknown)."""
    _read(session, index, guard, convention_id)
    return [MeetingRead.of(m) for m in list_meetings(session, convention_id, index)]


@router.post("/{convention_id}/meetings", response_model=MeetingRead, status_code=201)
def meeting_create(
    convention_id: ConventionId, body: MeetingBody, state: StateDep, guard: Manage
) -> MeetingRead:
    """Record a meeting held, whole: attendance (the committee's members, guests by
    name), agenda items on the convention's articles, decisions owned by its parties
    (each an open action); every bad line named (422), nothing written then."""
    index = state.part(TerritoryIndex)
    wanted = body.meeting()
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        made = record_meeting(session, actor, convention_id, wanted, index=index)
        return MeetingRead.of(made)


@router.get("/{convention_id}/meetings/{number}", response_model=MeetingRead)
def meeting(
    convention_id: ConventionId, number: Number, session: SessionDep, index: IndexDep, guard: Sit
) -> MeetingRead:
    """One meeting, by its number within the convention."""
    _read(session, index, guard, convention_id)
    return MeetingRead.of(get_meeting(session, convention_id, number, index))


@router.get(
    "/{convention_id}/meetings/{number}/minutes",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def minutes(
    convention_id: ConventionId,
    number: Number,
    session: SessionDep,
    index: IndexDep,
    guard: Sit,
    lang: Annotated[Literal["fr", "ar"], Query()] = "fr",
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """The meeting's minutes (procès-verbal), printable, in French or Arabic (right to
    left): what was recorded, each part with its source."""
    _read(session, index, guard, convention_id)
    found = compute_minutes(session, convention_id, number, index)
    page = minutes_html(found, lang, today(), served=format == "html")
    if format == "html":
        return HTMLResponse(page, headers=NO_CACHE)
    name = f"qurb-minutes-{convention_id}-{number}-{lang}.pdf"
    headers = {"Content-Disposition": content_disposition(name, "inline"), **NO_CACHE}
    return Response(render_pdf(page), media_type="application/pdf", headers=headers)


@router.get("/{convention_id}/actions", response_model=list[ActionRead])
def actions(
    convention_id: ConventionId,
    session: SessionDep,
    index: IndexDep,
    guard: Sit,
    status: Annotated[Literal["open", "done", "dropped"] | None, Query()] = None,
) -> list[ActionRead]:
    """The committee's actions, by deadline (unknown last); only those at `status`."""
    _read(session, index, guard, convention_id)
    return [ActionRead.of(a) for a in list_actions(session, convention_id, status)]


@router.post(
    "/{convention_id}/actions/{action_id}/status",
    response_model=ActionRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def action_status(
    convention_id: ConventionId,
    action_id: Number,
    body: ActionMoveBody,
    state: StateDep,
    guard: Party,
    response: Response,
    if_match: IfMatch = None,
) -> ActionRead:
    """Mark an open action done (with `done_on`) or dropped, with a note: by its owner
    party's users or the secretariat (If-Match: the action's version)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    with state.write() as session:
        grants = party_grants(guard, index, get_convention(session, convention_id))
        owner = get_action(session, convention_id, action_id).owner_partner_id
        actor, party = action_actor(guard, grants, owner)
        moved = move_action(
            session,
            actor,
            convention_id,
            action_id,
            body.status,
            done_on=body.done_on,
            note=body.note,
            party=party,
            if_version=version,
        )
        response.headers["ETag"] = version_etag(moved.version)
        return ActionRead.of(moved)
