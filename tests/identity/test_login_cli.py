"""`qurb login` and `qurb logout` against a real server on loopback: the token is kept
in the user's configuration directory, mode 0600, acts for its account, and is revoked by
`qurb logout`; `$QURB_TOKEN` gives one instead."""

from __future__ import annotations

import json
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.serve import ADMIN_PASSWORD_ENV, first_start
from qurb.app.web import create_app
from qurb.identity import login_cli, passwords
from qurb.identity.passwords import Argon2Parameters
from qurb.platform.settings import Settings
from tests.browser import serving

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)
ADMIN_PASSWORD = "operator's own passphrase"


@pytest.fixture
def server(scratch_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, ADMIN_PASSWORD)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(login_cli.TOKEN_ENV, raising=False)
    app = create_app(Settings(database_url=scratch_db))
    first_start(app.state.qurb)
    with serving(app) as address:
        yield address


def me(server: str, token: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        f"{server}/api/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


NEW_PASSWORD = "a better horse battery"


def change_password(server: str, current: str, new: str) -> None:
    """As the page does: sign in (a cookie), change the password with the CSRF token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def post(path: str, body: dict[str, str], headers: dict[str, str]) -> dict[str, object]:
        request = urllib.request.Request(
            f"{server}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        with opener.open(request, timeout=10) as answer:
            return dict(json.loads(answer.read()))

    signed = post("/api/auth/sign-in", {"username": "admin", "password": current}, {})
    post(
        "/api/auth/password",
        {"current": current, "new": new},
        {"X-CSRF-Token": str(signed["csrf_token"])},
    )


def test_login_keeps_a_private_token_and_logout_revokes_it(server: str) -> None:
    runner = CliRunner()
    login = ["login", "--server", server, "--username", "admin", "--password-stdin"]
    # The first start's password opens nothing but changing it: no token either.
    early = runner.invoke(login_cli.cli, login, input=ADMIN_PASSWORD + "\n")
    assert early.exit_code == 2 and "change your password first" in early.output
    assert not login_cli.token_file().exists()
    change_password(server, ADMIN_PASSWORD, NEW_PASSWORD)
    done = runner.invoke(login_cli.cli, login, input=NEW_PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    path = login_cli.token_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = login_cli.stored_token()
    assert stored is not None and stored.server == server and stored.token.startswith("qurb_")
    status, who = me(server, stored.token)
    assert status == 200 and who["proof"] == "token"
    assert who["account"]["username"] == "admin"  # type: ignore[index]
    out = runner.invoke(login_cli.cli, ["logout"])
    assert out.exit_code == 0, out.output
    assert not path.exists() and login_cli.stored_token() is None
    status, refused = me(server, stored.token)
    assert (status, refused["code"]) == (401, "token_revoked")


def test_a_wrong_password_fails_and_keeps_nothing(server: str) -> None:
    done = CliRunner().invoke(
        login_cli.cli,
        ["login", "--server", server, "--username", "admin", "--password-stdin"],
        input="not the password\n",
    )
    assert done.exit_code == 2
    assert "wrong username or password" in done.output
    assert not login_cli.token_file().exists()


def test_qurb_token_gives_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv(login_cli.TOKEN_ENV, "qurb_given")
    monkeypatch.setenv(login_cli.SERVER_ENV, "https://carte.example.ma")
    assert login_cli.stored_token() == login_cli.StoredToken(
        "https://carte.example.ma", "qurb_given"
    )
