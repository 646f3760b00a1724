"""`qurb users` on SQLite and PostgreSQL: the local administrator (the login name) creates,
grants, lists, disables, resets and anonymises, every change audited, and `qurb audit
verify` stays clean."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.audit.keys import KEY_FILE_VARIABLE
from tests.identity.accounts_db import Db

runner = CliRunner()


@pytest.fixture
def users(db: Db, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {KEY_FILE_VARIABLE: str(tmp_path / "audit.key"), "COLUMNS": "200"}

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli_app, [*args, "--db", db.url], input=stdin, env=env)

    return run


def test_the_local_administrator_manages_accounts(db: Db, users) -> None:  # type: ignore[no-untyped-def]
    created = users(
        "users", "create", "amina", "--admin", "--password-stdin", stdin="a long enough secret\n"
    )
    assert created.exit_code == 0, created.output
    assert "created account 1 amina (administrator)" in created.output
    made = users(
        "users",
        "create",
        "youssef",
        "--email",
        "y@example.ma",
        "--password-stdin",
        stdin="another long secret\n",
    )
    assert made.exit_code == 0, made.output
    granted = users(
        "users", "grant", "youssef", "planner", "--territory", "Tizgui", "--territory", "99.991.03"
    )
    assert granted.exit_code == 0, granted.output
    assert "grant 2: youssef is planner over territories=99.991,99.991.03" in granted.output
    listed = users("users", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = {r["username"]: r for r in json.loads(listed.output)["rows"]}
    assert rows["amina"]["grants"] == ["1:administrator@everything"]
    assert rows["youssef"]["grants"] == ["2:planner@territories=99.991,99.991.03"]
    assert rows["youssef"]["email"] == "y@example.ma" and rows["youssef"]["must_change_password"]
    assert users("users", "revoke", "2").exit_code == 0
    again = users("users", "revoke", "2")
    assert again.exit_code == 2 and "already revoked" in again.output
    assert users("users", "disable", "YOUSSEF").exit_code == 0
    no_flag = users("users", "reset-password", "youssef", "--password-stdin", stdin="x\n")
    assert no_flag.exit_code == 2 and "--local-admin" in no_flag.output
    reset = users(
        "users",
        "reset-password",
        "youssef",
        "--local-admin",
        "--password-stdin",
        stdin="brand new secret\n",
    )
    assert reset.exit_code == 0, reset.output
    gone = users("users", "anonymise", "youssef")
    assert gone.exit_code == 0 and "anonymised as anonymised-2" in gone.output
    actions = [(e.action, e.actor, e.actor_kind) for e in db.entries()]
    me = getpass.getuser()
    assert actions == [
        ("account.create", me, "local"),
        ("grant.create", me, "local"),
        ("account.create", me, "local"),
        ("grant.create", me, "local"),
        ("grant.revoke", me, "local"),
        ("account.disable", me, "local"),
        ("account.reset_password", me, "local"),
        ("account.anonymise", me, "local"),
    ]
    verified = users("audit", "verify")
    assert verified.exit_code == 0
    assert f"{db.loaded() + 8} entries, chain intact" in verified.output


def test_refusals_write_nothing(db: Db, users) -> None:  # type: ignore[no-untyped-def]
    short = users("users", "create", "amina", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "12 to 256 characters" in short.output
    assert (
        users(
            "users", "create", "amina", "--password-stdin", stdin="a long enough secret\n"
        ).exit_code
        == 0
    )
    taken = users("users", "create", "Amina", "--password-stdin", stdin="a long enough secret\n")
    assert taken.exit_code == 2 and "taken" in taken.output
    role = users("users", "grant", "amina", "minister")
    assert role.exit_code == 2 and "no role 'minister'" in role.output
    nobody = users("users", "disable", "nobody")
    assert nobody.exit_code == 2 and "no account named 'nobody'" in nobody.output
    assert [e.action for e in db.entries()] == ["account.create"]
