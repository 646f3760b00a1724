"""`qurb db backup` and `qurb db restore`, on SQLite (a copy of the national database) and on
PostgreSQL (the small region, in databases of their own on the server named by
QURB_TEST_POSTGRES_URL): a restored backup holds the same rows, the same edit and an
intact audit chain whose head the server's key signed; a restore into a database that is
not empty, a file that is not a backup and a backup of a newer schema are refused."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url, text
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.app.dataset import InitReport
from qurb.app.schema import SCHEMA_REVISION
from qurb.audit import service as audit
from qurb.audit.keys import key_path, read_key
from qurb.identity.accounts import account_actor
from qurb.kernel.errors import Conflict, InputError, Unavailable
from qurb.platform import backup as backups
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.registry.service import FacilityUpdate, get_facility, update_facility
from tests.accounts import add_account
from tests.databases import drop_database, private_copy
from tests.environment import unavailable
from tests.regions import HP_TIZGUI, write_small_region

runner = CliRunner()
POSTGRES_URL_VARIABLE = "QURB_TEST_POSTGRES_URL"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@dataclass(frozen=True)
class Databases:
    """A database with an audited edit (`source`), an empty one (`target`), and the
    facility edited."""

    source: str
    target: str
    facility_id: str


def row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                for table in sorted(inspect(connection).get_table_names())
            }
    finally:
        engine.dispose()


def edit_as_an_account(url: str, facility_id: str) -> None:
    """An administrator's account changes a facility: an audited write."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    someone = add_account(factory, "backup-admin")
    with transaction(factory) as session:
        change = FacilityUpdate(name_ar="مركز 17")
        update_facility(session, account_actor(someone.account_id), facility_id, change, "test")
    engine.dispose()


@pytest.fixture
def sqlite_databases(national_db_file: tuple[Path, InitReport], tmp_path: Path) -> Databases:
    """A private copy of the national SQLite file with an edit, and an empty place."""
    scratch_db = private_copy(national_db_file[0], tmp_path / "scratch" / "qurb.sqlite")
    engine = make_engine(scratch_db)
    with engine.connect() as connection:
        query = "SELECT id FROM facilities WHERE family <> 'osm' ORDER BY id LIMIT 1"
        facility_id = connection.execute(text(query)).scalar_one()
    engine.dispose()
    edit_as_an_account(scratch_db, facility_id)
    return Databases(scratch_db, f"sqlite:///{tmp_path / 'restored' / 'qurb.sqlite'}", facility_id)


