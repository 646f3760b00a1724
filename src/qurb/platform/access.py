"""What a route declares about who may call it, as a mechanism: `Access` (public, any
signed-in account, or one permission, named by its text), the mark a route's dependency
carries, and `Public` for the routes anyone may call. The permissions, and the check of
a declaration against who asks, are `qurb.identity.guard`'s; a test walks the app's
routes and fails for one that declares nothing, or two things."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.dependencies.models import Dependant

ACCESS_ATTRIBUTE = "qurb_access"


@dataclass(frozen=True)
class Access:
    """A route's declaration. `permission` None with `signed_in` False is public."""

    permission: str | None = None
    signed_in: bool = False
    stale_password_ok: bool = False  # open to an account that must change its password

    @property
    def public(self) -> bool:
        return not self.signed_in

    def describe(self) -> str:
        if self.permission is not None:
            return f"needs {self.permission}"
        return "any signed-in account" if self.signed_in else "public"


F = TypeVar("F", bound=Callable[..., Any])


def declaring(access: Access, dependency: F) -> F:
    """Mark `dependency` as a route's declaration of `access`."""
    setattr(dependency, ACCESS_ATTRIBUTE, access)
    return dependency


def access_of(call: Any) -> Access | None:
    """The declaration a dependency carries (None if it is not one)."""
    found = getattr(call, ACCESS_ATTRIBUTE, None)
    return found if isinstance(found, Access) else None


def declared_calls(dependant: Dependant) -> list[tuple[Any, Access]]:
    """Every declaring dependency in a route's dependencies, with its declaration (a route
    has exactly one)."""
    found: list[tuple[Any, Access]] = []
    for child in dependant.dependencies:
        access = access_of(child.call)
        if access is not None:
            found.append((child.call, access))
        found += declared_calls(child)
    return found


def declarations(dependant: Dependant) -> list[Access]:
    """Every declaration in a route's dependencies."""
    return [access for _, access in declared_calls(dependant)]


async def _public() -> None:
    """Anyone may call the route, signed in or not. `async`: awaited in the event loop,
    with no trip to the thread pool for a check that does nothing."""


Public = Annotated[None, Depends(declaring(Access(), _public))]
