"""Personal API tokens: for scripts and the command line, in place of a password.

A token is `qurb_` and 43 characters of a 256-bit random secret (URL-safe base64), shown
once when it is made. The database keeps its SHA-256 alone: a secret of 256 random bits
cannot be guessed from its hash, so no slow (salted, memory-hard) hash is needed as it is
for passwords people choose, and checking a token costs one indexed lookup. A token has a
name, an expiry (90 days unless asked, at most a year), and may be revoked; its last use
is kept (not audited: a read, not a change).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.audit.keys import ServerKey
from qurb.audit.model import AuditEvent
from qurb.identity._account_tables import AccountRow, AccountTokenRow
from qurb.identity.account_service import record, require, to_account
from qurb.identity.accounts import Account
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, InputError, NotFound, Unauthenticated

PREFIX = "qurb_"
SECRET_BYTES = 32
TOKEN_CHARS = len(PREFIX) + 43
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never its secret nor its hash)."""

    id: int
    account_id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def public(self) -> dict[str, object]:
        return {"id": self.id, "account_id": self.account_id, "name": self.name}


@dataclass(frozen=True)
class IssuedToken:
    info: TokenInfo
    secret: str  # shown once


@dataclass(frozen=True)
class TokenCheck:
    """The account a token acts for, or the refusal's code (`token_unknown`,
    `token_expired`, `token_revoked`, `token_account_disabled`)."""

    account: Account | None
    refusal: str | None = None
    expires_at: datetime | None = None  # the token's end, when it is accepted

    def raise_if_refused(self) -> Account:
        if self.account is not None:
            return self.account
        if self.refusal == "token_expired":
            raise Unauthenticated("this token has expired", code="token_expired")
        if self.refusal == "token_revoked":
            raise Unauthenticated("this token was revoked", code="token_revoked")
        if self.refusal == "token_account_disabled":
            raise Unauthenticated("this token's account is disabled", code="token_account_disabled")
        raise Unauthenticated("no such token", code="token_unknown")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: AccountTokenRow) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.account_id,
        row.name,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
    )


def _require_owner_or_admin(session: Session, actor: Actor, account_id: int) -> None:
    if actor.kind is ActorKind.ACCOUNT and actor.name == str(account_id):
        return
    require(session, actor, Permission.ACCOUNTS_ADMIN)


def create_token(
    session: Session,
    actor: Actor,
    account_id: int,
    name: str,
    *,
    days: int = DEFAULT_DAYS,
    signer: ServerKey,
) -> IssuedToken:
    """A new token for the account (by itself, an administrator or a local actor)."""
    _require_owner_or_admin(session, actor, account_id)
    label = " ".join(name.split())
    if not label or len(label) > MAX_NAME_CHARS or "\x00" in label:
        raise InputError(
            f"a token's name has 1 to {MAX_NAME_CHARS} characters",
            code="token_bad_name",
            values={"max": MAX_NAME_CHARS},
        )
    if not 1 <= days <= MAX_DAYS:
        raise InputError(
            f"a token lasts 1 to {MAX_DAYS} days, not {days}",
            code="token_bad_expiry",
            values={"max": MAX_DAYS, "days": days},
        )
    owner = session.get(AccountRow, account_id)
    if owner is None or owner.disabled:
        raise NotFound(
            f"no enabled account {account_id}", code="token_no_account", values={"id": account_id}
        )
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    now = clock.now()
    row = AccountTokenRow(
        account_id=account_id,
        name=label,
        token_hash=token_hash(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    info = _info(row)
    after = {**info.public(), "expires_at": row.expires_at.isoformat()}
    record(session, actor, AuditEvent("token.create", "token", str(row.id), after=after), signer)
    return IssuedToken(info, secret)


def revoke_token(session: Session, actor: Actor, token_id: int, *, signer: ServerKey) -> TokenInfo:
    row = session.get(AccountTokenRow, token_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"no token {token_id}", code="token_not_found", values={"id": token_id})
    _require_owner_or_admin(session, actor, row.account_id)
    if row.revoked_at is not None:
        raise Conflict(
            f"token {token_id} is already revoked",
            code="token_already_revoked",
            values={"id": token_id},
        )
    row.revoked_at = clock.now()
    session.flush()
    info = _info(row)
    record(
        session,
        actor,
        AuditEvent(
            "token.revoke",
            "token",
            str(row.id),
            before=info.public(),
            after={**info.public(), "revoked": True},
        ),
        signer,
    )
    return info


def list_tokens(session: Session, account_id: int) -> list[TokenInfo]:
    rows = session.scalars(
        select(AccountTokenRow)
        .where(AccountTokenRow.account_id == account_id)
        .order_by(AccountTokenRow.id)
    ).all()
    return [_info(r) for r in rows]


# A token's last use is noted to the minute: a script's every request does not write.
LAST_USE_EVERY = timedelta(minutes=1)


def verify_token(session: Session, token: str) -> TokenCheck:
    """The account `token` acts for, or why not. Its last use is noted (to the minute)."""
    if len(token) != TOKEN_CHARS or not token.startswith(PREFIX):
        return TokenCheck(None, "token_unknown")
    found = session.execute(
        select(AccountTokenRow, AccountRow)
        .join(AccountRow, AccountRow.id == AccountTokenRow.account_id)
        .where(AccountTokenRow.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        return TokenCheck(None, "token_unknown")
    row, owner = found
    now = clock.now()
    if row.revoked_at is not None:
        return TokenCheck(None, "token_revoked")
    if row.expires_at <= now:
        return TokenCheck(None, "token_expired")
    if owner.disabled:
        return TokenCheck(None, "token_account_disabled")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_EVERY:
        row.last_used_at = now
    return TokenCheck(to_account(owner), expires_at=row.expires_at)
