"""Jobs for the heavy-work tests, run in a worker process (module-level: pickled by name).
Each takes the worker's session first, as every heavy job does."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from qurb.kernel.errors import FieldError, InputError


def worker_pid(session: Session) -> int:
    """The worker's process id, after a query: the worker reaches the app's database."""
    assert session.execute(text("SELECT 1")).scalar() == 1
    return os.getpid()


def wait_for(session: Session, started: str, go: str) -> int:
    """Writes its pid to `started`, then waits (CPU-free) until the file `go` exists."""
    Path(started).write_text(str(os.getpid()))
    while not Path(go).exists():
        time.sleep(0.02)
    return os.getpid()


def spin(session: Session, started: str) -> None:
    """Writes its pid to `started`, then keeps a CPU busy forever: only a kill ends it."""
    Path(started).write_text(str(os.getpid()))
    while True:
        pass


def refuse(session: Session) -> None:
    raise InputError([FieldError("beds", "at most 5,000 per facility", row=7)], "facilities.csv")


SPIN_UNDER_A_SERVER = """
import sys, time
from qurb.platform.heavy import _pool, _run_job
from tests import heavy_jobs
database_url, started = sys.argv[1], sys.argv[2]
_pool(1).schedule(_run_job, (database_url, heavy_jobs.spin, (started,), 600.0))
time.sleep(600)
"""
