"""A database held by another writer past the busy timeout (SQLite: the whole file;
PostgreSQL: the facility's row, past `lock_timeout`): the web answers 503 with
Retry-After (nothing written), the command line says to try again; `qurb serve --workers
N` is refused on a SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from typer.testing import CliRunner

from qurb.app.cli import app as cli
from qurb.app.web import create_app
from qurb.platform import database
from qurb.platform.database import make_engine
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone
from tests.web_clients import TestClient

MISSOUR = "hosp-03.131.01.03-marche-verte"


@contextmanager
def _held(url: str) -> Iterator[None]:
    """Another writer's transaction, open until the block ends: on SQLite it holds the
    file; on PostgreSQL the facility's row."""
    if make_url(url).get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(make_url(url).database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = "SELECT id FROM facilities WHERE id = :id FOR UPDATE"
            connection.execute(text(query), {"id": MISSOUR})
            yield
            connection.rollback()
    finally:
        engine.dispose()


def test_a_write_to_a_busy_database_is_503_with_retry_after(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)  # not 5 s of waiting
    application = create_app(Settings(database_url=scratch_db))
    editor = add_account(application.state.qurb.factory, "editor")
    with TestClient(application) as client:
        as_someone(client, editor)
        read = client.get(f"/api/facilities/{MISSOUR}")
        with _held(scratch_db):
            busy = client.patch(
                f"/api/facilities/{MISSOUR}",
                json={"name_ar": "ميسور الجديدة"},
                headers={"If-Match": read.headers["etag"], "Accept-Language": "fr"},
            )
            assert client.get(f"/api/facilities/{MISSOUR}").status_code == 200  # reads go on
        assert (busy.status_code, busy.json()["code"]) == (503, "database_busy")
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["error"].startswith("la base de données est occupée")
        after = client.get(f"/api/facilities/{MISSOUR}").json()
        assert (after["name_ar"], after["version"]) == (
            read.json()["name_ar"],
            read.json()["version"],
        )
        again = client.patch(
            f"/api/facilities/{MISSOUR}",
            json={"name_ar": "ميسور الجديدة"},
            headers={"If-Match": read.headers["etag"]},
        )
        assert again.status_code == 200 and again.json()["name_ar"] == "ميسور الجديدة"


def test_the_command_line_says_to_try_again(
    scratch_db: str, cli_token: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    with _held(scratch_db):
        result = CliRunner().invoke(
            cli, ["facilities", "update", MISSOUR, "--name", "Centre 9", "--db", scratch_db]
        )
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "the database is busy with other changes; nothing was written: try again in 1 s" in said


def test_several_server_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'qurb.sqlite'}"
    result = CliRunner().invoke(cli, ["serve", "--workers", "2", "--db", url])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "--workers 2: several server processes need PostgreSQL" in said
    assert "see docs/DEPLOY.md" in said
    assert not (tmp_path / "qurb.sqlite").exists()  # refused before anything was made


def test_a_job_s_phase_waits_for_no_busy_database(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phase is a hint for the polls: a database too busy to take it leaves the previous
    phase shown, and the job goes on (it used to fail the whole job as a bug of Qurb)."""
    from sqlalchemy.orm import sessionmaker

    from qurb.platform.background import JobRow, new_job, set_phase
    from qurb.platform.database import transaction

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    engine = make_engine(scratch_db)
    factory = sessionmaker(engine)
    try:
        with transaction(factory) as session:
            job_id = new_job(session, "caravan.plan", "planner").id
        with factory() as session, _held(scratch_db):
            if make_url(scratch_db).get_backend_name() == "sqlite":
                set_phase(session, job_id, "preparing")  # busy: not recorded, no error
        with factory() as session:
            assert session.get(JobRow, job_id).phase == "queued"  # type: ignore[union-attr]
            set_phase(session, job_id, "scheduling")
        with factory() as session:
            phase = session.get(JobRow, job_id).phase  # type: ignore[union-attr]
        assert phase == "scheduling"
    finally:
        engine.dispose()
