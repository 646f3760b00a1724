"""Web sessions: a signed-in browser, and who asks a request (a session cookie or a
personal API token).

A session's id is 256 random bits (URL-safe base64) in the cookie; the database keeps
its SHA-256 alone, as for tokens. A session ends when it has been idle for the policy's
idle time (each use pushes it back, at most once a minute, so that reading is not a write
each time), at its absolute end however it is used, when it is revoked (sign-out, a
password change revokes the account's other sessions, a reset all of them) or when its
account is disabled. Each session has its own random CSRF token, which every write made
with its cookie must carry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity import grant_service, token_service
from qurb.identity._account_tables import AccountRow, SignInFailureRow, WebSessionRow
from qurb.identity.account_service import to_account
from qurb.identity.accounts import Account
from qurb.identity.principal import ANONYMOUS, Proof
from qurb.identity.principal_cache import KEPT_FOR, KeptPrincipals
from qurb.kernel import clock
from qurb.platform.auth import Credentials, Resolution
from qurb.platform.database import is_busy

SECRET_BYTES = 32
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the cookie's value (shown to the browser once), its CSRF token."""

    secret: str
    id_hash: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class LiveSession:
    id_hash: str
    account: Account
    csrf_token: str
    idle_expires_at: datetime
    expires_at: datetime


def session_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# A failed sign-in counts for the throttle 15 minutes; kept a day, for an inspection of
# an attack on the day, then deleted (personal data: it holds an address).
FAILURES_KEPT = timedelta(days=1)


def delete_stale(session: Session) -> tuple[int, int]:
    """Delete the sessions that have ended (expired, idle or revoked) and the failed
    sign-ins older than a day: nothing about a person is kept once it serves no purpose.
    Each sign-in calls it (indexed deletes, in the sign-in's transaction). Returns how many
    sessions and failures were deleted."""
    now = clock.now()
    ended = session.execute(
        delete(WebSessionRow).where(
            (WebSessionRow.expires_at <= now)
            | (WebSessionRow.idle_expires_at <= now)
            | WebSessionRow.revoked_at.is_not(None)
        )
    )
    old = session.execute(
        delete(SignInFailureRow).where(SignInFailureRow.time < now - FAILURES_KEPT)
    )
    return ended.rowcount or 0, old.rowcount or 0  # type: ignore[attr-defined]


def open_session(session: Session, account_id: int, policy: SessionPolicy) -> OpenedSession:
    """A session for an account that has just signed in (the sign-in is audited); the
    sessions that have ended are deleted first."""
    delete_stale(session)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = clock.now()
    row = WebSessionRow(
        id_hash=session_hash(secret),
        account_id=account_id,
        created_at=now,
        last_seen_at=now,
        idle_expires_at=min(now + policy.idle, now + policy.absolute),
        expires_at=now + policy.absolute,
        csrf_token=secrets.token_urlsafe(SECRET_BYTES),
    )
    session.add(row)
    session.flush()
    return OpenedSession(secret, row.id_hash, row.csrf_token, row.expires_at)


def live_session(session: Session, secret: str, policy: SessionPolicy) -> LiveSession | None:
    """The session the cookie names if it is live (its use noted), else None."""
    found = session.execute(
        select(WebSessionRow, AccountRow)
        .join(AccountRow, AccountRow.id == WebSessionRow.account_id)
        .where(WebSessionRow.id_hash == session_hash(secret))
    ).one_or_none()
    if found is None:
        return None
    row, owner = found
    now = clock.now()
    if row.revoked_at is not None or owner.disabled:
        return None
    if now >= row.idle_expires_at or now >= row.expires_at:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        row.idle_expires_at = min(now + policy.idle, row.expires_at)
    return LiveSession(
        row.id_hash, to_account(owner), row.csrf_token, row.idle_expires_at, row.expires_at
    )


def close_session(session: Session, id_hash: str) -> bool:
    """Sign out: revoke the session (audited as its account's act); False if it was not
    open."""
    row = session.get(WebSessionRow, id_hash, with_for_update=True, populate_existing=True)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    session.flush()
    account = to_account(session.get_one(AccountRow, row.account_id))
    audit.record(session, account.actor, AuditEvent("account.sign_out", "account", str(account.id)))
    return True


def principal_of(session: Session, credentials: Credentials, policy: SessionPolicy) -> Resolution:
    """Who asks: the bearer token's account (a refused token: its code), else the live
    session's, else anonymous; with the account's grants in force, read once."""
    return principal_until(session, credentials, policy)[0]


def principal_until(
    session: Session, credentials: Credentials, policy: SessionPolicy
) -> tuple[Resolution, datetime | None]:
    """`principal_of`, and until when its answer holds by the clock alone (the token's
    end, the session's idle or absolute end; None: a refusal or anonymous)."""
    if credentials.bearer is not None:
        check = token_service.verify_token(session, credentials.bearer)
        if check.account is None:
            return Resolution(refusal=check.refusal or "token_unknown"), None
        principal = grant_service.principal_for(session, check.account, Proof.TOKEN)
        return Resolution(principal), check.expires_at
    if credentials.session is not None:
        live = live_session(session, credentials.session, policy)
        if live is not None:
            principal = grant_service.principal_for(
                session, live.account, Proof.SESSION, live.id_hash, live.csrf_token
            )
            until = min(live.idle_expires_at, live.expires_at)
            return Resolution(principal, csrf_token=live.csrf_token), until
    return Resolution(ANONYMOUS), None


def resolver(
    factory: sessionmaker[Session], policy: SessionPolicy
) -> Callable[[Credentials], Resolution]:
    """The `platform.auth.Resolver` of the app: one short transaction per request that
    carries a credential. It notes the token's or the session's use (once a minute) at
    its commit; when the database is busy with another writer, the use goes unnoted this
    time (the next request notes it) and the answer stands: noting it never costs a
    request its answer.

    An accepted credential's answer is kept in memory (`KeptPrincipals`) while the audit
    trail's head stays where it was (every change to an account, its tokens, sessions,
    grants or partner is audited in its own transaction, whichever process made it), for
    at most the minute between two notes of its use, and never past its end: a request
    then reads the head alone (one row) instead of the account and its grants."""
    kept = KeptPrincipals()

    def resolve(credentials: Credentials) -> Resolution:
        session = factory()
        try:
            # The head first: an answer read after it is never older than the head.
            seq = audit.head(session).seq
            now = clock.now()
            if (found := kept.get(credentials, seq, now)) is not None:
                return found
            with session.no_autoflush:  # the note is written at commit, after every read
                found, until = principal_until(session, credentials, policy)
            found = replace(found, head=seq)
            try:
                session.commit()
            except StaleDataError:  # the session or token was deleted meanwhile
                session.rollback()
                return found
            except OperationalError as error:
                if not is_busy(error):
                    raise
                session.rollback()
                return found  # its use unnoted: asked again next time
            if until is not None:
                kept.put(credentials, seq, found, min(until, now + KEPT_FOR))
            return found
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    return resolve
