"""Heavy work runs in a worker process below the server's priority, is stopped at its
deadline and when its client leaves, sends back its errors whole, and at most N jobs run
at once across every app on a database (beyond: 503 with Retry-After); the server keeps
answering while a job runs."""

from __future__ import annotations

import os
import pickle
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.caravans.model import CampaignError, InvalidCampaign
from qurb.kernel import clock
from qurb.kernel.errors import FieldError, InputError, NotFound, QurbError, Unavailable
from qurb.platform.database import make_sessionmaker, transaction
from qurb.platform.http import HeavyDep
from qurb.platform.job_slots import JobSlotRow, JobSlots
from qurb.platform.settings import Settings
from tests import heavy_jobs
from tests.accounts import add_account, as_someone
from tests.web_clients import TestClient


def _heavy_app(url: str, tmp: Path, **settings: Any) -> FastAPI:
    """The Qurb app on `url`, with routes that run the test jobs as heavy work."""
    app = create_app(Settings(database_url=url, **settings))

    @app.post("/test/pid")
    async def pid(http: Request, heavy: HeavyDep) -> dict[str, int]:
        return {"pid": await heavy.run(http, heavy_jobs.worker_pid)}

    @app.post("/test/wait")
    async def wait(http: Request, heavy: HeavyDep, name: str = "a") -> dict[str, int]:
        started, go = str(tmp / f"{name}.started"), str(tmp / f"{name}.go")
        return {"pid": await heavy.run(http, heavy_jobs.wait_for, started, go)}

    @app.post("/test/spin")
    async def spin(http: Request, heavy: HeavyDep) -> None:
        await heavy.run(http, heavy_jobs.spin, str(tmp / "spin.started"))

    @app.post("/test/refuse")
    async def refuse(http: Request, heavy: HeavyDep) -> None:
        await heavy.run(http, heavy_jobs.refuse)

    return app


@pytest.fixture
def region_url(small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine) -> str:
    small_region_db()
    return region_engine.url.render_as_string(hide_password=False)


