"""Slots for heavy work, leased in the database so that every server process on it counts
against one limit: at most N jobs at once, whatever the number of processes.

A lease ends when its job does (`release`), or at its expiry if the process holding it
died: a slot is never lost for longer than a job's deadline plus a grace."""

from __future__ import annotations

import math
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, String, delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from qurb.kernel import clock
from qurb.kernel.errors import Unavailable
from qurb.platform.database import transaction
from qurb.platform.tables import Base, UTCDateTime


class JobSlotRow(Base):
    __tablename__ = "job_slots"

    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))  # host, process id, lease id
    started_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)


@dataclass(frozen=True)
class Lease:
    slot: int
    holder: str


@dataclass(frozen=True)
class JobSlots:
    factory: sessionmaker[Session]
    size: int  # N: jobs at once across every process on this database
    lease_s: float  # a job's deadline plus a grace: when a dead holder's slot frees itself

    def acquire(self) -> Lease:
        """A free slot, leased; Unavailable (with when to retry) when all N are taken."""
        holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        now = clock.now()
        try:
            with transaction(self.factory) as session:
                session.execute(delete(JobSlotRow).where(JobSlotRow.expires_at < now))
                taken = set(session.scalars(select(JobSlotRow.slot)))
                free = [slot for slot in range(self.size) if slot not in taken]
                if not free:
                    soonest = session.scalar(select(func.min(JobSlotRow.expires_at)))
                    raise self._busy(soonest)
                session.add(
                    JobSlotRow(
                        slot=free[0],
                        holder=holder,
                        started_at=now,
                        expires_at=now + timedelta(seconds=self.lease_s),
                    )
                )
        except (IntegrityError, OperationalError):
            # Another process took the same slot in the same instant, or held the database.
            raise self._busy(None) from None
        return Lease(free[0], holder)

    def release(self, lease: Lease) -> None:
        with transaction(self.factory) as session:
            session.execute(
                delete(JobSlotRow).where(
                    JobSlotRow.slot == lease.slot, JobSlotRow.holder == lease.holder
                )
            )

    def _busy(self, soonest: object) -> Unavailable:
        # Retry when the soonest lease would expire at the latest, but not later than a
        # minute: most jobs end well before their deadline.
        wait = 5.0
        if soonest is not None:
            wait = (soonest - clock.now()).total_seconds()  # type: ignore[operator]
        seconds = min(60, max(1, math.ceil(wait)))
        return Unavailable(
            f"all {self.size} slot(s) for heavy work (siting, what-if, campaign planning) are "
            f"taken; nothing was started: try again in {seconds} s",
            retry_after_s=seconds,
            code="slots_taken",
            values={"slots": self.size, "seconds": seconds},
        )
