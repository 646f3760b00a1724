"""The permission matrix, generated from the app's routes: every route that is not public,
asked by nobody, by each shipped role (over everything, over the objects' region, over
another region) and by an account that must change its password. A role without the
route's permission gets 403 `account_not_allowed`; with it but over another region, 403
`outside_scope` for the routes about one object (a facility, a campaign, a scenario, a
territory) and lists without the objects outside; nobody gets 401.

The objects are in Boulemane (03.131, region Fès-Meknès 03): the Missour hospital, an
X-ray unit it holds, a caravan campaign planned there and a siting scenario run there,
all by the administrator at the start."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from qurb.app.web import create_app
from qurb.identity.permissions import ROLE_PERMISSIONS, Role
from qurb.identity.scopes import Scope
from qurb.platform.access import Access
from qurb.platform.background import FINISHED
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account, add_partner
from tests.app.test_route_access import access_by_route
from tests.caravan_requests import BASE, campaign
from tests.databases import NationalDatabase
from tests.versions import ANY_VERSION
from tests.web_clients import TestClient

HOME, ELSEWHERE = "03", "01"  # Fès-Meknès (the objects' region); Tanger-Tétouan-Al Hoceima
TERRITORY = "03.131"  # Boulemane


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, national_db: NationalDatabase
) -> Iterator[World]:
    copy = national_db.private_copy(tmp_path_factory.mktemp("matrix"))
    app = create_app(Settings(database_url=copy))
    factory = app.state.qurb.factory
    admin = add_account(factory, "admin-matrix")
    people: dict[tuple[str, str], Someone] = {}
    for role in Role:
        for where, scope in (
            ("all", None),
            ("home", Scope(territories=[HOME])),
            ("elsewhere", Scope(territories=[ELSEWHERE])),
        ):
            people[(role.value, where)] = add_account(factory, f"{role.value}-{where}", role, scope)
    stale = add_account(factory, "stale", Role.ADMINISTRATOR, must_change_password=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        start = date.today() + timedelta(days=30)
        planned = client.post("/api/caravans", json=campaign(start, days=2), headers=admin.headers)
        assert planned.status_code == 200, planned.text
        sited = client.post(
            "/api/siting",
            json={"territory": TERRITORY, "level": "secondary", "add": 1},
            headers=admin.headers,
        )
        assert sited.status_code == 200, sited.text
        job = client.post("/api/caravans/jobs", json=campaign(start, days=2), headers=admin.headers)
        assert job.status_code == 202, job.text
        _finished(client, job.json()["poll"], admin)
        equipment = client.post(
            "/api/equipment",
            json={"facility_id": BASE, "kind": "xray", "source": "matrix"},
            headers=admin.headers,
        )
        assert equipment.status_code == 201, equipment.text
        world = World(client, people, stale, planned.json()["id"], sited.json()["id"])
        world.samples["job_id"] = job.json()["id"]
        world.samples["equipment_id"] = str(equipment.json()["id"])
        _shared(client, admin, world.samples)
        project = VALID["POST /api/plan/projects"]
        proposed = client.post("/api/plan/projects", json=project, headers=admin.headers)
        assert proposed.status_code == 201, proposed.text
        world.samples["project_id"] = str(proposed.json()["id"])
        convention = VALID["PUT /api/conventions/{convention_id}"]
        made = client.post("/api/conventions", json=convention, headers=admin.headers)
        assert made.status_code == 201, made.text
        world.samples["convention_id"] = str(made.json()["id"])
        document = client.post(
            f"/api/conventions/{made.json()['id']}/documents",
            files={"file": ("convention.pdf", b"%PDF-1.7\n%%EOF\n")},
            headers={**admin.headers, **ANY_VERSION},
        )
        assert document.status_code == 201, document.text
        world.samples["document_id"] = str(document.json()["id"])
        _money(client, admin, world.samples, factory)
        add_partner(factory, "matrix-partner", "association", TERRITORY)
        parties = client.put(
            f"/api/conventions/{made.json()['id']}/parties",
            json={
                "parties": [
                    {"partner_id": MATRIX_PARTY, "role": "financer"},
                    {"partner_id": "matrix-partner", "role": "implementer"},
                ]
            },
            headers={**admin.headers, **ANY_VERSION},
        )
        assert parties.status_code == 200, parties.text
        deliverable = client.post(
            f"/api/conventions/{made.json()['id']}/deliverables",
            json=VALID["POST /api/conventions/{convention_id}/deliverables"],
            headers=admin.headers,
        )
        assert deliverable.status_code == 201, deliverable.text
        world.samples["deliverable_id"] = str(deliverable.json()["id"])
        reported = client.post("/api/reports", json=REPORT, headers=admin.headers)
        assert reported.status_code == 201, reported.text
        world.samples["report_id"] = str(reported.json()["id"])
        signals = client.get(
            "/api/watch/signals", params={"territory": TERRITORY}, headers=admin.headers
        )
        assert signals.status_code == 200, signals.text
        hospital = [s["id"] for s in signals.json() if s["unit_code"] == BASE]
        assert len(hospital) == 1, signals.text  # the cholera case: a signal of the hospital
        world.samples["signal_id"] = str(hospital[0])
        referral = client.post("/api/referrals", json=REFERRAL, headers=admin.headers)
        assert referral.status_code == 201, referral.text
        world.samples["referral_id"] = str(referral.json()["id"])
        yield world
    national_db.discard(copy)


MATRIX_PARTY = "council-matrix"


def _shared(client: TestClient, admin: Someone, samples: dict[str, str]) -> None:
    """The x-ray unit shared every day, booked once by the administrator, who waits for
    another slot too: the samples of the shared resources' routes."""
    rules = {"slot_minutes": 30, "min_notice_hours": 0}
    body = {"equipment_id": int(samples["equipment_id"]), "service": "imaging", "rules": rules}
    shared = client.post("/api/sharing/resources", json=body, headers=admin.headers)
    assert shared.status_code == 201, shared.text
    resource = shared.json()["id"]
    samples["resource_id"] = str(resource)
    every_day = [{"weekday": d, "opens": "00:00", "closes": "23:30"} for d in range(7)]
    opened = client.put(
        f"/api/sharing/resources/{resource}/availability",
        json={"openings": every_day},
        headers=admin.headers,
    )
    assert opened.status_code == 200 and opened.json()["added"] > 0, opened.text
    [slot] = client.get(
        "/api/sharing/slots", params={"specialty": "xray", "limit": 1}, headers=admin.headers
    ).json()
    booked = client.post(
        "/api/sharing/bookings",
        json={"resource_id": resource, "start": slot["start"]},
        headers=admin.headers,
    )
    assert booked.status_code == 201, booked.text
    samples["booking_id"] = str(booked.json()["id"])
    today = date.today()
    waiting = client.post(
        f"/api/sharing/resources/{resource}/waiting",
        json={"wanted_from": str(today), "wanted_to": str(today + timedelta(days=7))},
        headers=admin.headers,
    )
    assert waiting.status_code == 201, waiting.text
    samples["waiting_id"] = str(waiting.json()["id"])


