"""The national database on each engine the tests run on, and private copies of it for the
tests that write.

On SQLite the dataset is a file and a copy is a copy of that file, with the server key
that signed its audit trail (the key travels with any copy, or the chain's head no longer
verifies). On PostgreSQL the dataset is loaded once per run into a template database on
the server that QURB_TEST_POSTGRES_URL names, and a copy is `CREATE DATABASE … TEMPLATE`;
every PostgreSQL database of the run shares one key, the run's (`RUN_KEY_FILE`). The
databases a run creates are named after the database of that URL (`qurb_test` →
`qurb_test_national`, `qurb_test_copy_3`; in a worker of a parallel run, after the worker
too: `qurb_test_gw1_copy_3`), so that runs against different databases of one server, and
the workers of one run, never meet.
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import URL, Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from qurb.app.dataset import InitReport, init_database
from qurb.platform.database import make_engine
from tests.environment import unavailable

POSTGRES_URL_VARIABLE = "QURB_TEST_POSTGRES_URL"
Engine = Literal["sqlite", "postgres"]
ENGINES: tuple[Engine, ...] = ("sqlite", "postgres")


def worker_suffix() -> str:
    """ "_gw0", "_gw1"… in a worker of a parallel run (pytest-xdist), "" otherwise: each
    worker makes and drops databases and schemas of its own names on the shared server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"_{worker}" if worker else ""


def private_copy(source: Path, copy: Path) -> str:
    """Copy the SQLite database `source` (and its `.audit-key`) to `copy`; the copy's URL."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    key = source.with_name(source.name + ".audit-key")
    if key.exists():
        shutil.copyfile(key, copy.with_name(copy.name + ".audit-key"))
    return f"sqlite:///{copy}"


def postgres_url() -> URL:
    """The URL of QURB_TEST_POSTGRES_URL; skips the test without it (fails under CI=true)."""
    raw = os.environ.get(POSTGRES_URL_VARIABLE)
    if not raw:
        unavailable(
            f"{POSTGRES_URL_VARIABLE} is not set: set it to a disposable PostgreSQL "
            "database to run the tests on PostgreSQL too"
        )
    return make_url(raw)


class NationalDatabase(Protocol):
    """The bundled national dataset on one engine."""

    @property
    def engine(self) -> Engine: ...

    @property
    def url(self) -> str:
        """The database the tests that only read share: never write to it."""
        ...

    @property
    def report(self) -> InitReport: ...

    def private_copy(self, folder: Path) -> str:
        """A new copy of the dataset that one test may write to; its URL."""
        ...

    def discard(self, url: str) -> None:
        """Drop a copy made by `private_copy` (its test is over)."""
        ...


@dataclass(frozen=True)
class SqliteNational:
    path: Path
    report: InitReport
    engine: Engine = "sqlite"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def private_copy(self, folder: Path) -> str:
        return private_copy(self.path, folder / "qurb.sqlite")

    def discard(self, url: str) -> None:
        """The copy is a file of the test's temporary folder, which pytest cleans up."""


@dataclass
class PostgresServer:
    """The server of QURB_TEST_POSTGRES_URL, on which the run creates and drops databases
    whose names begin with that URL's database name."""

    url: URL
    _copies: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self._admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with self._admin.connect() as connection:
            may_create = connection.execute(
                text("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user")
            ).scalar_one()
        if not may_create:
            self._admin.dispose()
            unavailable(
                f"the role of {POSTGRES_URL_VARIABLE} ({self.url.username}) may not create "
                f"databases: ALTER ROLE {self.url.username} CREATEDB"
            )

    @property
    def prefix(self) -> str:
        return str(self.url.database) + worker_suffix()

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        """An empty database `name` (or a copy of `template`, which no one may be connected
        to), made again if a run that stopped short left one; its URL.

        The copy takes PostgreSQL's default strategy: from version 15 on, through the WAL
        (about 0.5 s for the national dataset's 45 MB, where `STRATEGY FILE_COPY`, whose
        checkpoint waits on every other write of the server, took twice as long)."""
        self.drop(name)
        copy_of = f" TEMPLATE {template}" if template else ""
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{copy_of}"))
        return self.url_of(name)

    def copy(self, template: str) -> str:
        return self.create(f"{self.prefix}_copy_{next(self._copies)}", template)

    def drop(self, name: str) -> None:
        with self._admin.connect() as connection:
            drop_database(connection, name)

    def drop_copies(self) -> None:
        """Drop every copy this run (or an earlier one that stopped short) left."""
        with self._admin.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
                {"prefix": f"{self.prefix}_copy_"},
            ).scalars()
            left = list(names)
        for name in left:
            self.drop(name)

    def close(self) -> None:
        self._admin.dispose()


@dataclass
class PostgresNational:
    server: PostgresServer
    template: str
    url: str
    report: InitReport
    engine: Engine = "postgres"

    @classmethod
    def load(cls, server: PostgresServer) -> PostgresNational:
        """The dataset loaded (`qurb db init`) into a template database, and the copy of it
        that the tests that only read share."""
        template = f"{server.prefix}_national"
        engine = make_engine(server.create(template))
        try:
            report = init_database(engine)
        finally:
            engine.dispose()  # a template is copied only when no one is connected to it
        read = server.create(f"{server.prefix}_national_read", template)
        return cls(server, template, read, report)

    def private_copy(self, folder: Path) -> str:
        return self.server.copy(self.template)

    def discard(self, url: str) -> None:
        self.server.drop(str(make_url(url).database))

    def close(self) -> None:
        self.server.drop(str(make_url(self.url).database))
        self.server.drop(self.template)


def drop_database(connection: Connection, name: str) -> None:
    """Drop `name` (on a connection outside a transaction), ending the sessions the run
    still has on it. Not `WITH (FORCE)`: that refuses to end an autovacuum worker, which a
    role without superuser rights may not signal; a plain DROP DATABASE cancels
    autovacuum itself, and waits a few seconds for the sessions ended here to go."""
    connection.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
            "datname = :name AND usename = current_user AND pid <> pg_backend_pid()"
        ),
        {"name": name},
    )
    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
