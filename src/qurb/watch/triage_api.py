"""An outbreak signal's alert and its triage: the alert read (the signal, its steps, its
invitations, the reports that counted), and each step of WHO EWARS's workflow
(verification, risk assessment, risk characterisation, outcome), notes and invitations.

A decision needs `watch.triage` over the signal's territory and names the signal's
version it read (If-Match: its ETag); reading and notes are declared `reports.read`,
the service letting through the accounts invited to the alert (triage_service.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex
from qurb.watch import triage_service as triage
from qurb.watch.schemas import ReportRead
from qurb.watch.signals_api import OutbreakSignalRead, SignalId
from qurb.watch.triage_model import (
    TEXT_CHARS,
    Consequences,
    Likelihood,
    Outcome,
    Verification,
)

router = APIRouter(prefix="/api/watch", tags=["reports"], responses=ERROR_RESPONSES)

ReadReports = Annotated[Guard, needs(Permission.REPORTS_READ)]
Triage = Annotated[Guard, needs(Permission.WATCH_TRIAGE)]
Text = Annotated[str, Field(max_length=TEXT_CHARS, pattern=NO_NUL_PATTERN)]
Note = Annotated[str | None, Field(max_length=TEXT_CHARS, pattern=NO_NUL_PATTERN)]


class TriageStepRead(BaseModel):
    id: int
    stage: str = Field(
        description="verification, risk_assessment, risk_characterisation, outcome, note "
        "or reopened (its signal alarmed again after the alert was closed)"
    )
    decision: str | None = Field(description="a verification's or an outcome's")
    likelihood: str | None
    consequences: str | None
    risk_level: str | None = Field(description="low, moderate, high or very_high (WHO's matrix)")
    hazard: str | None
    exposure: str | None
    context: str | None
    note: str | None
    actor: str
    at: datetime


class InvitationRead(BaseModel):
    account_id: int
    username: str | None
    invited_by: str
    at: datetime


class SignalAlertRead(BaseModel):
    signal: OutbreakSignalRead
    triage_state: str = Field(description="open, monitoring or closed")
    next_stage: str | None = Field(description="the stage the triage expects next; None: closed")
    steps: list[TriageStepRead]
    invitations: list[InvitationRead]
    reports: list[ReportRead] = Field(description="the reports of its unit and week that counted")

    @classmethod
    def of(cls, a: triage.SignalAlert) -> SignalAlertRead:
        return cls(
            signal=OutbreakSignalRead.of(a.signal),
            triage_state=a.signal.triage_state,
            next_stage=a.next_stage,
            steps=[TriageStepRead(**s.__dict__) for s in a.steps],
            invitations=[InvitationRead(**i.__dict__) for i in a.invitations],
            reports=[ReportRead.of(r) for r in a.reports],
        )


class VerificationIn(BaseModel):
    decision: Verification
    note: Note = None


class RiskAssessmentIn(BaseModel):
    hazard: Text
    exposure: Text
    context: Text


class RiskCharacterisationIn(BaseModel):
    likelihood: Likelihood
    consequences: Consequences
    note: Note = None


class OutcomeIn(BaseModel):
    outcome: Outcome
    note: Note = Field(default=None, description="what the response is (needed to respond)")


class NoteIn(BaseModel):
    note: Text


class InvitationIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)]


def _answer(alert: triage.SignalAlert, response: Response) -> SignalAlertRead:
    response.headers["ETag"] = version_etag(alert.signal.version)
    return SignalAlertRead.of(alert)


def _reader(guard: Guard, session: Session, index: TerritoryIndex, signal_id: int) -> Actor:
    """The reader as an actor: naming its grant over the signal when it holds one (an
    invited account may hold none there: the service decides)."""
    target = target_in(index, triage.signal_territory(session, signal_id))
    return guard.over(target) if guard.allows(target) else guard.actor


def _triager(guard: Guard, session: Session, index: TerritoryIndex, signal_id: int) -> Actor:
    """The triager as an actor, naming its grant over the signal's territory (else 403)."""
    return guard.over(target_in(index, triage.signal_territory(session, signal_id)))


Decide = Callable[[Session, Actor, triage.Versions], triage.SignalAlert]


def _decided(
    state: AppState, guard: Guard, signal_id: int, if_match: str | None, decide: Decide
) -> triage.SignalAlert:
    """A triage decision: the versions If-Match names, the triager over the signal's
    territory, then `decide(session, actor, versions)`, in one write."""
    versions = wanted_versions(if_match)
    with state.write() as session:
        actor = _triager(guard, session, state.part(TerritoryIndex), signal_id)
        return decide(session, actor, versions)


