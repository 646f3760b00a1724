"""An outbreak signal's alert triage, read and written: each step checked against the
rules (triage_model.py) and against who takes it, appended with its audit entry in the
same transaction (entity kind "signal", its id; `signal.verify`, `signal.assess`,
`signal.characterise`, `signal.close`, `signal.note`, `signal.invite`).

Who may: a decision needs `watch.triage` over the signal's territory; an account invited
to the alert may read it and add notes, not decide; reading it needs `reports.read` over
the territory too. A local actor (whoever writes the database file) is trusted, as
elsewhere. A decision names the signal's version it read (If-Match, `--if-version`): a
step taken on a state that changed meanwhile (another step, its signal's rerun) is
refused, `stale_version`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.account_service import get_account, usernames
from qurb.identity.grant_service import permissions_for, target_in
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, Forbidden, NotFound, StaleVersion
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.registry.places import named_places
from qurb.registry.service import FacilityFilter
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import SignalInvitationRow, SignalRow, TriageStepRow
from qurb.watch.datasets import get_dataset
from qurb.watch.service import Report, ReportFilter, list_reports
from qurb.watch.signals import Signal, to_signal
from qurb.watch.signals_model import Level
from qurb.watch.triage_model import (
    Consequences,
    Likelihood,
    Outcome,
    Position,
    Stage,
    Step,
    Verification,
    after,
    check_move,
    check_text,
    compute_risk,
    position_of,
)

ALERT_KIND = "watch.triage"
Versions = frozenset[int] | None  # the versions an If-Match names; None: any


@dataclass(frozen=True)
class TriageStep:
    id: int
    stage: str
    decision: str | None
    likelihood: str | None
    consequences: str | None
    risk_level: str | None
    hazard: str | None
    exposure: str | None
    context: str | None
    note: str | None
    actor: str
    at: datetime


@dataclass(frozen=True)
class Invitation:
    account_id: int
    username: str | None  # None: an account since anonymised away
    invited_by: str
    at: datetime


@dataclass(frozen=True)
class SignalAlert:
    """A signal's alert: the signal, where its triage stands (the stage expected next,
    None once closed), its steps oldest first, its invitations, and the reports of its
    unit and week that counted (current versions)."""

    signal: Signal
    next_stage: str | None
    steps: tuple[TriageStep, ...]
    invitations: tuple[Invitation, ...]
    reports: tuple[Report, ...] = field(default=())


class SignalNotFound(NotFound):
    """No outbreak signal has this id."""


@dataclass(frozen=True)
class Rights:
    decide: bool
    note: bool
    read: bool


def _row(session: Session, signal_id: int, *, lock: bool = False) -> SignalRow:
    row = session.get(SignalRow, signal_id, with_for_update=lock, populate_existing=lock)
    if row is None:
        raise SignalNotFound(code="signal_not_found", values={"id": signal_id})
    return row


def signal_territory(session: Session, signal_id: int) -> str:
    """The territory whose grants a signal's alert is checked against (its unit's, a
    facility's commune)."""
    return _row(session, signal_id).territory_code


def _invited(session: Session, signal_id: int, account_id: int) -> bool:
    return session.get(SignalInvitationRow, (signal_id, account_id)) is not None


def rights(session: Session, actor: Actor, row: SignalRow, index: TerritoryIndex) -> Rights:
    """What the actor may do on the signal's alert (a local actor: everything)."""
    if actor.kind is not ActorKind.ACCOUNT:
        return Rights(True, True, True)
    account_id = int(actor.name)
    held = permissions_for(session, account_id, target_in(index, row.territory_code))
    decide = Permission.WATCH_TRIAGE in held
    invited = _invited(session, row.id, account_id)
    return Rights(decide, decide or invited, decide or invited or Permission.REPORTS_READ in held)


def _refuse(allowed: bool, needed: Permission) -> None:
    if not allowed:
        raise Forbidden(code="outside_scope", values={"needed": needed.value})


def _steps(session: Session, signal_id: int) -> list[TriageStepRow]:
    return list(
        session.scalars(
            select(TriageStepRow)
            .where(TriageStepRow.signal_id == signal_id)
            .order_by(TriageStepRow.id)
        )
    )


