"""Accounts: who signs in. The rules for names and passwords, and what an account looks
like to the rest of Qurb. Pure: no I/O.

A username is 2 to 64 characters of ASCII letters, digits and `. _ - @`, starting with a
letter or a digit, unique without regard to case (`Amina` and `amina` are one account):
ASCII alone, so that no two names look alike on screen. A password is 12 to 256
characters (the bound keeps hashing from being abused with megabytes), and does not
contain the username, whatever the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from qurb.identity.permissions import Permission, Role, permissions_of
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import InputError

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
MAX_USERNAME_CHARS = 64
MAX_DISPLAY_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
ANONYMISED_NAME = "anonymised"


class AccountInputError(InputError):
    """A username, display name, e-mail or password that the rules refuse."""

    worded = True


def username_key(username: str) -> str:
    """The form a username is unique in: case folded."""
    return username.casefold()


def check_username(username: str) -> str:
    """The username, stripped; refused unless it follows the rules (names beginning
    `anonymised-` are kept for anonymised accounts)."""
    name = username.strip()
    reserved = username_key(name).startswith(f"{ANONYMISED_NAME}-")
    if len(name) > MAX_USERNAME_CHARS or not USERNAME.fullmatch(name) or reserved:
        shown = name[:MAX_USERNAME_CHARS]
        raise AccountInputError(
            f"username {shown!r}: 2 to {MAX_USERNAME_CHARS} ASCII letters, digits and . _ - @, "
            "starting with a letter or a digit, not beginning anonymised-",
            code="account_bad_username",
            values={"username": repr(shown), "max": MAX_USERNAME_CHARS},
        )
    return name


def check_display_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not name or len(name) > MAX_DISPLAY_NAME_CHARS or "\x00" in name:
        raise AccountInputError(
            f"display name: 1 to {MAX_DISPLAY_NAME_CHARS} characters",
            code="account_bad_display_name",
            values={"max": MAX_DISPLAY_NAME_CHARS},
        )
    return name


def check_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    value = email.strip()
    local, at, domain = value.rpartition("@")
    if len(value) > MAX_EMAIL_CHARS or not at or not local or "." not in domain or " " in value:
        raise AccountInputError(
            f"e-mail {value[:MAX_EMAIL_CHARS]!r} is not an address",
            code="account_bad_email",
            values={"email": repr(value[:MAX_EMAIL_CHARS])},
        )
    return value


def check_password(password: str, username: str) -> None:
    """Refuse a password that is too short, too long or holds the username."""
    if len(password) < MIN_PASSWORD_CHARS or len(password) > MAX_PASSWORD_CHARS:
        raise AccountInputError(
            f"a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters",
            code="account_password_length",
            values={"min": MIN_PASSWORD_CHARS, "max": MAX_PASSWORD_CHARS},
        )
    if username_key(username) in password.casefold():
        raise AccountInputError(
            "a password may not contain the username", code="account_password_has_username"
        )


@dataclass(frozen=True)
class Account:
    """An account as the rest of Qurb sees it (never its password hash)."""

    id: int
    username: str
    display_name: str
    email: str | None
    must_change_password: bool
    disabled: bool
    anonymised: bool
    created_at: datetime
    last_sign_in_at: datetime | None

    @property
    def actor(self) -> Actor:
        """The account as the actor of what it does: the audit trail names it by its id,
        which anonymising leaves alone."""
        return account_actor(self.id)

    def public(self) -> dict[str, object]:
        """What an account's audit entries and listings show (no secret)."""
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "must_change_password": self.must_change_password,
            "disabled": self.disabled,
            "anonymised": self.anonymised,
        }


def account_actor(account_id: int) -> Actor:
    return Actor(str(account_id), ActorKind.ACCOUNT)


@dataclass(frozen=True)
class Grant:
    """A role over a scope held by an account, on behalf of a partner (or none)."""

    id: int
    account_id: int
    role: Role
    scope: Scope
    partner_id: str | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.role)

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "role": self.role.value,
            "scope": self.scope.to_json(),
            "partner_id": self.partner_id,
            "granted_by": self.granted_by,
            "revoked_by": self.revoked_by,
        }


def actor_label(actor: Actor) -> str:
    """How grants name who gave or revoked them: `kind:name` (`account:17`, `local:amina`)."""
    return f"{actor.kind.value}:{actor.name}"
