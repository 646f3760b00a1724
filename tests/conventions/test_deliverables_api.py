"""A convention's deliverables on the web, on the small region of `tests/regions.py`
(SQLite and PostgreSQL): added by the secretariat (bad ones named, 422), their actuals
reported by the owner party's user (another party's user refused, 403; a value of the
wrong type named, 422), moved with If-Match, and the physical execution of a period
worked by hand: 50 of 100, yes, unknown → (0.5 + 1) / 2 = 75 % with one unknown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.registry._tables import FacilityRow
from tests.accounts import add_account, add_partner
from tests.conventions.test_model import PDF
from tests.conventions.web import World
from tests.regions import HP_TIZGUI, IMI, PROVINCE_CODE, REGION_CODE
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
COUNCIL, CHU = "council-99991", "chu-99"
CSU = "ESSP-99.991.01.01-csu-centre"
CONVENTION: dict[str, Any] = {
    "reference": "CP-99991-CHU",
    "title_fr": "Convention entre le conseil préfectoral et le CHU",
    "start_on": "2026-01-01",
    "end_on": "2028-12-31",
    "territories": [PROVINCE_CODE],
    "parties": [
        {"partner_id": COUNCIL, "role": "financer"},
        {"partner_id": CHU, "role": "implementer"},
    ],
    "articles": [{"number": 1}, {"number": 2}],
}
SCANNERS = {
    "what_fr": "Deux scanners pour l'hôpital provincial",
    "what_ar": "جهازا سكانير للمستشفى الإقليمي",
    "owner": CHU,
    "article": 2,
    "deadline": "2027-06",
    "indicator": {"kind": "count", "unit": "examens", "baseline": 0, "target": 100},
    "references": [{"kind": "facility", "ref": HP_TIZGUI}],
}
SYSTEM = {"what_fr": "Système d'information", "owner": COUNCIL, "indicator": {"kind": "yes_no"}}
FOLLOW_UP = {
    "what_fr": "Suivi mère-enfant",
    "owner": CHU,
    "indicator": {"kind": "percentage", "target": "80"},
}


def _add(world: World, body: dict[str, Any]) -> int:
    """A deliverable added by the secretariat: its id."""
    made = world.ask("secretariat", "POST", "/deliverables", json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


@pytest.fixture
def world(small_region_db: Factory, region_engine: Engine) -> Iterator[World]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    with transaction(factory) as s:
        s.execute(update(FacilityRow).where(FacilityRow.id == CSU).values(status="closed"))
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    factory = app.state.qurb.factory
    people = {
        "secretariat": add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT),
        "chu": add_account(
            factory, "chu-user", Role.CONVENTION_PARTY, Scope(partners=[CHU]), partner=CHU
        ),
        "council": add_account(
            factory, "council-user", Role.CONVENTION_PARTY, Scope(partners=[COUNCIL]),
            partner=COUNCIL,
        ),
        "party_imi": add_account(
            factory, "party-imi", Role.CONVENTION_PARTY, Scope(territories=[IMI]), partner=CHU
        ),
        "viewer": add_account(factory, "viewer", Role.VIEWER),
    }  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as client:
        made = client.post(
            "/api/conventions", json=CONVENTION, headers=people["secretariat"].headers
        )
        assert made.status_code == 201, made.text
        yield World(client, people, made.json()["id"])


def test_the_secretariat_adds_deliverables_and_bad_ones_are_named(world: World) -> None:
    made = world.ask("secretariat", "POST", "/deliverables", json=SCANNERS)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["status"], body["deadline"], body["version"], made.headers["ETag"]) == (
        "planned",
        "2027-06",
        1,
        '"1"',
    )
    assert body["indicator"] == {"kind": "count", "unit": "examens", "baseline": 0, "target": 100}
    bad = {
        "what_fr": "Hors champ",
        "owner": "association-inconnue",
        "deadline": "2029-01-15",
        "indicator": {"kind": "count", "target": "N/A"},
        "references": [
            {"kind": "facility", "ref": "no-such-facility"},
            {"kind": "facility", "ref": CSU},
        ],
    }
    refused = world.ask("secretariat", "POST", "/deliverables", json=bad)
    assert refused.status_code == 422
    named = {(e["field"], e["code"]) for e in refused.json()["detail"]}
    assert named == {
        ("owner", "deliverable_owner_not_party"),
        ("deadline", "deliverable_deadline_outside"),
        ("indicator.target", "indicator_not_number"),
    }  # the objects are looked up once the fields are right
    fields_right = {**SCANNERS, "references": bad["references"]}
    refused = world.ask("secretariat", "POST", "/deliverables", json=fields_right)
    named = {(e["field"], e["code"]) for e in refused.json()["detail"]}
    assert named == {
        ("references[0].ref", "deliverable_no_facility"),
        ("references[1].ref", "deliverable_facility_closed"),
    }
    listed = world.ask("viewer", "GET", "/deliverables")
    assert [d["id"] for d in listed.json()] == [body["id"]]
    assert world.ask("chu", "POST", "/deliverables", json=SCANNERS).status_code == 403


def test_a_party_reports_its_own_deliverables_only(world: World) -> None:
    scanners, system = _add(world, SCANNERS), _add(world, SYSTEM)
    mine = world.ask(
        "chu", "POST", f"/deliverables/{scanners}/actuals", json={"period": "2026", "value": 50}
    )
    assert mine.status_code == 201, mine.text
    [actual] = mine.json()["actuals"]
    assert (actual["period"], actual["value"]) == ("2026", 50)
    theirs = world.ask(
        "chu", "POST", f"/deliverables/{system}/actuals", json={"period": "2026", "value": "oui"}
    )
    assert (theirs.status_code, theirs.json()["code"]) == (403, "deliverable_not_yours")
    elsewhere = world.ask(
        "party_imi",
        "POST",
        f"/deliverables/{scanners}/actuals",
        json={"period": "2026", "value": 1},
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "outside_scope")
    wrong = world.ask(
        "chu", "POST", f"/deliverables/{scanners}/actuals", json={"period": "2026", "value": "N/A"}
    )
    assert wrong.status_code == 422
    assert [(e["field"], e["code"]) for e in wrong.json()["detail"]] == [
        ("actual", "indicator_not_number")
    ]
    evidence = world.ask(
        "chu", "POST", f"/deliverables/{scanners}/documents", files={"file": ("pv.pdf", PDF)}
    )
    assert evidence.status_code == 201, evidence.text
    [document] = evidence.json()["documents"]
    download = world.ask("viewer", "GET", f"/documents/{document}")
    assert download.content == PDF
    refused = world.ask(
        "council", "POST", f"/deliverables/{scanners}/documents", files={"file": ("pv.pdf", PDF)}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "deliverable_not_yours")
    secretariat = world.ask(
        "secretariat",
        "POST",
        f"/deliverables/{system}/actuals",
        json={"period": "2026", "value": True},
    )
    assert secretariat.status_code == 201, secretariat.text
    assert (
        world.ask(
            "viewer",
            "POST",
            f"/deliverables/{system}/actuals",
            json={"period": "2026", "value": True},
        ).status_code
        == 403
    )


def test_statuses_move_with_if_match(world: World) -> None:
    system = _add(world, SYSTEM)
    url = f"/deliverables/{system}/status"
    assert world.ask("secretariat", "POST", url, json={"status": "delivered"}).status_code == 428
    stale = world.ask(
        "secretariat", "POST", url, json={"status": "delivered"}, headers={"If-Match": '"5"'}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    moved = world.ask(
        "secretariat", "POST", url, json={"status": "delivered"}, headers={"If-Match": '"1"'}
    )
    assert (moved.status_code, moved.json()["status"], moved.headers["ETag"]) == (
        200,
        "delivered",
        '"2"',
    )
    again = world.ask(
        "secretariat", "POST", url, json={"status": "late"}, headers={"If-Match": '"2"'}
    )
    assert (again.status_code, again.json()["detail"][0]["code"]) == (
        422,
        "deliverable_move_refused",
    )


def test_physical_execution_of_a_period_worked_by_hand(world: World) -> None:
    scanners, system, follow_up = _add(world, SCANNERS), _add(world, SYSTEM), _add(world, FOLLOW_UP)
    for deliverable, value in ((scanners, 50), (system, "yes")):
        answer = world.ask(
            "secretariat",
            "POST",
            f"/deliverables/{deliverable}/actuals",
            json={"period": "2026", "value": value},
        )
        assert answer.status_code == 201, answer.text
    found = world.ask("viewer", "GET", "/execution/physical", params={"period": "2026"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["percent"], body["measured"], body["unknown_actual"], body["without_target"]) == (
        "75.0",
        2,
        1,
        0,
    )
    assert body["weighted"] is False and body["dropped"] == 0
    assert [(d["deliverable_id"], d["ratio"], d["left_out"]) for d in body["deliverables"]] == [
        (scanners, "0.5", None),
        (system, "1", None),
        (follow_up, None, "actual"),
    ]
    assert (
        world.ask("viewer", "GET", "/execution/physical", params={"period": "26"}).status_code
        == 422
    )
    nothing = world.ask("viewer", "GET", "/execution/physical", params={"period": "2027-01"}).json()
    assert (nothing["ratio"], nothing["unknown_actual"]) == (None, 3)