def _position(steps: Sequence[TriageStepRow]) -> Position:
    return position_of([Step(Stage(s.stage), s.decision) for s in steps])


def _step(r: TriageStepRow) -> TriageStep:
    return TriageStep(
        r.id,
        r.stage,
        r.decision,
        r.likelihood,
        r.consequences,
        r.risk_level,
        r.hazard,
        r.exposure,
        r.context,
        r.note,
        r.actor,
        r.at,
    )


def _reports(session: Session, row: SignalRow, index: TerritoryIndex) -> list[Report]:
    """The current reports of the signal's unit (a facility, or the facilities of a
    territory reporting its data set) for its week: those its series counted."""
    if row.level == Level.FACILITY.value:
        facilities = [row.unit_code]
    else:
        dataset = get_dataset(row.dataset_id)
        places = named_places(session, FacilityFilter(territory=row.unit_code, status=None), index)
        facilities = [p.id for p in places if dataset.reported_by(p.category)]
    return list_reports(session, ReportFilter(row.dataset_id, row.week, facilities))


def get_alert(
    session: Session, actor: Actor, signal_id: int, index: TerritoryIndex | None = None
) -> SignalAlert:
    """The signal's alert as the actor may read it (refused: `outside_scope`)."""
    index = index or TerritoryIndex.from_session(session)
    row = _row(session, signal_id)
    _refuse(rights(session, actor, row, index).read, Permission.REPORTS_READ)
    steps = _steps(session, signal_id)
    invitations = session.scalars(
        select(SignalInvitationRow)
        .where(SignalInvitationRow.signal_id == signal_id)
        .order_by(SignalInvitationRow.at, SignalInvitationRow.account_id)
    ).all()
    names = usernames(session, [i.account_id for i in invitations])
    expected = _position(steps).next
    return SignalAlert(
        to_signal(row),
        None if expected is None else expected.value,
        tuple(_step(s) for s in steps),
        tuple(
            Invitation(i.account_id, names.get(i.account_id), i.invited_by, i.at)
            for i in invitations
        ),
        tuple(_reports(session, row, index)),
    )


def _audit_values(row: SignalRow) -> dict[str, object]:
    return {"triage_state": row.triage_state, "version": row.version}


def _decide(
    session: Session,
    actor: Actor,
    signal_id: int,
    versions: Versions,
    step: TriageStepRow,
    action: str,
) -> SignalAlert:
    """Append a decision (its stage and values in `step`), checked, the signal's state
    moved and its version with it, audited, in the caller's transaction."""
    index = TerritoryIndex.from_session(session)
    row = _row(session, signal_id, lock=True)
    _refuse(rights(session, actor, row, index).decide, Permission.WATCH_TRIAGE)
    if versions is not None and row.version not in versions:
        raise StaleVersion("signal", str(signal_id), max(versions, default=None), row.version)
    position = _position(_steps(session, signal_id))
    stage = Stage(step.stage)
    check_move(position, stage)
    before = _audit_values(row)
    moved = after(position, Step(stage, step.decision))
    step.signal_id, step.actor, step.at = signal_id, str(actor), clock.now()
    session.add(step)
    row.triage_state = moved.state.value
    flag_modified(row, "triage_state")  # a step moves the version on even in the same state
    session.flush()
    values = {**_audit_values(row), **_audited(step)}
    audit.record(
        session,
        actor,
        AuditEvent(action, "signal", str(signal_id), row.territory_code, before, values),
    )
    return get_alert(session, actor, signal_id, index)


def _audited(step: TriageStepRow) -> dict[str, object]:
    names = ("stage", "decision", "likelihood", "consequences", "risk_level")
    texts = ("hazard", "exposure", "context", "note")
    return {n: getattr(step, n) for n in (*names, *texts) if getattr(step, n) is not None}


def verify(
    session: Session,
    actor: Actor,
    signal_id: int,
    decision: Verification,
    note: str | None = None,
    versions: Versions = None,
) -> SignalAlert:
    """Verification: discard (closed), monitor, or start the risk assessment."""
    step = TriageStepRow(
        stage=Stage.VERIFICATION.value, decision=decision.value, note=check_text("note", note)
    )
    action = "signal.close" if decision is Verification.DISCARD else "signal.verify"
    return _decide(session, actor, signal_id, versions, step, action)


