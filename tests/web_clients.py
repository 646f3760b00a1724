"""Web fixtures: apps on the national database (read-only) or on a private copy, on SQLite
and on PostgreSQL in turn (`national_db`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.databases import NationalDatabase

if TYPE_CHECKING:
    from tests.accounts import Someone

with warnings.catch_warnings():  # Starlette prefers httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def read_client(national_db: NationalDatabase) -> Iterator[TestClient]:
    """A client of an app on the shared national database: for tests that only read."""
    app = create_app(Settings(database_url=national_db.url))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def admin_client(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A client of an app on a copy of the national database shared by the tests that read
    what only accounts read, acting as `reader`, an administrator (they must not write)."""
    from tests.accounts import add_account, as_someone

    copy = national_db.private_copy(tmp_path_factory.mktemp("admin"))
    app = create_app(Settings(database_url=copy))
    reader = add_account(app.state.qurb.factory, "reader")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield as_someone(client, reader)
    national_db.discard(copy)


@pytest.fixture
def edit_client(scratch_db: str) -> Iterator[TestClient]:
    """A client of an app on a private copy of the national database, acting as `tester`,
    an administrator (every permission over everything), with a personal token."""
    from tests.accounts import add_account, as_someone

    app = create_app(Settings(database_url=scratch_db))
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield as_someone(client, tester)


@pytest.fixture
def page_readers(scratch_db: str) -> Iterator[tuple[TestClient, Someone, Someone]]:
    """A client of an app on a private copy of the national database, with two accounts
    for the pages' tests: `viewer` (the viewer role) and `other` (no grant at all)."""
    from qurb.identity.permissions import Role
    from tests.accounts import add_account

    app = create_app(Settings(database_url=scratch_db))
    viewer = add_account(app.state.qurb.factory, "viewer", Role.VIEWER)
    other = add_account(app.state.qurb.factory, "other", None)
    with TestClient(app) as client:
        yield client, viewer, other
