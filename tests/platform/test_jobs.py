"""The time-based jobs on the small region of `tests/regions.py`, on SQLite and
PostgreSQL: a run is idempotent, one at a time (a run while another holds the lock does
nothing), each run recorded, a failing job recorded as failed while the others run; the
reports' silent facilities worked out by hand; e-mail through a fake SMTP connection.

Chronic reports are expected from the DR, CSR and CSU of the region (5: three CSU, CSR
Aït Lhou, DR Tafraout; the HP does not report them). CSR Aït Lhou reports November 2026,
due 5 December, past its grace of 7 days on the 13th: on 20 December the four others are
silent, one alert for province 99.991."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.identity.alert_service import email_alerts
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.errors import InputError
from qurb.platform import jobs
from qurb.platform.alerts import AlertRow, NewAlert, raise_alert
from qurb.platform.database import make_sessionmaker, transaction
from qurb.platform.jobs import Job, JobOutcome, JobRunRow, run_jobs, run_lock
from qurb.platform.mail import Mailer, SmtpSettings
from qurb.territory.service import TerritoryIndex
from qurb.watch import silent_job
from qurb.watch.service import RawValue, ReportInput, submit_report
from tests.accounts import add_account
from tests.regions import PROVINCE_CODE
from tests.watch_reports import CATCHMENTS, CSR, REPORTER, Clock, Factory, moment

__all__ = ["moment"]

NOW = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def writer(small_region_db: Factory, region_engine: Engine, moment: Clock) -> sessionmaker[Session]:
    small_region_db()
    return make_sessionmaker(region_engine, write=True)


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(jobs, "_JOBS", {})
    yield


def _one_alert(session: Session, now: datetime) -> JobOutcome:
    new = NewAlert(
        "test.ping", "test.ping:1", "territory", PROVINCE_CODE, "alert.watch_silent",
        {"province": PROVINCE_CODE, "count": 1, "dataset": "chronic", "period": "2026-11"},
        PROVINCE_CODE, "watch.confirm",
    )  # fmt: skip
    raised = raise_alert(session, new, now)
    return JobOutcome({"looked": 1}, () if raised is None else (raised,))


def _broken(session: Session, now: datetime) -> JobOutcome:
    session.add(JobRunRow(job="never kept", moment=now, started_at=now, finished_at=now,
                          outcome="ok", counts="{}", alerts=0, error=None))  # fmt: skip
    session.flush()
    raise RuntimeError("the job's fault")


def _count(factory: sessionmaker[Session], table: Any) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_second_run_for_the_same_moment_raises_nothing_again(
    writer: sessionmaker[Session],
) -> None:
    jobs.add_job(Job("ping", _one_alert))
    first = run_jobs(writer, NOW)
    assert not first.already_running and len(first.alerts) == 1
    assert [(r.job, r.outcome, dict(r.counts)) for r in first.results] == [
        ("ping", "ok", {"looked": 1})
    ]
    second = run_jobs(writer, NOW)
    assert second.alerts == () and _count(writer, AlertRow) == 1
    assert _count(writer, JobRunRow) == 2
    with transaction(writer) as session:
        last = jobs.last_runs(session)["ping"]
    assert (last.outcome, last.alerts, last.moment) == ("ok", 0, NOW)


def test_a_run_while_another_holds_the_lock_does_nothing(writer: sessionmaker[Session]) -> None:
    jobs.add_job(Job("ping", _one_alert))
    with run_lock(writer) as held:
        assert held
        report = run_jobs(writer, NOW)
        assert report.already_running and report.results == ()
    assert _count(writer, JobRunRow) == 0 and _count(writer, AlertRow) == 0
    assert not run_jobs(writer, NOW).already_running  # released at the end


def test_a_failing_job_is_recorded_and_the_others_still_run(
    writer: sessionmaker[Session],
) -> None:
    jobs.add_job(Job("a.broken", _broken))
    jobs.add_job(Job("b.ping", _one_alert))
    report = run_jobs(writer, NOW)
    assert [(r.job, r.outcome) for r in report.results] == [
        ("a.broken", "failed"),
        ("b.ping", "ok"),
    ]
    with transaction(writer) as session:
        runs = {r.job: r for r in session.scalars(select(JobRunRow))}
    assert set(runs) == {"a.broken", "b.ping"}  # the broken job's own row rolled back
    assert "RuntimeError: the job's fault" in (runs["a.broken"].error or "")
    assert runs["a.broken"].outcome == "failed" and runs["b.ping"].alerts == 1


def test_unknown_job_and_naive_moment_are_refused(writer: sessionmaker[Session]) -> None:
    jobs.add_job(Job("ping", _one_alert))
    with pytest.raises(InputError) as caught:
        run_jobs(writer, NOW, ["nope"])
    assert caught.value.code == "unknown_job"
    with pytest.raises(InputError) as naive:
        run_jobs(writer, NOW.replace(tzinfo=None))
    assert naive.value.code == "moment_without_zone"
    assert _count(writer, JobRunRow) == 0


def _chronic_report(factory: sessionmaker[Session]) -> None:
    values = [
        RawValue("htn_registered", "f", 0, "values[0].value"),
        RawValue("htn_registered", "m", 0, "values[1].value"),
    ]
    with transaction(factory) as session:
        submit_report(session, REPORTER, ReportInput("chronic", CSR, "2026-11", values), CATCHMENTS)


def test_silent_facilities_raise_one_alert_per_province(writer: sessionmaker[Session]) -> None:
    jobs.add_job(silent_job.job)
    nothing = run_jobs(writer, NOW)  # no report ever: no province uses them, no alert
    assert nothing.alerts == () and nothing.results[0].counts["provinces_watched"] == 0
    _chronic_report(writer)
    report = run_jobs(writer, NOW)
    [result] = report.results
    assert dict(result.counts) == {"datasets": 3, "provinces_watched": 1, "silent_facilities": 4}
    with transaction(writer) as session:
        [alert] = session.scalars(select(AlertRow)).all()
    assert (alert.dedupe_key, alert.territory_code, alert.permission) == (
        "watch.silent_facilities:chronic:2026-11:99.991",
        PROVINCE_CODE,
        "watch.confirm",
    )
    assert run_jobs(writer, NOW).alerts == ()  # again: nothing twice
    # On 12 December November is still within its grace: October is looked at, silent too.
    earlier = run_jobs(writer, datetime(2026, 12, 12, 6, 0, tzinfo=UTC))
    assert earlier.results[0].counts["silent_facilities"] == 5


class FakeSmtp:
    sent: ClassVar[list[Any]] = []
    logins: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address = (host, port)

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def starttls(self) -> None:
        return None

    def login(self, user: str, password: str) -> None:
        FakeSmtp.logins.append((user, password))

    def send_message(self, message: Any) -> None:
        FakeSmtp.sent.append(message)


def test_new_alerts_are_emailed_to_the_accounts_they_reach(
    writer: sessionmaker[Session],
) -> None:
    confirmer = add_account(
        writer, "confirmer", Role.WATCH_CONFIRMER, Scope(territories={PROVINCE_CODE})
    )
    add_account(writer, "planner", Role.PLANNER, Scope(territories={PROVINCE_CODE}))
    with transaction(writer) as session:
        from qurb.identity._account_tables import AccountRow

        for row in session.scalars(select(AccountRow)):
            row.email = f"{row.username}@example.ma"
    jobs.add_job(Job("ping", _one_alert))
    report = run_jobs(writer, NOW)
    settings = SmtpSettings.from_env(
        {"QURB_SMTP_HOST": "smtp.example.ma", "QURB_SMTP_FROM": "qurb@example.ma",
         "QURB_SMTP_USER": "qurb", "QURB_SMTP_PASSWORD": "secret"}
    )  # fmt: skip
    assert settings is not None and (settings.port, settings.starttls) == (587, True)
    FakeSmtp.sent, FakeSmtp.logins = [], []
    mailer = Mailer(settings, FakeSmtp)
    with transaction(writer) as session:
        index = TerritoryIndex.from_session(session)
        assert email_alerts(session, mailer, index, report.alerts) == 1
    assert [m["To"] for m in FakeSmtp.sent] == ["confirmer@example.ma"]
    assert FakeSmtp.logins == [("qurb", "secret")]
    assert "Province 99.991" in FakeSmtp.sent[0]["Subject"]
    with transaction(writer) as session:  # e-mailed once: not again
        index = TerritoryIndex.from_session(session)
        assert email_alerts(session, mailer, index, report.alerts) == 0
    assert confirmer.username == "confirmer"


def test_smtp_settings_are_checked() -> None:
    assert SmtpSettings.from_env({}) is None
    for bad in ({"QURB_SMTP_PORT": "x"}, {"QURB_SMTP_STARTTLS": "maybe"}, {"QURB_SMTP_FROM": ""}):
        env = {"QURB_SMTP_HOST": "h", "QURB_SMTP_FROM": "a@b.ma", **bad}
        with pytest.raises(InputError) as caught:
            SmtpSettings.from_env(env)
        assert caught.value.code == "bad_setting"
