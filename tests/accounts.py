"""Accounts for the tests that act as someone: an account with one grant (a role over a
scope), its personal API token, and a web client that sends it. Made by a local actor
(who can write the database file), as `qurb users` on the server's machine would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from qurb.audit.service import signer_for
from qurb.identity import account_service, grant_service, partner_service, token_service
from qurb.identity.account_service import NewAccount
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.territory.service import TerritoryIndex

if TYPE_CHECKING:  # tests.web_clients is a pytest plugin: imported by pytest first
    from tests.web_clients import TestClient

PASSWORD = "correct horse battery"
ROOT = Actor.local("root")


@dataclass(frozen=True)
class Someone:
    account_id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def add_account(
    factory: sessionmaker[Session],
    username: str,
    role: Role | None = Role.ADMINISTRATOR,
    scope: Scope | None = None,
    *,
    partner: str | None = None,
    must_change_password: bool = False,
) -> Someone:
    """An account holding `role` over `scope` (everything by default; no grant with
    role None), on behalf of `partner`, with a personal token."""
    with transaction(factory) as session:
        signer = signer_for(session)
        new = NewAccount(
            username, username.title(), PASSWORD, must_change_password=must_change_password
        )
        account = account_service.create_account(session, ROOT, new, signer=signer)
        if role is not None:
            grant_service.grant(
                session,
                ROOT,
                account.id,
                role,
                scope or Scope.everything(),
                index=TerritoryIndex.from_session(session),
                partner_exists=lambda p: partner_service.partner_exists(session, p),
                facility_exists=lambda _f: True,
                signer=signer,
                on_behalf_of=partner,
            )
        issued = token_service.create_token(session, ROOT, account.id, "tests", signer=signer)
        return Someone(account.id, account.username, issued.secret)


def as_someone(client: TestClient, someone: Someone) -> TestClient:
    """`client`, sending `someone`'s token with every request from now on."""
    client.headers.update(someone.headers)
    return client


def add_partner(
    factory: sessionmaker[Session], partner_id: str, kind: str, territory: str = "MA"
) -> str:
    """A partner of `kind` (its names its id) over `territory`, made by the root."""
    from qurb.identity.partners import PartnerCreate

    with transaction(factory) as session:
        payload = PartnerCreate.model_validate(
            {
                "id": partner_id,
                "kind": kind,
                "name_fr": partner_id,
                "name_ar": partner_id,
                "territory_code": territory,
            }
        )
        partner_service.create_partner(
            session, ROOT, payload, facility_exists=lambda _f: True, signer=signer_for(session)
        )
    return partner_id
