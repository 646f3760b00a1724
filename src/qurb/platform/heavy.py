"""Heavy work (siting, what-if, campaign planning) out of the server's event loop.

A job runs in a worker process of a pool (`Settings.heavy_workers`, below the server's
priority), under a hard deadline that covers everything it does, building its model
included; the worker is stopped at the deadline and as soon as the client leaves. At most
`Settings.heavy_jobs` jobs run at once across every server process on the database (slots
leased there, `job_slots`), and a process never queues more than its workers: beyond,
the answer is 503 with `Retry-After`, before any work.

A job is a module-level function `job(session, *args)` (pickled by name): the worker opens
its own session on the same database, and sends back the result or the error raised."""

from __future__ import annotations

import asyncio
import atexit
import logging
import math
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_for_future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessFuture, ProcessPool
from pebble.common.types import RemoteTraceback
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from qurb.kernel.errors import QurbError, Unavailable
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.platform.job_slots import JobSlots, Lease
from qurb.platform.settings import Settings

T = TypeVar("T")
log = logging.getLogger("qurb.heavy")

# How often a waiting request looks whether its client is still there (s).
POLL_S = 0.2
# Workers run below the server (nice +10), so that reading the map stays quick.
NICENESS = 10
# A lease outlives its job's deadline by this much (s) before another process may take it.
LEASE_GRACE_S = 30.0
# How often a worker looks whether its server is still there (s).
WATCH_S = 1.0
# Giving a slot back: tries, and the wait before each retry (s).
RELEASE_WAITS_S = (0.1, 0.5, 2.0)

# ------------------------------------------------------------------ in the worker process

_factories: dict[str, sessionmaker[Session]] = {}


def _worker_started() -> None:
    os.nice(NICENESS)
    # A server killed outright (SIGKILL, out of memory) cannot stop its workers, and its
    # deadlines die with it: a worker whose server is gone ends itself.
    server = os.getppid()
    threading.Thread(target=_watch_server, args=(server,), daemon=True).start()


def _watch_server(server: int) -> None:
    while os.getppid() == server:
        time.sleep(WATCH_S)
    os._exit(70)


def _run_job(database_url: str, job: Callable[..., T], args: Sequence[Any], deadline_s: float) -> T:
    # The kernel's backstop to the server's deadline: a job may use at most its deadline
    # in CPU seconds beyond what the worker had used (SIGXCPU then ends the worker).
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = math.ceil(used.ru_utime + used.ru_stime + deadline_s) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or cpu_s < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, hard))
    factory = _factories.get(database_url)
    if factory is None:
        factory = _factories[database_url] = make_sessionmaker(make_engine(database_url))
    with factory() as session:
        return job(session, *args)


# ------------------------------------------------------------------ in the server process

_pools: dict[int, ProcessPool] = {}
_pools_lock = threading.Lock()


