"""`qurb jobs run` (every registered job, or those named, for now or a given moment; one
run at a time on a database; meant for cron or a systemd timer) and `qurb jobs list`
(the jobs and their last runs). The jobs are the features' (`app.features`); the
new alerts of a run are e-mailed when an SMTP server is configured (`QURB_SMTP_HOST`)."""

from __future__ import annotations

import json
import smtplib
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.features import register_jobs
from qurb.identity.alert_service import email_alerts
from qurb.kernel import clock
from qurb.kernel.attribution import Attribution
from qurb.kernel.errors import QurbError
from qurb.platform.alerts import unemailed_since
from qurb.platform.cli import (
    DbOption,
    FormatOption,
    err,
    exit_code_for,
    fail,
    open_engine,
    out,
    worded,
)
from qurb.platform.database import make_sessionmaker, transaction
from qurb.platform.jobs import Outcome, RunReport, last_runs, registered_jobs, run_jobs
from qurb.platform.mail import Mailer, SmtpSettings
from qurb.platform.output import OutputFormat, render, say
from qurb.territory.service import TerritoryIndex

OWN_RUNS = Attribution(frozenset())  # written in this database: no published source
# An alert whose e-mail failed (the SMTP server down) is tried again by the runs of the
# next two days, then left to the page.
MAIL_RETRY = timedelta(days=2)
COLUMNS = ["job", "last_moment", "last_finished", "outcome", "counts", "alerts", "error"]

jobs_app = typer.Typer(
    help="Time-based work: run the registered jobs (from cron or a systemd timer), list "
    "them and their last runs.",
    no_args_is_help=True,
)

OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Run this job alone (repeat for several); see `qurb jobs list`."),
]
NowOption = Annotated[
    str | None,
    typer.Option("--now", help="The moment to run for (ISO 8601, UTC if no zone); default: now."),
]


def _moment(text: str | None) -> datetime:
    if text is None:
        return clock.now()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(say("cli.jobs.bad_now", value=repr(text))) from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


@jobs_app.command("run")
def run_cmd(only: OnlyOption = None, now: NowOption = None, db: DbOption = None) -> None:
    """Run the registered jobs (or those named) once: idempotent (an alert is never raised
    twice), one run at a time on the database (another run holding it: nothing done,
    exit 0); each job's run recorded, a failed one (exit 1) leaving the others to run."""
    moment = _moment(now)
    register_jobs()
    engine = open_engine(db)
    factory = make_sessionmaker(engine, write=True)
    try:
        report = run_jobs(factory, moment, only or None)
        if report.already_running:
            err.print(escape(say("cli.jobs.already_running")))
            return
        _print(report)
        sent = _email(factory, report)
    except QurbError as error:
        raise fail(worded(error), error.hint, exit_code_for(error)) from None
    finally:
        engine.dispose()
    if sent is not None:
        out.print(escape(say("cli.jobs.emailed", count=sent)), highlight=False)
    if any(r.outcome is Outcome.FAILED for r in report.results):
        raise typer.Exit(code=1)


def _print(report: RunReport) -> None:
    for result in report.results:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(result.counts.items())) or "-"
        line = say(
            "cli.jobs.ran",
            job=result.job,
            outcome=result.outcome.value,
            alerts=len(result.alerts),
            counts=counts,
        )
        out.print(escape(line), highlight=False)
        if result.error:
            err.print(escape(result.error.rstrip().splitlines()[-1]), highlight=False)


def _email(factory: sessionmaker[Session], report: RunReport) -> int | None:
    """The messages sent for the run's new alerts; None when no SMTP server is set."""
    settings = SmtpSettings.from_env()
    if settings is None:
        return None
    try:
        with transaction(factory) as session:
            index = TerritoryIndex.from_session(session)
            retried = unemailed_since(session, report.moment - MAIL_RETRY)
            wanted = sorted({*report.alerts, *retried})
            return email_alerts(session, Mailer(settings), index, wanted)
    except (OSError, smtplib.SMTPException) as error:  # the alerts stay to e-mail
        raise fail(say("cli.jobs.mail_failed", detail=str(error)), code=1) from None


@jobs_app.command("list")
def list_cmd(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """The registered jobs, each with its last run (moment, outcome, counts, alerts)."""
    register_jobs()
    engine = open_engine(db)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            runs = last_runs(session)
    finally:
        engine.dispose()
    rows: list[dict[str, object]] = []
    for job in registered_jobs():
        last = runs.get(job.name)
        rows.append(
            {
                "job": job.name,
                "last_moment": None if last is None else last.moment.isoformat(),
                "last_finished": None if last is None else last.finished_at.isoformat(),
                "outcome": None if last is None else last.outcome,
                "counts": None if last is None else json.dumps(dict(last.counts), sort_keys=True),
                "alerts": None if last is None else last.alerts,
                "error": None if last is None or not last.error else last.error.splitlines()[-1],
            }
        )
    render(rows, COLUMNS, fmt, title=say("cli.jobs.list", count=len(rows)), sources=OWN_RUNS)
