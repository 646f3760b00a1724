"""`qurb jobs run` and `qurb jobs list` on a private copy of the national database (no
report there: the silent facilities' job watches no province and raises nothing)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qurb.app import jobs_cli
from qurb.app.cli import app
from qurb.identity._account_tables import AccountRow
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform import jobs
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.platform.jobs import Job, JobOutcome, run_lock
from qurb.platform.mail import Mailer
from tests.accounts import add_account

runner = CliRunner()
NOTHING = {"datasets": 3, "provinces_watched": 0, "silent_facilities": 0}


def _listed(db: str) -> dict[str, dict[str, object]]:
    listed = runner.invoke(app, ["jobs", "list", "-f", "json", "--db", db])
    assert listed.exit_code == 0, listed.output
    return {row["job"]: row for row in json.loads(listed.stdout)["rows"]}


def test_run_then_list(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    monkeypatch.delenv("QURB_SMTP_HOST", raising=False)
    before = _listed(scratch_db)["watch.silent_facilities"]
    assert (before["outcome"], before["last_moment"]) == (None, None)
    ran = runner.invoke(
        app, ["jobs", "run", "--now", "2026-12-20T07:00:00+01:00", "--db", scratch_db]
    )
    assert ran.exit_code == 0, ran.output
    assert "watch.silent_facilities: ok, 0 new alerts (datasets=3, provinces_watched=0, " in (
        ran.stdout
    )
    assert "conventions.overdue_deliverables: ok, 0 new alerts (overdue_deliverables=0)" in (
        ran.stdout
    )
    assert "watch.outbreaks: ok, 0 new alerts (computed=0, datasets=1, raised=0, " in ran.stdout
    assert "referrals.retention: ok, 0 new alerts (erased=0)" in ran.stdout
    assert (
        "sharing.slots: ok, 0 new alerts (resources=0, slots_added=0, slots_removed=0)"
        in ran.stdout
    )
    assert "sharing.no_shows: ok, 0 new alerts (no_shows=0)" in ran.stdout
    assert "sharing.quota_release: ok, 0 new alerts (quotas=0, released=0, slots=0)" in ran.stdout
    after = _listed(scratch_db)["watch.silent_facilities"]
    assert (after["outcome"], after["last_moment"], after["alerts"]) == (
        "ok",
        "2026-12-20T06:00:00+00:00",
        0,
    )
    assert json.loads(str(after["counts"])) == NOTHING


def test_bad_input_and_a_run_already_running(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    unknown = runner.invoke(app, ["jobs", "run", "--only", "nope", "--db", scratch_db])
    jobs = (
        "conventions.committee, conventions.overdue_deliverables, conventions.tranches_due, "
        "referrals.retention, sharing.no_shows, sharing.quota_release, sharing.slots, "
        "watch.outbreaks, watch.silent_facilities"
    )
    # the terminal's width wraps the longer list: compared with its lines joined
    said = " ".join(unknown.output.split())
    assert unknown.exit_code == 2 and f"no job nope (jobs: {jobs})" in said
    bad = runner.invoke(app, ["jobs", "run", "--now", "yesterday", "--db", scratch_db])
    assert bad.exit_code == 2 and "not an ISO 8601 moment" in bad.output
    engine = make_engine(scratch_db)
    with run_lock(make_sessionmaker(engine, write=True)) as held:
        assert held
        busy = runner.invoke(app, ["jobs", "run", "--db", scratch_db])
    engine.dispose()
    assert busy.exit_code == 0 and "holds the database's lock: nothing done" in busy.output
    assert _listed(scratch_db)["watch.silent_facilities"]["outcome"] is None


class Smtp:
    """A fake `smtplib.SMTP`: keeps what it is handed, or refuses to connect."""

    sent: ClassVar[list[Any]] = []
    down: ClassVar[bool] = False

    def __init__(self, host: str, port: int, timeout: float) -> None:
        if Smtp.down:
            raise ConnectionRefusedError("connection refused")

    def __enter__(self) -> Smtp:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def starttls(self) -> None:
        return None

    def send_message(self, message: Any) -> None:
        Smtp.sent.append(message)


def test_new_alerts_are_emailed_and_a_failed_send_is_tried_again(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    engine = make_engine(scratch_db)
    writer = make_sessionmaker(engine, write=True)
    amina = add_account(writer, "amina", Role.WATCH_CONFIRMER, Scope(territories={"03.131"}))
    with transaction(writer) as session:
        session.execute(
            update(AccountRow).where(AccountRow.id == amina.account_id).values(email="a@x.ma")
        )
    engine.dispose()

    def ping(session: Session, now: datetime) -> JobOutcome:
        new = NewAlert(
            "test.ping", f"ping:{now.date()}", "territory", "03.131", "alert.watch_silent",
            {"province": "03.131", "count": 2, "dataset": "chronic", "period": "2026-11"},
            "03.131", "watch.confirm",
        )  # fmt: skip
        raised = raise_alert(session, new, now)
        return JobOutcome({}, () if raised is None else (raised,))

    monkeypatch.setattr(jobs, "_JOBS", {})
    monkeypatch.setattr(jobs_cli, "register_jobs", lambda: jobs.add_job(Job("ping", ping)))
    monkeypatch.setattr(jobs_cli, "Mailer", lambda settings: Mailer(settings, Smtp))
    monkeypatch.setenv("QURB_SMTP_HOST", "smtp.example.ma")
    monkeypatch.setenv("QURB_SMTP_FROM", "qurb@example.ma")
    Smtp.sent, Smtp.down = [], True
    now = ["--now", "2026-12-20T06:00:00Z", "--db", scratch_db]
    failed = runner.invoke(app, ["jobs", "run", *now])
    assert failed.exit_code == 1 and "could not be e-mailed" in failed.output
    assert "ping: ok, 1 new alerts" in failed.stdout
    Smtp.down = False
    again = runner.invoke(app, ["jobs", "run", *now])  # no new alert: the old one is sent
    assert again.exit_code == 0, again.output
    assert "ping: ok, 0 new alerts" in again.stdout and "E-mails sent: 1" in again.stdout
    assert [m["To"] for m in Smtp.sent] == ["a@x.ma"]
    third = runner.invoke(app, ["jobs", "run", *now])
    assert "E-mails sent: 0" in third.stdout and len(Smtp.sent) == 1
