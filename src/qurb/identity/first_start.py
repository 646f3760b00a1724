"""A server's first start: with no account at all, the administrator `admin` is created
(the administrator role over the whole country), with a one-time password that it must
change at its first sign-in. Audited as Qurb itself."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.audit.service import signer_for
from qurb.identity import account_service, grant_service
from qurb.identity._account_tables import AccountRow
from qurb.identity.account_service import NewAccount
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.territory.service import TerritoryIndex

ADMIN_USERNAME = "admin"
COUNTRY = "MA"
FIRST_START = Actor.system("first-start")


def new_password() -> str:
    """A one-time password: 120 random bits, 20 URL-safe characters (not holding the
    username, as no password may)."""
    while True:
        password = secrets.token_urlsafe(15)
        if ADMIN_USERNAME not in password.casefold():
            return password


def ensure_administrator(
    session: Session, index: TerritoryIndex, password: str | None = None
) -> str | None:
    """Create `admin` if the database holds no account; its password (`password`, else a
    new random one), or None when there was an account already."""
    if session.scalar(select(func.count()).select_from(AccountRow)):
        return None
    chosen = password if password else new_password()
    new = NewAccount(ADMIN_USERNAME, "Administrator", chosen, must_change_password=True)
    account = account_service.create_account(session, FIRST_START, new, signer=signer_for(session))
    grant_service.grant(
        session,
        FIRST_START,
        account.id,
        Role.ADMINISTRATOR,
        Scope(territories=frozenset({COUNTRY})),
        index=index,
        partner_exists=lambda _partner: False,
        signer=signer_for(session),
    )
    return chosen
