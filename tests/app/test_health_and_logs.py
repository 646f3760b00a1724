"""Operating the server: /health tells the database and its schema; a JSON log line per
request, with a request id also returned to the client."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from qurb.app.dataset import InitReport
from qurb.app.schema import SCHEMA_REVISION
from qurb.app.web import create_app
from qurb.platform.database import make_engine
from qurb.platform.settings import Settings
from tests.databases import NationalDatabase
from tests.web_clients import TestClient


def test_health_ok(read_client: TestClient) -> None:
    answer = read_client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "schema": SCHEMA_REVISION,
        "schema_current": True,
    }
    assert "no-store" in answer.headers["cache-control"]


def test_health_503_when_the_schema_is_behind(scratch_db: str) -> None:
    with TestClient(create_app(Settings(database_url=scratch_db))) as client:
        engine = make_engine(scratch_db)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
        engine.dispose()
        answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.json()["schema"] == "0003" and answer.json()["schema_current"] is False


def test_health_503_when_the_database_file_is_gone(
    national_db_file: tuple[Path, InitReport], tmp_path: Path
) -> None:
    """SQLite: the file and its folder removed under the running app."""
    folder = tmp_path / "gone"
    folder.mkdir()
    shutil.copyfile(national_db_file[0], folder / "qurb.sqlite")
    app = create_app(Settings(database_url=f"sqlite:///{folder / 'qurb.sqlite'}"))
    with TestClient(app) as client:
        app.state.qurb.engine.dispose()
        shutil.rmtree(folder)  # not even a folder to create it again in
        answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable" and answer.json()["database"] != "ok"


@pytest.mark.parametrize("national_db", ["postgres"], indirect=True)
def test_health_503_when_the_postgres_database_is_gone(
    national_db: NationalDatabase, tmp_path: Path
) -> None:
    """PostgreSQL: the database dropped under the running app, its sessions ended."""
    url = national_db.private_copy(tmp_path)
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/health").status_code == 200
        national_db.discard(url)
        answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable" and answer.json()["database"] != "ok"


def _log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "qurb.request"]


def test_a_request_is_logged_with_its_id(
    national_db_file: tuple[Path, InitReport], caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=f"sqlite:///{national_db_file[0]}")
    with TestClient(create_app(settings)) as client, caplog.at_level(logging.INFO, "qurb"):
        given = client.get("/api/facilities/999999", headers={"X-Request-ID": "abc-123"})
        made = client.get("/health", headers={"X-Request-ID": "bad id; " * 20})
    assert given.headers["x-request-id"] == "abc-123"
    made_id = made.headers["x-request-id"]
    assert made_id and " " not in made_id and len(made_id) <= 64
    lines = _log_lines(caplog)
    assert {k: lines[0][k] for k in ("method", "path", "status", "request_id")} == {
        "method": "GET",
        "path": "/api/facilities/999999",
        "status": 404,
        "request_id": "abc-123",
    }
    assert isinstance(lines[0]["duration_ms"], float | int)
    assert lines[1]["request_id"] == made_id
    # Every line of a request names it.
    ids = {getattr(r, "request_id", None) for r in caplog.records if r.name.startswith("qurb")}
    assert ids <= {"abc-123", made_id}


def test_a_500_carries_its_request_id_and_so_does_its_log_line(
    scratch_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(database_url=scratch_db))

    @app.get("/test-bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.INFO, "qurb"),
    ):
        given = client.get("/test-bug", headers={"X-Request-ID": "req-500"})
        made = client.get("/test-bug")
    assert given.status_code == 500 and made.status_code == 500
    assert given.headers["x-request-id"] == "req-500"
    made_id = made.headers["x-request-id"]
    assert made_id and made_id != "req-500"
    errors = [r for r in caplog.records if r.name == "qurb.web" and r.levelno == logging.ERROR]
    assert [getattr(r, "request_id", None) for r in errors] == ["req-500", made_id]
    assert all(r.exc_info for r in errors)  # the traceback is in the server's log
    assert [line["request_id"] for line in _log_lines(caplog)] == ["req-500", made_id]
