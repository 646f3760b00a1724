"""Who is asking a request: an account (with its grants in force, read once for the
request) or nobody (anonymous). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qurb.identity.accounts import Account, Grant
from qurb.identity.permissions import Permission
from qurb.identity.scopes import Target, covers
from qurb.kernel.actor import Actor


class Proof(StrEnum):
    """How the account proved itself: a browser's session cookie or a personal token."""

    SESSION = "session"
    TOKEN = "token"


@dataclass(frozen=True)
class Principal:
    account: Account | None = None
    grants: tuple[Grant, ...] = ()
    proof: Proof | None = None
    session_hash: str | None = None  # the SHA-256 of the session's id (a cookie's)
    csrf_token: str | None = None  # the session's (a cookie's)

    @property
    def anonymous(self) -> bool:
        return self.account is None

    @property
    def actor(self) -> Actor | None:
        return None if self.account is None else self.account.actor

    @property
    def permissions(self) -> frozenset[Permission]:
        """Every permission the grants hold, whatever their scope."""
        out: frozenset[Permission] = frozenset()
        for grant in self.grants:
            if grant.live:
                out |= grant.permissions
        return out

    def permissions_over(self, target: Target) -> frozenset[Permission]:
        """The permissions the grants whose scope covers `target` hold."""
        out: frozenset[Permission] = frozenset()
        for grant in self.grants:
            if grant.live and covers(grant.scope, target):
                out |= grant.permissions
        return out


ANONYMOUS = Principal()
