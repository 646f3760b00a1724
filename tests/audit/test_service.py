"""The audit trail in the database, on SQLite and PostgreSQL: appends chain in the caller's
transaction, two threads appending at once leave no gap, tampering with the stored rows
is found by `verify` and by `qurb audit verify`, each problem naming its entry."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.audit import service
from qurb.audit._tables import AuditEntryRow, AuditHeadRow
from qurb.audit.cli import ENTRY_COLUMNS
from qurb.audit.keys import KEY_FILE_VARIABLE, ServerKey, load_or_create_key
from qurb.audit.model import GENESIS_HASH, AuditEvent
from qurb.audit.service import EntryFilter
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction

runner = CliRunner()


def _storable(value: str) -> bool:
    return bool(value.strip()) and "\x00" not in value


AMINA = Actor.local("Amina")
COLUMNS = (
    "time, actor, actor_kind, partner_id, grant_id, action, entity_kind, entity_id, "
    "territory_code, before, after, request_id, prev_hash, hash"
)


@pytest.fixture
def audit_db(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine, tmp_path: Path
) -> tuple[sessionmaker[Session], ServerKey, str]:
    """A database with the app's schema and an empty audit trail (the entries of the small
    region's load removed: these tests count from the first entry), a server key, and the
    database's URL."""
    factory = small_region_db()
    with transaction(factory) as session:
        session.execute(delete(AuditEntryRow))
        session.execute(
            update(AuditHeadRow).values(seq=0, hash=GENESIS_HASH, signature=None, key_id=None)
        )
    key = load_or_create_key(tmp_path / "audit.key")
    return factory, key, region_engine.url.render_as_string(hide_password=False)


def _event(i: int) -> AuditEvent:
    return AuditEvent(
        "facility.update",
        "facility",
        f"essp-{i % 3}",
        "03.231.01.03",
        before={"beds": i, "name": "CSR Aïn Chkef"},
        after={"beds": i + 1, "name": "CSR Aïn Chkef"},
    )


def _append(factory: sessionmaker[Session], key: ServerKey, n: int, actor: Actor = AMINA) -> None:
    for i in range(n):
        with transaction(factory) as session:
            service.append(session, actor, _event(i), request_id=f"req-{i}", signer=key)


def _problems(factory: sessionmaker[Session], key: ServerKey) -> list[tuple[int, str]]:
    with transaction(factory) as session:
        return [(p.seq, p.kind) for p in service.verify(session, key.public_key)]


def _sql(factory: sessionmaker[Session], *statements: str) -> None:
    with transaction(factory) as session:
        for statement in statements:
            session.execute(text(statement))