LATER = "2030-01-07T08:00:00+00:00"  # a moment far ahead: refused by scope before its rules


def _money(client: TestClient, admin: Someone, samples: dict[str, str], factory: Any) -> None:
    """The convention's party, a money contribution of it, a tranche and a disbursement."""
    add_partner(factory, MATRIX_PARTY, "provincial_council", TERRITORY)
    url = f"/api/conventions/{samples['convention_id']}"
    parties = {"parties": [{"partner_id": MATRIX_PARTY, "role": "financer"}]}
    headers = {**admin.headers, **ANY_VERSION}
    assert client.put(f"{url}/parties", json=parties, headers=headers).status_code == 200
    body = VALID["POST /api/conventions/{convention_id}/contributions"]
    made = client.post(f"{url}/contributions", json=body, headers=admin.headers)
    assert made.status_code == 201, made.text
    samples["contribution_id"] = str(made.json()["id"])
    tranche = client.post(
        f"{url}/contributions/{made.json()['id']}/tranches", json={}, headers=admin.headers
    )
    assert tranche.status_code == 201, tranche.text
    samples["tranche_id"] = str(tranche.json()["id"])
    paid = {"contribution_id": made.json()["id"], "from_partner_id": MATRIX_PARTY, "amount": 1}
    disbursed = client.post(f"{url}/disbursements", json=paid, headers=admin.headers)
    assert disbursed.status_code == 201, disbursed.text
    samples["disbursement_id"] = str(disbursed.json()["id"])


