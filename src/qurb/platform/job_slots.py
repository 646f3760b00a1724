"""Slots for heavy work, leased in the database so that every server process on it counts
against one limit: at most N jobs at once, whatever the number of processes.

A lease ends when its job does (`release`), or at its expiry if the process holding it
died: a slot is never lost for longer than a job's deadline plus a grace."""

from __future__ import annotations

import os
import random
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from qurb.kernel import clock
from qurb.kernel.errors import Unavailable
from qurb.platform.database import is_busy, transaction
from qurb.platform.tables import Base, UTCDateTime

# When to ask again (s) when every slot is taken: most jobs last seconds, their leases
# (deadline + grace) say nothing of when they will really end.
RETRY_AFTER_S = 5


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
        for _ in range(self.size + 3):
            try:
                return self._try_acquire(holder)
            except IntegrityError:
                # Another process took the same slot in the same instant (PostgreSQL reads
                # committed rows only): look again at what is free.
                continue
            except OperationalError as error:
                if is_busy(error):  # SQLite held by a writer past its busy timeout
                    raise self._busy() from None
                raise
        raise self._busy()

    def _try_acquire(self, holder: str) -> Lease:
        now = clock.now()
        with transaction(self.factory) as session:
            session.execute(delete(JobSlotRow).where(JobSlotRow.expires_at < now))
            taken = set(session.scalars(select(JobSlotRow.slot)))
            free = [slot for slot in range(self.size) if slot not in taken]
            if not free:
                raise self._busy()
            slot = random.choice(free)  # two processes rarely pick the same
            session.add(
                JobSlotRow(
                    slot=slot,
                    holder=holder,
                    started_at=now,
                    expires_at=now + timedelta(seconds=self.lease_s),
                )
            )
        return Lease(slot, holder)

    def release(self, lease: Lease) -> None:
        with transaction(self.factory) as session:
            session.execute(
                delete(JobSlotRow).where(
                    JobSlotRow.slot == lease.slot, JobSlotRow.holder == lease.holder
                )
            )

    def _busy(self) -> Unavailable:
        return Unavailable(
            f"all {self.size} slot(s) for heavy work (siting, what-if, campaign planning) are "
            f"taken; nothing was started: try again in {RETRY_AFTER_S} s",
            retry_after_s=RETRY_AFTER_S,
            code="slots_taken",
            values={"slots": self.size, "seconds": RETRY_AFTER_S},
        )
