"""Engine and sessions. The default database is an embedded SQLite file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_PATH = Path("qurb.sqlite")

# A session made with `make_sessionmaker(engine, write=True)` carries this execution
# option: on SQLite its transactions begin IMMEDIATE (the write lock taken at BEGIN, so
# that what the write reads is what it replaces); PostgreSQL locks the rows it reads for
# update instead (`with_for_update`), so the option changes nothing there.
WRITE_OPTION = "qurb_write"
# How long (s) a writer waits for another to finish: SQLite's busy timeout before
# "database is locked", PostgreSQL's lock_timeout before "lock not available" (55P03);
# the web answers either as 503 with Retry-After. Without it, a write would wait on a
# PostgreSQL row lock for as long as its holder keeps it.
BUSY_TIMEOUT_S = 5.0


def default_url() -> str:
    """`QURB_DATABASE_URL` if set, else `sqlite:///qurb.sqlite` in the working directory."""
    return os.environ.get("QURB_DATABASE_URL", f"sqlite:///{DEFAULT_DB_PATH}")


def database_url(db: str | None) -> str:
    """The database's URL from a `--db` option: a URL as given, a file's path (no `://`)
    as that SQLite file, nothing as `default_url()`."""
    url = db or default_url()
    return url if "://" in url else f"sqlite:///{url}"


def make_engine(url: str) -> Engine:
    sqlite = url.startswith("sqlite")
    connect_args = {"timeout": BUSY_TIMEOUT_S} if sqlite else {}
    engine = create_engine(url, future=True, connect_args=connect_args)
    if sqlite:
        _sqlite_transactions(engine)
    elif engine.dialect.name == "postgresql":
        _postgres_lock_timeout(engine, BUSY_TIMEOUT_S)
    return engine


def _postgres_lock_timeout(engine: Engine, seconds: float) -> None:
    """Every connection waits at most `seconds` for a lock (a row another write holds)."""

    @event.listens_for(engine, "connect")
    def _lock_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {round(seconds * 1000)}")
        cursor.close()
        dbapi_connection.commit()  # kept for the session, not undone with a transaction


def _sqlite_transactions(engine: Engine) -> None:
    """Transactions SQLite keeps: the driver's own BEGIN (sent only before a write, so a
    read before it saw another moment) is switched off and SQLAlchemy's begin sends ours,
    IMMEDIATE for a write session (SQLAlchemy's documented recipe for pysqlite)."""

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_sessionmaker(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`; `write=True` for a transaction that reads what it then
    changes (see WRITE_OPTION)."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


# How long (s) a client waits before it tries again what the database was too busy for.
BUSY_RETRY_AFTER_S = 1
# PostgreSQL's SQLSTATEs of a moment to wait: serialisation failure, deadlock, lock not
# available, too many connections, the server starting up.
BUSY_STATES = frozenset({"40001", "40P01", "55P03", "53300", "57P03"})


def is_busy(error: BaseException) -> bool:
    """A database busy with another writer (SQLite: locked past its timeout, or a snapshot
    another writer moved past), or a lock timeout, deadlock or serialisation failure
    (PostgreSQL), too many connections, or every connection of the process's pool in use:
    not a fault, a moment to wait and try again."""
    if isinstance(error, PoolTimeout):
        return True
    orig = getattr(error, "orig", None)
    if orig is None:
        return False
    code = getattr(orig, "sqlstate", None)
    text = str(orig)
    return "database is locked" in text or "database is busy" in text or code in BUSY_STATES


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll everything back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