def _finished(client: TestClient, poll: str, someone: Someone) -> None:
    """Wait for a planning job to end (its worker is then free for the routes asked)."""
    for _ in range(3000):  # a guard against a hang, not a timing
        if client.get(poll, headers=someone.headers).json()["status"] in FINISHED:
            return
        time.sleep(0.1)
    raise AssertionError(f"{poll} never ended")


class World:
    def __init__(
        self,
        client: TestClient,
        people: dict[tuple[str, str], Someone],
        stale: Someone,
        campaign_id: str,
        scenario_id: str,
    ) -> None:
        self.client, self.people, self.stale = client, people, stale
        self.samples = {
            "facility_id": BASE,
            "campaign_id": campaign_id,
            "scenario_id": scenario_id,
            "token_id": "1",
            "alert_id": "1",
            "code": TERRITORY,
            "dataset_id": "mdo",
            "number": "1",  # a committee's meeting (none held: refused before it is read)
            "action_id": "1",
        }

    def url(self, path: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.samples[m.group(1)], path)

    def ask(self, route: str, someone: Someone | None, body: Any = None) -> Any:
        method, path = route.split(" ", 1)
        if route in QUERIES:
            path = f"{path}?{QUERIES[route]}"
        headers = {} if someone is None else someone.headers
        # Writes to a versioned record name a version: any, here (the versions' own
        # refusals are tested in tests/registry/test_versions.py).
        headers = {**headers, **ANY_VERSION}
        if isinstance(body, dict):  # a sample named in a body: "{scenario_id}"
            body = {k: self.url(v) if isinstance(v, str) else v for k, v in body.items()}
        if route in UPLOADS and isinstance(body, str):  # a CSV file
            files = {"file": ("reports.csv", body.encode())}
            return self.client.request(method, self.url(path), files=files, headers=headers)
        if route in UPLOADS and body is not None and not isinstance(body, list):
            files = {"file": ("campaign.json", json.dumps(body).encode())}
            return self.client.request(method, self.url(path), files=files, headers=headers)
        return self.client.request(method, self.url(path), json=body, headers=headers)


def _guarded() -> dict[str, Access]:
    return {r: a for r, a in access_by_route().items() if not a.public}


GUARDED = _guarded()
WITH_PERMISSION = {r: a for r, a in GUARDED.items() if a.permission is not None}

# A week over (two weeks ago), and a notifiable-disease report of the Missour hospital for
# it, submitted by the administrator at the start: one case of cholera, notified on a
# single case, raises an outbreak signal of the hospital (for the triage's routes).
WEEK = (date.today() - timedelta(days=14)).isocalendar()
PERIOD = f"{WEEK.year}W{WEEK.week}"
REPORT = {
    "dataset": "mdo",
    "facility": BASE,
    "period": PERIOD,
    # one case of a disease notified on a single case: a signal at Missour and up its
    # territories, for the routes about one signal
    "values": [{"element": "cholera", "disaggregation": "m|15+", "value": 1}],
}