def _pool(workers: int) -> ProcessPool:
    """This process's pool of `workers` workers (one per size, shared by every app in it).
    Workers are started fresh ("spawn"): never a fork of a server holding threads and open
    database connections."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None or not pool.active:
            pool = ProcessPool(
                max_workers=workers,
                initializer=_worker_started,
                context=multiprocessing.get_context("spawn"),
            )
            _pools[workers] = pool
        return pool


@atexit.register
def _stop_pools() -> None:
    with _pools_lock:
        for pool in _pools.values():
            pool.stop()
            pool.join(timeout=5)
        _pools.clear()


class JobCancelled(QurbError):
    """A detached job stopped because its owner asked: its worker was stopped, nothing
    was written."""


@dataclass(frozen=True)
class Reservation:
    """A worker of this process and a slot on the database, held for one detached job
    until `HeavyWork.detached` gives them back."""

    lease: Lease


@dataclass
class HeavyWork:
    """The heavy work of one app: its database, its workers, its slots and its deadline."""

    database_url: str
    workers: int
    deadline_s: float
    slots: JobSlots
    _running: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._running = threading.BoundedSemaphore(self.workers)

    @classmethod
    def of(cls, settings: Settings, factory: sessionmaker[Session]) -> HeavyWork:
        lease_s = settings.heavy_deadline_s + LEASE_GRACE_S
        return cls(
            settings.database_url,
            settings.heavy_workers,
            settings.heavy_deadline_s,
            JobSlots(factory, settings.heavy_jobs, lease_s),
        )

    async def run(
        self,
        request: Request,
        job: Callable[..., T],
        *args: Any,
    ) -> T:
        """`job(session, *args)` in a worker; its result, or the error it raised.

        Unavailable (503) when every slot is taken (with when to retry), when the job runs
        past the deadline, loses its worker, or its client leaves."""
        if not self._running.acquire(blocking=False):
            raise Unavailable(
                f"this server's {self.workers} worker(s) for heavy work are busy; nothing "
                "was started: try again in a few seconds",
                retry_after_s=5,
                code="workers_busy",
                values={"workers": self.workers},
            )
        try:
            lease = await run_in_threadpool(self.slots.acquire)
            try:
                future = _pool(self.workers).schedule(
                    _run_job,
                    (self.database_url, job, args, self.deadline_s),
                    timeout=self.deadline_s,
                )
                return await self._outcome(request, future)
            finally:
                await run_in_threadpool(self._give_back, lease)
        finally:
            self._running.release()

    def reserve(self) -> Reservation:
        """A worker of this process and a slot, for a job run later by `detached` (in
        another thread); Unavailable (503, with when to retry) when either is taken, so
        that a caller refuses before recording anything. Blocking: call it in a thread."""
        if not self._running.acquire(blocking=False):
            raise Unavailable(
                f"this server's {self.workers} worker(s) for heavy work are busy; nothing "
                "was started: try again in a few seconds",
                retry_after_s=5,
                code="workers_busy",
                values={"workers": self.workers},
            )
        try:
            return Reservation(self.slots.acquire())
        except BaseException:
            self._running.release()
            raise

    def release(self, reservation: Reservation) -> None:
        """Give back a reservation no job will use (blocking)."""
        try:
            self._give_back(reservation.lease)
        finally:
            self._running.release()

    def detached(
        self,
        reservation: Reservation,
        job: Callable[..., T],
        args: Sequence[Any],
        cancelled: Callable[[], bool],
        started: Callable[[], None] = lambda: None,
    ) -> T:
        """`job(session, *args)` in a worker under the deadline, waited for in this thread
        (not a request's: nobody needs to stay connected); `cancelled()` is asked every
        `POLL_S` and a true answer stops the worker (JobCancelled). The reservation is
        given back at the end, whatever happens. Blocking."""
        try:
            future = _pool(self.workers).schedule(
                _run_job,
                (self.database_url, job, args, self.deadline_s),
                timeout=self.deadline_s,
            )
            try:
                started()
            except BaseException:
                future.cancel()  # nobody would know it runs: stop it
                raise
            while not wait_for_future([future], timeout=POLL_S).done:
                if cancelled():
                    future.cancel()  # stops the worker running it
                    raise JobCancelled(
                        "the job was cancelled: its work was stopped", code="job_cancelled"
                    )
            return self._detached_result(future)
        finally:
            self.release(reservation)

    def _detached_result(self, future: ProcessFuture) -> Any:
        try:
            return future.result()
        except FutureTimeout as error:
            if isinstance(error.__cause__, RemoteTraceback):
                raise
            raise self._past_deadline() from None
        except ProcessExpired as error:
            log.error("detached heavy job lost its worker: %s", error)
            raise self._worker_stopped(error) from None

    def _past_deadline(self) -> Unavailable:
        return Unavailable(
            f"the work ran past its deadline of {self.deadline_s:g} s (building its "
            "model included) and was stopped; nothing was written: ask for less (a "
            "smaller territory, fewer sites, units or days, a shorter solver time limit)",
            code="past_deadline",
            values={"seconds": f"{self.deadline_s:g}"},
        )

    def _worker_stopped(self, error: ProcessExpired) -> Unavailable:
        return Unavailable(
            f"the worker doing this work stopped (exit code {error.exitcode}); nothing "
            "was written: try again, and if it happens again, ask for less",
            code="worker_stopped",
            values={"exit_code": error.exitcode},
        )

    def _give_back(self, lease: Lease) -> None:
        """Release the slot; if the database will not have it (locked, gone), the job's
        outcome stands and the lease ends at its expiry."""
        for wait in (*RELEASE_WAITS_S, None):
            try:
                self.slots.release(lease)
                return
            except SQLAlchemyError as error:
                if wait is None:
                    log.error(
                        "heavy job slot %s not given back (%s): it frees itself at its expiry",
                        lease.slot,
                        error,
                    )
                    return
                time.sleep(wait)

    async def _outcome(self, request: Request, future: ProcessFuture) -> Any:
        waiting = asyncio.wrap_future(future)
        try:
            while not waiting.done():
                await asyncio.wait({waiting}, timeout=POLL_S)
                if not waiting.done() and await request.is_disconnected():
                    future.cancel()  # stops the worker running it
                    log.info("client left: heavy job on %s stopped", request.url.path)
                    raise Unavailable(
                        "the client left: the work was stopped, nothing written",
                        code="client_left",
                    )
            return waiting.result()
        except FutureTimeout as error:
            if isinstance(error.__cause__, RemoteTraceback):
                raise  # the job's own timeout (a socket, a lock): not the deadline
            raise self._past_deadline() from None
        except ProcessExpired as error:
            log.error("heavy job on %s lost its worker: %s", request.url.path, error)
            raise self._worker_stopped(error) from None
        except (asyncio.CancelledError, FutureCancelled):
            future.cancel()
            raise
