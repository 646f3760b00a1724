"""What the page may offer an account on one facility: the grants over its place decide
(a délégation's editor edits its province only; nobody edits nothing)."""

from __future__ import annotations

from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from tests.accounts import add_account, as_someone
from tests.web_clients import TestClient

FES, IFRANE = "03.231", "03.271"  # two provinces of Fès-Meknès
OULAD_TAYEB = "03.231.01.15"  # a commune of Fès


def _facility_in(client: TestClient, territory: str) -> str:
    page = client.get("/api/facilities", params={"territory": territory, "limit": 1}).json()
    return str(page["items"][0]["id"])


def test_the_rights_follow_the_grants_over_the_facilitys_place(edit_client) -> None:
    app = edit_client.app
    fid = _facility_in(edit_client, OULAD_TAYEB)
    # The administrator (every permission over everything).
    assert edit_client.get(f"/api/facilities/{fid}/rights").json() == {
        "facility_id": fid,
        "province_code": FES,
        "read": True,
        "edit": True,
        "edit_province": True,
    }
    factory = app.state.qurb.factory
    accounts = {
        "fes": add_account(factory, "fes", Role.REGISTRY_EDITOR, Scope(territories=[FES])),
        "ifrane": add_account(factory, "ifrane", Role.REGISTRY_EDITOR, Scope(territories=[IFRANE])),
        "commune": add_account(
            factory, "commune", Role.REGISTRY_EDITOR, Scope(territories=[OULAD_TAYEB])
        ),
        "viewer": add_account(factory, "viewer", Role.VIEWER),
    }
    expected = {
        "fes": (True, True, True),
        "ifrane": (False, False, False),  # another province: reads nothing of it
        "commune": (True, True, False),  # its commune's facility, not the whole province
        "viewer": (True, False, False),
    }
    for name, (read, edit, province) in expected.items():
        rights = as_someone(edit_client, accounts[name]).get(f"/api/facilities/{fid}/rights")
        assert rights.status_code == 200, rights.text
        body = rights.json()
        assert (body["read"], body["edit"], body["edit_province"]) == (read, edit, province), name
    # Nobody signed in: nothing but reading the public record.
    edit_client.headers.pop("Authorization")
    assert edit_client.get(f"/api/facilities/{fid}/rights").json()["edit"] is False
    assert edit_client.get("/api/facilities/nope/rights").status_code == 404