# A referral of Boulemane: from the Missour hospital to its own imaging (any sample of the
# region does: the routes are refused over it before anything is written).
REFERRAL = {
    "service": "imaging",
    "destination": BASE,
    "origin_facility": BASE,
    "commune": "03.131.01.03",
}
REFERRAL_FILE = (
    "origin_facility,destination,service,commune\n" + f"{BASE},{BASE},imaging,03.131.01.03\n"
)

# A body each write route accepts in shape, about an object of Boulemane: an account of
# another region is refused over it before anything runs (siting, planning, what-if) or
# is written.
VALID = {
    "POST /api/facilities": {
        "name": "Dispensaire Matrice",
        "category": "DR",
        "commune": "03.131.01.03",
    },
    "PATCH /api/facilities/{facility_id}": {"name_ar": "مستوصف"},
    "PUT /api/facilities/{facility_id}/capacity": {
        "source": "matrix",
        "as_of": "2026-01-01",
        "values": {"beds": 12},
    },
    "POST /api/equipment": {"facility_id": BASE, "kind": "xray", "source": "matrix"},
    "PATCH /api/equipment/{equipment_id}": {"model": "matrix"},
    "POST /api/facilities/{facility_id}/close": {"reason": "matrix"},
    "POST /api/facilities/{facility_id}/reopen": {"reason": "matrix"},
    "POST /api/access/what-if": {"territory": TERRITORY, "sites": [{"lon": -3.97, "lat": 33.04}]},
    "POST /api/siting": {"territory": TERRITORY, "level": "secondary", "add": 1},
    "PATCH /api/scenarios/{scenario_id}": {"name": "matrix"},
    "POST /api/caravans": campaign(date.today() + timedelta(days=60), days=2),
    "POST /api/caravans/jobs": campaign(date.today() + timedelta(days=60), days=2),
    "POST /api/caravans/files": campaign(date.today() + timedelta(days=60), days=2),
    "POST /api/caravans/{campaign_id}/records": {
        "rows": [{"stop": 1, "kind": "consultation", "item": "general_medicine", "count": 1}]
    },
    "POST /api/plan/projects": {
        "kind": "new_facility",
        "title": "CSR-2 de Tissaf",
        "territory": TERRITORY,
        "lon": -3.60,
        "lat": 33.40,
        "category": "CSR-2",
    },
    "POST /api/plan/adopt": {"scenario": "{scenario_id}"},
    "POST /api/plan/projects/{project_id}/status": {"status": "dropped", "note": "matrix"},
    "POST /api/reports": {**REPORT, "values": [{"element": "measles", "value": 0}]},
    "POST /api/reports/{report_id}/corrections": {
        "values": [{"element": "cholera", "disaggregation": "m|15+", "value": 0}],
        "reason": "matrix",
    },
    "POST /api/reports/import": "dataset,facility,period,element,disaggregation,value\n"
    f"mdo,{BASE},{PERIOD},measles,f|1-4,0\n",
    "POST /api/conventions": {
        "reference": "CM-2",
        "title_fr": "Matrice",
        "territories": [TERRITORY],
    },
    "PUT /api/conventions/{convention_id}": {
        "reference": "CM-1",
        "title_fr": "Matrice",
        "territories": [TERRITORY],
    },
    "POST /api/conventions/{convention_id}/status": {"status": "signed"},
    "PUT /api/conventions/{convention_id}/parties": {"parties": []},
    "POST /api/conventions/{convention_id}/articles": {"number": 1},
    "POST /api/conventions/{convention_id}/amendments": {"number": 1},
    "POST /api/conventions/{convention_id}/documents": {"sent as": "a file"},
    "POST /api/conventions/{convention_id}/contributions": {
        "partner_id": "council-matrix",
        "kind": "money",
        "amount": 1000,
    },
    "PUT /api/conventions/{convention_id}/contributions/{contribution_id}": {
        "partner_id": "council-matrix",
        "kind": "money",
        "amount": 1000,
    },
    "POST /api/conventions/{convention_id}/contributions/{contribution_id}/tranches": {"amount": 1},
    "PUT /api/conventions/{convention_id}/contributions/{contribution_id}/tranches/{tranche_id}": {
        "amount": 1
    },
    "POST /api/conventions/{convention_id}/disbursements": {
        "contribution_id": "{contribution_id}",
        "from_partner_id": "council-matrix",
        "amount": 1,
    },
    "PUT /api/conventions/{convention_id}/disbursements/{disbursement_id}": {
        "contribution_id": "{contribution_id}",
        "from_partner_id": "council-matrix",
        "amount": 1,
    },
    "POST /api/conventions/{convention_id}/deliverables": {
        "what_fr": "Matrice",
        "owner": "matrix-partner",
        "indicator": {"kind": "count", "target": 10},
    },
    "PUT /api/conventions/{convention_id}/deliverables/{deliverable_id}": {
        "what_fr": "Matrice",
        "owner": "matrix-partner",
        "indicator": {"kind": "count", "target": 10},
    },
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/status": {
        "status": "in_progress"
    },
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/actuals": {
        "period": "2026",
        "value": 5,
    },
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/documents": {
        "sent as": "a file"
    },
    "PUT /api/conventions/{convention_id}/committee/rule": {"every_months": 6},
    "POST /api/conventions/{convention_id}/committee/members": {
        "name": "Matrice",
        "partner_id": "matrix",
    },
    "POST /api/conventions/{convention_id}/meetings": {"held_on": "2026-03-31"},
    "POST /api/conventions/{convention_id}/actions/{action_id}/status": {
        "status": "done",
        "done_on": "2026-03-31",
    },
    "POST /api/sharing/resources": {
        "equipment_id": "{equipment_id}",
        "service": "imaging",
        "rules": {"slot_minutes": 30},
    },
    "PUT /api/sharing/resources/{resource_id}/availability": {
        "openings": [{"weekday": 0, "opens": "08:00", "closes": "12:00"}]
    },
    "POST /api/sharing/bookings": {"resource_id": "{resource_id}", "start": LATER},
    "POST /api/sharing/bookings/{booking_id}/cancel": {},
    "POST /api/sharing/bookings/{booking_id}/reschedule": {"start": LATER},
    "POST /api/sharing/bookings/{booking_id}/refuse": {"reason": "matrix"},
    "POST /api/sharing/resources/{resource_id}/downtime": {"start": LATER, "reason": "matrix"},
    "POST /api/sharing/resources/{resource_id}/missions": {
        "facility_id": BASE,
        "day": "2030-01-07",
        "opens": "08:00",
        "closes": "10:00",
    },
    "PUT /api/sharing/resources/{resource_id}/quotas": {
        "partner_id": "matrix-partner",
        "convention_id": "{convention_id}",
        "unit": "slots",
        "amount": 1,
        "release_days": 3,
    },
    "POST /api/sharing/resources/{resource_id}/waiting": {
        "wanted_from": "2030-01-07",
        "wanted_to": "2030-01-08",
    },
    "POST /api/watch/signals/{signal_id}/verification": {"decision": "monitor"},
    "POST /api/watch/signals/{signal_id}/risk-assessment": {
        "hazard": "Matrice",
        "exposure": "Matrice",
        "context": "Matrice",
    },
    "POST /api/watch/signals/{signal_id}/risk-characterisation": {
        "likelihood": "likely",
        "consequences": "minor",
    },
    "POST /api/watch/signals/{signal_id}/outcome": {"outcome": "monitor"},
    "POST /api/watch/signals/{signal_id}/notes": {"note": "Matrice"},
    "POST /api/watch/signals/{signal_id}/invitations": {"username": "viewer-home"},
    "POST /api/referrals": REFERRAL,
    "POST /api/referrals/tele-expertise": REFERRAL,
    "POST /api/referrals/import": REFERRAL_FILE,
    "POST /api/referrals/{referral_id}/status": {"status": "accepted"},
    "POST /api/referrals/{referral_id}/counter-referral": {"answer": "Matrice"},
    "POST /api/dhis2/dataValueSets": {
        "dataSet": "mother-child",
        "dataValues": [{"dataElement": "anc1", "period": "202511", "orgUnit": BASE, "value": "1"}],
    },
}
# The query a route about objects names them in (the scenario of Boulemane first: the
# comparison refuses it before it reads the next).
QUERIES = {
    "GET /api/scenarios/compare": "ids={scenario_id},nope",
    # a province's capacity workbook: to download, or the province one sends it for
    "GET /api/capacity/template": f"province={TERRITORY}",
    "POST /api/capacity/import": f"province={TERRITORY}",
    "GET /api/plan": f"territory={TERRITORY}",
    "GET /api/reports": "dataset=mdo",
    "GET /api/completeness": f"territory={TERRITORY}&dataset=mdo&period={PERIOD}",
    "GET /api/watch/indicators": f"territory={TERRITORY}&dataset=mdo&period={PERIOD}",
    "GET /api/watch/trend": f"territory={TERRITORY}&indicator=incidence&element=measles"
    f"&period={PERIOD}",
    "GET /api/watch/signals": f"territory={TERRITORY}",
    "GET /api/sharing/slots": "specialty=xray",
    "GET /api/sharing/resources/{resource_id}/utilisation": "month=2026-12",
    "GET /api/sharing/resources/{resource_id}/reconciliation": "month=2026-12",
    "GET /api/watch/signals.geojson": f"territory={TERRITORY}",
    "GET /watch/bulletin": f"t={TERRITORY}&period={PERIOD}",
    "GET /watch/bulletin.pdf": f"t={TERRITORY}&period={PERIOD}",
    "GET /api/dhis2/dataValueSets": "dataSet=mother-child&period=202511",
    "GET /api/conventions/{convention_id}/execution/physical": "period=2026",
    "GET /api/conventions/{convention_id}/report": "year=2026&format=xlsx",
    "GET /api/referrals/measures": f"territory={TERRITORY}",
    "GET /api/referrals/flows.geojson": f"territory={TERRITORY}",
}
# Routes that take a file (multipart): their body is sent as a JSON file.
UPLOADS = {
    "POST /api/caravans/files",
    "POST /api/reports/import",
    "POST /api/referrals/import",
    "POST /api/conventions/{convention_id}/documents",
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/documents",
}
# Lists: an account of another region sees none of Boulemane's rows.
# The scenarios' pages are lists too: the page holds no row, its script asks the API.
LISTS = {
    "GET /api/scenarios",
    "GET /api/conventions",
    "GET /api/reports",
    "GET /api/dhis2/dataValueSets",
    "GET /api/audit",
    "GET /api/audit.csv",
    "GET /audit",
    "GET /scenarios",
    "GET /scenarios/compare",
    "GET /plan",
    "GET /reports",
    "GET /signals",
    "GET /api/referrals",
    "GET /sharing",
    "GET /api/sharing/bookings",
    "GET /referrals",
}
# About nothing of a region: a candidate file the account sends is read and sent back.
# Shared resources are shared to be found: any role reads them, their free slots and a
# specialist's missions wherever they are.
NO_OBJECT = {
    "POST /api/siting/candidates",
    "GET /api/sharing/resources",
    "GET /api/sharing/resources/{resource_id}",
    "GET /api/sharing/slots",
    "GET /api/sharing/resources/{resource_id}/missions",
    "GET /api/referrals/pathways",
    "GET /api/sharing/resources/{resource_id}/week",
}


