"""The caravan endpoints: plan (a caravan coordinator of the region), outputs, notices
(public), records, report and referrals (the coordinator), with their bad inputs.

One private copy of the national database serves the whole module: one app, asked by a
coordinator of Fès-Meknès (a token) and by nobody, so that what nobody may not do is seen
not done. Planning takes seconds: the campaigns are planned once each."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account, as_someone
from tests.caravan_requests import campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

BASE = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
UNKNOWN = "cv-nope-000000"


@pytest.fixture(scope="module")
def database(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = national_db.private_copy(tmp_path_factory.mktemp("caravan"))
    yield url
    national_db.discard(url)


@pytest.fixture(scope="module")
def app(database: str) -> FastAPI:
    return create_app(Settings(database_url=database))


@pytest.fixture(scope="module")
def coordinator(app: FastAPI) -> Someone:
    """A caravan coordinator of Fès-Meknès (03), Boulemane's region."""
    factory = app.state.qurb.factory
    return add_account(factory, "coordinator", Role.CARAVAN_COORDINATOR, Scope(territories=["03"]))


@pytest.fixture(scope="module")
def editor(app: FastAPI, coordinator: Someone) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield as_someone(client, coordinator)


@pytest.fixture(scope="module")
def reader(app: FastAPI) -> Iterator[TestClient]:
    """Nobody signed in."""
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def future() -> dict[str, Any]:
    return campaign(date.today() + timedelta(days=14))


@pytest.fixture(scope="module")
def saved(editor: TestClient, future: dict[str, Any]) -> dict[str, Any]:
    """The future campaign, planned and saved by the local-mode app."""
    response = editor.post("/api/caravans", json=future, params={"seed": 1})
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def today_campaign(editor: TestClient) -> dict[str, Any]:
    """A one-day campaign today (every day a working day): its visits can be recorded."""
    body = campaign(date.today(), days=1, rest_days=[])
    response = editor.post("/api/caravans", json=body, params={"seed": 1})
    assert response.status_code == 200, response.text
    plan = dict(response.json())
    assert plan["id"] and plan["totals"]["visits"] >= 1
    return plan


def _stops(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for day in plan["days"] for s in day["stops"]]


def test_plan_is_saved_by_its_coordinator(
    editor: TestClient, saved: dict[str, Any], coordinator: Someone
) -> None:
    assert saved["id"].startswith("cv-")
    stops = _stops(saved)
    assert stops and saved["totals"]["visits"] == len(stops)
    assert saved["campaign"]["territory"]["code"] == "03.131"
    # The default gap part is 1 ESSP per 12,300: a national average, worded as such.
    assert saved["campaign"]["norm"] == "maroc-ratios-2023/essp-per-12300"
    assert saved["campaign"]["norm_kind"] == "reference_ratio"
    assert [s["code"] for s in saved["campaign"]["specialties"]] == [
        "general_medicine",
        "paediatrics",
    ]
    assert all(set(s["expected"]) == {"general_medicine", "paediatrics"} for s in stops)
    first = date.fromisoformat(saved["campaign"]["start"])
    assert all(first <= date.fromisoformat(s["date"]) < first + timedelta(days=5) for s in stops)

    got = editor.get(f"/api/caravans/{saved['id']}")
    assert got.status_code == 200, got.text
    body = got.json()
    assert set(body) == {"id", "plan", "spec"} and body["id"] == saved["id"]
    assert _stops(body["plan"]) == stops
    assert body["spec"]["territory"] == "03.131" and body["spec"]["units"][0]["name"]
    listed = editor.get("/api/caravans").json()
    mine = next(c for c in listed if c["id"] == saved["id"])
    assert mine["visits"] == len(stops) and mine["created_by"] == str(coordinator.account_id)


def test_nobody_and_a_coordinator_of_another_region_plan_nothing(
    app: FastAPI, reader: TestClient, saved: dict[str, Any], future: dict[str, Any]
) -> None:
    before = reader.get("/api/caravans").json()
    assert saved["id"] in [c["id"] for c in before]
    response = reader.post("/api/caravans", json=future, params={"seed": 1})
    assert (response.status_code, response.json()["code"]) == (401, "auth_required")
    tanger = add_account(
        app.state.qurb.factory, "tanger", Role.CARAVAN_COORDINATOR, Scope(territories=["01"])
    )
    response = reader.post("/api/caravans", json=future, headers=tanger.headers)
    assert (response.status_code, response.json()["code"]) == (403, "outside_scope")
    assert reader.get("/api/caravans").json() == before


