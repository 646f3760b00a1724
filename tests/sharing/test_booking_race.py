"""200 booking attempts on 20 free slots of one shared resource, sent at once to a real
`qurb serve --workers 2` on PostgreSQL (the issue's race): exactly 20 are answered 201 and
180 are refused 409 `slot_taken`, none fails with a 5xx, and a check in SQL finds no two
active bookings of the resource overlapping and each slot held by one booking.

Runs on PostgreSQL only (several server processes need it): skipped with the reason when
QURB_TEST_POSTGRES_URL is unset (failed under CI=true, where it is set). A write that
finds the database busy is answered 503 with Retry-After (the server's rule for every
write): it is sent again as told, so each attempt ends with its real answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from qurb.audit.keys import KEY_FILE_VARIABLE, default_key_path
from qurb.identity.permissions import Role
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.registry._tables import EquipmentRow
from qurb.sharing.integrity import check
from qurb.sharing.model import local_day
from qurb.sharing.service import OpeningInput, RuleInput, set_availability, share_equipment
from tests.accounts import add_account
from tests.databases import NationalDatabase

FACILITY = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
SLOTS, ATTEMPTS = 20, 200
START_S = 60.0  # how long the server may take to start
RUN_KEY_FILE = default_key_path("postgresql://")  # the key of the run's PostgreSQL copies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(url: str) -> Iterator[str]:
    """One `qurb serve --workers 2` on the database: its base URL."""
    port = _free_port()
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "qurb", "serve", "--db", url, "--port", str(port), "--workers", "2"],
        env={**os.environ, "QURB_LANG": "en"},
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"qurb serve stopped with {process.returncode}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"qurb serve did not answer at {base} within {START_S} s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        sys.stderr.write("".join(line for line in log if "Error" in line)[:20_000])
        log.close()


@pytest.fixture
def race_db(
    national_db: NationalDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if national_db.engine != "postgres":
        pytest.skip("the race needs several server processes, hence PostgreSQL")
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(RUN_KEY_FILE))
    url = national_db.private_copy(tmp_path)
    yield url
    national_db.discard(url)


def _twenty_slots(url: str) -> tuple[int, list[str]]:
    """An x-ray unit of the Missour hospital shared on one day three days on, 08:00–18:00
    local in uses of 30 minutes: 20 slots. The resource and its slots' starts (ISO)."""
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        now = clock.now()
        day = local_day(now) + timedelta(days=3)
        with transaction(factory) as s:
            unit = EquipmentRow(
                facility_id=FACILITY, kind="xray", status="working", source="race", updated_at=now
            )
            s.add(unit)
            s.flush()
            actor = Actor.local("race")
            rules = RuleInput(slot_minutes=30, min_notice_hours=0, max_notice_days=30)
            resource = share_equipment(s, actor, unit.id, rules, "imaging").id
            opening = OpeningInput(day.weekday(), "08:00", "18:00", None, day, day)
            added, _ = set_availability(s, actor, resource, [opening])
            assert added == SLOTS
            starts = s.execute(
                text("SELECT start FROM sharing_slots WHERE resource_id = :r ORDER BY start"),
                {"r": resource},
            ).scalars()
            return resource, [t.isoformat() for t in starts]
    finally:
        engine.dispose()


def _overlaps_and_holders(url: str, resource: int) -> tuple[int, int, int]:
    """(pairs of active bookings overlapping, slots held, distinct bookings holding them)."""
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            found = check(s, resource)
        return found.overlapping_pairs, found.slots_held, found.holding_bookings
    finally:
        engine.dispose()


def test_two_hundred_attempts_on_twenty_slots_book_each_slot_once(race_db: str) -> None:
    resource, starts = _twenty_slots(race_db)
    engine = make_engine(race_db)
    try:
        booker = add_account(make_sessionmaker(engine), "booker", Role.RESOURCE_MANAGER)
    finally:
        engine.dispose()  # the copy is dropped after the test: no connection left open
    gate = threading.Barrier(ATTEMPTS)

    def attempt(i: int, base: str) -> int:
        body = {"resource_id": resource, "start": starts[i % SLOTS]}
        with httpx.Client(base_url=base, headers=booker.headers, timeout=120) as client:
            gate.wait()  # all released together
            for _ in range(60):
                answer = client.post("/api/sharing/bookings", json=body)
                if answer.status_code != 503:
                    break
                time.sleep(float(answer.headers.get("retry-after", "1")))
            if answer.status_code == 409:
                assert answer.json()["code"] == "slot_taken", answer.text
            return answer.status_code

    with _server(race_db) as base, ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        answers = Counter(pool.map(lambda i: attempt(i, base), range(ATTEMPTS)))
    assert answers == {201: SLOTS, 409: ATTEMPTS - SLOTS}
    assert _overlaps_and_holders(race_db, resource) == (0, SLOTS, SLOTS)