@pytest.mark.parametrize("route", sorted(GUARDED))
def test_nobody_is_asked_to_sign_in(world: World, route: str) -> None:
    answer = world.ask(route, None, VALID.get(route, {}))
    if route.startswith("GET /") and not route.startswith("GET /api/"):
        # a page: the sign-in page, coming back
        assert answer.status_code == 200 and "/sign-in" in str(answer.url)
        return
    assert (answer.status_code, answer.json()["code"]) == (401, "auth_required")


@pytest.mark.parametrize("route", sorted(GUARDED))
def test_an_account_that_must_change_its_password_does_nothing_else(
    world: World, route: str
) -> None:
    answer = world.ask(route, world.stale, {})
    if GUARDED[route].stale_password_ok:
        assert answer.status_code not in (401, 403)
    else:
        assert (answer.status_code, answer.json()["code"]) == (403, "password_change_required")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("route", sorted(WITH_PERMISSION))
def test_a_role_without_the_permission_is_refused_whatever_its_scope(
    world: World, route: str, role: Role
) -> None:
    permission = WITH_PERMISSION[route].permission
    someone = world.people[(role.value, "all")]
    # A body of the wrong shape: a holder passes the check and meets the body's 422;
    # nothing runs, nothing is written.
    answer = world.ask(route, someone, None if route.startswith("GET") else [])
    if permission in ROLE_PERMISSIONS[role]:
        assert answer.status_code not in (401, 403), answer.text
    else:
        assert (answer.status_code, answer.json()["code"]) == (403, "account_not_allowed")


