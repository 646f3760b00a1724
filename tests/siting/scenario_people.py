"""The siting tests' accounts: planners of Fès-Meknès for two partners (`partners`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from tests.accounts import Someone, add_account, add_partner
from tests.web_clients import TestClient

# Two general hospitals for Taounate: Jbabra and El Bsabsa.
TAOUNATE = {"territory": "Taounate", "level": "secondary", "add": 2, "within_minutes": 60}


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.qurb.factory  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Partners:
    admin: TestClient
    drs: Someone  # a planner of Fès-Meknès for the regional directorate
    drs_too: Someone  # another of the same partner
    ngo: Someone  # a planner of Fès-Meknès for an association


def make_partners(edit_client: TestClient) -> Partners:
    factory = _factory(edit_client)
    for pid, kind in (("drs-fes-meknes", "drs"), ("amal-fes", "association")):
        add_partner(factory, pid, kind, "03")
    fes_meknes = Scope(territories=["03"])

    def planner(name: str, partner: str) -> Someone:
        return add_account(factory, name, Role.PLANNER, fes_meknes, partner=partner)

    return Partners(
        edit_client,
        planner("drs-one", "drs-fes-meknes"),
        planner("drs-two", "drs-fes-meknes"),
        planner("ngo-one", "amal-fes"),
    )