def test_appends_chain_and_read_back_as_written(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    with transaction(factory) as session:
        assert service.head(session).seq == 0 and service.head(session).hash == GENESIS_HASH
        first = service.append(session, AMINA, _event(0), partner="p-1", grant="g-2", signer=key)
    _append(factory, key, 3, Actor.system())
    with transaction(factory) as session:
        chain = service.entries(session)
        head = service.head(session)
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    assert chain[0] == first  # read back exactly as hashed (time to the microsecond)
    assert chain[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert (chain[0].partner_id, chain[0].grant_id, chain[0].actor_kind) == ("p-1", "g-2", "local")
    assert chain[0].after == {"beds": 1, "name": "CSR Aïn Chkef"}
    assert (head.seq, head.hash, head.key_id) == (4, chain[-1].hash, key.key_id)
    assert _problems(factory, key) == []


def test_an_append_rolled_back_with_its_change_leaves_no_entry(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    _append(factory, key, 2)
    with pytest.raises(RuntimeError), transaction(factory) as session:
        service.append(session, AMINA, _event(9), signer=key)
        raise RuntimeError("the change it records failed")
    _append(factory, key, 1)
    with transaction(factory) as session:
        assert [e.seq for e in service.entries(session)] == [1, 2, 3]
    assert _problems(factory, key) == []


def test_entries_are_filtered_by_entity_actor_and_dates(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    _append(factory, key, 4)  # entities essp-0, essp-1, essp-2, essp-0
    _append(factory, key, 2, Actor.local("Youssef"))  # essp-0, essp-1
    with transaction(factory) as session:
        by_entity = service.entries(
            session, EntryFilter(entity_kind="facility", entity_id="essp-0")
        )
        by_actor = service.entries(session, EntryFilter(actor="Youssef"))
        moment = service.entries(session)[2].time
        since = service.entries(session, EntryFilter(since=moment))
        until = service.entries(session, EntryFilter(until=moment))
        later = service.entries(session, EntryFilter(since=clock.now() + timedelta(days=1)))
    assert [e.seq for e in by_entity] == [1, 4, 5]
    assert [e.seq for e in by_actor] == [5, 6]
    assert since[0].seq <= 3 and [e.seq for e in since][-1] == 6
    assert all(e.time < moment for e in until) and len(until) + len(since) == 6
    assert later == []


def test_two_threads_appending_at_once_leave_a_gap_free_chain(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            _append(factory, key, 25, Actor.local(name))
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("Amina", "Youssef")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with transaction(factory) as session:
        chain = service.entries(session)
    assert [e.seq for e in chain] == list(range(1, 51))
    assert sum(e.actor == "Amina" for e in chain) == 25
    assert _problems(factory, key) == []


def test_verify_names_an_altered_entry(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    _append(factory, key, 5)
    _sql(factory, """UPDATE audit_entries SET after = '{"beds": 99}' WHERE seq = 3""")
    assert _problems(factory, key) == [(3, "altered")]


def test_verify_names_a_deleted_entry(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    _append(factory, key, 5)
    _sql(factory, "DELETE FROM audit_entries WHERE seq = 3")
    assert _problems(factory, key) == [(3, "missing")]


def test_verify_names_reordered_entries(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    """Entries 2 and 4 swap their contents (hashes with them), each keeping its seq."""
    factory, key, _ = audit_db
    _append(factory, key, 5)
    _sql(
        factory,
        "UPDATE audit_entries SET seq = -2 WHERE seq = 2",
        "UPDATE audit_entries SET seq = 2 WHERE seq = 4",
        "UPDATE audit_entries SET seq = 4 WHERE seq = -2",
    )
    found = _problems(factory, key)
    assert (2, "moved") in found and (4, "moved") in found
    assert {seq for seq, _ in found} <= {2, 3, 4, 5}


def test_verify_names_a_truncated_tail(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    _append(factory, key, 5)
    _sql(factory, "DELETE FROM audit_entries WHERE seq >= 4")
    assert _problems(factory, key) == [(4, "truncated")]


def test_verify_names_a_head_whose_signature_does_not_verify(
    audit_db: tuple[sessionmaker[Session], ServerKey, str],
) -> None:
    factory, key, _ = audit_db
    _append(factory, key, 3)
    forged = ServerKey.generate().sign_head(3, "f" * 64).signature
    _sql(factory, f"UPDATE audit_head SET signature = '{forged}'")
    assert _problems(factory, key) == [(3, "bad_signature")]
    # Signed by another key altogether: its own signature, but not the server's key.
    other = ServerKey.generate()
    _append(factory, other, 1)
    assert _problems(factory, key) == [(4, "bad_signature")]


def test_qurb_audit_verify_and_head(
    audit_db: tuple[sessionmaker[Session], ServerKey, str], tmp_path: Path
) -> None:
    factory, key, url = audit_db
    env = {KEY_FILE_VARIABLE: str(tmp_path / "audit.key"), "COLUMNS": "200"}
    empty = runner.invoke(cli_app, ["audit", "verify", "--db", url], env=env)
    assert (empty.exit_code, empty.output.strip()) == (
        0,
        "0 entries, chain intact, no head signed yet",
    )
    _append(factory, key, 4)
    intact = runner.invoke(cli_app, ["audit", "verify", "--db", url], env=env)
    assert intact.exit_code == 0, intact.output
    assert intact.output.strip() == f"4 entries, chain intact, head signed by key {key.key_id}"
    head = runner.invoke(cli_app, ["audit", "head", "--db", url], env=env)
    kept = head.output.splitlines()[0]
    with transaction(factory) as session:
        assert kept == f"4:{service.head(session).hash}"
    # The tail cut and the head of entry 3 put back, signed by the same key: only the head
    # kept elsewhere shows it.
    with transaction(factory) as session:
        third = service.entries(session)[2]
    signed = key.sign_head(3, third.hash)
    _sql(
        factory,
        "DELETE FROM audit_entries WHERE seq = 4",
        f"UPDATE audit_head SET seq = 3, hash = '{signed.hash}', signature = '{signed.signature}'",
    )
    assert runner.invoke(cli_app, ["audit", "verify", "--db", url], env=env).exit_code == 0
    cut = runner.invoke(cli_app, ["audit", "verify", "--db", url, "--kept", kept], env=env)
    assert cut.exit_code == 2
    assert "entry 4" in cut.output and "kept elsewhere" in cut.output
    _sql(factory, """UPDATE audit_entries SET actor = 'Minister' WHERE seq = 2""")
    altered = runner.invoke(cli_app, ["audit", "verify", "--db", url], env=env)
    assert altered.exit_code == 2
    assert "entry 2 altered" in altered.output


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.builds(
            AuditEvent,
            action=st.sampled_from(["facility.add", "facility.update", "grant.give"]),
            entity_kind=st.sampled_from(["facility", "grant"]),
            entity_id=st.text(min_size=1, max_size=30).filter(_storable),
            territory_code=st.none() | st.just("03.231.01.03"),
            before=st.none()
            | st.dictionaries(
                st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=3
            ),
            after=st.none()
            | st.dictionaries(
                st.text(max_size=10),
                st.floats(allow_nan=False, allow_infinity=False) | st.booleans(),
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_random_events_stored_verify_clean(
    audit_db: tuple[sessionmaker[Session], ServerKey, str], drawn: list[AuditEvent]
) -> None:
    factory, key, _ = audit_db
    with transaction(factory) as session:
        for event in drawn:
            service.append(session, AMINA, event, signer=key)
    assert _problems(factory, key) == []


def test_entries_listed_by_the_command_line(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine
) -> None:
    """`qurb audit entries`: the small region's load (one facility.create per facility, by
    the loader), filtered by entity and by time, as JSON and as CSV."""
    small_region_db()
    url = region_engine.url.render_as_string(hide_password=False)
    listed = runner.invoke(
        cli_app,
        ["audit", "entries", "--entity-kind", "facility", "--format", "json", "--db", url],
    )
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["rows"]
    assert [(r["seq"], r["action"], r["actor"], r["actor_kind"]) for r in rows] == [
        (seq, "facility.create", "qurb db init", "system") for seq in range(1, 7)
    ]
    assert json.loads(rows[0]["after"])["id"] == rows[0]["entity_id"]
    later = runner.invoke(
        cli_app,
        ["audit", "entries", "--since", "2100-01-01", "--format", "csv", "--db", url],
    )
    assert later.exit_code == 0, later.output
    lines = [line for line in later.stdout.splitlines() if not line.startswith("#")]
    assert later.stdout.startswith("# Sources: no published dataset")
    assert lines == [",".join(ENTRY_COLUMNS)]  # the header row only
