"""Shared fixtures: the real national database, built once per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.dataset import InitReport, init_database
from qurb.platform.database import make_engine, make_sessionmaker

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "data" / "sources"


def in_ci() -> bool:
    """True under CI=true (the variable CI services set)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """A server or browser a test needs cannot be had: skip it and say why; under CI=true,
    fail with the reason instead, so that CI never passes without running those tests."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


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
