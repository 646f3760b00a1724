"""What the API's OpenAPI document promises is what it answers: errors are JSON on every
route (a GeoJSON or CSV route too), and a 405 names every method its resource takes.
Each case here was found by the API fuzzing run (`test_api_fuzz.py`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone
from tests.regions import HP_TIZGUI
from tests.versions import ANY_VERSION
from tests.web_clients import TestClient


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


def test_errors_of_geojson_and_file_routes_are_documented_as_json(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/facilities.geojson",
        "/api/layers/{layer}",
        "/api/caravans/{campaign_id}/routes.geojson",
        "/api/caravans/{campaign_id}/calendar.ics",
        "/api/caravans/{campaign_id}/plan.csv",
    ):
        responses = spec["paths"][path]["get"]["responses"]
        for status in ("404", "422"):
            assert set(responses[status]["content"]) == {"application/json"}, (path, status)
    answer = client.get("/api/facilities.geojson", params={"category": "XX"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/json"
    answer = client.get("/api/layers/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/facilities", "GET, POST"),
        (f"/api/facilities/{HP_TIZGUI}", "GET, PATCH"),
        ("/api/caravans", "GET, POST"),
        ("/api/access/what-if", "POST"),
        ("/api/siting", "POST"),
        ("/api/territories/99.991", "GET"),
    ],
)
def test_a_405_allows_every_method_of_its_resource(
    client: TestClient, path: str, allowed: str
) -> None:
    answer = client.request("OPTIONS", path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allowed


def test_a_facility_update_documents_the_fields_that_cannot_be_emptied(
    client: TestClient,
) -> None:
    """name, category, lon and lat may be left out of a PATCH, never sent as null: the
    schema says so, as the server does (422 naming the field)."""
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/facilities/{facility_id}"]["patch"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = spec["components"]["schemas"][ref]["properties"]
    for name in ("name", "category", "lon", "lat"):
        assert "anyOf" not in properties[name], name
        assert properties[name]["type"] in ("string", "number"), name
    assert {"type": "null"} in properties["beds"]["anyOf"]  # beds may be emptied (unknown)
    answer = client.patch(
        f"/api/facilities/{HP_TIZGUI}", json={"category": None}, headers=ANY_VERSION
    )
    assert answer.status_code == 422
    assert [item["field"] for item in answer.json()["detail"]] == ["category"]


def test_a_campaign_documents_the_bounds_of_its_staff_and_capacities(client: TestClient) -> None:
    """A team's staff is 0..5,000 per specialty, a unit's consultations a day at most
    5,000: the schema says so, as the server does."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    staff = schemas["Team"]["properties"]["staff"]["additionalProperties"]
    capacity = schemas["Unit"]["properties"]["capacity"]["additionalProperties"]
    assert (staff["type"], staff["minimum"], staff["maximum"]) == ("integer", 0, 5000)
    assert (capacity["type"], capacity["maximum"]) == ("integer", 5000)


def test_names_document_what_the_server_refuses(client: TestClient) -> None:
    """A name has a letter that is not a space, no NUL and no bidi override: its schema
    pattern says so (the server also refuses Latin mixed with Cyrillic look-alikes, which
    no pattern can say)."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    patterns = [
        schemas["FacilityCreateRequest"]["properties"]["name"]["pattern"],
        schemas["Team"]["properties"]["name"]["pattern"],
        schemas["SitingBody"]["properties"]["name"]["anyOf"][0]["pattern"],
    ]
    for pattern in patterns:
        for refused in (" ", "\x0b\x85", "\u3000", "CSR\x00", "\u202eCSR"):
            assert re.search(pattern, refused) is None, (pattern, refused)
        for kept in ("CSR Tizgui", "  مستشفى \u200fCHU\u200f  ", "x"):
            assert re.search(pattern, kept) is not None, (pattern, kept)
    answer = client.post(
        "/api/facilities", json={"name": "\x85", "category": "CSR-1", "commune": "Tizgui"}
    )
    assert answer.status_code == 422
    assert [item["field"] for item in answer.json()["detail"]] == ["name"]


def test_a_reopening_reason_is_said_without_nul(client: TestClient) -> None:
    """PostgreSQL stores no NUL: a reason holding one was a 500 there; it is a 422 naming
    the field on both, and the schema's pattern says a reason is not blank and has none."""
    closed = client.post(
        f"/api/facilities/{HP_TIZGUI}/close", json={"reason": "merged"}, headers=ANY_VERSION
    )
    assert closed.status_code == 200, closed.text
    for refused in ("\x85", "why\x00"):
        answer = client.post(
            f"/api/facilities/{HP_TIZGUI}/reopen", json={"reason": refused}, headers=ANY_VERSION
        )
        assert answer.status_code == 422, refused
        assert [item["field"] for item in answer.json()["detail"]] == ["reason"]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    reason = schemas["FacilityReopenRequest"]["properties"]["reason"]["pattern"]
    for refused in (" ", "\x0b\x85", "why\x00"):
        assert re.search(reason, refused) is None, refused
    assert re.search(reason, " staff back ") is not None
