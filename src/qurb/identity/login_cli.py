"""`qurb login` and `qurb logout`: a personal API token for scripts and the command line.

`qurb login` asks for a username and password (or reads the password from stdin), signs
in to the server's API, makes a personal token named for this machine, signs the browser
session out again, and stores the token with the server's address in the user's
configuration directory (`$XDG_CONFIG_HOME/qurb/token.json`, else `~/.config/qurb/`),
readable by the user alone (mode 0600). `$QURB_TOKEN` gives a token instead of the file.
`qurb logout` revokes the stored token on its server and deletes the file.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Annotated, Any

import typer

from qurb.platform.cli import fail, out
from qurb.platform.output import say

TOKEN_ENV = "QURB_TOKEN"
SERVER_ENV = "QURB_SERVER"
DEFAULT_SERVER = "http://localhost:8000"
TIMEOUT_S = 30

cli = typer.Typer(help="Sign in to a Qurb server for scripts: a personal API token.")


def token_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qurb" / "token.json"


@dataclass(frozen=True)
class StoredToken:
    server: str
    token: str
    token_id: int | None = None
    username: str | None = None


def stored_token() -> StoredToken | None:
    """The token scripts act with: `$QURB_TOKEN` (for `$QURB_SERVER`), else the file
    `qurb login` wrote, else none."""
    given = os.environ.get(TOKEN_ENV, "").strip()
    if given:
        return StoredToken(os.environ.get(SERVER_ENV) or DEFAULT_SERVER, given)
    return read_token_file()


def read_token_file() -> StoredToken | None:
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
        return StoredToken(
            str(data["server"]), str(data["token"]), data.get("token_id"), data.get("username")
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_token(stored: StoredToken) -> Path:
    """Write the token file, readable by the user alone (made 0600 before anything is in
    it)."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(stored.__dict__, file)
    return path


class ServerError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("error") or f"HTTP {status}"))
        self.status = status
        self.code = body.get("code")


def _call(
    server: str, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[dict[str, Any] | list[Any], dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{server}{path}", data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read() or b"{}"), dict(answer.headers.items())
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"{}")
        except ValueError:
            payload = {}
        raise ServerError(error.code, payload if isinstance(payload, dict) else {}) from None


def _session_cookie(headers: dict[str, str]) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(headers.get("set-cookie") or headers.get("Set-Cookie") or "")
    return "; ".join(f"{k}={m.value}" for k, m in cookie.items())


def log_in(server: str, username: str, password: str) -> StoredToken:
    """Sign in, make a token named for this machine, sign out; the token."""
    signed, headers = _call(
        server, "POST", "/api/auth/sign-in", {"username": username, "password": password}
    )
    assert isinstance(signed, dict)
    session = {"Cookie": _session_cookie(headers), "X-CSRF-Token": signed["csrf_token"]}
    name = f"qurb login on {socket.gethostname()}"[:100]
    issued, _ = _call(server, "POST", "/api/auth/tokens", {"name": name}, session)
    assert isinstance(issued, dict)
    _call(server, "POST", "/api/auth/sign-out", headers=session)
    return StoredToken(server, issued["secret"], issued["token"]["id"], username)


@cli.command("login")
def login(
    server: Annotated[
        str | None,
        typer.Option(help=f"The server's URL (default ${SERVER_ENV} or {DEFAULT_SERVER})."),
    ] = None,
    username: Annotated[str | None, typer.Option(help="Asked if not given.")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
) -> None:
    """Sign in to a Qurb server and keep a personal API token for the command line."""
    url = (server or os.environ.get(SERVER_ENV) or DEFAULT_SERVER).rstrip("/")
    name = username or typer.prompt(say("cli.login.username"))
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else getpass.getpass(say("cli.users.password_prompt"))
    )
    try:
        stored = log_in(url, name, password)
    except ServerError as error:
        raise fail(f"{url}: {error}") from None
    except (urllib.error.URLError, OSError) as error:
        raise fail(say("cli.login.unreachable", server=url, error=str(error))) from None
    path = write_token(stored)
    out.print(say("cli.login.signed_in", server=url, username=name, path=str(path)))


@cli.command("logout")
def logout() -> None:
    """Revoke the token `qurb login` kept, on its server, and forget it."""
    path = token_file()
    stored = read_token_file()
    if stored is None:
        out.print(say("cli.login.not_signed_in"))
        return
    if stored.token_id is not None:
        bearer = {"Authorization": f"Bearer {stored.token}"}
        try:
            _call(stored.server, "DELETE", f"/api/auth/tokens/{stored.token_id}", headers=bearer)
        except ServerError as error:  # already revoked or expired: nothing to undo there
            out.print(f"{stored.server}: {error}")
        except (urllib.error.URLError, OSError) as error:
            raise fail(
                say("cli.login.unreachable_kept", server=stored.server, error=str(error))
            ) from None
    path.unlink(missing_ok=True)
    out.print(say("cli.login.signed_out", server=stored.server))
