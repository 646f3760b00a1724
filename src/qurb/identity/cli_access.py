"""Who a command line's write acts as: the account of the personal API token that
`qurb login` stored, or that `$QURB_TOKEN` gives.

A write command calls `token_guard(session, permission)` inside its write transaction:
the token is checked against the database the command works on (unknown, expired,
revoked, or its account disabled: refused with the reason's code), the account's live
grants are read, and the permission is checked as a route's declaration is
(`qurb.identity.guard.check`). The command then asks `guard.over(target)` for each
object it writes, which answers the actor naming the grant and partner used (or refuses
with `outside_scope`). No token: `token_missing`, saying how to get one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from qurb.identity.grant_service import principal_for
from qurb.identity.guard import Guard, check
from qurb.identity.login_cli import TOKEN_ENV, stored_token
from qurb.identity.permissions import Permission
from qurb.identity.principal import Proof
from qurb.identity.scopes import Target
from qurb.identity.token_service import verify_token
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Unauthenticated
from qurb.platform.access import Access

T = TypeVar("T")


def token_guard(session: Session, permission: Permission | None = None) -> Guard:
    """The guard of a command's write: the stored token's account, its live grants, and
    `permission` checked (None: any account, for a service that checks for itself)."""
    stored = stored_token()
    if stored is None:
        raise Unauthenticated(
            f"this command writes as an account: run `qurb login`, or set ${TOKEN_ENV} to a "
            "personal API token",
            code="token_missing",
            values={"variable": TOKEN_ENV},
        )
    account = verify_token(session, stored.token).raise_if_refused()
    principal = principal_for(session, account, Proof.TOKEN)
    return check(principal, Access(permission, signed_in=True))


def actors_over(guard: Guard, targets: Iterable[Target]) -> list[Actor]:
    """The actor for each target (`guard.over` it), all checked before any write: one
    target outside the account's scope refuses them all."""
    return [guard.over(target) for target in targets]


def by_actor(items: Sequence[T], actors: Sequence[Actor]) -> list[tuple[Actor, list[T]]]:
    """The items grouped by the actor (grant) that writes them, in the order first met,
    so that each group is written and audited under its own grant."""
    groups: dict[Actor, list[T]] = {}
    for item, actor in zip(items, actors, strict=True):
        groups.setdefault(actor, []).append(item)
    return list(groups.items())
