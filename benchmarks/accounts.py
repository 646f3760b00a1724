"""An account for the benchmarks that ask as someone: made by a local actor (whoever can
write the database file, as `qurb users` on the server's machine), holding one role over
a scope, with a personal API token; the headers a client sends it with."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from qurb.audit.service import signer_for
from qurb.identity import account_service, grant_service, partner_service, token_service
from qurb.identity.account_service import NewAccount
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.territory.service import TerritoryIndex

BENCH = Actor.local("benchmark")
PASSWORD = "a benchmark's long password"


def grant(
    session: Session, account_id: int, role: Role, scope: Scope, partner: str | None = None
) -> None:
    grant_service.grant(
        session,
        BENCH,
        account_id,
        role,
        scope,
        index=TerritoryIndex.from_session(session),
        partner_exists=lambda p: partner_service.partner_exists(session, p),
        signer=signer_for(session),
        on_behalf_of=partner,
    )


def account_headers(
    factory: sessionmaker[Session],
    username: str,
    role: Role = Role.ADMINISTRATOR,
    scope: Scope | None = None,
) -> tuple[int, dict[str, str]]:
    """A new account holding `role` over `scope` (everything by default): its id, and the
    `Authorization` header of its token."""
    with transaction(factory) as session:
        signer = signer_for(session)
        new = NewAccount(username, username.title(), PASSWORD, must_change_password=False)
        account = account_service.create_account(session, BENCH, new, signer=signer)
        grant(session, account.id, role, scope or Scope.everything())
        issued = token_service.create_token(session, BENCH, account.id, "benchmark", signer=signer)
        return account.id, {"Authorization": f"Bearer {issued.secret}"}
