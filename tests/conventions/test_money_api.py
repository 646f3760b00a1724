"""A convention's money on the web, on the small region of `tests/regions.py` (SQLite
and PostgreSQL): the secretariat writes any party's contributions and disbursements, a
party's user only its own (another party's is a 403), edits take If-Match, bad amounts
and disbursements beyond the commitment are named, and the financial execution is the
one worked by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import add_account, add_partner
from tests.conventions.web import World
from tests.regions import IMI, PROVINCE_CODE, REGION_CODE
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
COUNCIL, CHU = "council-99991", "chu-99"
CONVENTION: dict[str, Any] = {
    "reference": "CP-99991-MONEY",
    "title_fr": "Convention de financement",
    "start_on": "2026-01-01",
    "end_on": "2027-12-31",
    "territories": [PROVINCE_CODE],
    "parties": [
        {"partner_id": COUNCIL, "role": "financer"},
        {"partner_id": CHU, "role": "implementer"},
    ],
}


@pytest.fixture
def world(small_region_db: Factory, region_engine: Engine) -> Iterator[World]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    factory = app.state.qurb.factory
    party = Role.CONVENTION_PARTY
    people = {
        "secretariat": add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT),
        "council": add_account(factory, "council", party, partner=COUNCIL),
        "chu": add_account(factory, "chu", party, Scope(territories=[REGION_CODE]), partner=CHU),
        "chu_imi": add_account(factory, "chu-imi", party, Scope(territories=[IMI]), partner=CHU),
        "viewer": add_account(factory, "viewer", Role.VIEWER, Scope(territories=[PROVINCE_CODE])),
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, people)


def _convention(world: World) -> str:
    made = world.ask("secretariat", "POST", "/api/conventions", json=CONVENTION)
    assert made.status_code == 201, made.text
    return f"/api/conventions/{made.json()['id']}"


def test_each_party_writes_its_own_money_and_the_execution_adds_up(world: World) -> None:
    url = _convention(world)
    million = world.ask(
        "council",
        "POST",
        f"{url}/contributions",
        json={"partner_id": COUNCIL, "kind": "money", "year": 2026, "amount": "1 000 000"},
    )
    assert (million.status_code, million.headers["ETag"]) == (201, '"1"'), million.text
    assert million.json()["amount"] == "1000000.00"
    unknown = world.ask(
        "secretariat",
        "POST",
        f"{url}/contributions",
        json={"partner_id": COUNCIL, "kind": "money", "year": None, "amount": None},
    )
    assert unknown.status_code == 201 and unknown.json()["amount"] is None
    # the CHU's user may not write the council's contribution, nor edit it
    theirs = {"partner_id": COUNCIL, "kind": "money", "year": 2026, "amount": 5}
    refused = world.ask("chu", "POST", f"{url}/contributions", json=theirs)
    assert (refused.status_code, refused.json()["code"]) == (403, "convention_not_your_party")
    edit = world.ask(
        "chu",
        "PUT",
        f"{url}/contributions/{million.json()['id']}",
        json={**theirs, "partner_id": CHU},
        headers={"If-Match": '"1"'},
    )
    assert (edit.status_code, edit.json()["code"]) == (403, "convention_not_your_party")
    outside = world.ask(
        "chu_imi", "POST", f"{url}/contributions", json={**theirs, "partner_id": CHU}
    )
    assert (outside.status_code, outside.json()["code"]) == (403, "outside_scope")
    viewer = world.ask("viewer", "POST", f"{url}/contributions", json=theirs)
    assert (viewer.status_code, viewer.json()["code"]) == (403, "account_not_allowed")

    paid = world.ask(
        "council",
        "POST",
        f"{url}/disbursements",
        json={
            "contribution_id": million.json()["id"],
            "from_partner_id": COUNCIL,
            "on": "2026-03-15",
            "amount": 250_000,
            "to_partner_id": CHU,
            "reference": "OV 2026/15",
        },
    )
    assert paid.status_code == 201, paid.text
    staff = world.ask(
        "chu",
        "POST",
        f"{url}/contributions",
        json={
            "partner_id": CHU,
            "kind": "staff",
            "year": 2026,
            "quantity": "1,5",
            "unit": "fte",
            "profession": "médecin",
            "specialty": "pédiatrie",
            "valuation": 180000,
            "valuation_method": "1,5 ETP × 120 000 MAD par an",
        },
    )
    assert staff.status_code == 201, staff.text
    assert staff.json()["quantity"] == "1.50"

    execution = world.ask("viewer", "GET", f"{url}/execution/financial")
    assert execution.status_code == 200, execution.text
    figures = execution.json()
    assert figures["convention"] == {
        "committed_mad": "1000000.00",
        "disbursed_mad": "250000.00",
        "unknown_commitments": 1,
        "unknown_disbursements": 0,
        "percent": "25.0",
    }
    assert [(p["partner_id"], p["percent"]) for p in figures["by_party"]] == [(COUNCIL, "25.0")]
    assert [(y["year"], y["percent"]) for y in figures["by_year"]] == [(2026, "25.0"), (None, None)]
    assert figures["in_kind"][0] == {
        "kind": "staff",
        "partner_id": None,
        "valued_mad": "180000.00",
        "valued": 1,
        "unknown": 0,
    }
    listed = world.ask("viewer", "GET", f"{url}/disbursements").json()
    assert [(d["amount"], d["reference"]) for d in listed] == [("250000.00", "OV 2026/15")]


def test_bad_amounts_and_beyond_the_commitment_are_named(world: World) -> None:
    url = _convention(world)
    bad = world.ask(
        "secretariat",
        "POST",
        f"{url}/contributions",
        json={"partner_id": "nobody", "kind": "money", "amount": "-12"},
    )
    assert bad.status_code == 422
    assert [(d["field"], d["code"]) for d in bad.json()["detail"]] == [
        ("amount", "indicator_negative"),
        ("partner_id", "money_not_a_party"),
    ]
    made = world.ask(
        "secretariat",
        "POST",
        f"{url}/contributions",
        json={"partner_id": CHU, "kind": "money", "year": 2026, "amount": 100_000},
    ).json()
    planned = world.ask(
        "chu",
        "POST",
        f"{url}/contributions/{made['id']}/tranches",
        json={"due_on": "2026-06", "amount": "50000", "condition": "rapport d'étape"},
    )
    assert (planned.status_code, planned.json()["due_on"]) == (201, "2026-06"), planned.text
    pay = {"contribution_id": made["id"], "from_partner_id": CHU, "on": "2026-04-01"}
    beyond = world.ask("chu", "POST", f"{url}/disbursements", json={**pay, "amount": 100_000.01})
    assert [(d["field"], d["code"]) for d in beyond.json()["detail"]] == [
        ("amount", "money_beyond_commitment")
    ]
    words = world.ask("chu", "POST", f"{url}/disbursements", json={**pay, "amount": "cent mille"})
    assert [d["code"] for d in words.json()["detail"]] == ["indicator_not_number"]
    early = world.ask("chu", "POST", f"{url}/disbursements", json={**pay, "on": "2025-12-31"})
    assert [d["code"] for d in early.json()["detail"]] == ["money_date_outside"]
    # an amendment raises the commitment; the edit without If-Match is a 428
    amendment = {"number": 1, "on": "2026-03-01"}
    signed = world.ask(
        "secretariat", "POST", f"{url}/amendments", json=amendment, headers={"If-Match": "*"}
    )
    assert signed.status_code == 201, signed.text
    raise_to = {"partner_id": CHU, "kind": "money", "year": 2026, "amount": 150_000}
    raise_url = f"{url}/contributions/{made['id']}"
    bare = world.ask("chu", "PUT", raise_url, json={**raise_to, "amendment_number": 1})
    assert bare.status_code == 428
    raised = world.ask(
        "chu",
        "PUT",
        raise_url,
        json={**raise_to, "amendment_number": 1},
        headers={"If-Match": '"1"'},
    )
    assert (raised.status_code, raised.headers["ETag"]) == (200, '"2"'), raised.text
    assert raised.json()["history"][0]["previous"] == "100000.00"
    assert raised.json()["history"][0]["amendment_number"] == 1
    allowed = world.ask("chu", "POST", f"{url}/disbursements", json={**pay, "amount": 100_000.01})
    assert allowed.status_code == 201, allowed.text
    [listed] = world.ask("viewer", "GET", f"{url}/contributions").json()
    assert (listed["amount"], listed["version"], len(listed["tranches"])) == ("150000.00", 2, 1)
