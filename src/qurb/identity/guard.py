"""What every route declares, and checks: public, any signed-in account, or one permission
(over the objects it reads or writes).

A route declares exactly one of `Public` (`qurb.platform.access`), `AnyAccount`,
`Annotated[Guard, needs(permission)]` (a test walks the app's routes and fails for one
with none, or two). The last two answer a `Guard`:

- `Public`: anyone, signed in or not; no computation heavier than a cached figure.
- `AnyAccount`: any account, for its own things (its tokens, its password).
- `needs(P)`: an account with a live grant holding P, over any scope; else 401 for
  nobody and 403 for an account without it. The route then asks `guard.over(target)`
  for the object it touches (403 outside every grant's scope holding P), which answers
  the actor for the write, naming the grant used and its partner for the audit trail; a
  list keeps only the rows `guard.allows(target)`.

An account that must change its password (a first sign-in, a reset) is refused
everything but changing it, signing out and reading who it is (`AnyAccountStale`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any

from fastapi import Depends

from qurb.identity.accounts import Grant
from qurb.identity.dependencies import PrincipalDep
from qurb.identity.permissions import Permission
from qurb.identity.principal import Principal
from qurb.identity.scopes import Target, covers
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, Unauthenticated
from qurb.platform.access import Access, declaring


@dataclass(frozen=True)
class Guard:
    """The answer of a route's declaration: who asks, and what it was allowed for."""

    principal: Principal
    access: Access

    def grants_over(self, target: Target) -> list[Grant]:
        """The live grants holding the declared permission whose scope covers `target`."""
        permission = self.access.permission
        if permission is None:
            return []
        return [
            grant
            for grant in self.principal.grants
            if grant.live and covers(grant.scope, target) and permission in grant.permissions
        ]

    def grant_over(self, target: Target) -> Grant | None:
        """The first live grant holding the declared permission whose scope covers
        `target` (None if none does)."""
        return next(iter(self.grants_over(target)), None)

    def grant_for_partner(
        self, nation: Target, target: Target, partner: str | None
    ) -> Grant | None:
        """The grant letting the account act on an object a partner keeps (a saved
        scenario, a planning job) over `target`: a grant over the whole country (`nation`)
        acting for no partner (the Ministry's own accounts, the administrators) acts on
        any; otherwise a grant covering `target` that acts for that same partner (none
        for none). A nation-wide grant of a partner is one of that partner's."""
        for grant in self.grants_over(nation):
            if grant.partner_id is None:
                return grant
        return next((g for g in self.grants_over(target) if g.partner_id == partner), None)

    def allows(self, target: Target) -> bool:
        """May the principal do the declared thing over `target`? (Public: yes.)"""
        if self.access.permission is None:
            return True
        return self.grant_over(target) is not None

    def over(self, target: Target) -> Actor:
        """The actor for an act over `target`, naming the grant that allows it and that
        grant's partner; 403 when no grant holding the permission covers it."""
        actor = self.actor
        if self.access.permission is None:
            return actor
        grant = self.grant_over(target)
        if grant is None:
            raise Forbidden(
                f"this account may not do this here: it needs {self.access.permission} over it "
                "(outside its roles' scope)",
                code="outside_scope",
                values={"needed": self.access.permission},
            )
        return replace(actor, grant=str(grant.id), partner=grant.partner_id)

    @property
    def actor(self) -> Actor:
        """The signed-in account as an actor, for what it does to its own things."""
        if self.principal.account is None:
            raise Unauthenticated("sign in first", code="auth_required")
        return self.principal.account.actor


def check(principal: Principal, access: Access) -> Guard:
    """The declaration's check, for a principal (the routes' dependencies call it; so do
    the command line's writes)."""
    if access.public:
        return Guard(principal, access)
    account = principal.account
    if account is None:
        raise Unauthenticated("sign in first", code="auth_required")
    if account.must_change_password and not access.stale_password_ok:
        raise Forbidden(
            "change your password first (a new account's, or after a reset): /password",
            code="password_change_required",
        )
    permission = access.permission
    if permission is not None and permission not in principal.permissions:
        raise Forbidden(
            f"this account may not do this: it needs {permission}",
            code="account_not_allowed",
            values={"needed": permission},
        )
    return Guard(principal, access)


def declared(access: Access) -> Callable[[Principal], Awaitable[Guard]]:
    """The dependency of a declaration, marked with it for the routes' test and the
    OpenAPI document."""

    async def dependency(principal: PrincipalDep) -> Guard:
        return check(principal, access)

    name = access.permission or ("signed_in" if access.signed_in else "public")
    dependency.__name__ = "access_" + name.replace(".", "_")
    return declaring(access, dependency)


@cache
def needs(permission: Permission) -> Any:
    """The dependency of a route that needs `permission`, for
    `Annotated[Guard, needs(P.…)]` (one per permission: the same object every time)."""
    return Depends(declared(Access(permission, signed_in=True)))


AnyAccount = Annotated[Guard, Depends(declared(Access(signed_in=True)))]
AnyAccountStale = Annotated[
    Guard, Depends(declared(Access(signed_in=True, stale_password_ok=True)))
]
