"""Shared fixtures: the real national database, built once per test session on SQLite and
on PostgreSQL (`national_db`, tests/databases.py), and everything made of it (sessions,
private copies for the tests that write, the web clients of `tests/web_clients.py`) on
each engine in turn; the small region of `tests/regions.py` on SQLite and PostgreSQL; the
browser comes from `tests/browser.py`."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.dataset import InitReport, init_database
from qurb.audit.keys import KEY_FILE_VARIABLE, default_key_path
from qurb.data import read_bundled_csv
from qurb.platform.database import make_engine, make_sessionmaker
from tests.accounts import Someone, add_account
from tests.databases import (
    ENGINES,
    NationalDatabase,
    PostgresNational,
    PostgresServer,
    SqliteNational,
    postgres_url,
    worker_suffix,
)
from tests.regions import SMALL_FACILITIES, SmallFacility, write_small_region

# The PostgreSQL schema the small region is written to (one per worker of a parallel run).
REGION_SCHEMA = "qurb_small_region" + worker_suffix()

pytest_plugins = ["tests.web_clients", "tests.browser"]

# The command line speaks the language of --lang, $QURB_LANG or $LANG: the tests read its
# English, whatever the language of the machine they run on.
os.environ["QURB_LANG"] = "en"
# What Qurb keeps between runs (the commune graph's edges) goes to a folder of the run,
# never to the home folder of whoever runs the tests.
if "QURB_CACHE_DIR" not in os.environ:
    os.environ["QURB_CACHE_DIR"] = tempfile.mkdtemp(prefix="qurb-cache-")
    atexit.register(shutil.rmtree, os.environ["QURB_CACHE_DIR"], ignore_errors=True)
# The server key that signs the audit chain of a PostgreSQL database lives in the user's
# configuration folder: the run's own folder, never the home folder of whoever runs the
# tests. Every PostgreSQL database of the run is signed with its key (RUN_KEY_FILE), so
# that their copies verify; no test signs with a key named by the environment it runs in.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="qurb-config-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], ignore_errors=True)
os.environ.pop(KEY_FILE_VARIABLE, None)
RUN_KEY_FILE = default_key_path("postgresql://")


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with the least memory and time: the tests check behaviour, not the
    cost (tests/identity/test_account_service.py checks the parameters Qurb ships)."""
    from qurb.identity import passwords

    monkeypatch.setattr(passwords, "PARAMETERS", passwords.Argon2Parameters(1, 64, 1))


@pytest.fixture(scope="session")
def national_db_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InitReport]:
    """A SQLite file holding the bundled national dataset, loaded by `qurb db init`."""
    path = tmp_path_factory.mktemp("national") / "qurb.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    report = init_database(engine)
    engine.dispose()
    return path, report


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server of QURB_TEST_POSTGRES_URL, for the databases the run makes
    there. Skipped without the variable; failed under CI=true."""
    server = PostgresServer(postgres_url())
    server.drop_copies()
    yield server
    server.drop_copies()
    server.close()


@pytest.fixture(scope="session", params=ENGINES)
def national_db(
    request: pytest.FixtureRequest, national_db_file: tuple[Path, InitReport]
) -> Iterator[NationalDatabase]:
    """The national dataset on SQLite (the file of `national_db_file`), then on PostgreSQL
    (loaded once into a template database): the tests that take it, or a fixture made of
    it, run on each engine."""
    if request.param == "sqlite":
        yield SqliteNational(*national_db_file)
        return
    national = PostgresNational.load(request.getfixturevalue("postgres_server"))
    yield national
    national.close()


@pytest.fixture(scope="session")
def national_engine(national_db: NationalDatabase) -> Iterator[Engine]:
    """Read-only use: tests that write take `scratch_db` instead."""
    engine = make_engine(national_db.url)
    yield engine
    engine.dispose()


@pytest.fixture
def national_session(national_engine: Engine) -> Iterator[Session]:
    session = make_sessionmaker(national_engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def scratch_db(
    national_db: NationalDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A private copy of the national database that a test may write to; its URL."""
    if national_db.engine == "postgres":
        # The copy's chain was signed with the run's key, wherever the test points
        # $XDG_CONFIG_HOME (for its `qurb login` file, say).
        monkeypatch.setenv(KEY_FILE_VARIABLE, str(RUN_KEY_FILE))
    url = national_db.private_copy(tmp_path)
    yield url
    national_db.discard(url)


@pytest.fixture
def scratch_factory(scratch_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(scratch_db)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def _no_token_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test acts with a token from the environment it runs in."""
    monkeypatch.delenv("QURB_TOKEN", raising=False)


@pytest.fixture
def cli_token(scratch_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> Someone:
    """An administrator, amina, whose personal token the command line acts with
    (`$QURB_TOKEN`), on the scratch database."""
    amina = add_account(scratch_factory, "amina")
    monkeypatch.setenv("QURB_TOKEN", amina.token)
    return amina


@pytest.fixture(params=["sqlite", "postgres"])
def region_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database, new for each test: a fresh SQLite file, or a schema of its own
    (dropped and created again) in the PostgreSQL database named by QURB_TEST_POSTGRES_URL.
    Skipped without the variable; failed under CI=true."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'region.sqlite'}")
    else:
        url = postgres_url().update_query_dict({"options": f"-csearch_path={REGION_SCHEMA}"})
        engine = make_engine(url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {REGION_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {REGION_SCHEMA}"))
    yield engine
    engine.dispose()


SmallRegionFactory = Callable[..., sessionmaker[Session]]


@pytest.fixture
def small_region_db(region_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> SmallRegionFactory:
    """Call it to write the small region of `tests/regions.py` (its facilities, or those
    given) into the test's empty database through the app's schema; returns sessions on it.
    """
    from qurb.registry import service as registry_service

    # Commune boundaries are cached per database URL, and the PostgreSQL one is the same
    # for every test: each test starts with none cached.
    monkeypatch.setattr(registry_service, "_LOCATORS", {})

    def make(facilities: Sequence[SmallFacility] = SMALL_FACILITIES) -> sessionmaker[Session]:
        write_small_region(region_engine, facilities)
        return make_sessionmaker(region_engine)

    return make


@pytest.fixture(scope="session")
def territories_csv() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in read_bundled_csv("territories.csv")}


@pytest.fixture(scope="session")
def census_csv() -> dict[tuple[str, str, str, str], dict[str, str]]:
    return {
        (r["code"], r["census"], r["area"], r["sex"]): r for r in read_bundled_csv("census.csv")
    }
