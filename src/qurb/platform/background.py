"""Heavy work as a job that outlives its request: recorded in the `jobs` table, run in a
worker of this server process (`heavy.HeavyWork.detached`) from a thread of its own, and
polled or cancelled by any server process on the database through its row.

A job is `queued` when recorded, `running` once its worker has it, then `done` (its
result saved by the caller's `finish`, in one transaction with the job's row), `failed`
(its problem document kept, in every language of the catalogues) or `cancelled` (its
worker stopped, nothing saved). A cancel sets `cancel_requested`; the process running
the job reads the row every `heavy.POLL_S` and stops the worker."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import JSON, Boolean, String, Text, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from qurb.kernel import clock
from qurb.kernel.errors import Conflict, NotFound
from qurb.kernel.i18n import LANGS
from qurb.platform.database import transaction
from qurb.platform.heavy import HeavyWork, JobCancelled, Reservation
from qurb.platform.tables import Base, UTCDateTime

T = TypeVar("T")
log = logging.getLogger("qurb.jobs")

Status = Literal["queued", "running", "done", "failed", "cancelled"]
STATUSES: tuple[Status, ...] = ("queued", "running", "done", "failed", "cancelled")
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), index=True)
    territory_code: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(120))
    partner_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    result_id: Mapped[str | None] = mapped_column(String(80))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    phase: Mapped[str | None] = mapped_column(Text)


class JobNotFound(NotFound):
    """No job has this id."""


class JobFinished(Conflict):
    """A cancel of a job that has already ended."""


@dataclass(frozen=True)
class ProblemDocuments:
    """How the app words an error for a client, as (HTTP status, body) in a language: the
    composition root gives it, so that a failed job answers its poll as the request
    would have."""

    render: Callable[[BaseException, str], tuple[int, dict[str, Any]]]

    def all_languages(self, error: BaseException) -> dict[str, Any]:
        documents = {lang: self.render(error, lang) for lang in LANGS}
        status = next(iter(documents.values()))[0]
        return {"status": status, "documents": {k: body for k, (_, body) in documents.items()}}


def new_job(
    session: Session,
    kind: str,
    created_by: str,
    territory_code: str | None = None,
    partner_id: str | None = None,
) -> JobRow:
    """A queued job's row, added to the caller's write (which audits it)."""
    row = JobRow(
        id=f"job-{uuid.uuid4().hex[:16]}",
        kind=kind,
        status="queued",
        territory_code=territory_code,
        created_by=created_by,
        partner_id=partner_id,
        created_at=clock.now(),
        cancel_requested=False,
        phase="queued",
    )
    session.add(row)
    session.flush()
    return row


def get_job(session: Session, job_id: str, kind: str, *, lock: bool = False) -> JobRow:
    row = session.get(JobRow, job_id, with_for_update=lock or None, populate_existing=lock)
    if row is None or row.kind != kind:
        raise JobNotFound(code="no_job", values={"id": repr(job_id)})
    return row


def request_cancel(
    session: Session, job_id: str, kind: str, lost_before: datetime | None = None
) -> JobRow:
    """Mark the job to be cancelled (in the caller's write, which audits it); 409
    `job_finished` when it has already ended, or was lost (created before `lost_before`
    and never finished: its server process is gone, its polls read it failed)."""
    row = get_job(session, job_id, kind, lock=True)
    lost = lost_before is not None and row.created_at < lost_before
    if row.status in FINISHED or lost:
        status = row.status if row.status in FINISHED else "failed"
        raise JobFinished(code="job_finished", values={"id": row.id, "status": status})
    row.cancel_requested = True
    return row


def set_phase(session: Session, job_id: str, phase: str) -> None:
    """What the job is doing now, for its polls (committed at once). A phase is a hint:
    a database too busy to take it now (SQLite's lock held past its busy timeout by
    another writer) leaves the poll showing the previous one, and the job goes on."""
    try:
        session.execute(update(JobRow).where(JobRow.id == job_id).values(phase=phase))
        session.commit()
    except OperationalError as error:
        session.rollback()
        log.warning("job %s: phase %s not recorded: %s", job_id, phase, error)


@dataclass(frozen=True)
class Background:
    """Runs jobs in the background of this server process."""

    heavy: HeavyWork
    writer: sessionmaker[Session]
    reader: sessionmaker[Session]
    problems: ProblemDocuments

    def start(
        self,
        job_id: str,
        reservation: Reservation,
        job: Callable[..., T],
        args: Sequence[Any],
        finish: Callable[[Session, T], str],
    ) -> threading.Thread:
        """Run `job(session, *args)` in a worker from a thread of its own; then
        `finish(session, result)` saves the result and answers its id (the job's
        `result_id`), in the write that marks the job done, unless it was cancelled
        meanwhile."""
        thread = threading.Thread(
            target=self._run,
            args=(job_id, reservation, job, args, finish),
            name=f"qurb-{job_id}",
            daemon=True,
        )
        thread.start()
        return thread

    def _run(
        self,
        job_id: str,
        reservation: Reservation,
        job: Callable[..., T],
        args: Sequence[Any],
        finish: Callable[[Session, T], str],
    ) -> None:
        try:
            result = self.heavy.detached(
                reservation,
                job,
                args,
                cancelled=lambda: self._cancel_requested(job_id),
                started=lambda: self._mark_started(job_id),
            )
            self._finish(job_id, result, finish)
        except JobCancelled:
            self._end(job_id, "cancelled")
        except Exception as error:  # every failure ends the job, its problem kept
            log.info("job %s failed: %s", job_id, error)
            self._end(job_id, "failed", error=self.problems.all_languages(error))

    def _finish(self, job_id: str, result: T, finish: Callable[[Session, T], str]) -> None:
        with transaction(self.writer) as session:
            row = self._locked(session, job_id)
            if row.cancel_requested:
                row.status, row.finished_at, row.phase = "cancelled", clock.now(), "cancelled"
                return
            row.result_id = finish(session, result)
            row.status, row.finished_at, row.phase = "done", clock.now(), "done"

    @staticmethod
    def _locked(session: Session, job_id: str) -> JobRow:
        row = session.get(JobRow, job_id, with_for_update=True, populate_existing=True)
        if row is None:  # removed while running (a restore): nothing to finish
            raise JobNotFound(code="no_job", values={"id": repr(job_id)})
        return row

    def _cancel_requested(self, job_id: str) -> bool:
        """Whether a cancel was asked; a database that does not answer now (busy, a lost
        connection) is asked again at the next look."""
        try:
            with self.reader() as session:
                asked = session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id))
        except SQLAlchemyError as error:
            log.warning("job %s: could not read whether it was cancelled: %s", job_id, error)
            return False
        return bool(asked)

    def _mark(self, job_id: str, **values: Any) -> None:
        with transaction(self.writer) as session:
            session.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    def _mark_started(self, job_id: str) -> None:
        """Running, for the polls; like a phase, a hint a busy database may not take now
        (the job's end is written regardless)."""
        try:
            self._mark(job_id, status="running", started_at=clock.now())
        except OperationalError as error:
            log.warning("job %s: start not recorded: %s", job_id, error)

    def _end(self, job_id: str, status: Status, error: dict[str, Any] | None = None) -> None:
        self._mark(job_id, status=status, finished_at=clock.now(), phase=status, error=error)
