"""Accounts in the database: creating, changing passwords, disabling, anonymising, and
the sign-in check with its throttle.

Every write takes the actor and the server key, and appends its audit event in the same
transaction. The audit trail names an account by its id alone, never by its username,
display name or e-mail, and never holds a password hash: anonymising an account leaves
every entry (and so the chain) as it was, and no name in it. An actor that is an account
must hold a grant whose role includes the permission the write needs (for instance
`accounts.admin` to disable an account); a local actor (whoever can write the database
file, through the command line) is trusted, and audited by their login name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from qurb.audit import service as audit
from qurb.audit.keys import ServerKey
from qurb.audit.model import AuditEvent
from qurb.identity import passwords, throttle
from qurb.identity._account_tables import (
    AccountGrantRow,
    AccountRow,
    AccountTokenRow,
    SignInFailureRow,
    WebSessionRow,
)
from qurb.identity.accounts import (
    ANONYMISED_NAME,
    MAX_PASSWORD_CHARS,
    MAX_USERNAME_CHARS,
    Account,
    account_actor,
    actor_label,
    check_display_name,
    check_email,
    check_password,
    check_username,
    username_key,
)
from qurb.identity.permissions import Permission, Role, permissions_of
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, Forbidden, NotFound, Throttled, Unauthenticated

MAX_ADDRESS_CHARS = 64
SIGN_IN = Actor.system("sign-in")  # the actor of a failed sign-in: nobody proven


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    password: str
    email: str | None = None
    must_change_password: bool = True


class AccountNotFound(NotFound):
    pass


def record(
    session: Session,
    actor: Actor,
    event: AuditEvent,
    signer: ServerKey,
    *,
    grant: int | None = None,
) -> None:
    """Append `event` to the audit trail in the session's transaction, naming the grant
    used (`grant`, else the actor's) and the actor's partner."""
    audit.append(
        session,
        actor,
        event,
        partner=actor.partner,
        grant=actor.grant if grant is None else str(grant),
        signer=signer,
    )


def to_account(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        must_change_password=row.must_change_password,
        disabled=row.disabled,
        anonymised=row.anonymised,
        created_at=row.created_at,
        last_sign_in_at=row.last_sign_in_at,
    )


def audit_view(row: AccountRow) -> dict[str, object]:
    """What the audit trail keeps of an account: its id and its flags, no name."""
    return {
        "id": row.id,
        "must_change_password": row.must_change_password,
        "disabled": row.disabled,
        "anonymised": row.anonymised,
        "has_email": row.email is not None,
    }


# ------------------------------------------------------------------------ who may write


def held_permissions(session: Session, account_id: int) -> frozenset[Permission]:
    """Every permission the account's live grants hold, whatever their scope (none for
    a disabled account)."""
    roles = session.scalars(
        select(AccountGrantRow.role)
        .join(AccountRow, AccountRow.id == AccountGrantRow.account_id)
        .where(
            AccountGrantRow.account_id == account_id,
            AccountGrantRow.revoked_at.is_(None),
            AccountRow.disabled.is_(False),
        )
    ).all()
    out: frozenset[Permission] = frozenset()
    for role in roles:
        out |= permissions_of(Role(role))
    return out


def require(session: Session, actor: Actor, *needed: Permission) -> None:
    """Refuse an account actor that holds none of `needed`; local and system actors are
    trusted (they can write the database file)."""
    if actor.kind is not ActorKind.ACCOUNT:
        return
    if held_permissions(session, int(actor.name)).isdisjoint(needed):
        raise Forbidden(
            f"account {actor.name} may not do this: it needs {' or '.join(needed)}",
            code="account_not_allowed",
            values={"needed": " | ".join(needed)},
        )


# ----------------------------------------------------------------------------- reading


def _row_by_name(session: Session, username: str, *, for_update: bool = False) -> AccountRow | None:
    """The account's record; `for_update`: locked until the write's commit (PostgreSQL;
    SQLite's write transaction holds the whole database), so that what the write reads is
    what it replaces."""
    if len(username) > MAX_USERNAME_CHARS:
        return None
    query = select(AccountRow).where(AccountRow.username_key == username_key(username.strip()))
    return session.scalars(query.with_for_update() if for_update else query).one_or_none()


def _row(session: Session, username: str, *, for_update: bool = True) -> AccountRow:
    row = _row_by_name(session, username, for_update=for_update)
    if row is None:
        shown = username[:MAX_USERNAME_CHARS]
        raise AccountNotFound(
            f"no account named {shown!r}",
            code="account_not_found",
            values={"username": repr(shown)},
        )
    return row


def get_account(session: Session, username: str) -> Account:
    return to_account(_row(session, username, for_update=False))


def get_account_by_id(session: Session, account_id: int) -> Account | None:
    row = session.get(AccountRow, account_id)
    return None if row is None else to_account(row)


def usernames(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The usernames of these accounts, by id (unknown ids left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(AccountRow.id, AccountRow.username).where(AccountRow.id.in_(wanted))
    )
    return {account_id: username for account_id, username in rows}


def list_accounts(session: Session) -> list[Account]:
    rows = session.scalars(select(AccountRow).order_by(AccountRow.username_key)).all()
    return [to_account(r) for r in rows]


# ----------------------------------------------------------------------------- writing


def create_account(
    session: Session, actor: Actor, new: NewAccount, *, signer: ServerKey
) -> Account:
    """A new account (its password hashed with Argon2id); Conflict if the username is
    taken, whatever its case."""
    require(session, actor, Permission.ACCOUNTS_ADMIN, Permission.PARTNERS_ADMIN)
    username = check_username(new.username)
    display_name = check_display_name(new.display_name)
    email = check_email(new.email)
    check_password(new.password, username)
    if _row_by_name(session, username) is not None:
        raise Conflict(
            f"the username {username!r} is taken",
            code="account_username_taken",
            values={"username": repr(username)},
        )
    row = AccountRow(
        username=username,
        username_key=username_key(username),
        display_name=display_name,
        email=email,
        password_hash=passwords.hash_password(new.password),
        must_change_password=new.must_change_password,
        disabled=False,
        anonymised=False,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        AuditEvent("account.create", "account", str(row.id), after=audit_view(row)),
        signer,
    )
    return to_account(row)


def revoke_sessions(session: Session, account_id: int, *, keep: str | None = None) -> int:
    """Revoke the account's web sessions still open, but the one whose id hash is `keep`;
    how many were revoked."""
    statement = update(WebSessionRow).where(
        WebSessionRow.account_id == account_id, WebSessionRow.revoked_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(WebSessionRow.id_hash != keep)
    result = session.execute(statement.values(revoked_at=clock.now()))
    return int(getattr(result, "rowcount", 0) or 0)


def change_password(
    session: Session,
    account_id: int,
    current: str,
    new: str,
    *,
    signer: ServerKey,
    keep_session: str | None = None,
) -> None:
    """The account's own change: the current password must match (Forbidden otherwise);
    the account no longer must change it, and its other web sessions (all but the one
    whose id hash is `keep_session`) are revoked."""
    row = session.get(AccountRow, account_id, with_for_update=True)
    if row is None or row.disabled or not passwords.verify_password(row.password_hash, current):
        raise Forbidden("the current password is wrong", code="account_wrong_password")
    check_password(new, row.username)
    before = audit_view(row)
    row.password_hash = passwords.hash_password(new)
    row.must_change_password = False
    revoked = revoke_sessions(session, row.id, keep=keep_session)
    session.flush()
    record(
        session,
        account_actor(row.id),
        AuditEvent(
            "account.change_password",
            "account",
            str(row.id),
            before=before,
            after={**audit_view(row), "sessions_revoked": revoked},
        ),
        signer,
    )


def reset_password(
    session: Session, actor: Actor, username: str, new: str, *, signer: ServerKey
) -> Account:
    """An administrator's reset: the account must change it at its next sign-in."""
    require(session, actor, Permission.ACCOUNTS_ADMIN)
    row = _row(session, username)
    if row.anonymised:
        raise Conflict(
            f"account {row.id} is anonymised", code="account_anonymised", values={"id": row.id}
        )
    check_password(new, row.username)
    before = audit_view(row)
    row.password_hash = passwords.hash_password(new)
    row.must_change_password = True
    revoke_sessions(session, row.id)
    session.flush()
    record(
        session,
        actor,
        AuditEvent(
            "account.reset_password", "account", str(row.id), before=before, after=audit_view(row)
        ),
        signer,
    )
    return to_account(row)


def set_disabled(
    session: Session, actor: Actor, username: str, disabled: bool, *, signer: ServerKey
) -> Account:
    """Disable an account (it can no longer sign in or use its tokens) or enable it."""
    require(session, actor, Permission.ACCOUNTS_ADMIN)
    row = _row(session, username)
    if row.anonymised and not disabled:
        raise Conflict(
            f"account {row.id} is anonymised", code="account_anonymised", values={"id": row.id}
        )
    if row.disabled == disabled:
        return to_account(row)
    before = audit_view(row)
    row.disabled = disabled
    session.flush()
    action = "account.disable" if disabled else "account.enable"
    record(
        session,
        actor,
        AuditEvent(action, "account", str(row.id), before=before, after=audit_view(row)),
        signer,
    )
    return to_account(row)


def anonymise(session: Session, actor: Actor, username: str, *, signer: ServerKey) -> Account:
    """When someone leaves: the name and e-mail replaced, the password and the tokens
    cleared, the grants revoked, the sign-in failures (their addresses) deleted, the
    account disabled. Its id stays, and with it every audit entry that names it."""
    require(session, actor, Permission.ACCOUNTS_ADMIN)
    row = _row(session, username)
    if row.anonymised:
        return to_account(row)
    now = clock.now()
    before = audit_view(row)
    old_key = row.username_key
    row.username = f"{ANONYMISED_NAME}-{row.id}"
    row.username_key = username_key(row.username)
    row.display_name = ANONYMISED_NAME
    row.email = None
    row.password_hash = None
    row.disabled = True
    row.anonymised = True
    session.execute(delete(AccountTokenRow).where(AccountTokenRow.account_id == row.id))
    session.execute(delete(WebSessionRow).where(WebSessionRow.account_id == row.id))
    session.execute(
        delete(SignInFailureRow).where(
            (SignInFailureRow.account_id == row.id) | (SignInFailureRow.username_key == old_key)
        )
    )
    session.execute(
        update(AccountGrantRow)
        .where(AccountGrantRow.account_id == row.id, AccountGrantRow.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor_label(actor))
    )
    session.flush()
    record(
        session,
        actor,
        AuditEvent(
            "account.anonymise", "account", str(row.id), before=before, after=audit_view(row)
        ),
        signer,
    )
    return to_account(row)


# ----------------------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the account, or the refusal's code (and, when throttled,
    the seconds to wait). Returned, not raised, so that the caller commits the failure it
    recorded."""

    account: Account | None
    refusal: str | None = None
    retry_after_s: int | None = None

    def raise_if_refused(self) -> Account:
        if self.account is not None:
            return self.account
        if self.refusal == "account_sign_in_throttled":
            raise Throttled(
                f"too many failed sign-ins: wait {self.retry_after_s} s",
                retry_after_s=self.retry_after_s or 1,
                code="account_sign_in_throttled",
                values={"seconds": self.retry_after_s},
            )
        if self.refusal == "account_disabled":
            raise Forbidden("this account is disabled", code="account_disabled")
        raise Unauthenticated("wrong username or password", code="account_sign_in_refused")


def _failures(
    session: Session, column: InstrumentedAttribute[Any], value: object, since: datetime
) -> tuple[int, datetime | None]:
    found = session.execute(
        select(func.count(), func.max(SignInFailureRow.time)).where(
            column == value, SignInFailureRow.time > since
        )
    ).one()
    return int(found[0]), found[1]


def failure_key(username: str) -> str:
    """What failures are counted under: the username as typed, stripped and case folded,
    whether or not an account has it (so that the throttle tells no one which names
    exist), cut to the column's width."""
    return username_key(username.strip())[:MAX_USERNAME_CHARS]