HOLDERS = [
    (route, role)
    for route, access in sorted(WITH_PERMISSION.items())
    for role in Role
    if access.permission in ROLE_PERMISSIONS[role]
]


@pytest.mark.parametrize(("route", "role"), HOLDERS)
def test_a_role_with_the_permission_over_another_region_is_refused_the_objects_here(
    world: World, route: str, role: Role
) -> None:
    elsewhere = world.people[(role.value, "elsewhere")]
    answer = world.ask(route, elsewhere, VALID.get(route))
    if route in NO_OBJECT:
        assert answer.status_code not in (401, 403), answer.text
        return
    if route in LISTS:
        assert answer.status_code == 200
        assert TERRITORY not in answer.text and world.samples["scenario_id"] not in answer.text
        return
    assert (answer.status_code, answer.json()["code"]) == (403, "outside_scope"), answer.text


@pytest.mark.parametrize(
    "route",
    [
        "GET /api/facilities/{facility_id}/history",
        "GET /api/scenarios/{scenario_id}",
        "GET /api/plan/projects/{project_id}",
        "GET /api/conventions/{convention_id}",
        "GET /api/conventions/{convention_id}/documents/{document_id}",
        "GET /api/conventions/{convention_id}/report",
        "GET /api/conventions/{convention_id}/workbook",
        "GET /api/caravans/{campaign_id}/report",
        "GET /api/facilities/{facility_id}/referrals",
        "GET /caravans/{campaign_id}/report",
        "GET /caravans/{campaign_id}/roadsheet",
        "PATCH /api/facilities/{facility_id}",
        "PUT /api/facilities/{facility_id}/capacity",
        "GET /api/facilities/{facility_id}/capacity/history",
        "POST /api/equipment",
        "PATCH /api/equipment/{equipment_id}",
        "GET /api/equipment/{equipment_id}/history",
        "GET /api/watch/signals/{signal_id}",
        "GET /api/referrals/{referral_id}",
        "GET /api/referrals/measures",
    ],
)
def test_the_same_role_over_the_objects_region_is_let_through(world: World, route: str) -> None:
    home = world.people[(Role.ADMINISTRATOR.value, "home")]
    answer = world.ask(route, home, VALID.get(route))
    assert answer.status_code in (200, 201), answer.text  # 201: equipment added


def test_lists_over_the_region_hold_its_rows(world: World) -> None:
    home = world.people[(Role.PLANNER.value, "home")]
    scenarios = world.ask("GET /api/scenarios", home).json()
    assert world.samples["scenario_id"] in [s["id"] for s in scenarios]
    elsewhere = world.people[(Role.PLANNER.value, "elsewhere")]
    assert world.ask("GET /api/scenarios", elsewhere).json() == []