def _eventually(condition: Callable[[], bool], what: str, within_s: float = 30.0) -> None:
    """Wait for something another process does (a bound, not a measure: no timing asserted)."""
    end = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _started_pid(path: Path) -> int:
    _eventually(lambda: path.exists() and path.read_text().strip() != "", f"{path.name} written")
    return int(path.read_text())


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_a_job_runs_in_a_worker_below_the_servers_priority(region_url: str, tmp_path: Path) -> None:
    with TestClient(_heavy_app(region_url, tmp_path)) as client:
        answer = client.post("/test/pid")
        assert answer.status_code == 200, answer.text
        worker = answer.json()["pid"]
        assert worker != os.getpid()
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, mine + 10)
        # The worker stays for the next job.
        assert client.post("/test/pid").json()["pid"] == worker


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_an_error_raised_in_the_worker_reaches_the_client_whole(
    region_url: str, tmp_path: Path
) -> None:
    with TestClient(_heavy_app(region_url, tmp_path)) as client:
        answer = client.post("/test/refuse")
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == [
        {"field": "beds", "reason": "at most 5,000 per facility", "row": 7, "code": None}
    ]


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_a_job_past_its_deadline_is_stopped(region_url: str, tmp_path: Path) -> None:
    with TestClient(_heavy_app(region_url, tmp_path, heavy_deadline_s=1.0)) as client:
        answer = client.post("/test/spin")
        assert answer.status_code == 503, answer.text
        assert "deadline of 1 s" in answer.json()["error"]
        assert "Retry-After" not in answer.headers  # asking again gives the same: ask less
        spinner = _started_pid(tmp_path / "spin.started")
        _eventually(lambda: _gone(spinner), "the spinning worker stopped")
        # A new worker takes the next job, and the slot was given back.
        assert client.post("/test/pid").status_code == 200


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_the_worker_stops_when_the_client_leaves(region_url: str, tmp_path: Path) -> None:
    app = _heavy_app(region_url, tmp_path, heavy_jobs=1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _eventually(lambda: server.started, "the server started")
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"POST /test/spin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
        spinner = _started_pid(tmp_path / "spin.started")
        client.close()  # the client leaves while its job spins
        _eventually(lambda: _gone(spinner), "the worker of the abandoned job stopped")
        with TestClient(app) as again:  # the slot is free: a new job runs
            _eventually(lambda: again.post("/test/pid").status_code == 200, "the slot given back")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _in_background(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_beyond_n_jobs_on_the_database_is_503_with_retry_after(
    region_url: str, tmp_path: Path
) -> None:
    # Two apps on one database stand for two server processes: one slot between them.
    first = TestClient(_heavy_app(region_url, tmp_path, heavy_jobs=1))
    second = TestClient(_heavy_app(region_url, tmp_path, heavy_jobs=1))
    thread, out = _in_background(lambda: first.post("/test/wait", params={"name": "a"}))
    _started_pid(tmp_path / "a.started")
    busy = second.post("/test/pid")
    assert busy.status_code == 503, busy.text
    assert int(busy.headers["Retry-After"]) == 5
    assert "slot" in busy.json()["error"]
    (tmp_path / "a.go").touch()
    thread.join(timeout=60)
    assert out[0].status_code == 200
    assert second.post("/test/pid").status_code == 200


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_a_process_never_queues_more_jobs_than_its_workers(region_url: str, tmp_path: Path) -> None:
    client = TestClient(_heavy_app(region_url, tmp_path, heavy_jobs=4, heavy_workers=1))
    thread, out = _in_background(lambda: client.post("/test/wait", params={"name": "b"}))
    _started_pid(tmp_path / "b.started")
    busy = client.post("/test/pid")
    assert busy.status_code == 503 and busy.headers["Retry-After"].isdigit()
    # …and keeps answering its readers while the job runs.
    assert client.get("/api/territories").status_code == 200
    assert thread.is_alive()  # the job is still waiting for its signal
    (tmp_path / "b.go").touch()
    thread.join(timeout=60)
    assert out[0].status_code == 200


@pytest.mark.parametrize("region_engine", ["sqlite", "postgres"], indirect=True)
def test_job_slots_are_counted_in_the_database(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine
) -> None:
    small_region_db()
    factory = make_sessionmaker(region_engine)
    slots = JobSlots(factory, size=2, lease_s=60)
    first, second = slots.acquire(), slots.acquire()
    assert {first.slot, second.slot} == {0, 1}
    with pytest.raises(Unavailable) as busy:
        slots.acquire()
    assert busy.value.retry_after_s is not None and 1 <= busy.value.retry_after_s <= 60
    slots.release(first)
    third = slots.acquire()
    assert third.slot == first.slot
    # A holder that died without giving its slot back: the lease runs out and is taken.
    with transaction(factory) as session:
        session.get(JobSlotRow, second.slot).expires_at = clock.now() - timedelta(seconds=1)
    assert slots.acquire().slot == second.slot


@pytest.mark.parametrize(
    "error",
    [
        InputError([FieldError("beds", "too many", row=3)], "facilities.csv", hint="fix it"),
        InvalidCampaign(["units: 400 units, more than 20", "end: 730 days"], "campaign"),
        NotFound(errors=[FieldError("id", "no facility 'x'")]),
        CampaignError("no commune of the territory can be visited"),
        Unavailable("busy", retry_after_s=3),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_cross_the_process_boundary_whole(error: QurbError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error) and back.hint == error.hint
    assert list(back.errors) == list(error.errors)
    assert vars(back) == vars(error)


@pytest.fixture
def national_editor(scratch_db: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=scratch_db))
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app) as client:
        yield as_someone(client, tester)


def test_a_campaign_over_the_caps_is_refused_before_any_work(
    national_editor: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qurb.platform.heavy import HeavyWork
    from tests.caravan_requests import campaign

    async def never(*_: Any) -> None:
        raise AssertionError("a worker was asked")

    monkeypatch.setattr(HeavyWork, "run", never)
    start = clock.today() + timedelta(days=30)
    body = campaign(start, days=730, territory="Maroc")
    unit = body["units"][0]
    body["units"] = [{**unit, "name": f"Unité {i}"} for i in range(400)]
    answer = national_editor.post("/api/caravans", json=body)
    assert answer.status_code == 422, answer.text
    fields = {item["field"] for item in answer.json()["detail"]}
    assert fields == {"units", "end", "territory"}
    assert "1,261 rural communes" in answer.text  # grouped as CLDR writes it
    assert national_editor.get("/api/caravans").json() == []


@pytest.mark.parametrize("region_engine", ["sqlite", "postgres"], indirect=True)
def test_slots_taken_at_the_same_instant_are_all_given(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine
) -> None:
    """Four requests at once for four slots: each gets one, even when two processes
    pick the same free slot in the same instant."""
    small_region_db()
    slots = JobSlots(make_sessionmaker(region_engine), size=4, lease_s=60)
    for _ in range(5):
        start = threading.Barrier(4)
        leases: list[Any] = []

        def take(start: threading.Barrier, leases: list[Any]) -> None:
            start.wait()
            leases.append(slots.acquire())

        threads = [threading.Thread(target=take, args=(start, leases)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(lease.slot for lease in leases) == [0, 1, 2, 3]
        for lease in leases:
            slots.release(lease)


@pytest.mark.parametrize("region_engine", ["sqlite"], indirect=True)
def test_a_slot_the_database_will_not_take_back_keeps_the_jobs_answer(
    region_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from qurb.platform import heavy

    def locked(*_: Any) -> None:
        raise OperationalError("DELETE FROM job_slots", {}, Exception("database is locked"))

    monkeypatch.setattr(JobSlots, "release", locked)
    monkeypatch.setattr(heavy, "RELEASE_WAITS_S", (0.0,))
    with TestClient(_heavy_app(region_url, tmp_path)) as client:
        answer = client.post("/test/pid")
    assert answer.status_code == 200, answer.text
    assert answer.json()["pid"] != os.getpid()


def test_a_worker_whose_server_was_killed_ends_itself(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    started = tmp_path / "spin.started"
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            heavy_jobs.SPIN_UNDER_A_SERVER,
            f"sqlite:///{tmp_path / 'empty.sqlite'}",
            str(started),
        ],
        cwd=Path(__file__).parents[2],
    )
    try:
        worker = _started_pid(started)
        server.send_signal(signal.SIGKILL)  # no atexit, no deadline thread: only the worker
        server.wait(timeout=30)
        _eventually(lambda: _gone(worker), "the orphaned worker ended")
    finally:
        server.kill()
