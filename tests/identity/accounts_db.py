"""What the database tests of accounts share: an empty database with the app's schema on
SQLite and PostgreSQL, a server key, a clock the test moves, cheap Argon2 parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.keys import ServerKey
from qurb.audit.model import AuditEntry
from qurb.identity import account_service
from qurb.identity.passwords import Argon2Parameters
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction

# Argon2id still, with the least memory and time: the tests check behaviour, not cost.
CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)
START = datetime(2026, 12, 5, 9, 0, 0, tzinfo=UTC)
LOCAL = Actor.local("root")
PASSWORD = "correct horse battery"


@dataclass
class Clock:
    moment: datetime = START

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class Db:
    factory: sessionmaker[Session]
    key: ServerKey
    url: str
    clock: Clock

    def session(self) -> Iterator[Session]:
        return transaction(self.factory)  # type: ignore[return-value]

    def entries(self) -> list[AuditEntry]:
        """The audit entries these tests wrote (not the small region's load, one entry
        per facility)."""
        with transaction(self.factory) as session:
            return [e for e in audit.entries(session) if e.entity_kind != "facility"]

    def loaded(self) -> int:
        """How many entries the small region's load wrote (one per facility)."""
        with transaction(self.factory) as session:
            return audit.count(session) - len(self.entries())

    def create(self, username: str, password: str = PASSWORD, **more: object) -> int:
        """An account, its password already its own (`must_change_password=True` for one
        that must change it at its next sign-in)."""
        more.setdefault("must_change_password", False)
        with transaction(self.factory) as session:
            new = account_service.NewAccount(username, username.title(), password, **more)  # type: ignore[arg-type]
            return account_service.create_account(session, LOCAL, new, signer=self.key).id


def sign_in(
    db: Db, username: str, password: str = PASSWORD, address: str = "10.0.0.1"
) -> account_service.SignIn:
    with transaction(db.factory) as session:
        return account_service.authenticate(session, username, password, address, signer=db.key)


def dumped(entries: list[AuditEntry]) -> str:
    """Every entry's fields as one text, to look for what must not be there."""
    return json.dumps([e.content() for e in entries], ensure_ascii=False, default=str)
