"""A database's backup and its restore into an empty database.

SQLite: an online copy by SQLite's backup API (a consistent snapshot, read while the server
goes on writing: WAL readers do not block it), written to a temporary file beside the
target and renamed onto it once complete; the copy is a single file (rollback journal), so
that it opens read-only without a `-wal` beside it. PostgreSQL: `pg_dump --format=custom`,
and `pg_restore --no-owner --exit-on-error --single-transaction`, the connection given to
them as libpq's environment (`PGHOST`, `PGUSER`, `PGPASSWORD`…): no password on a command
line.

A restore goes only into an empty database (a SQLite file that does not exist or holds no
table; a PostgreSQL database without a table of its own): anything else is refused, and
left as it was. Nothing here knows the schema: the composition root checks the revision a
backup holds (`backup_revision`) and the audit chain once restored."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, make_url, text

from qurb.kernel.errors import Conflict, InputError, NotFound, QurbError, Unavailable
from qurb.platform.database import make_engine

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"  # pg_dump's custom format
# The URL's query parameters that libpq reads from the environment, and their variables.
LIBPQ_PARAMETERS = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL (pg_dump --format=custom)"}


@dataclass(frozen=True)
class Written:
    """A backup written: the file and its size in bytes."""

    path: Path
    size_bytes: int


def shown(url: str) -> str:
    """The database as it is named to people: its URL, password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def dialect(url: str) -> str:
    """`sqlite` or `postgresql`; any other database is refused."""
    name = make_url(url).get_backend_name()
    if name not in KINDS:
        raise InputError(code="backup_unsupported", values={"database": shown(url)})
    return name


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        raise InputError(code="backup_unsupported", values={"database": shown(url)})
    return Path(str(database))


# --------------------------------------------------------------------------------- backup


def backup(url: str, target: Path, *, force: bool = False) -> Written:
    """Write a backup of the database `url` to `target` (refused if it exists, unless
    `force`); the file appears complete or not at all."""
    kind = dialect(url)
    if target.exists() and not force:
        raise Conflict(code="backup_exists", values={"path": str(target)})
    with _partial(target) as partial:
        if kind == "sqlite":
            _sqlite_backup(url, partial)
        else:
            _run("pg_dump", ["--format=custom", f"--file={partial}"], url)
        partial.replace(target)
    return Written(target, target.stat().st_size)


@contextmanager
def _partial(target: Path) -> Iterator[Path]:
    """A temporary file beside `target` (same file system: renamed onto it), removed if
    it is still there at the end."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_backup(url: str, partial: Path) -> None:
    source = sqlite_path(url)
    if not source.is_file():
        raise NotFound(code="backup_no_database", values={"database": shown(url)})
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reading,
        closing(sqlite3.connect(partial)) as writing,
    ):
        reading.backup(writing)
        writing.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it


# -------------------------------------------------------------------------------- restore


def check_backup(url: str, source: Path) -> None:
    """Refuse a file that is not a backup of the kind the database `url` takes."""
    kind = dialect(url)
    if not source.is_file():
        raise NotFound(code="no_such_file", values={"path": str(source)})
    with source.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    expected = SQLITE_HEADER if kind == "sqlite" else PG_DUMP_HEADER
    if not header.startswith(expected):
        raise InputError(code="not_a_backup", values={"path": str(source), "kind": KINDS[kind]})


def backup_revision(url: str, source: Path) -> str | None:
    """The Alembic revision of the database in the backup `source` (None: it holds none,
    so it is not a Qurb database)."""
    check_backup(url, source)
    if dialect(url) == "sqlite":
        try:
            with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reading:
                row = reading.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:  # no such table, or a damaged file
            return None
        return None if row is None else str(row[0])
    listing = _run(
        "pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(source)], url
    )
    return _copied_value(listing)


def _copied_value(script: str) -> str | None:
    """The first value of the first COPY block of a restore script (alembic_version's)."""
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and "alembic_version" in line:
            value = next(lines, "\\.")
            return None if value == "\\." else value.strip()
    return None


def table_count(url: str) -> int:
    """How many tables the database `url` holds (a SQLite file that does not exist: 0)."""
    if dialect(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists():
            return 0
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as reading:
            query = (
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
            return int(reading.execute(query).fetchone()[0])
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = (
                "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'"
            )
            return int(connection.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def refuse_unless_empty(url: str) -> None:
    tables = table_count(url)
    if tables:
        raise Conflict(code="restore_not_empty", values={"database": shown(url), "tables": tables})


def restore(url: str, source: Path) -> None:
    """Restore the backup `source` into the empty database `url`."""
    check_backup(url, source)
    refuse_unless_empty(url)
    if dialect(url) == "postgresql":
        options = ["--no-owner", "--exit-on-error", "--single-transaction"]
        database = make_url(url).database or ""
        _run("pg_restore", [*options, f"--dbname={database}", str(source)], url)
        return
    target = sqlite_path(url)
    with _partial(target) as partial:
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reading,
            closing(sqlite3.connect(partial)) as writing,
        ):
            reading.backup(writing)
        refuse_unless_empty(url)  # nobody wrote there meanwhile
        for suffix in ("-wal", "-shm", "-journal"):  # an empty file's: not to be replayed
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        partial.replace(target)


# ---------------------------------------------------------------------- PostgreSQL's tools


def libpq_environment(url: URL | str) -> dict[str, str]:
    """The environment that points libpq's tools at the database `url`: its user, password,
    host, port and database, and the query parameters libpq knows (any other is refused)."""
    parsed = make_url(url)
    values = {
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGHOST": parsed.host,
        "PGPORT": None if parsed.port is None else str(parsed.port),
        "PGDATABASE": parsed.database,
    }
    for name, value in parsed.query.items():
        variable = LIBPQ_PARAMETERS.get(name)
        if variable is None:
            raise InputError(code="backup_url_parameter", values={"name": name})
        values[variable] = value if isinstance(value, str) else value[-1]
    return {k: str(v) for k, v in values.items() if v is not None}


def _run(tool: str, arguments: list[str], url: str) -> str:
    """Run one of PostgreSQL's client programs on the database `url`; its standard output."""
    program = shutil.which(tool)
    if program is None:
        raise Unavailable(code="pg_tool_missing", values={"tool": tool})
    environment = {**os.environ, **libpq_environment(url)}
    command = [program, "--no-password", *arguments]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-3:]) or "-"
        values = {"tool": tool, "status": done.returncode, "detail": detail}
        raise QurbError(code="pg_tool_failed", values=values)
    return done.stdout
