"""`qurb users`: accounts and their grants from the command line of the machine that
holds the database. Every change acts as the account of the personal API token (`qurb
login`, or `$QURB_TOKEN`), and the services check what that account may do (creating
accounts, granting only what it holds). One exception: `reset-password --local-admin`
acts as the login name of the system user who runs it, without a token: whoever can
write the database file is trusted with it (audited as such). Passwords are typed at a
prompt (twice) or read from the first line of stdin (`--password-stdin`), never given as
an argument."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from qurb.audit.keys import ServerKey, server_key
from qurb.identity import account_service, grant_service, partner_service
from qurb.identity.accounts import Grant
from qurb.identity.cli_access import token_guard
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, fail, open_session, out
from qurb.platform.database import database_url
from qurb.platform.output import OutputFormat, render, say
from qurb.territory.service import TerritoryIndex

users_app = typer.Typer(
    help="Accounts and their grants: create, list, grant, revoke, disable, anonymise, "
    "reset a password.",
    no_args_is_help=True,
)

ACCOUNTS = Attribution(frozenset())  # entries made in this database, no published source

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]
NameArgument = Annotated[str, typer.Argument(help="The account's username.")]


def _local_actor() -> Actor:
    """The system user running the command, by login name."""
    return Actor.local(getpass.getuser())


def _token_actor(session: Session) -> Actor:
    """The token's account (the services check what it may do)."""
    return token_guard(session).actor


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(say("cli.users.password_prompt"))
    if getpass.getpass(say("cli.users.password_again")) != first:
        raise fail(say("cli.users.passwords_differ"))
    return first


def _signer(db: str | None) -> ServerKey:
    return server_key(database_url(db))


def _partner_exists(session: Session) -> grant_service.Exists:
    def exists(partner_id: str) -> bool:
        return partner_service.partner_exists(session, partner_id)

    return exists


def _scope_text(grant: Grant) -> str:
    if grant.scope.is_everything:
        return "everything"
    parts = []
    for name, values in grant.scope.to_json().items():
        if values is not None:
            parts.append(f"{name}={','.join(values)}")
    return " ".join(parts)


@users_app.command("create")
def create_cmd(
    name: NameArgument,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Shown name (default: the username).")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="Grant the administrator role over everything.")
    ] = False,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Create an account; it must change its password at its first sign-in."""
    password = _password(password_stdin)
    signer = _signer(db)
    with open_session(db, write=True) as session:
        actor = _token_actor(session)
        new = account_service.NewAccount(name, display_name or name, password, email)
        account = account_service.create_account(session, actor, new, signer=signer)
        if admin:
            grant_service.grant(
                session,
                actor,
                account.id,
                Role.ADMINISTRATOR,
                Scope.everything(),
                index=TerritoryIndex.from_session(session),
                partner_exists=_partner_exists(session),
                signer=signer,
            )
    key = "cli.users.created_admin" if admin else "cli.users.created"
    out.print(say(key, id=account.id, username=escape(account.username)), highlight=False)


@users_app.command("list")
def list_cmd(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """Every account, with its live grants."""
    with open_session(db) as session:
        rows = []
        for account in account_service.list_accounts(session):
            grants = grant_service.live_grants(session, account.id)
            rows.append(
                {
                    **account.public(),
                    "created_at": account.created_at.isoformat(timespec="seconds"),
                    "last_sign_in_at": None
                    if account.last_sign_in_at is None
                    else account.last_sign_in_at.isoformat(timespec="seconds"),
                    "grants": [f"{g.id}:{g.role.value}@{_scope_text(g)}" for g in grants],
                }
            )
    columns = [
        "id",
        "username",
        "display_name",
        "email",
        "disabled",
        "must_change_password",
        "anonymised",
        "created_at",
        "last_sign_in_at",
        "grants",
    ]
    render(rows, columns, fmt, title=say("cli.users.title"), sources=ACCOUNTS)


@users_app.command("grant")
def grant_cmd(
    name: NameArgument,
    role: Annotated[str, typer.Argument(help=f"One of: {', '.join(Role)}.")],
    territory: Annotated[
        list[str] | None,
        typer.Option("--territory", "-t", help="A territory subtree (HCP code or name)."),
    ] = None,
    partner: Annotated[list[str] | None, typer.Option("--partner", help="A partner id.")] = None,
    facility: Annotated[list[str] | None, typer.Option("--facility", help="A facility id.")] = None,
    convention: Annotated[
        list[str] | None, typer.Option("--convention", help="A convention id.")
    ] = None,
    on_behalf_of: Annotated[
        str | None, typer.Option("--on-behalf-of", help="The partner the account acts for.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Give an account a role over a scope (each option repeatable; none: everything)."""
    signer = _signer(db)
    with open_session(db, write=True) as session:
        index = TerritoryIndex.from_session(session)
        codes = None if not territory else [index.resolve(t).code for t in territory]
        scope = Scope(
            territories=None if codes is None else frozenset(codes),
            partners=None if not partner else frozenset(partner),
            facilities=None if not facility else frozenset(facility),
            conventions=None if not convention else frozenset(convention),
        )
        account = account_service.get_account(session, name)
        given = grant_service.grant(
            session,
            _token_actor(session),
            account.id,
            role,
            scope,
            index=index,
            partner_exists=_partner_exists(session),
            signer=signer,
            on_behalf_of=on_behalf_of,
        )
    values = {"id": given.id, "username": escape(account.username), "role": given.role.value}
    out.print(say("cli.users.granted", **values, scope=escape(_scope_text(given))), highlight=False)


