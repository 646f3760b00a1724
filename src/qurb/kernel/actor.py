"""Who does a thing. Every service that writes takes an `Actor`: a signed-in account
(the web's session or the command line's personal token, naming the grant and partner
used), Qurb itself (the bundled dataset), or a local actor (whoever can write the
database file: `qurb users reset-password --local-admin`, by login name)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ActorKind(enum.StrEnum):
    LOCAL = "local"  # a person on this machine or a local-mode server: trusted, no grants
    SYSTEM = "system"  # Qurb itself (loading the bundled dataset, migrations)
    # A name recorded before anyone signed in (the history moved into the audit trail):
    # whatever the client or the command line's `--by` gave, shown as `unverified:<name>`.
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
            raise ValueError("an actor needs a name (the login name)")
        return cls(name, ActorKind.LOCAL)

    @classmethod
    def system(cls, what: str = "qurb") -> Actor:
        return cls(what, ActorKind.SYSTEM)

    def __str__(self) -> str:
        return self.name
