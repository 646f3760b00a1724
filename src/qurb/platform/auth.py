"""Who is asking, as a mechanism: the credentials a request carries (`Authorization:
Bearer …` or the session cookie), the cookie's flags, and the CSRF rule. What a
credential is worth (an account, its grants, a refusal) is a rule the composition root
hands in as a `Resolver`; this module names no feature.

`Authentication` is a pure ASGI middleware. A request with no credential, or for a
static file, is anonymous and costs nothing; otherwise the resolver runs once, in a
worker thread, and its answer is put in the request's state for the routes
(`resolved(request)`). A bearer token that
the resolver refuses is a 401 with the refusal's code; a session cookie that is not (or
no longer) a live session is anonymous. A cookie-authenticated request that changes
something (POST, PUT, PATCH, DELETE) must carry the session's CSRF token in
`X-CSRF-Token`, else 403 (`csrf_missing`, `csrf_mismatch`); a bearer-token request needs
none (a browser never adds one on its own).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from qurb.platform.database import BUSY_RETRY_AFTER_S, is_busy
from qurb.platform.security import WRITES, refuse

SESSION_COOKIE = "qurb_session"
CSRF_HEADER = "X-CSRF-Token"
BEARER = "bearer "
STATE_KEY = "qurb.resolved"
# Files the same for everyone, never written to: no credential is looked at for them.
PUBLIC_FILES = ("/static/", "/locales/")
MAX_CREDENTIAL_CHARS = 200  # longer than any token or cookie Qurb gives: not one


@dataclass(frozen=True)
class Credentials:
    """What a request offers to prove who it is (at most one of each)."""

    bearer: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class Resolution:
    """The resolver's answer: whoever asks (any object the rules define; None: anonymous),
    the session's CSRF token when the cookie proved it, or a refusal's code (a 401)."""

    principal: object | None = None
    csrf_token: str | None = None
    refusal: str | None = None
    # A number the resolver read with its answer and that every write moves on (the
    # app's: the audit trail's head seq): a body kept under it may be served without
    # reading it again. None: not read (an anonymous request).
    head: int | None = None


Resolver = Callable[[Credentials], Resolution]


def read_credentials(headers: dict[bytes, str]) -> Credentials:
    """A bearer token from `Authorization`, the session id from the cookie; anything
    longer than a credential Qurb gives is ignored (a bearer header so is a refusal)."""
    bearer = None
    authorization = headers.get(b"authorization", "")
    if authorization[: len(BEARER)].lower() == BEARER:
        bearer = authorization[len(BEARER) :].strip()[: MAX_CREDENTIAL_CHARS + 1]
    session = None
    for part in headers.get(b"cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value and len(value) <= MAX_CREDENTIAL_CHARS:
            session = value
    return Credentials(bearer, session)


def set_session_cookie(response: Response, value: str, *, secure: bool, max_age_s: int) -> None:
    """The session cookie: HttpOnly (no script reads it), SameSite=Lax, the whole site,
    Secure over TLS."""
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age_s,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def resolved(request: Request) -> Resolution:
    """What the middleware found for this request (anonymous when it found nothing)."""
    found = request.scope.get("state", {}).get(STATE_KEY)
    return found if isinstance(found, Resolution) else Resolution()


class Authentication:
    """Resolve the request's credentials once; refuse a bad bearer token (401) and a
    cookie-authenticated write without its CSRF token (403)."""

    def __init__(self, app: ASGIApp, resolve: Resolver) -> None:
        self.app = app
        self.resolve = resolve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            scope["method"] in ("GET", "HEAD") and scope["path"].startswith(PUBLIC_FILES)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        credentials = read_credentials(headers)
        if credentials.bearer is None and credentials.session is None:
            await self.app(scope, receive, send)
            return
        if credentials.bearer is not None:  # a script: the cookie, if any, is not looked at
            credentials = Credentials(bearer=credentials.bearer)
        try:
            found = await to_thread.run_sync(self.resolve, credentials)
        except Exception as error:
            if not is_busy(error):
                raise
            # Outside the app's error handlers: the busy database said here, as they would.
            retry = ((b"retry-after", str(BUSY_RETRY_AFTER_S).encode()),)
            values = {"seconds": BUSY_RETRY_AFTER_S}
            await refuse(scope, send, 503, code="database_busy", values=values, headers=retry)
            return
        if found.refusal is not None:
            await refuse(
                scope, send, 401, code=found.refusal, headers=((b"www-authenticate", b"Bearer"),)
            )
            return
        if found.csrf_token is not None and scope["method"] in WRITES:
            given = headers.get(CSRF_HEADER.lower().encode())
            if not given:
                await refuse(scope, send, 403, code="csrf_missing")
                return
            if not hmac.compare_digest(given.encode(), found.csrf_token.encode()):
                await refuse(scope, send, 403, code="csrf_mismatch")
                return
        scope.setdefault("state", {})[STATE_KEY] = found
        await self.app(scope, receive, send)
