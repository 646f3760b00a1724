"""Values no column can hold, sent to the API on SQLite and on PostgreSQL: each is the
same 422 naming its field on both, never a 500, and nothing reaches the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from qurb.registry._tables import FacilityRow
from tests.accounts import add_account, as_someone
from tests.caravan_requests import campaign
from tests.regions import HP_TIZGUI, OULED_AMAR, SMALL_FACILITIES, TIZGUI
from tests.versions import ANY_VERSION
from tests.web_clients import TestClient

GOOD = {"name": "CSR Tizgui Nord", "category": "CSR-1", "commune": "Tizgui"}
ARABIC_NAME = "مستشفى القرب " * 30  # 390 characters: over the 300 of the name columns

# (what is sent, the field the answer names)
CREATES: list[tuple[dict[str, Any], str]] = [
    ({"name": "CSR\x00Tizgui"}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "CSR \u202eNord"}, "name"),
    ({"name": "H\u043epital Tizgui"}, "name"),  # a Cyrillic о among Latin letters
    ({"name_ar": ARABIC_NAME}, "name_ar"),
    ({"name_ar": "   "}, "name_ar"),
    ({"beds": 2**63}, "beds"),
    ({"beds": 2**31}, "beds"),
    ({"doctors": 2**63}, "doctors"),
    ({"id": "a/b"}, "id"),
    ({"id": "<script>"}, "id"),
    ({"id": "x" * 81}, "id"),
    ({"id": "ab\x00c"}, "id"),
    ({"osm_id": "node\x00"}, "osm_id"),
    ({"reason": "why\x00"}, "reason"),
]
UPDATES: list[tuple[dict[str, Any], str]] = [
    ({"name": "CSR\x00Tizgui"}, "name"),
    ({"name": ""}, "name"),
    ({"name": "\u202dCSR"}, "name"),
    ({"name_ar": ARABIC_NAME}, "name_ar"),
    ({"beds": 2**63}, "beds"),
    ({"doctors": 9_200_000_000_000_000_000}, "doctors"),
]
# (path, query, the field the answer names)
READS: list[tuple[str, dict[str, Any], str]] = [
    ("/api/facilities", {"offset": 2**31}, "offset"),
    ("/api/facilities", {"offset": 2**63}, "offset"),
    ("/api/facilities.geojson", {"offset": 2**63}, "offset"),
    ("/api/facilities", {"name": "CSR\x00"}, "name"),
    ("/api/facilities", {"territory": "Tiz\x00gui"}, "territory"),
    ("/api/facilities/a%00b", {}, "facility_id"),
    ("/api/facilities/%3Cscript%3E", {}, "facility_id"),
    ("/api/facilities/" + "x" * 81, {}, "facility_id"),
    ("/api/facilities/a%00b/history", {}, "facility_id"),
    ("/api/caravans/a%00b", {}, "campaign_id"),
    ("/api/caravans/%3Cscript%3E/report", {}, "campaign_id"),
    ("/api/scenarios/a%00b", {}, "scenario_id"),
]

# Territories in a path: an HCP code where only a code is taken, a code or a name (as a
# person reads it: no NUL, no bidi override, no look-alike letters) for the access routes.
# (path, the parameter the answer names)
TERRITORY_PATHS: list[tuple[str, str]] = [
    ("/api/territories/99%00", "code"),
    ("/api/territories/%3Cscript%3E", "code"),
    ("/api/territories/99.991.01.01%20OR%201=1/needs", "code"),
    ("/api/territories/99.991%20/gaps", "code"),
    ("/api/territories/%E2%80%AE99/children", "code"),
    ("/api/territories/Tizgui", "code"),  # a name: these routes take a code
    ("/api/territories/ma", "code"),
    ("/api/territories/99.991.01.001", "code"),
    ("/sheet/99%00", "code"),
    ("/sheet/99.991..", "code"),
    ("/caravans/c-1/notice/%3Cscript%3E", "code"),
    ("/caravans/a%00b/report", "campaign_id"),
    ("/api/access/Tiz%00gui", "code"),
    ("/api/access/%E2%80%AETizgui/referral", "code"),
    ("/api/access/Tizgu%E2%81%A6i/distance", "code"),
    ("/api/access/H%D0%BEpital", "code"),  # a Cyrillic о among Latin letters
]


@pytest.fixture
def client(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine
) -> Iterator[TestClient]:
    small_region_db()
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app) as client:
        yield as_someone(client, tester)


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(FacilityRow)) or 0)


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {item["field"] for item in response.json()["detail"]}


def test_hostile_creates_are_422_naming_the_field(
    client: TestClient, region_engine: Engine
) -> None:
    for sent, field in CREATES:
        response = client.post("/api/facilities", json={**GOOD, **sent})
        assert _fields(response) == {field}, sent
    assert _count(region_engine) == len(SMALL_FACILITIES)  # nothing was written


def test_hostile_updates_are_422_naming_the_field(client: TestClient) -> None:
    for sent, field in UPDATES:
        response = client.patch(f"/api/facilities/{HP_TIZGUI}", json=sent, headers=ANY_VERSION)
        assert _fields(response) == {field}, sent
    assert client.get(f"/api/facilities/{HP_TIZGUI}").json()["beds"] == 100


def test_hostile_ids_and_offsets_are_422_naming_the_parameter(client: TestClient) -> None:
    for path, query, field in READS:
        assert _fields(client.get(path, params=query)) == {field}, (path, query)


def test_hostile_territories_in_a_path_are_422_naming_the_parameter(client: TestClient) -> None:
    for path, field in TERRITORY_PATHS:
        assert _fields(client.get(path)) == {field}, path
    # Codes of every level, and names where names are taken, answer as before.
    for code in ("MA", "99", "99.991", "99.991.03", TIZGUI):
        assert client.get(f"/api/territories/{code}").status_code == 200, code
    assert client.get("/api/territories/98.991").status_code == 404  # a code, unknown
    for place in (TIZGUI, "Tizgui", "Ouled Amar"):
        answer = client.get(f"/api/access/{place}")
        assert answer.status_code == 200, place
    assert client.get("/api/access/Ouled Amar").json()["territory"] == OULED_AMAR
    assert client.get("/api/access/Nulle Part").status_code == 404


def test_names_that_are_fine_stay_as_given(client: TestClient) -> None:
    """Arabic with a Latin word and the marks that keep it in order, Latin and Arabic
    words side by side, surrounding spaces stripped, capacity left to its own service."""
    name_ar = "مستشفى \u200fCHU\u200f ابن رشد"
    response = client.post(
        "/api/facilities",
        json={
            **GOOD,
            "name": "  CSR Tizgui مركز  ",
            "name_ar": name_ar,
            "id": "user-99.991-csr-tizgui-nord",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["id"], body["name"], body["name_ar"]) == (
        "user-99.991-csr-tizgui-nord",
        "CSR Tizgui مركز",
        name_ar,
    )
    assert (body["beds"], body["doctors"]) == (None, None)  # capacity: its own service


def _campaign(**changes: Any) -> dict[str, Any]:
    """A campaign in the small region, based at its provincial hospital."""
    body = campaign(date.today() + timedelta(days=14), territory="99.991")
    body["bases"] = [{"name": "Hôpital provincial de Tizgui", "facility": HP_TIZGUI}]
    body["units"][0]["base"] = "Hôpital provincial de Tizgui"
    return {**body, **changes}


def test_hostile_campaign_names_are_422_naming_the_field(client: TestClient) -> None:
    unit = _campaign()["units"][0]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "Caravane\x00"}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "Caravane \u202eété"}, "name"),
        ({"partners": [{"name": "D\u0435l\u0435gation"}]}, "partners.0.name"),  # Cyrillic е
        ({"teams": [{"name": "Équipe\x00A", "staff": {}}]}, "teams.0.name"),
        ({"units": [{**unit, "name": "U" * 121}]}, "units.0.name"),
        ({"sites": [{"commune": "Tizgui", "name": " ", "lon": -7.0, "lat": 31.0}]}, "sites.0.name"),
    ]
    for change, field in cases:
        response = client.post("/api/caravans", json=_campaign(**change), params={"seed": 1})
        assert _fields(response) == {field}, change
    for seed in (-1, 2**32, 2**63):  # the solver takes 32-bit seeds
        response = client.post("/api/caravans", json=_campaign(), params={"seed": seed})
        assert _fields(response) == {"seed"}, seed
    bases = [{"name": "Hôpital\x00", "facility": "a/b"}]
    response = client.post("/api/caravans", json=_campaign(bases=bases))
    assert _fields(response) == {"bases.0.name", "bases.0.facility"}


def test_hostile_scenario_names_are_422_naming_the_field(client: TestClient) -> None:
    for name in ("Scénario\x00", "   ", "\u2066Tizgui", "S\u0441enario", "س" * 201):
        body = {"territory": "99.991", "add": 1, "name": name}
        assert _fields(client.post("/api/siting", json=body)) == {"name"}, name


def test_hostile_visit_records_are_422_naming_the_field(client: TestClient) -> None:
    body = {**_campaign(), "start": date.today().isoformat(), "end": date.today().isoformat()}
    planned = client.post("/api/caravans", json={**body, "rest_days": []}, params={"seed": 1})
    assert planned.status_code == 200, planned.text
    plan = planned.json()
    stop = plan["days"][0]["stops"][0]["number"]
    row = {"stop": stop, "kind": "consultation", "item": "general_medicine", "count": 3}
    referral = {**row, "kind": "referral", "facility": HP_TIZGUI, "service": "radiologie"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rows": [row], "recorded_by": "x" * 121}, "recorded_by"),
        ({"rows": [row], "recorded_by": "Amina\x00"}, "recorded_by"),
        ({"rows": [{**referral, "service": "radio\x00logie"}]}, "service"),
        ({"rows": [{**referral, "facility": "a\x00b"}]}, "facility"),
    ]
    for sent, field in cases:
        response = client.post(f"/api/caravans/{plan['id']}/records", json=sent)
        assert _fields(response) == {field}, sent
    assert client.get(f"/api/caravans/{plan['id']}/report").json()["totals"]["done"] == 0


@pytest.mark.parametrize("name", ["actor", "entity_id", "partner", "territory", "since"])
def test_a_nul_in_an_audit_filter_is_422_naming_it(client: TestClient, name: str) -> None:
    """PostgreSQL stores no NUL: a filter holding one was a 500 there; a 422 on both."""
    response = client.get("/api/audit", params={name: "a\x00b"})
    assert response.status_code == 422, response.text
    assert [item["field"] for item in response.json()["detail"]] == [name]
