"""Many writers at once, in several processes: no change lost, none recorded twice, every
history entry's "before" the facility as it was, the audit chain intact.

The servers are real `qurb serve` processes: on PostgreSQL one with `--workers 2`; on
SQLite (one writer at a time, `--workers` refused) two servers on the same file. The
command line writes from processes of its own beside them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from qurb.audit import service as audit
from qurb.audit.keys import key_path, read_key
from qurb.platform.database import make_engine, make_sessionmaker
from tests.accounts import Someone, add_account

FACILITY = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
EDITS = 20
START_S = 60.0  # how long a server may take to start (loading nothing: the copy is ready)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _qurb(*args: str) -> list[str]:
    return [sys.executable, "-m", "qurb", *args]


@contextmanager
def _servers(url: str, *, separate: bool = False) -> Iterator[list[str]]:
    """The base URLs of two server processes on the database `url`: PostgreSQL, one
    `qurb serve --workers 2`, reached twice; SQLite (or `separate`), two `qurb serve`."""
    postgres = make_url(url).get_backend_name() == "postgresql" and not separate
    ports = [_free_port()] if postgres else [_free_port(), _free_port()]
    extra = ["--workers", "2"] if postgres else []
    env = {**os.environ, "QURB_LANG": "en"}
    logs = [tempfile.TemporaryFile("w+") for _ in ports]  # noqa: SIM115 - closed below
    started = [
        subprocess.Popen(
            _qurb("serve", "--db", url, "--port", str(port), *extra),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, started, strict=True):
            _wait_for(base, process)
        yield bases * 2 if postgres else bases
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:  # shown by pytest when the test fails
            log.seek(0)
            errors = [line for line in log if '"status": 5' in line or "Error" in line]
            sys.stderr.write("".join(errors[:40]))
            log.close()


def _wait_for(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"qurb serve stopped with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"qurb serve did not answer at {base} within {START_S} s")


def _history(url: str) -> list[audit.AuditEntry]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            where = audit.EntryFilter(entity_kind="facility", entity_id=FACILITY)
            return list(audit.entries(session, where))
    finally:
        engine.dispose()


def _chain_problems(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return audit.verify(session, read_key(key_path(url)).public_key)
    finally:
        engine.dispose()


def _patch(base: str, who: Someone, body: dict[str, Any], if_match: str) -> httpx.Response:
    """One change; a database busy with the other writers (503) is tried again, as its
    Retry-After says, and never counts as refused."""
    headers = {**who.headers, "If-Match": if_match}
    for _ in range(30):
        answer = httpx.patch(f"{base}/api/facilities/{FACILITY}", json=body, headers=headers)
        if answer.status_code != 503:
            return answer
        time.sleep(float(answer.headers.get("retry-after", "1")))
    return answer


@pytest.fixture
def editor(scratch_factory: Any) -> Someone:
    return add_account(scratch_factory, "editor")


def test_twenty_edits_of_one_version_apply_once_and_are_refused_otherwise(
    scratch_db: str, editor: Someone
) -> None:
    """20 changes that all read the same version, sent at once to two processes: one
    applies and is recorded once; the 19 others are refused with 409 and the version
    now; nothing else is written."""
    before = _history(scratch_db)
    with _servers(scratch_db) as bases:
        read = httpx.get(f"{bases[0]}/api/facilities/{FACILITY}")
        etag, version = read.headers["etag"], read.json()["version"]
        with ThreadPoolExecutor(max_workers=EDITS) as pool:
            answers = list(
                pool.map(
                    lambda i: _patch(
                        bases[i % len(bases)], editor, {"name": f"Centre {100 + i}"}, etag
                    ),
                    range(EDITS),
                )
            )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [409] * (EDITS - 1), [a.text for a in answers]
        [won] = [a for a in answers if a.status_code == 200]
        assert won.json()["version"] == version + 1
        now = f'"{version + 1}"'
        for refused in (a for a in answers if a.status_code == 409):
            assert (refused.json()["code"], refused.headers["etag"]) == ("stale_version", now)
        shown = httpx.get(f"{bases[-1]}/api/facilities/{FACILITY}").json()
        assert (shown["name"], shown["version"]) == (won.json()["name"], version + 1)
    after = _history(scratch_db)
    assert len(after) == len(before) + 1
    assert after[-1].after is not None and after[-1].after["name"] == shown["name"]
    assert _chain_problems(scratch_db) == []


def _counted(name_ar: str | None) -> int:
    """The count an Arabic name holds once the clients below have written it (0 before)."""
    return int(name_ar) if name_ar and name_ar.isdigit() else 0


def _add_one(base: str, who: Someone) -> int:
    """Read, add one to the count written as the Arabic name (a field the registry edits
    as it is; beds are the capacity service's), write with the version read; on 409 read
    again and retry. The number of refusals it met."""
    for refused in range(200):
        read = httpx.get(f"{base}/api/facilities/{FACILITY}")
        count = _counted(read.json()["name_ar"])
        answer = _patch(base, who, {"name_ar": str(count + 1)}, read.headers["etag"])
        if answer.status_code == 200:
            return refused
        assert answer.status_code == 409, answer.text
    raise AssertionError("no change applied after 200 tries")


def test_twenty_read_modify_writes_from_two_processes_lose_nothing(
    scratch_db: str, editor: Someone
) -> None:
    """20 clients each add one to a count (read, change, write with If-Match, again on 409)
    on two processes: 20 more, 20 more history entries, each one's "before" the last
    one's "after"."""
    before = _history(scratch_db)
    with _servers(scratch_db) as bases:
        start = httpx.get(f"{bases[0]}/api/facilities/{FACILITY}").json()
        with ThreadPoolExecutor(max_workers=EDITS) as pool:
            list(pool.map(lambda i: _add_one(bases[i % len(bases)], editor), range(EDITS)))
        end = httpx.get(f"{bases[-1]}/api/facilities/{FACILITY}").json()
    assert end["name_ar"] == str(_counted(start["name_ar"]) + EDITS)
    assert end["version"] == start["version"] + EDITS
    new = _history(scratch_db)[len(before) :]
    assert len(new) == EDITS
    _assert_each_before_is_the_last_after(new, start["name_ar"])
    assert _chain_problems(scratch_db) == []


def _assert_each_before_is_the_last_after(
    entries: list[audit.AuditEntry], name_ar: str | None
) -> None:
    previous: dict[str, Any] | None = None
    for entry in entries:
        assert entry.before is not None and entry.after is not None
        if previous is None:
            assert entry.before["name_ar"] == name_ar
        else:
            assert dict(entry.before) == previous, entry.seq
        previous = dict(entry.after)


def test_command_line_and_server_writes_at_once_record_what_was_there(
    scratch_db: str, editor: Someone
) -> None:
    """Six `qurb facilities update` processes and twelve changes over HTTP (If-Match: *,
    the client writing over whatever is there), all at once, each setting the name:
    every one applies, and every history entry's "before" is the facility as the one
    before it left it (no `name: A → A` while the database held another)."""
    before = _history(scratch_db)
    env = {**os.environ, "QURB_TOKEN": editor.token, "QURB_LANG": "en"}
    with _servers(scratch_db) as bases:
        commands = [
            subprocess.Popen(
                _qurb(
                    "facilities",
                    "update",
                    FACILITY,
                    "--name",
                    f"Centre {500 + i}",
                    "--db",
                    scratch_db,
                ),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(6)
        ]
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(
                pool.map(
                    lambda i: _patch(
                        bases[i % len(bases)], editor, {"name": f"Centre {600 + i}"}, "*"
                    ),
                    range(12),
                )
            )
        outcomes = [(c.wait(timeout=120), c.stderr.read() if c.stderr else "") for c in commands]
        final = httpx.get(f"{bases[0]}/api/facilities/{FACILITY}").json()
    assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers]
    assert [code for code, _ in outcomes] == [0] * 6, outcomes
    new = _history(scratch_db)[len(before) :]
    assert len(new) == 18  # each sets another name: each is a change
    previous = dict(before[-1].after) if before and before[-1].after else None
    for entry in new:
        assert entry.before is not None and entry.after is not None
        if previous is not None:
            assert dict(entry.before) == previous, entry.seq
        assert entry.before["name"] != entry.after["name"]
        previous = dict(entry.after)
    assert previous is not None and previous["name"] == final["name"]
    assert _chain_problems(scratch_db) == []


def test_no_process_serves_a_figure_another_process_made_stale(
    scratch_db: str, editor: Someone
) -> None:
    """Process A answers the commune's public offer (and keeps it in memory); process B
    closes the hospital; A's next answer counts one hospital fewer, and B's agrees."""
    with _servers(scratch_db, separate=True) as (a, b):
        read = httpx.get(f"{a}/api/facilities/{FACILITY}")
        commune, category = read.json()["commune_code"], read.json()["category"]
        offer = httpx.get(f"{a}/api/territories/{commune}").json()["public_offer"]
        assert httpx.get(f"{a}/api/territories/{commune}").json()["public_offer"] == offer
        closed = httpx.post(
            f"{b}/api/facilities/{FACILITY}/close",
            json={"reason": "merged"},
            headers={**editor.headers, "If-Match": read.headers["etag"]},
        )
        assert closed.status_code == 200, closed.text
        expected = {**offer, category: offer[category] - 1}
        expected = {k: v for k, v in expected.items() if v}
        for base in (a, b):
            shown = httpx.get(f"{base}/api/territories/{commune}").json()["public_offer"]
            assert {k: v for k, v in shown.items() if v} == expected, base
