"""Time-based work: the jobs a capability adds (`add_job(Job(name, run))`) and
`run_jobs`, which `qurb jobs run` calls from cron or a systemd timer.

A run is idempotent: a job raises each alert under a dedupe key the alerts' table keeps
unique (`platform.alerts.raise_alert`), so running twice for the same moment raises
nothing twice. One run at a time on a database, whatever the number of machines or
processes: `run_lock` below. Each job runs in its own transaction and is recorded in
`job_runs` (started, finished, outcome, counts, the error's text): a job that raises is
rolled back and recorded as failed, and the others still run."""

from __future__ import annotations

import json
import os
import socket
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Integer, String, Text, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from qurb.kernel import clock
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.platform.tables import Base, UTCDateTime

# PostgreSQL's advisory lock key for `qurb jobs run` (any fixed 64-bit number: "qurbjobs").
ADVISORY_KEY = 0x7175726230626A73
LOCK_NAME = "jobs.run"
# SQLite: a lock row older than this is a run that died (a killed process keeps no row
# lock there); a real run lasts seconds to minutes.
STALE_LOCK = timedelta(hours=1)
MAX_ERROR_CHARS = 4000


class JobRunRow(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(100), index=True)
    moment = mapped_column(UTCDateTime, nullable=False)  # the `now` the job was run for
    started_at = mapped_column(UTCDateTime, nullable=False)
    finished_at = mapped_column(UTCDateTime, nullable=False)
    outcome: Mapped[str] = mapped_column(String(16))
    counts: Mapped[str] = mapped_column(Text)  # JSON object: name -> count
    alerts: Mapped[int] = mapped_column(Integer)  # alerts raised (new ones only)
    error: Mapped[str | None] = mapped_column(Text)


class JobLockRow(Base):
    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    taken_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class JobOutcome:
    """What a job did: its counts (what it looked at, what it found) and the ids of the
    alerts it raised (new ones only: one raised before under the same key is not)."""

    counts: Mapping[str, int] = field(default_factory=dict)
    alerts: tuple[int, ...] = ()


JobRun = Callable[[Session, datetime], JobOutcome]


@dataclass(frozen=True)
class Job:
    """A periodic job: its name (`watch.silent_facilities`) and what it does for a moment,
    in the session's transaction."""

    name: str
    run: JobRun


@dataclass(frozen=True)
class JobResult:
    job: str
    outcome: Outcome
    counts: Mapping[str, int]
    alerts: tuple[int, ...]
    error: str | None


@dataclass(frozen=True)
class RunReport:
    """A run's answer: `already_running` when another run held the lock (nothing done)."""

    moment: datetime
    already_running: bool
    results: tuple[JobResult, ...] = ()

    @property
    def alerts(self) -> tuple[int, ...]:
        return tuple(alert for result in self.results for alert in result.alerts)


@dataclass(frozen=True)
class LastRun:
    job: str
    moment: datetime
    started_at: datetime
    finished_at: datetime
    outcome: str
    counts: Mapping[str, int]
    alerts: int
    error: str | None


_JOBS: dict[str, Job] = {}


def add_job(job: Job) -> None:
    """Register a job (again under the same name: replaced)."""
    _JOBS[job.name] = job


def registered_jobs() -> tuple[Job, ...]:
    return tuple(_JOBS[name] for name in sorted(_JOBS))


def _chosen(names: Sequence[str] | None) -> list[Job]:
    if names is None:
        return list(registered_jobs())
    unknown = [name for name in names if name not in _JOBS]
    if unknown:
        raise InputError(
            code="unknown_job",
            values={"job": unknown[0], "known": ", ".join(sorted(_JOBS)) or "-"},
        )
    return [_JOBS[name] for name in dict.fromkeys(names)]


def run_jobs(
    factory: sessionmaker[Session], now: datetime, names: Sequence[str] | None = None
) -> RunReport:
    """Run the registered jobs (or those named) for the moment `now`, one run at a time
    on the database: another run holding the lock answers `already_running`, doing
    nothing. `factory` gives write sessions (`make_sessionmaker(engine, write=True)`)."""
    if now.utcoffset() is None:
        raise InputError(code="moment_without_zone", values={"moment": now.isoformat()})
    jobs = _chosen(names)
    with run_lock(factory) as held:
        if not held:
            return RunReport(now, already_running=True)
        return RunReport(now, False, tuple(_run_one(factory, job, now) for job in jobs))


def _run_one(factory: sessionmaker[Session], job: Job, now: datetime) -> JobResult:
    started = clock.now()
    try:
        with transaction(factory) as session:
            outcome = job.run(session, now)
            result = JobResult(job.name, Outcome.OK, dict(outcome.counts), outcome.alerts, None)
            _record(session, result, now, started)
    except Exception:  # a job's fault is recorded; the others still run
        error = traceback.format_exc()[-MAX_ERROR_CHARS:]
        result = JobResult(job.name, Outcome.FAILED, {}, (), error)
        with transaction(factory) as session:
            _record(session, result, now, started)
    return result


def _record(session: Session, result: JobResult, now: datetime, started: datetime) -> None:
    session.add(
        JobRunRow(
            job=result.job,
            moment=now,
            started_at=started,
            finished_at=clock.now(),
            outcome=result.outcome.value,
            counts=json.dumps(dict(sorted(result.counts.items()))),
            alerts=len(result.alerts),
            error=result.error,
        )
    )


@contextmanager
def run_lock(factory: sessionmaker[Session]) -> Iterator[bool]:
    """Hold the database's jobs lock while the block runs; yields False (holding nothing)
    when another run has it.

    PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock` on a fixed key) on a
    connection kept for the run: it takes no row, blocks no other writer, and the server
    drops it by itself if the process dies. SQLite has no such lock, and holding its one
    write lock (`BEGIN IMMEDIATE`) for the whole run would stop every other writer (the
    web pages) meanwhile; so a row in `job_locks` under a unique name, inserted in a
    short write transaction: a second insert fails on the key. A process killed during a
    run leaves its row: past STALE_LOCK it counts as dead and is taken over."""
    engine = factory.kw["bind"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            held = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
                ).scalar_one()
            )
            connection.commit()
            try:
                yield held
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                    connection.commit()
        return
    holder = _take_row_lock(factory)
    try:
        yield holder is not None
    finally:
        if holder is not None:
            with transaction(factory) as session:
                session.execute(
                    delete(JobLockRow).where(
                        JobLockRow.name == LOCK_NAME, JobLockRow.holder == holder
                    )
                )


def _take_row_lock(factory: sessionmaker[Session]) -> str | None:
    """The lock row's holder once inserted, or None when a live run holds it."""
    holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    now = clock.now()
    try:
        with transaction(factory) as session:
            session.execute(
                delete(JobLockRow).where(JobLockRow.name == LOCK_NAME, JobLockRow.expires_at < now)
            )
            session.add(
                JobLockRow(name=LOCK_NAME, holder=holder, taken_at=now, expires_at=now + STALE_LOCK)
            )
    except IntegrityError:
        return None
    return holder


def last_runs(session: Session) -> dict[str, LastRun]:
    """Each job's last recorded run, by job name."""
    newest = select(func.max(JobRunRow.id)).group_by(JobRunRow.job)
    rows = session.scalars(select(JobRunRow).where(JobRunRow.id.in_(newest))).all()
    return {row.job: _last(row) for row in rows}


def _last(row: JobRunRow) -> LastRun:
    return LastRun(
        job=row.job,
        moment=row.moment,
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcome=row.outcome,
        counts=json.loads(row.counts),
        alerts=row.alerts,
        error=row.error,
    )