def assess(
    session: Session,
    actor: Actor,
    signal_id: int,
    hazard: str,
    exposure: str,
    context: str,
    versions: Versions = None,
) -> SignalAlert:
    """The risk assessment: the hazard, the exposure and the context, each written."""
    step = TriageStepRow(
        stage=Stage.RISK_ASSESSMENT.value,
        hazard=check_text("hazard", hazard, required=True),
        exposure=check_text("exposure", exposure, required=True),
        context=check_text("context", context, required=True),
    )
    return _decide(session, actor, signal_id, versions, step, "signal.assess")


def characterise(
    session: Session,
    actor: Actor,
    signal_id: int,
    likelihood: Likelihood,
    consequences: Consequences,
    note: str | None = None,
    versions: Versions = None,
) -> SignalAlert:
    """The risk characterisation: likelihood × consequences, the risk level by WHO's
    matrix kept beside them."""
    step = TriageStepRow(
        stage=Stage.RISK_CHARACTERISATION.value,
        likelihood=likelihood.value,
        consequences=consequences.value,
        risk_level=compute_risk(likelihood, consequences).value,
        note=check_text("note", note),
    )
    return _decide(session, actor, signal_id, versions, step, "signal.characterise")


def close(
    session: Session,
    actor: Actor,
    signal_id: int,
    outcome: Outcome,
    note: str | None = None,
    versions: Versions = None,
) -> SignalAlert:
    """The outcome (discard, monitor or respond: a response says what, in its note): the
    alert is closed."""
    text = check_text("note", note, required=outcome is Outcome.RESPOND)
    step = TriageStepRow(stage=Stage.OUTCOME.value, decision=outcome.value, note=text)
    return _decide(session, actor, signal_id, versions, step, "signal.close")


def add_note(session: Session, actor: Actor, signal_id: int, note: str) -> SignalAlert:
    """A note on the alert, by a triager or an invited account, whatever its state."""
    index = TerritoryIndex.from_session(session)
    row = _row(session, signal_id, lock=True)
    _refuse(rights(session, actor, row, index).note, Permission.WATCH_TRIAGE)
    text = check_text("note", note, required=True)
    step = TriageStepRow(
        signal_id=signal_id, stage=Stage.NOTE.value, note=text, actor=str(actor), at=clock.now()
    )
    session.add(step)
    session.flush()
    event = AuditEvent(
        "signal.note", "signal", str(signal_id), row.territory_code, None, _audited(step)
    )
    audit.record(session, actor, event)
    return get_alert(session, actor, signal_id, index)


class AlreadyInvited(Conflict):
    """The account is invited to this alert already."""


def invite(session: Session, actor: Actor, signal_id: int, username: str) -> SignalAlert:
    """Invite an account to the alert (it may read it and add notes): a triager's act;
    the account gets a header alert about it."""
    index = TerritoryIndex.from_session(session)
    row = _row(session, signal_id, lock=True)
    _refuse(rights(session, actor, row, index).decide, Permission.WATCH_TRIAGE)
    account = get_account(session, username)
    if _invited(session, signal_id, account.id):
        raise AlreadyInvited(
            code="signal_already_invited", values={"id": signal_id, "username": username}
        )
    now = clock.now()
    session.add(
        SignalInvitationRow(
            signal_id=signal_id, account_id=account.id, invited_by=str(actor), at=now
        )
    )
    session.flush()
    after_values = {"account_id": account.id, "username": account.username}
    event = AuditEvent(
        "signal.invite", "signal", str(signal_id), row.territory_code, None, after_values
    )
    audit.record(session, actor, event)
    words = {"element": row.element, "unit": row.unit_code, "week": row.week, "id": row.id}
    alert = NewAlert(
        kind=ALERT_KIND,
        dedupe_key=f"{ALERT_KIND}:invite:{signal_id}:{account.id}",
        subject_kind="signal",
        subject_id=str(signal_id),
        words_key="alert.watch_triage_invitation",
        words_values=words,
        territory_code=row.territory_code,
        account_id=account.id,
    )
    raise_alert(session, alert, now)
    return get_alert(session, actor, signal_id, index)
