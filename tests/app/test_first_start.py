"""`qurb serve`'s first start: the administrator `admin` is created once, its one-time
password said once on stderr (or taken from $QURB_ADMIN_PASSWORD), to be changed at the
first sign-in; audited as Qurb itself."""

from __future__ import annotations

import re

import pytest

from qurb.app.serve import ADMIN_PASSWORD_ENV, first_start
from qurb.app.web import create_app
from qurb.audit import service as audit
from qurb.identity import passwords
from qurb.identity.passwords import Argon2Parameters
from qurb.platform.settings import Settings
from tests.web_clients import TestClient

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)


def test_the_first_start_prints_a_one_time_password_once(
    scratch_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(Settings(database_url=scratch_db))
    first_start(app.state.qurb)
    said = capsys.readouterr().err
    found = re.search(r"one-time password, shown this once: (\S+)", said)
    assert found is not None, said
    password = found.group(1)
    assert len(password) == 20
    first_start(app.state.qurb)  # the second start: an account exists, nothing said
    assert capsys.readouterr().err == ""
    with TestClient(app) as client:
        wrong = client.post("/api/auth/sign-in", json={"username": "admin", "password": "x" * 12})
        assert wrong.status_code == 401
        signed = client.post("/api/auth/sign-in", json={"username": "admin", "password": password})
        assert signed.status_code == 200 and signed.json()["must_change_password"] is True
        me = client.get("/api/auth/me").json()
        assert [(g["role"], g["scope"]["territories"]) for g in me["grants"]] == [
            ("administrator", ["MA"])
        ]
        assert "accounts.admin" in me["permissions"]
        changed = client.post(
            "/api/auth/password",
            json={"current": password, "new": "a long new passphrase"},
            headers={"X-CSRF-Token": signed.json()["csrf_token"]},
        )
        assert changed.status_code == 200 and changed.json()["must_change_password"] is False
    with app.state.qurb.factory() as session:
        made = [e for e in audit.entries(session) if e.action in ("account.create", "grant.create")]
    assert [(e.action, e.actor, e.actor_kind) for e in made] == [
        ("account.create", "first-start", "system"),
        ("grant.create", "first-start", "system"),
    ]
    assert password not in capsys.readouterr().err


def test_qurb_admin_password_sets_it(
    scratch_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "chosen by the operator")
    app = create_app(Settings(database_url=scratch_db))
    first_start(app.state.qurb)
    said = capsys.readouterr().err
    assert "QURB_ADMIN_PASSWORD" in said and "chosen by the operator" not in said
    with TestClient(app) as client:
        signed = client.post(
            "/api/auth/sign-in", json={"username": "admin", "password": "chosen by the operator"}
        )
        assert signed.status_code == 200 and signed.json()["must_change_password"] is True


def test_qurb_serve_runs_the_first_start(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from qurb.app.cli import app as cli_app

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    runner = CliRunner()
    first = runner.invoke(cli_app, ["serve", "--db", scratch_db, "--no-open"])
    assert first.exit_code == 0, first.output
    assert len(served) == 1 and "one-time password, shown this once" in first.stderr
    again = runner.invoke(cli_app, ["serve", "--db", scratch_db, "--no-open"])
    assert again.exit_code == 0 and "one-time password" not in again.stderr