@pytest.fixture
def postgres_databases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Databases]:
    """Two new databases on the test server (the role may create them): the small region
    with an edit, and an empty one; dropped after the test. The key in a file of the test."""
    raw = os.environ.get(POSTGRES_URL_VARIABLE)
    if not raw:
        unavailable(f"{POSTGRES_URL_VARIABLE} is not set: the PostgreSQL backup tests need it")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        unavailable("pg_dump and pg_restore (PostgreSQL's client programs) are not installed")
    monkeypatch.setenv("QURB_AUDIT_KEY_FILE", str(tmp_path / "audit.key"))
    server = make_url(raw)
    names = [f"qurb_backup_{uuid.uuid4().hex[:10]}_{role}" for role in ("source", "target")]
    admin = make_engine(server.render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except ProgrammingError as error:  # the role may not create databases
        admin.dispose()
        unavailable(f"the role of {POSTGRES_URL_VARIABLE} cannot create a database: {error.orig}")
    urls = [server.set(database=name).render_as_string(hide_password=False) for name in names]
    try:
        source = make_engine(urls[0])
        write_small_region(source)
        source.dispose()
        edit_as_an_account(urls[0], HP_TIZGUI)
        yield Databases(urls[0], urls[1], HP_TIZGUI)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in names:
                drop_database(connection, name)
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def databases(request: pytest.FixtureRequest) -> Databases:
    return request.getfixturevalue(f"{request.param}_databases")


def carry_the_key(databases: Databases) -> None:
    """A restored SQLite file is checked with the key beside it: copied there, as a region
    would (PostgreSQL's is the same file, $QURB_AUDIT_KEY_FILE, for both)."""
    source, target = key_path(databases.source), key_path(databases.target)
    if source != target:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def test_a_restored_backup_holds_the_same_rows_and_an_intact_signed_chain(
    databases: Databases, tmp_path: Path
) -> None:
    file = tmp_path / "qurb.backup"
    code, output = run("db", "backup", str(file), "--db", databases.source)
    assert code == 0, output
    size = f"{file.stat().st_size:,}"
    assert f"Backup written: {file} ({size} bytes)." in output
    # The key stays out of the backup; the command says where it is.
    assert f"The audit key is not in the backup: it is kept at {key_path(databases.source)}" in (
        output
    )
    assert read_key(key_path(databases.source)).key_id  # a key was there to name
    carry_the_key(databases)

    code, output = run("db", "restore", str(file), "--db", databases.target)
    assert code == 0, output
    assert f"(schema revision {SCHEMA_REVISION})" in output
    assert "chain intact, head signed by key" in output

    assert row_counts(databases.target) == row_counts(databases.source)
    engine = make_engine(databases.target)
    with transaction(make_sessionmaker(engine)) as session:
        facility = get_facility(session, databases.facility_id)
        assert facility.name_ar == "مركز 17"
        head = audit.head(session)
        assert head.signature is not None
        assert audit.verify(session, read_key(key_path(databases.target)).public_key) == []
        last = audit.entries(session)[-1]
    engine.dispose()
    assert (last.action, last.entity_id, last.actor_kind) == (
        "facility.update",
        databases.facility_id,
        "account",
    )
    assert last.after is not None and last.after["name_ar"] == "مركز 17"


def fingerprint(url: str) -> tuple[dict[str, int], str]:
    """The rows per table, and for a SQLite file the SHA-256 of its bytes."""
    counts = row_counts(url)
    if make_url(url).get_backend_name() != "sqlite":
        return counts, ""
    return counts, hashlib.sha256(backups.sqlite_path(url).read_bytes()).hexdigest()


def test_a_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    databases: Databases, tmp_path: Path
) -> None:
    file = tmp_path / "qurb.backup"
    assert run("db", "backup", str(file), "--db", databases.source)[0] == 0
    before = fingerprint(databases.source)

    code, output = run("db", "restore", str(file), "--db", databases.source)
    assert code == 2
    tables = len(before[0])
    named = backups.shown(databases.source)
    assert f"the database {named} is not empty ({tables} tables)" in output
    assert "restored only into an empty database" in output
    with pytest.raises(Conflict) as refused:
        backups.restore(databases.source, file)
    assert refused.value.code == "restore_not_empty"
    assert fingerprint(databases.source) == before


