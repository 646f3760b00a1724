"""Who does a thing. Every service that writes takes an `Actor`; until accounts exist the
actor is `Actor.local(name)`, named by `--by`, `$QURB_USER`, the login name or the
server's editing mode, so that sign-in changes who the actor is, not every signature."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ActorKind(enum.StrEnum):
    LOCAL = "local"  # a person on this machine or a local-mode server: trusted, no grants
    SYSTEM = "system"  # Qurb itself (loading the bundled dataset, migrations)
    # A name recorded before anyone signed in (the history moved into the audit trail):
    # whatever the client or `--by` gave, shown as `unverified:<name>`.
    UNVERIFIED = "unverified"
    ACCOUNT = "account"  # a signed-in account, named by its id (qurb.identity)


@dataclass(frozen=True)
class Actor:
    name: str
    kind: ActorKind = ActorKind.LOCAL
    # For a signed-in account: the grant that allowed the act (its id, as text) and the
    # partner that grant acts for; the audit trail records both.
    grant: str | None = None
    partner: str | None = None

    @classmethod
    def local(cls, name: str) -> Actor:
        name = name.strip()
        if not name:
            raise ValueError("an actor needs a name (--by, $QURB_USER or the login name)")
        return cls(name, ActorKind.LOCAL)

    @classmethod
    def system(cls, what: str = "qurb") -> Actor:
        return cls(what, ActorKind.SYSTEM)

    def __str__(self) -> str:
        return self.name
