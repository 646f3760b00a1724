"""`qurb users` on SQLite and PostgreSQL: an administrator, acting with its personal API
token (`$QURB_TOKEN`), creates, grants, lists, disables, resets and anonymises, every change
audited as its account; without a token nothing is written; `reset-password --local-admin`
alone acts as the login name (whoever can write the database file), audited as such; and
`qurb audit verify` stays clean."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.audit.keys import KEY_FILE_VARIABLE
from qurb.identity import grant_service, token_service
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.territory.service import TerritoryIndex
from tests.identity.accounts_db import LOCAL, Db

runner = CliRunner()
BOOTSTRAP = [  # root, made by whoever can write the database file, with its token
    ("account.create", "root", "local"),
    ("grant.create", "root", "local"),
    ("token.create", "root", "local"),
]


def _root_token(db: Db) -> str:
    """Account 1, root: an administrator over everything, and its personal token."""
    account_id = db.create("root", must_change_password=False)
    with db.session() as session:
        grant_service.grant(
            session,
            LOCAL,
            account_id,
            Role.ADMINISTRATOR,
            Scope.everything(),
            index=TerritoryIndex.from_session(session),
            partner_exists=lambda _p: False,
            signer=db.key,
        )
        return token_service.create_token(session, LOCAL, account_id, "cli", signer=db.key).secret


@pytest.fixture
def users(db: Db, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        KEY_FILE_VARIABLE: str(tmp_path / "audit.key"),
        "COLUMNS": "200",
        "QURB_TOKEN": _root_token(db),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }

    def run(*args: str, stdin: str | None = None, token: bool = True):  # type: ignore[no-untyped-def]
        given = env if token else {**env, "QURB_TOKEN": None}
        return runner.invoke(cli_app, [*args, "--db", db.url], input=stdin, env=given)

    return run


def test_an_administrator_manages_accounts_with_its_token(db: Db, users) -> None:  # type: ignore[no-untyped-def]
    created = users(
        "users", "create", "amina", "--admin", "--password-stdin", stdin="a long enough secret\n"
    )
    assert created.exit_code == 0, created.output
    assert "created account 2 amina (administrator)" in created.output
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
    assert "grant 3: youssef is planner over territories=99.991,99.991.03" in granted.output
    listed = users("users", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = {r["username"]: r for r in json.loads(listed.output)["rows"]}
    assert rows["amina"]["grants"] == ["2:administrator@everything"]
    assert rows["youssef"]["grants"] == ["3:planner@territories=99.991,99.991.03"]
    assert rows["youssef"]["email"] == "y@example.ma" and rows["youssef"]["must_change_password"]
    assert users("users", "revoke", "3").exit_code == 0
    again = users("users", "revoke", "3")
    assert again.exit_code == 2 and "already revoked" in again.output
    assert users("users", "disable", "YOUSSEF").exit_code == 0
    by_token = users("users", "reset-password", "youssef", "--password-stdin", stdin="x" * 12)
    assert by_token.exit_code == 0, by_token.output
    gone = users("users", "anonymise", "youssef")
    assert gone.exit_code == 0 and "anonymised as anonymised-3" in gone.output
    actions = [(e.action, e.actor, e.actor_kind) for e in db.entries()]
    assert actions == [
        *BOOTSTRAP,
        ("account.create", "1", "account"),
        ("grant.create", "1", "account"),
        ("account.create", "1", "account"),
        ("grant.create", "1", "account"),
        ("grant.revoke", "1", "account"),
        ("account.disable", "1", "account"),
        ("account.reset_password", "1", "account"),
        ("account.anonymise", "1", "account"),
    ]
    verified = users("audit", "verify")
    assert verified.exit_code == 0
    assert f"{db.loaded() + 11} entries, chain intact" in verified.output


def test_without_a_token_nothing_is_written_but_a_local_reset(db: Db, users) -> None:  # type: ignore[no-untyped-def]
    for args in (
        ("users", "create", "amina", "--password-stdin"),
        ("users", "grant", "root", "viewer"),
        ("users", "disable", "root"),
        ("users", "reset-password", "root", "--password-stdin"),
    ):
        refused = users(*args, stdin="a long enough secret\n", token=False)
        assert refused.exit_code == 2, refused.output
        assert "run `qurb login`, or set $QURB_TOKEN" in " ".join(refused.output.split())
    assert [(e.action, e.actor, e.actor_kind) for e in db.entries()] == BOOTSTRAP
    # Whoever can write the database file resets a password without a token, audited by
    # their login name.
    reset = users(
        "users",
        "reset-password",
        "root",
        "--local-admin",
        "--password-stdin",
        stdin="brand new secret\n",
        token=False,
    )
    assert reset.exit_code == 0, reset.output
    [*_, last] = db.entries()
    assert (last.action, last.actor, last.actor_kind) == (
        "account.reset_password",
        getpass.getuser(),
        "local",
    )
    assert last.grant_id is None and last.partner_id is None


def test_a_revoked_token_writes_nothing(db: Db, users) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        [token] = token_service.list_tokens(session, 1)
        token_service.revoke_token(session, LOCAL, token.id, signer=db.key)
    refused = users("users", "create", "amina", "--password-stdin", stdin="a long enough secret\n")
    assert refused.exit_code == 2 and "this token was revoked" in refused.output
    assert [e.action for e in db.entries()][-1] == "token.revoke"
    assert len(db.entries()) == len(BOOTSTRAP) + 1


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
    assert [e.action for e in db.entries()] == [a for a, _, _ in BOOTSTRAP] + ["account.create"]