@router.get(
    "/signals/{signal_id}",
    response_model=SignalAlertRead,
    summary="An outbreak signal's alert: the signal, its triage's steps and state, who is "
    "invited, and the reports of its unit and week that counted",
)
def get_alert(
    signal_id: SignalId,
    session: SessionDep,
    index: IndexDep,
    response: Response,
    guard: ReadReports,
) -> SignalAlertRead:
    actor = _reader(guard, session, index, signal_id)
    return _answer(triage.get_alert(session, actor, signal_id, index), response)


@router.post(
    "/signals/{signal_id}/verification",
    response_model=SignalAlertRead,
    summary="Verify a signal (watch.triage; If-Match): discard, monitor or start a risk assessment",
    responses=VERSIONED_WRITE_RESPONSES,
)
def verification(
    signal_id: SignalId,
    body: VerificationIn,
    state: StateDep,
    response: Response,
    guard: Triage,
    if_match: IfMatch = None,
) -> SignalAlertRead:
    done = _decided(
        state,
        guard,
        signal_id,
        if_match,
        lambda s, a, v: triage.verify(s, a, signal_id, body.decision, body.note, v),
    )
    return _answer(done, response)


@router.post(
    "/signals/{signal_id}/risk-assessment",
    response_model=SignalAlertRead,
    summary="A signal's risk assessment (watch.triage; If-Match): hazard, exposure, context",
    responses=VERSIONED_WRITE_RESPONSES,
)
def risk_assessment(
    signal_id: SignalId,
    body: RiskAssessmentIn,
    state: StateDep,
    response: Response,
    guard: Triage,
    if_match: IfMatch = None,
) -> SignalAlertRead:
    done = _decided(
        state,
        guard,
        signal_id,
        if_match,
        lambda s, a, v: triage.assess(s, a, signal_id, body.hazard, body.exposure, body.context, v),
    )
    return _answer(done, response)


@router.post(
    "/signals/{signal_id}/risk-characterisation",
    response_model=SignalAlertRead,
    summary="A signal's risk characterisation (watch.triage; If-Match): likelihood and "
    "consequences, the risk level by WHO's matrix",
    responses=VERSIONED_WRITE_RESPONSES,
)
def risk_characterisation(
    signal_id: SignalId,
    body: RiskCharacterisationIn,
    state: StateDep,
    response: Response,
    guard: Triage,
    if_match: IfMatch = None,
) -> SignalAlertRead:
    done = _decided(
        state,
        guard,
        signal_id,
        if_match,
        lambda s, a, v: triage.characterise(
            s, a, signal_id, body.likelihood, body.consequences, body.note, v
        ),
    )
    return _answer(done, response)


@router.post(
    "/signals/{signal_id}/outcome",
    response_model=SignalAlertRead,
    summary="A signal's outcome (watch.triage; If-Match): discard, monitor or respond; "
    "the alert is closed",
    responses=VERSIONED_WRITE_RESPONSES,
)
def outcome(
    signal_id: SignalId,
    body: OutcomeIn,
    state: StateDep,
    response: Response,
    guard: Triage,
    if_match: IfMatch = None,
) -> SignalAlertRead:
    done = _decided(
        state,
        guard,
        signal_id,
        if_match,
        lambda s, a, v: triage.close(s, a, signal_id, body.outcome, body.note, v),
    )
    return _answer(done, response)


@router.post(
    "/signals/{signal_id}/notes",
    response_model=SignalAlertRead,
    status_code=201,
    summary="A note on a signal's alert, by a triager or an account invited to it",
)
def notes(
    signal_id: SignalId, body: NoteIn, state: StateDep, response: Response, guard: ReadReports
) -> SignalAlertRead:
    with state.write() as session:
        actor = _reader(guard, session, state.part(TerritoryIndex), signal_id)
        done = triage.add_note(session, actor, signal_id, body.note)
    return _answer(done, response)


@router.post(
    "/signals/{signal_id}/invitations",
    response_model=SignalAlertRead,
    status_code=201,
    summary="Invite an account to a signal's alert (watch.triage): it may read it and add "
    "notes, and is alerted",
)
def invitations(
    signal_id: SignalId, body: InvitationIn, state: StateDep, response: Response, guard: Triage
) -> SignalAlertRead:
    with state.write() as session:
        actor = _triager(guard, session, state.part(TerritoryIndex), signal_id)
        done = triage.invite(session, actor, signal_id, body.username)
    return _answer(done, response)
