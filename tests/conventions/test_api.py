"""Conventions on the web, on the small region of `tests/regions.py` (SQLite and
PostgreSQL): written with If-Match by the secretariat, read in full by accounts holding
`conventions.read` over them, documents sent as a form's file and read back byte for
byte, the published summaries read by anyone without contacts or documents."""

from __future__ import annotations

import hashlib
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
from tests.conventions.test_model import PDF, PNG
from tests.conventions.web import World
from tests.regions import IMI, PROVINCE_CODE, REGION_CODE, TIZGUI
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
COUNCIL, CHU = "council-99991", "chu-99"
BODY: dict[str, Any] = {
    "reference": "CP-99991-CHU",
    "title_fr": "Convention entre le conseil préfectoral et le CHU",
    "title_ar": "اتفاقية بين المجلس الإقليمي والمركز الاستشفائي الجامعي",
    "object_fr": "Équiper les établissements de santé.",
    "signature_on": "--12-01",
    "territories": [PROVINCE_CODE],
    "source": "A press report of the signing meeting.",
    "parties": [
        {"partner_id": COUNCIL, "role": "financer"},
        {
            "partner_id": CHU,
            "role": "implementer",
            "contacts": [{"name": "Mme Directrice", "email": "dir@chu.example"}],
        },
    ],
    "articles": [{"number": 1, "title": "Objet"}],
}


@pytest.fixture
def world(small_region_db: Factory, region_engine: Engine) -> Iterator[World]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    factory = app.state.qurb.factory
    people = {
        "secretariat": add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT),
        "viewer_tizgui": add_account(
            factory, "viewer-tizgui", Role.VIEWER, Scope(territories=[TIZGUI])
        ),
        "secretariat_imi": add_account(
            factory, "secretariat-imi", Role.CONVENTION_SECRETARIAT, Scope(territories=[IMI])
        ),
        "planner": add_account(factory, "planner", Role.PLANNER),
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, people)


def test_the_secretariat_writes_a_convention_and_its_parts(world: World) -> None:
    made = world.ask("secretariat", "POST", "/api/conventions", json=BODY)
    assert made.status_code == 201, made.text
    convention = made.json()
    assert (convention["status"], convention["version"], made.headers["ETag"]) == (
        "draft",
        1,
        '"1"',
    )
    assert (convention["signature_on"], convention["start_on"]) == ("--12-01", None)
    assert [p["name_fr"] for p in convention["parties"]] == [COUNCIL, CHU]
    url = f"/api/conventions/{convention['id']}"
    again = world.ask("secretariat", "POST", "/api/conventions", json=BODY)
    assert (again.status_code, again.json()["code"]) == (409, "convention_reference_taken")

    bare = world.ask("secretariat", "POST", f"{url}/status", json={"status": "signed"})
    assert bare.status_code == 428
    signed = world.ask(
        "secretariat",
        "POST",
        f"{url}/status",
        json={"status": "signed"},
        headers={"If-Match": '"1"'},
    )
    assert (signed.status_code, signed.json()["version"]) == (200, 2), signed.text
    stale = world.ask(
        "secretariat", "POST", f"{url}/articles", json={"number": 2}, headers={"If-Match": '"1"'}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    amended = world.ask(
        "secretariat",
        "POST",
        f"{url}/amendments",
        json={"number": 1, "on": "2026-02", "new_end_on": "2029-12-31"},
        headers={"If-Match": '"2"'},
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["end_on"] == "2029-12-31"
    assert amended.json()["amendments"][0]["previous_end_on"] is None

    bad = dict(BODY, reference="CP-2", start_on="2026-06-01", end_on="2026-13-01")
    bad["parties"] = [{"partner_id": "nobody", "role": "financer"}]
    refused = world.ask("secretariat", "POST", "/api/conventions", json=bad)
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["detail"]] == ["end_on"]
    bad["end_on"] = None
    refused = world.ask("secretariat", "POST", "/api/conventions", json=bad)
    assert [(d["field"], d["code"]) for d in refused.json()["detail"]] == [
        ("parties[0].partner_id", "convention_not_a_partner")
    ]


def test_documents_go_in_and_come_out_byte_for_byte(world: World) -> None:
    convention = world.ask("secretariat", "POST", "/api/conventions", json=BODY).json()
    url = f"/api/conventions/{convention['id']}/documents"
    sent = world.ask(
        "secretariat",
        "POST",
        url,
        params={"kind": "pdf"},
        files={"file": ("signée.pdf", PDF)},
        headers={"If-Match": '"1"'},
    )
    assert sent.status_code == 201, sent.text
    document = sent.json()
    assert (document["kind"], document["sha256"]) == ("pdf", hashlib.sha256(PDF).hexdigest())
    back = world.ask("secretariat", "GET", f"{url}/{document['id']}")
    assert back.status_code == 200
    assert (back.content, back.headers["content-type"]) == (PDF, "application/pdf")
    claimed = world.ask(
        "secretariat",
        "POST",
        url,
        params={"kind": "pdf"},
        files={"file": ("faux.pdf", PNG)},
        headers={"If-Match": "*"},
    )
    assert claimed.status_code == 422
    assert claimed.json()["detail"][0]["code"] == "convention_document_not_claimed"
    read = world.ask("secretariat", "GET", f"/api/conventions/{convention['id']}").json()
    assert [d["filename"] for d in read["documents"]] == ["signée.pdf"]


def test_who_reads_and_writes_what(world: World) -> None:
    made = world.ask("secretariat", "POST", "/api/conventions", json=BODY).json()
    url = f"/api/conventions/{made['id']}"
    # Over the province: a secretariat of one commune may not write it, nor make one.
    write = world.ask(
        "secretariat_imi", "POST", f"{url}/articles", json={"number": 3}, headers={"If-Match": "*"}
    )
    assert (write.status_code, write.json()["code"]) == (403, "outside_scope")
    create = world.ask(
        "secretariat_imi", "POST", "/api/conventions", json=dict(BODY, reference="X")
    )
    assert (create.status_code, create.json()["code"]) == (403, "outside_scope")
    imi_only = dict(BODY, reference="CP-IMI", territories=[IMI], published=True)
    made_imi = world.ask("secretariat_imi", "POST", "/api/conventions", json=imi_only)
    assert made_imi.status_code == 201, made_imi.text
    # A viewer of Tizgui reads neither in full; the planner (viewer's reads) reads both.
    assert world.ask("viewer_tizgui", "GET", "/api/conventions").json() == []
    assert world.ask("viewer_tizgui", "GET", url).status_code == 403
    listed = world.ask("planner", "GET", "/api/conventions", params={"territory": IMI}).json()
    assert [c["reference"] for c in listed] == ["CP-99991-CHU", "CP-IMI"]
    assert world.ask("planner", "POST", "/api/conventions", json=BODY).status_code == 403
    # Anyone: the published summaries, no contacts, no documents.
    public = world.ask(None, "GET", "/api/conventions/published")
    assert public.status_code == 200
    [summary] = public.json()
    assert summary["reference"] == "CP-IMI"
    assert "contacts" not in str(summary) and "documents" not in summary
    assert world.ask(None, "GET", url).status_code == 401
    assert world.ask(None, "GET", f"/api/conventions/published/{made['id']}").status_code == 404
