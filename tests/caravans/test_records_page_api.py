"""What the caravan page's record section and documents ask of the server: a records file
(CSV or XLSX, all rows or none, every bad row named), its template, the controlled list of
screenings, the report's codes named in French, Arabic and English, and a unit's road
sheet (its stops are the plan's, its legs the planning model's, its contacts the
campaign's or "unknown").

One private copy of the national database serves the module; a one-day Boulemane
campaign planned today (so that its visits can be recorded) by a coordinator of
Fès-Meknès."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from typing import Any

import pytest
from fastapi import FastAPI

from qurb.app.web import create_app
from qurb.caravans.catalogue import screenings
from qurb.caravans.visit_record import RECORD_COLUMNS
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account, as_someone
from tests.caravan_requests import BASE, campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

UNIT = "Unité mobile 1"
PARTNER_PHONE = "+212 535 00 00 00"


@pytest.fixture(scope="module")
def app(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    url = national_db.private_copy(tmp_path_factory.mktemp("caravan-records"))
    yield create_app(Settings(database_url=url))
    national_db.discard(url)


@pytest.fixture(scope="module")
def coordinator(app: FastAPI) -> Someone:
    factory = app.state.qurb.factory
    return add_account(factory, "records", Role.CARAVAN_COORDINATOR, Scope(territories=["03"]))


@pytest.fixture(scope="module")
def editor(app: FastAPI, coordinator: Someone) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield as_someone(client, coordinator)


@pytest.fixture(scope="module")
def reader(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def planned(editor: TestClient) -> dict[str, Any]:
    """A one-day campaign today: the partner gives a phone, the base none."""
    body = campaign(
        date.today(),
        days=1,
        rest_days=[],
        partners=[{"name": "Délégation provinciale de Boulemane", "contact": PARTNER_PHONE}],
    )
    response = editor.post("/api/caravans", json=body, params={"seed": 1})
    assert response.status_code == 200, response.text
    plan = dict(response.json())
    assert plan["id"] and plan["totals"]["visits"] >= 1
    return plan


def _stops(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for day in plan["days"] for s in day["stops"]]


def _upload(client: TestClient, cid: str, text: str, name: str = "visites.csv") -> Any:
    return client.post(
        f"/api/caravans/{cid}/records/file",
        files={"file": (name, text.encode("utf-8"), "text/csv")},
        headers={"Accept-Language": "fr"},
    )


def test_the_vocabulary_gives_the_screenings_with_their_programme_and_source(
    reader: TestClient,
) -> None:
    vocabulary = reader.get("/api/caravans/vocabulary").json()
    listed = {s["code"]: s for s in vocabulary["screenings"]}
    assert set(listed) == set(screenings())
    glycaemia = listed["glycaemia"]
    assert glycaemia["programme"] == "diabetes"
    assert glycaemia["label_ar"] and glycaemia["label_en"].startswith("Capillary blood glucose")
    assert "diabète" in glycaemia["programme_fr"] and "1995" in glycaemia["source"]
    assert all(s["source"].strip() for s in vocabulary["screenings"])


def test_a_records_csv_with_bad_rows_names_every_row_and_records_nothing(
    editor: TestClient, planned: dict[str, Any]
) -> None:
    cid = planned["id"]
    stop = _stops(planned)[0]["number"]
    before = editor.get(f"/api/caravans/{cid}/report").json()
    text = (
        ",".join(RECORD_COLUMNS) + "\n"
        f"{stop},consultation,general_medicine,F,15-49,4,,\n"  # line 2: good
        f"{stop},consultation,general_medicine,F,15-49,-3,,\n"  # line 3: negative count
        f"{stop},screening,glycémie,,,2,,\n"  # line 4: not a screening of the list
        f"{stop},vaccination,general_medicine,,,1,,\n"  # line 5: no such kind
        f"999,medicine,paracétamol,,,1,,\n"  # line 6: no such visit
    )
    response = _upload(editor, cid, text)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "not_recorded"
    found = [(d["row"], d["field"], d["code"]) for d in body["detail"]]
    assert found == [
        (3, "count", "negative"),
        (4, "item", "not_a_screening"),
        (5, "kind", "not_one_of"),
        (6, "stop", "no_visit"),
    ]
    # Worded in French, each line naming the file and the row.
    assert "rien n'a été enregistré" in body["error"]
    for line in (3, 4, 5, 6):
        assert f"visites.csv : ligne {line} :" in body["error"]
    assert "ligne 2" not in body["error"]
    assert editor.get(f"/api/caravans/{cid}/report").json() == before


def test_a_records_file_of_another_type_or_empty_is_refused_naming_it(
    editor: TestClient, planned: dict[str, Any]
) -> None:
    cid = planned["id"]
    response = editor.post(
        f"/api/caravans/{cid}/records/file",
        files={"file": ("visites.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert response.status_code == 422 and response.json()["code"] == "unsupported_file_type"
    assert "visites.pdf" in response.json()["error"]
    # The file sent as the body itself, not as a form's part: refused, naming the part.
    response = editor.post(
        f"/api/caravans/{cid}/records/file",
        content=b"stop,kind,item,count\n1,consultation,general_medicine,3\n",
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 422 and response.json()["code"] == "upload_without_file"
    response = _upload(editor, cid, "")
    assert response.status_code == 422 and response.json()["code"] == "empty_file"
    assert "visites.csv" in response.json()["error"] and "/tmp" not in response.text


def test_a_screening_not_in_the_list_is_refused(
    editor: TestClient, planned: dict[str, Any]
) -> None:
    cid = planned["id"]
    stop = _stops(planned)[0]["number"]
    row = {"stop": stop, "kind": "screening", "item": "glycémie", "count": 3}
    response = editor.post(f"/api/caravans/{cid}/records", json={"rows": [row]})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["row"], problem["field"], problem["code"]) == (1, "item", "not_a_screening")
    assert "'glycémie' is not a screening of the list" in problem["reason"]
    assert "glycaemia" in problem["reason"]  # the list is named


def test_the_template_s_header_is_the_record_columns(
    reader: TestClient, planned: dict[str, Any]
) -> None:
    response = reader.get(f"/api/caravans/{planned['id']}/records/template.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text == "stop,kind,item,sex,age_band,count,facility,service\n"
    assert reader.get("/api/caravans/cv-nope-000000/records/template.csv").status_code == 404


def test_a_records_file_then_the_report_named_in_each_language(
    editor: TestClient, reader: TestClient, planned: dict[str, Any]
) -> None:
    cid = planned["id"]
    stop = _stops(planned)[0]
    text = (
        "stop;kind;item;sex;age_band;count;facility;service\n"  # a French spreadsheet's CSV
        f"{stop['number']};consultation;general_medicine;F;15-49;12;;\n"
        f"{stop['number']};consultation;paediatrics;M;0-4;5;;\n"
        f"{stop['number']};screening;glycaemia;;;7;;\n"
        f"{stop['number']};medicine;Paracétamol 500 mg;;;20;;\n"
        f"{stop['number']};referral;general_medicine;F;15-49;2;{BASE};radiologie\n"
    )
    response = _upload(editor, cid, text)
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 5}
    # Without ?lang= the report is as before: codes, no labels.
    plain = editor.get(f"/api/caravans/{cid}/report").json()
    assert plain["labels"] is None
    assert plain["screenings_by_item"] == {"glycaemia": 7}
    assert plain["medicines_by_item"] == {"Paracétamol 500 mg": 20}
    assert plain["consultations_by_sex_age"] == {"F 15-49": 12, "M 0-4": 5}

    expected = {  # specialty, screening, women 15-49, men 0-4
        "fr": ("Médecine générale", "Glycémie capillaire", "Femmes, 15 à 49 ans",
               "Hommes, 0 à 4 ans"),
        "ar": ("الطب العام", "قياس السكر في الدم الشعري", "نساء، من 15 إلى 49 سنة",
               "رجال، من 0 إلى 4 سنوات"),
        "en": ("General medicine", "Capillary blood glucose", "Women, 15 to 49 years",
               "Men, 0 to 4 years"),
    }  # fmt: skip
    category = {"fr": "Hôpital provincial", "ar": "مستشفى إقليمي", "en": "Provincial / prefectural"}
    for lang, (medicine, screening, women, boys) in expected.items():
        labels = editor.get(f"/api/caravans/{cid}/report", params={"lang": lang}).json()["labels"]
        assert labels["lang"] == lang
        assert labels["specialties"]["general_medicine"] == medicine
        assert labels["screenings"]["glycaemia"].startswith(screening)
        assert labels["sex_age"] == {"F 15-49": women, "M 0-4": boys}
        kind = {"fr": "Dépistage", "ar": "كشف مبكر", "en": "Screening"}[lang]
        assert labels["kinds"]["screening"] == kind
        name = stop["name_ar"] if lang == "ar" else stop["name_fr"]
        assert labels["communes"][stop["code"]] == name
        assert labels["facilities"][BASE].startswith("Marche Verte (")  # its registry name
        assert category[lang] in labels["facilities"][BASE]

    # The printable report in Arabic: names, not codes.
    page = editor.get(f"/caravans/{cid}/report", params={"lang": "ar"})
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    shown = unescape(page.text)
    for words in (*expected["ar"], stop["name_ar"], "Paracétamol 500 mg", "مستشفى إقليمي"):
        assert words in shown, words
    tables = re.findall(r"<table data-table=\"(?:sex-age|screenings)\">.*?</table>", shown, re.S)
    assert len(tables) == 2
    for code in ("glycaemia", "F 15-49", "M 0-4"):
        assert all(code not in table for table in tables)
    assert reader.get(f"/api/caravans/{cid}/report", params={"lang": "ar"}).status_code == 401


def _sheet_rows(html: str) -> list[tuple[str, list[int]]]:
    """(date, visit numbers in order) of each day of a road sheet."""
    days = re.findall(r'<section class=day data-date="([\d-]+)"[^>]*>(.*?)</section>', html, re.S)
    return [
        (day, [int(n) for n in re.findall(r'<tr data-stop="(\d+)"', body)]) for day, body in days
    ]


def test_the_road_sheet_s_stops_are_the_plan_s(
    editor: TestClient, reader: TestClient, planned: dict[str, Any]
) -> None:
    cid = planned["id"]
    response = editor.get(f"/caravans/{cid}/roadsheet", params={"unit": UNIT, "lang": "fr"})
    assert response.status_code == 200, response.text
    html = unescape(response.text)
    routes = [d for d in planned["days"] if d["unit"] == UNIT]
    assert _sheet_rows(html) == [(d["date"], [s["number"] for s in d["stops"]]) for d in routes]
    for stop in _stops(planned):
        row = re.search(rf'<tr data-stop="{stop["number"]}".*?</tr>', html, re.S)
        assert row is not None
        assert stop["name_fr"] in row.group(0) and stop["arrival"] in row.group(0)
        assert stop["departure"] in row.group(0)
    # Each leg's km from the model that planned the route: they add up to the route's.
    for route in routes:
        body = re.search(rf'data-date="{route["date"]}"[^>]*>(.*?)</section>', html, re.S)
        assert body is not None
        legs = [
            float(k.replace("\u202f", "").replace(",", "."))
            for k in re.findall(r"data-field=km>([\d,\u202f ]+)</td>", body.group(1))
        ]
        assert len(legs) == len(route["stops"]) + 1
        assert abs(sum(legs) - route["distance_km"]) <= 0.1 * len(legs)
    # Contacts: the partner's phone as given; the base gave none: unknown.
    partner = re.search(r"<tr data-contact=partner>.*?</tr>", html, re.S)
    base = re.search(r"<tr data-contact=base>.*?</tr>", html, re.S)
    assert partner is not None and PARTNER_PHONE in partner.group(0)
    assert base is not None and "inconnu" in base.group(0)
    # The route drawn: one line per route, one mark per stop, over the communes.
    assert html.count("<polyline class=route") == len(routes)
    assert html.count("<g class=stop") == sum(len(r["stops"]) for r in routes)
    assert html.count("<path d=") > 10  # Boulemane's communes
    assert "/static/css/roadsheet.css" in html  # the print rules

    arabic = editor.get(f"/caravans/{cid}/roadsheet", params={"unit": UNIT, "lang": "ar"})
    assert 'dir="rtl"' in arabic.text and _stops(planned)[0]["name_ar"] in unescape(arabic.text)
    assert "غير معروف" in unescape(arabic.text)

    unknown = editor.get(f"/caravans/{cid}/roadsheet", params={"unit": "Unité 9"})
    assert unknown.status_code == 404 and "Unité 9" in unescape(unknown.text)
    # Nobody signed in is sent to sign in first (the sheet carries the contacts).
    nobody = reader.get(f"/caravans/{cid}/roadsheet", params={"unit": UNIT}, follow_redirects=False)
    assert nobody.status_code == 303 and nobody.headers["location"].startswith("/sign-in?next=")
