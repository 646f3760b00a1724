"""`qurb watch triage` (one step of a signal's alert triage, as the token's account) and
`qurb watch alert` (the alert with its steps)."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer

from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say
from qurb.watch.triage_model import Consequences, Likelihood, Outcome, Verification

SOURCES = Attribution.of()  # the signals and their triage entered in this database
STEP_COLUMNS = [
    "id", "at", "stage", "decision", "likelihood", "consequences", "risk_level", "hazard",
    "exposure", "context", "note", "actor",
]  # fmt: skip
# `--verify assess` is the command line's short word for starting the risk assessment.
VERIFY_WORDS = {"discard": "discard", "monitor": "monitor", "assess": "start_risk_assessment"}

SignalArgument = Annotated[int, typer.Argument(min=1, help="The signal's id.")]


def triage_cmd(
    signal_id: SignalArgument,
    verify: Annotated[
        str | None, typer.Option("--verify", help="Verification: discard, monitor or assess.")
    ] = None,
    hazard: Annotated[
        str | None, typer.Option("--hazard", help="Risk assessment: the hazard.")
    ] = None,
    exposure: Annotated[
        str | None, typer.Option("--exposure", help="Risk assessment: the exposure.")
    ] = None,
    context: Annotated[
        str | None, typer.Option("--context", help="Risk assessment: the context.")
    ] = None,
    likelihood: Annotated[
        Likelihood | None, typer.Option("--likelihood", help="Risk characterisation.")
    ] = None,
    consequences: Annotated[
        Consequences | None, typer.Option("--consequences", help="Risk characterisation.")
    ] = None,
    outcome: Annotated[
        Outcome | None, typer.Option("--outcome", help="Outcome: discard, monitor or respond.")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A note: alone, or with the step it explains.")
    ] = None,
    invite: Annotated[
        str | None, typer.Option("--invite", help="Invite this account (its username).")
    ] = None,
    if_version: Annotated[
        int | None,
        typer.Option(
            "--if-version",
            min=1,
            help="Take the step only if the signal is still at this version (as read).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """One step of a signal's alert triage, as the token's account: a verification, a
    risk assessment, a risk characterisation, an outcome, a note or an invitation."""
    from qurb.identity.cli_access import token_guard
    from qurb.platform.database import default_url
    from qurb.watch import triage_service as triage
    from qurb.watch.triage_model import TriageInputError

    assessing = any(v is not None for v in (hazard, exposure, context))
    characterising = likelihood is not None or consequences is not None
    chosen = [verify is not None, assessing, characterising, outcome is not None, bool(invite)]
    versions = None if if_version is None else frozenset([if_version])
    with open_session(db or default_url(), write=True) as session:
        if sum(chosen) > 1 or (sum(chosen) == 0 and note is None):
            raise TriageInputError(code="triage_one_step")
        if verify is not None and verify not in VERIFY_WORDS:
            raise TriageInputError(code="triage_unknown_verification", values={"got": verify})
        actor = token_guard(session).actor  # the service checks its grants over the signal
        if verify is not None:
            decision = Verification(VERIFY_WORDS[verify])
            done = triage.verify(session, actor, signal_id, decision, note, versions)
        elif assessing:
            done = triage.assess(
                session, actor, signal_id, hazard or "", exposure or "", context or "", versions
            )
        elif characterising:
            if likelihood is None or consequences is None:
                raise TriageInputError(code="triage_both_needed")
            done = triage.characterise(
                session, actor, signal_id, likelihood, consequences, note, versions
            )
        elif outcome is not None:
            done = triage.close(session, actor, signal_id, outcome, note, versions)
        elif invite:
            done = triage.invite(session, actor, signal_id, invite)
        else:
            done = triage.add_note(session, actor, signal_id, note or "")
    words = {"id": signal_id, "state": done.signal.triage_state, "version": done.signal.version}
    out.print(say("cli.watch.triage_done", **words))


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def alert_cmd(
    signal_id: SignalArgument, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """A signal's alert: the signal, where its triage stands, its steps oldest first, who
    is invited and the reports that counted."""
    from qurb.kernel.actor import Actor
    from qurb.watch.triage_service import get_alert

    with open_session(db) as session:  # whoever reads the database file reads the alert
        found = get_alert(session, Actor.local(getpass.getuser() or "cli"), signal_id)
    s = found.signal
    rows = [{k: _plain(getattr(step, k)) for k in STEP_COLUMNS} for step in found.steps]
    metadata = {
        "signal": {k: _plain(v) for k, v in s.__dict__.items()},
        "next_stage": found.next_stage,
        "invitations": [i.username or str(i.account_id) for i in found.invitations],
        "reports": [r.id for r in found.reports],
    }
    title = say(
        "cli.watch.alert_title",
        id=s.id,
        element=s.element,
        unit=s.unit_code,
        week=s.week,
        state=s.triage_state,
        version=s.version,
    )
    render(rows, STEP_COLUMNS, fmt, title=title, metadata=metadata, sources=SOURCES)