def test_the_same_campaign_and_seed_plan_the_same_visits(
    editor: TestClient, saved: dict[str, Any], future: dict[str, Any]
) -> None:
    response = editor.post("/api/caravans", json=future, params={"seed": 1})
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["id"] and plan["id"] != saved["id"]
    assert [(s["code"], s["date"]) for s in _stops(plan)] == [
        (s["code"], s["date"]) for s in _stops(saved)
    ]


def test_nobody_records(reader: TestClient, saved: dict[str, Any]) -> None:
    row = {"stop": 1, "kind": "consultation", "item": "general_medicine", "count": 3}
    response = reader.post(f"/api/caravans/{saved['id']}/records", json={"rows": [row]})
    assert (response.status_code, response.json()["code"]) == (401, "auth_required")
    # The records and the report are not public: the page asks to sign in.
    assert reader.get(f"/api/caravans/{saved['id']}/report").status_code == 401
    page = reader.get(f"/caravans/{saved['id']}/report", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next=/caravans/{saved['id']}/report"


def test_bad_campaigns_are_422_naming_the_field(editor: TestClient, future: dict[str, Any]) -> None:
    before = editor.get("/api/caravans").json()
    past = {**future, "start": (date.today() - timedelta(days=3)).isoformat()}
    response = editor.post("/api/caravans", json=past)
    assert response.status_code == 422
    assert "start:" in response.json()["error"] and "in the past" in response.json()["error"]

    unit = copy.deepcopy(future["units"][0])
    unit["capacity"]["paediatrics"] = 0
    response = editor.post("/api/caravans", json={**future, "units": [unit]})
    assert response.status_code == 422
    assert "units[0] (Unité mobile 1).capacity.paediatrics: zero capacity" in response.text

    response = editor.post("/api/caravans", json={**future, "colour": "blue"})
    assert response.status_code == 422 and "colour" in response.json()["error"]
    response = editor.post("/api/caravans", json={k: v for k, v in future.items() if k != "end"})
    assert response.status_code == 422 and "end" in response.json()["error"]
    response = editor.post("/api/caravans", json=future, params={"time_limit_s": 61})
    assert response.status_code == 422 and "time_limit_s" in response.json()["error"]
    assert editor.get("/api/caravans").json() == before  # nothing was saved


def test_unknown_campaign_is_404(reader: TestClient, editor: TestClient) -> None:
    for client, url in (
        (reader, f"/api/caravans/{UNKNOWN}"),
        (reader, f"/api/caravans/{UNKNOWN}/routes.geojson"),
        (reader, f"/api/caravans/{UNKNOWN}/calendar.ics"),
        (reader, f"/api/caravans/{UNKNOWN}/plan.csv"),
        (editor, f"/api/caravans/{UNKNOWN}/report"),
        (reader, f"/caravans/{UNKNOWN}"),
        (editor, f"/caravans/{UNKNOWN}/report"),
        (reader, f"/caravans/{UNKNOWN}/notice/03.131.07.09"),
    ):
        assert client.get(url).status_code == 404, url
    assert UNKNOWN in reader.get(f"/api/caravans/{UNKNOWN}").json()["error"]
    page = reader.get(f"/caravans/{UNKNOWN}").text
    assert f"Campagne inconnue : {UNKNOWN}" in page  # French by default
    arabic = editor.get(f"/caravans/{UNKNOWN}/report", headers={"Accept-Language": "ar"}).text
    assert f"حملة غير معروفة: {UNKNOWN}" in arabic and 'dir="rtl"' in arabic
    english = reader.get(f"/caravans/{UNKNOWN}/notice/03.131.07.09?lang=en").text
    assert f"Unknown campaign: {UNKNOWN}" in english and 'lang="en"' in english


def _unfolded(ics: str) -> str:
    """An iCalendar text with its folded lines joined (RFC 5545 folds at 75 octets) and its
    escaped commas read back."""
    return ics.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")


def test_geojson_calendar_and_csv(reader: TestClient, saved: dict[str, Any]) -> None:
    stops = _stops(saved)
    response = reader.get(f"/api/caravans/{saved['id']}/routes.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    assert len(lines) == len(saved["days"]) and len(points) == len(stops)
    assert [p["properties"]["number"] for p in points] == [s["number"] for s in stops]

    response = reader.get(f"/api/caravans/{saved['id']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert f'filename="{saved["id"]}.ics"' in response.headers["content-disposition"]
    ics = response.text
    assert ics.count("BEGIN:VEVENT") == len(stops) == ics.count("END:VEVENT")
    assert "consultations" in ics and "Médecine générale" in ics  # French by default
    # The calendar in the asked language: ?lang= first, then Accept-Language.
    for query, header in (("?lang=ar", "en"), ("", "ar-MA,ar;q=0.9")):
        url = f"/api/caravans/{saved['id']}/calendar.ics{query}"
        arabic = _unfolded(reader.get(url, headers={"Accept-Language": header}).text)
        assert "الفحوصات" in arabic and "(بتوقيت المغرب)" in arabic and "الطب العام" in arabic
        assert stops[0]["name_ar"] in arabic  # the commune's Arabic name in the summary
    english = _unfolded(reader.get(f"/api/caravans/{saved['id']}/calendar.ics?lang=en").text)
    assert "(Morocco time)" in english and "General medicine" in english

    response = reader.get(f"/api/caravans/{saved['id']}/plan.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    comments = [line for line in response.text.split("\n") if line.startswith("#")]
    assert (
        comments[0].startswith("# Sources: Haut-Commissariat au Plan")
        and "CC BY 4.0" in comments[0]
    )
    lines_csv = [line for line in response.text.strip().split("\n") if not line.startswith("#")]
    assert lines_csv[0].startswith("number,date,unit,team,commune,code,place")
    assert "expected_general_medicine" in lines_csv[0]
    assert len(lines_csv) == 1 + len(stops)
    # Each expected_* column is named an estimate, with the catalogue's formula.
    formula = "target group of the commune (estimated from HCP age bands) × attendance rate"
    expected = [c for c in lines_csv[0].split(",") if c.startswith("expected_")]
    assert expected and all(f"# estimates.{c}: {formula}" in comments for c in expected)


def test_notice_of_a_visited_commune(reader: TestClient, saved: dict[str, Any]) -> None:
    visited = _stops(saved)[0]
    response = reader.get(f"/caravans/{saved['id']}/notice/{visited['code']}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert visited["name_fr"] in response.text and visited["name_ar"] in response.text
    assert 'dir="rtl"' in response.text
    codes = {s["code"] for s in _stops(saved)}
    not_visited = next(p["code"] for p in saved["priority"] if p["code"] not in codes)
    response = reader.get(f"/caravans/{saved['id']}/notice/{not_visited}")
    assert response.status_code == 404 and not_visited in response.text


def test_record_then_report_and_referrals(
    editor: TestClient, today_campaign: dict[str, Any]
) -> None:
    cid = today_campaign["id"]
    stop = _stops(today_campaign)[0]
    assert stop["date"] == date.today().isoformat()
    before = editor.get(f"/api/caravans/{cid}/report").json()
    row = next(r for r in before["stops"] if r["number"] == stop["number"])
    assert row["done"] is None and not row["recorded"]
    assert editor.get(f"/api/facilities/{BASE}/referrals").json() == []

    rows = [
        {"stop": stop["number"], "kind": "consultation", "item": "general_medicine",
         "sex": "F", "age_band": "15-49", "count": 12},
        {"stop": str(stop["number"]), "kind": "consultation", "item": "paediatrics",
         "sex": "M", "age_band": "0-4", "count": "5"},
        {"stop": stop["number"], "kind": "referral", "item": "general_medicine",
         "count": 2, "facility": BASE, "service": "radiologie"},
    ]  # fmt: skip
    response = editor.post(f"/api/caravans/{cid}/records", json={"rows": rows})
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 3}

    report = editor.get(f"/api/caravans/{cid}/report").json()
    row = next(r for r in report["stops"] if r["number"] == stop["number"])
    assert row["recorded"] and row["done"] == 17 and row["referrals"] == 2
    assert row["done_general_medicine"] == 12 and row["done_paediatrics"] == 5
    assert report["totals"]["done"] == 17 and report["totals"]["visits_recorded"] == 1
    assert report["consultations_by_sex_age"] == {"F 15-49": 12, "M 0-4": 5}

    referrals = editor.get(f"/api/facilities/{BASE}/referrals")
    assert referrals.status_code == 200
    [received] = referrals.json()
    assert received["facility_id"] == BASE and received["campaign_id"] == cid
    assert received["referrals"] == 2 and received["service"] == "radiologie"
    assert received["specialty"] == "general_medicine"
    assert editor.get("/api/facilities/no-such-facility/referrals").status_code == 404

    page = editor.get(f"/caravans/{cid}/report")
    assert page.status_code == 200 and "17 réalisées" in page.text
    # The expected patients' formula in the page's language (French by default).
    assert "groupe cible de la commune (estimé à partir des tranches" in page.text
    arabic = editor.get(f"/caravans/{cid}/report?lang=ar").text
    assert "الفئة المستهدفة في الجماعة" in arabic and "target group" not in arabic


def test_bad_record_is_422_and_records_nothing(
    editor: TestClient, today_campaign: dict[str, Any]
) -> None:
    cid = today_campaign["id"]
    stop = _stops(today_campaign)[0]["number"]
    before = editor.get(f"/api/caravans/{cid}/report").json()
    rows = [
        {"stop": stop, "kind": "consultation", "item": "general_medicine", "count": 4},
        {"stop": stop, "kind": "consultation", "item": "general_medicine", "count": -2},
    ]
    response = editor.post(f"/api/caravans/{cid}/records", json={"rows": rows})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "row 2: count: -2 is negative" in error and "nothing was recorded" in error
    assert "row 1" not in error
    # Each problem is also given on its own, with its row and field.
    assert response.json()["detail"] == [
        {"field": "count", "reason": "-2 is negative", "row": 2, "code": "negative"}
    ]
    assert response.json()["code"] == "not_recorded"
    assert editor.get(f"/api/caravans/{cid}/report").json() == before

    far = {"stop": 999, "kind": "screening", "item": "glycémie", "count": 1}
    response = editor.post(f"/api/caravans/{cid}/records", json={"rows": [far]})
    assert response.status_code == 422 and "stop: no visit number 999" in response.text
    response = editor.post(f"/api/caravans/{cid}/records", json={"rows": []})
    assert response.status_code == 422
    response = editor.post(f"/api/caravans/{UNKNOWN}/records", json={"rows": [far]})
    assert response.status_code == 404
    assert editor.get(f"/api/caravans/{cid}/report").json() == before


def test_future_visits_cannot_be_recorded(editor: TestClient, saved: dict[str, Any]) -> None:
    row = {"stop": 1, "kind": "consultation", "item": "general_medicine", "count": 3}
    response = editor.post(f"/api/caravans/{saved['id']}/records", json={"rows": [row]})
    assert response.status_code == 422 and "after today" in response.json()["error"]


def test_pages(reader: TestClient, saved: dict[str, Any]) -> None:
    listing = reader.get("/caravans")
    assert listing.status_code == 200 and "/static/js/caravan.js" in listing.text
    page = reader.get(f"/caravans/{saved['id']}")
    assert page.status_code == 200
    assert f'"campaignId": "{saved["id"]}"' in page.text
    assert "/static/vendor/leaflet/leaflet.js" in page.text
    assert 'href="/caravans"' in reader.get("/").text


def test_a_refused_record_reads_in_the_language_asked(
    editor: TestClient, today_campaign: dict[str, Any]
) -> None:
    cid = today_campaign["id"]
    stop = _stops(today_campaign)[0]["number"]
    rows = [{"stop": stop, "kind": "consultation", "item": "general_medicine", "count": -2}]
    said = {}
    for lang in ("fr", "ar", "en"):
        response = editor.post(
            f"/api/caravans/{cid}/records",
            json={"rows": rows},
            headers={"Accept-Language": f"{lang}-MA,{lang};q=0.9"},
        )
        assert response.status_code == 422
        said[lang] = response.json()
        assert said[lang]["code"] == "not_recorded"
        assert said[lang]["detail"][0]["code"] == "negative"
    assert said["fr"]["error"] == (
        "1 problème, rien n'a été enregistré :\n  - records : ligne 1 : count : -2 est négatif"
    )
    assert said["fr"]["detail"][0]["reason"] == "-2 est négatif"
    assert said["ar"]["error"] == (
        "مشكلة واحدة (1)، لم يُسجَّل شيء:\n  - records: السطر 1: count: -2 سالب"
    )
    assert said["ar"]["detail"][0]["reason"] == "-2 سالب"
    assert said["en"]["error"] == (
        "1 problem(s), nothing was recorded:\n  - records: row 1: count: -2 is negative"
    )
    # No Accept-Language, or none of the three: English, as before.
    plain = editor.post(f"/api/caravans/{cid}/records", json={"rows": rows})
    assert plain.json() == said["en"]
    other = editor.post(
        f"/api/caravans/{cid}/records", json={"rows": rows}, headers={"Accept-Language": "de"}
    )
    assert other.json() == said["en"]