def _wait(session: Session, key: str, address: str | None) -> int:
    """Seconds the attempt must still wait (0: check it), the larger of the username's
    and the address's."""
    now = clock.now()
    since = now - throttle.WINDOW
    waits = []
    for column, value in (
        (SignInFailureRow.username_key, key),
        (SignInFailureRow.address, address),
    ):
        if value is None:
            continue
        count, last = _failures(session, column, value, since)
        waits.append(throttle.wait_remaining(count, last, now).total_seconds())
    return math.ceil(max(waits, default=0.0))


def authenticate(
    session: Session, username: str, password: str, address: str | None, *, signer: ServerKey
) -> SignIn:
    """Check a sign-in. Throttled attempts (see `throttle`) are refused before the
    password is checked and recorded nowhere; failures are counted by the folded username
    and by the address, so that an unknown username is throttled exactly as a known one;
    an unknown user's password is checked against a dummy hash, so that it costs what a
    known user's does. A failure is recorded (for the username and the address) and
    audited; so is a success, which clears the username's failures and rehashes the
    password if the hashing parameters changed."""
    address = None if address is None else address[:MAX_ADDRESS_CHARS]
    key = failure_key(username)
    row = _row_by_name(session, username, for_update=True)
    account_id = None if row is None else row.id
    wait = _wait(session, key, address)
    if wait > 0:
        return SignIn(None, "account_sign_in_throttled", wait)
    if len(password) > MAX_PASSWORD_CHARS:  # never hashed: refused as a wrong password
        matches = False
    elif row is None:
        passwords.spend_like_a_check(password)
        matches = False
    else:
        matches = passwords.verify_password(row.password_hash, password)
    now = clock.now()
    if row is None or not matches:
        session.add(
            SignInFailureRow(username_key=key, account_id=account_id, address=address, time=now)
        )
        reason = "unknown_user" if row is None else "wrong_password"
        _record_failure(session, account_id, address, reason, signer)
        return SignIn(None, "account_sign_in_refused")
    if row.disabled:
        _record_failure(session, account_id, address, "disabled", signer)
        return SignIn(None, "account_disabled")
    if passwords.needs_rehash(row.password_hash or ""):
        row.password_hash = passwords.hash_password(password)
    row.last_sign_in_at = now
    session.execute(
        delete(SignInFailureRow).where(
            (SignInFailureRow.username_key == key) | (SignInFailureRow.account_id == row.id)
        )
    )
    session.flush()
    record(
        session,
        account_actor(row.id),
        AuditEvent("account.sign_in", "account", str(row.id), after={"address": address}),
        signer,
    )
    return SignIn(to_account(row))


def _record_failure(
    session: Session,
    account_id: int | None,
    address: str | None,
    reason: str,
    signer: ServerKey,
) -> None:
    entity = "unknown" if account_id is None else str(account_id)
    event = AuditEvent(
        "account.sign_in_failed", "account", entity, after={"address": address, "reason": reason}
    )
    record(session, SIGN_IN, event, signer)