def test_a_file_that_is_not_a_backup_is_refused_naming_it(
    databases: Databases, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup\n", encoding="utf-8")
    code, output = run("db", "restore", str(notes), "--db", databases.target)
    assert code == 2
    assert f"{notes} is not a backup of the kind this database takes" in output
    assert backups.table_count(databases.target) == 0

    # A backup of the other kind is refused as well: a pg_dump archive is no SQLite file,
    # and a SQLite file no pg_dump archive.
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP\x01\x0f" if "sqlite" in databases.target else b"SQLite format 3\x00")
    with pytest.raises(InputError) as refused:
        backups.restore(databases.target, other)
    assert refused.value.code == "not_a_backup" and refused.value.values["path"] == str(other)
    missing = tmp_path / "missing.backup"
    code, output = run("db", "restore", str(missing), "--db", databases.target)
    assert (code, f"{missing}: no such file" in output) == (2, True)


# ------------------------------------------------------------- SQLite's own cases, quickly


@pytest.fixture
def small_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    write_small_region(make_engine(url))
    return url


def test_a_backup_does_not_write_over_a_file_unless_forced(small_sqlite: str, tmp_path: Path):
    file = tmp_path / "kept.backup"
    file.write_bytes(b"yesterday's backup")
    code, output = run("db", "backup", str(file), "--db", small_sqlite)
    assert code == 2
    assert f"{file} exists already: give --force to write over it" in output
    assert file.read_bytes() == b"yesterday's backup"
    assert run("db", "backup", str(file), "--db", small_sqlite, "--force")[0] == 0
    assert file.read_bytes().startswith(backups.SQLITE_HEADER)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    code, output = run("db", "backup", str(tmp_path / "x"), "--db", "sqlite:///nowhere.sqlite")
    assert code == 2 and "no database at sqlite:///nowhere.sqlite: nothing to back up" in output


def set_revision(file: Path, revision: str) -> None:
    with sqlite3.connect(file) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    connection.close()


def test_a_backup_of_a_newer_schema_is_refused_and_an_older_one_told_to_upgrade(
    small_sqlite: str, tmp_path: Path
) -> None:
    file = tmp_path / "qurb.backup"
    assert run("db", "backup", str(file), "--db", small_sqlite)[0] == 0
    target = tmp_path / "restored.sqlite"

    set_revision(file, "9999")
    code, output = run("db", "restore", str(file), "--db", f"sqlite:///{target}")
    assert code == 2
    assert f"{file} holds schema revision 9999, which this Qurb does not know" in output
    assert not target.exists()

    set_revision(file, "0009")
    code, output = run("db", "restore", str(file), "--db", f"sqlite:///{target}")
    assert code == 0, output
    assert f"older than this Qurb's ({SCHEMA_REVISION}): `qurb db init`" in output
    assert backups.table_count(f"sqlite:///{target}") == len(row_counts(small_sqlite))

    with sqlite3.connect(tmp_path / "plain.sqlite") as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    code, output = run("db", "restore", str(tmp_path / "plain.sqlite"), "--db", "sqlite:///y")
    assert code == 2 and "is not a backup of a Qurb database" in output


# ---------------------------------------------------------- PostgreSQL's tools, no server


def test_the_connection_reaches_pg_dump_through_libpq_s_environment() -> None:
    url = "postgresql+psycopg://region:s3cret@db.example.ma:5433/qurb?sslmode=require"
    assert backups.libpq_environment(url) == {
        "PGUSER": "region",
        "PGPASSWORD": "s3cret",
        "PGHOST": "db.example.ma",
        "PGPORT": "5433",
        "PGDATABASE": "qurb",
        "PGSSLMODE": "require",
    }
    with pytest.raises(InputError) as refused:
        backups.libpq_environment("postgresql+psycopg://region@/qurb?prepare_threshold=0")
    assert refused.value.values == {"name": "prepare_threshold"}


def test_a_missing_pg_dump_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no pg_dump on the path
    url = "postgresql+psycopg://region:s3cret@127.0.0.1:1/qurb"
    with pytest.raises(Unavailable) as missing:
        backups.backup(url, tmp_path / "qurb.backup")
    assert missing.value.code == "pg_tool_missing"
    code, output = run("db", "backup", str(tmp_path / "qurb.backup"), "--db", url)
    assert code == 2
    assert "pg_dump is not installed: install PostgreSQL's client programs" in output
    assert not (tmp_path / "qurb.backup").exists()


def test_a_restored_chain_is_checked_with_the_key_of_its_place(
    small_sqlite: str, tmp_path: Path
) -> None:
    file = tmp_path / "qurb.backup"
    assert run("db", "backup", str(file), "--db", small_sqlite)[0] == 0
    target = tmp_path / "without-key.sqlite"
    code, output = run("db", "restore", str(file), "--db", f"sqlite:///{target}")
    assert code == 2  # restored, but nothing to check the head with
    assert "The database is restored, but its audit chain could not be checked" in output
    assert f"no audit key at {target}.audit-key" in output
    assert backups.table_count(f"sqlite:///{target}") > 0

    # An entry altered in the backup: the restore says which, and fails.
    with sqlite3.connect(file) as connection:
        connection.execute("UPDATE audit_entries SET reason = 'rewritten' WHERE seq = 2")
    connection.close()
    target = tmp_path / "altered.sqlite"
    shutil.copyfile(key_path(small_sqlite), f"{target}.audit-key")
    code, output = run("db", "restore", str(file), "--db", f"sqlite:///{target}")
    assert code == 2
    assert "entry 2:" in output
    assert "The database is restored, but its audit chain does not verify" in output