@users_app.command("grants")
def grants_cmd(
    name: NameArgument, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """An account's grants, revoked ones included."""
    with open_session(db) as session:
        account = account_service.get_account(session, name)
        rows = [
            {
                "id": g.id,
                "role": g.role.value,
                "scope": _scope_text(g),
                "on_behalf_of": g.partner_id,
                "granted_by": g.granted_by,
                "granted_at": g.granted_at.isoformat(timespec="seconds"),
                "revoked_at": None
                if g.revoked_at is None
                else g.revoked_at.isoformat(timespec="seconds"),
                "revoked_by": g.revoked_by,
            }
            for g in grant_service.grants_of(session, account.id)
        ]
    columns = list(rows[0]) if rows else ["id", "role", "scope"]
    render(
        rows,
        columns,
        fmt,
        title=say("cli.users.grants_title", username=account.username),
        sources=ACCOUNTS,
    )


@users_app.command("revoke")
def revoke_cmd(
    grant_id: Annotated[int, typer.Argument(help="The grant's id (`qurb users grants NAME`).")],
    db: DbOption = None,
) -> None:
    """Revoke a grant."""
    signer = _signer(db)
    with open_session(db, write=True) as session:
        index = TerritoryIndex.from_session(session)
        grant_service.revoke(session, _token_actor(session), grant_id, index=index, signer=signer)
    out.print(say("cli.users.revoked", id=grant_id), highlight=False)


@users_app.command("disable")
def disable_cmd(
    name: NameArgument,
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable an account: it can no longer sign in nor use its tokens."""
    signer = _signer(db)
    with open_session(db, write=True) as session:
        account = account_service.set_disabled(
            session, _token_actor(session), name, not enable, signer=signer
        )
    key = "cli.users.enabled" if enable else "cli.users.disabled"
    out.print(say(key, id=account.id), highlight=False)


@users_app.command("anonymise")
def anonymise_cmd(name: NameArgument, db: DbOption = None) -> None:
    """Anonymise an account when its holder leaves: name and e-mail replaced, password,
    tokens and grants cleared; the audit trail, which names it by id, stays intact."""
    signer = _signer(db)
    with open_session(db, write=True) as session:
        account = account_service.anonymise(session, _token_actor(session), name, signer=signer)
    out.print(
        say("cli.users.anonymised", id=account.id, username=account.username), highlight=False
    )


@users_app.command("reset-password")
def reset_password_cmd(
    name: NameArgument,
    local_admin: Annotated[
        bool,
        typer.Option(
            "--local-admin",
            help="Act as the local administrator: whoever can write the database file.",
        ),
    ] = False,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Set a new password for an account, to be changed at its next sign-in.

    As the token's account, or with --local-admin as whoever can write the database file
    (no token needed)."""
    password = _password(password_stdin)
    signer = _signer(db)
    with open_session(db, write=True) as session:
        actor = _local_actor() if local_admin else _token_actor(session)
        account = account_service.reset_password(session, actor, name, password, signer=signer)
    out.print(say("cli.users.password_reset", id=account.id))
