"""Shared fixtures: the real national database, built once per test session; the web
clients and the browser come from `tests/web_clients.py` and `tests/browser.py`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.dataset import InitReport, init_database
from qurb.platform.database import make_engine, make_sessionmaker
from tests.environment import REPO, SOURCES, in_ci, unavailable  # noqa: F401 - re-exported for older imports

pytest_plugins = ["tests.web_clients", "tests.browser"]


@pytest.fixture(scope="session")
def national_db_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InitReport]:
    """A SQLite file holding the bundled national dataset, loaded by `qurb db init`."""
    path = tmp_path_factory.mktemp("national") / "qurb.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    report = init_database(engine)
    engine.dispose()
    return path, report


@pytest.fixture(scope="session")
def national_engine(national_db_file: tuple[Path, InitReport]) -> Engine:
    """Read-only use: tests that write take `scratch_db` instead."""
    return make_engine(f"sqlite:///{national_db_file[0]}")


@pytest.fixture
def national_session(national_engine: Engine) -> Iterator[Session]:
    session = make_sessionmaker(national_engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def scratch_db(national_db_file: tuple[Path, InitReport], tmp_path: Path) -> Iterator[str]:
    """A private copy of the national database that a test may write to; its URL."""
    copy = tmp_path / "scratch.sqlite"
    shutil.copyfile(national_db_file[0], copy)
    yield f"sqlite:///{copy}"


@pytest.fixture
def scratch_factory(scratch_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(scratch_db)
    yield make_sessionmaker(engine)
    engine.dispose()
