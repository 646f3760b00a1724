"""The pages from templates: every name, label and setting a page shows is escaped where
it is written, the page's configuration is a JSON data block its script reads back as it
was given, and the caravan page's codes come from the API."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from qurb.app.web import create_app
from qurb.caravans.catalogue import screenings, specialties
from qurb.caravans.model import AGE_BAND_CODES, RECORD_KINDS, SEXES
from qurb.caravans.priority import PARTS
from qurb.kernel.definitions import FigureDefinition, FigureKind
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone
from tests.caravan_requests import campaign
from tests.web_clients import TestClient

HOSTILE = '<script>alert("x")</script> "quoted" & co'
# What autoescaping makes of it, in text and in a quoted attribute alike.
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#34;quoted&#34; &amp; co"


def _config(page: str) -> dict[str, Any]:
    block = re.search(r'<script type="application/json" id="qurb-config">(.*?)</script>', page)
    assert block, "no configuration block"
    value: dict[str, Any] = json.loads(block.group(1))
    return value


@pytest.fixture
def hostile_client(scratch_db: str) -> Any:
    settings = Settings(
        database_url=scratch_db,
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        tile_attribution=HOSTILE,
    )
    app = create_app(settings)
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield as_someone(client, tester)


def test_the_report_page_reads_in_the_language_asked(hostile_client) -> None:
    planned = hostile_client.post(
        "/api/caravans", json=campaign(date.today() + timedelta(days=14)), params={"seed": 1}
    )
    assert planned.status_code == 200, planned.text
    plan = planned.json()
    path = f"/caravans/{plan['id']}/report"
    first = plan["days"][0]["stops"][0]

    def shown(lang: str | None, accept: str | None) -> str:
        headers = {"Accept-Language": accept} if accept else {}
        response = hostile_client.get(path, params={"lang": lang} if lang else {}, headers=headers)
        assert response.status_code == 200
        return str(response.text)

    # ?lang= first, then Accept-Language, then French.
    arabic = shown(None, "ar-MA,ar;q=0.9,fr;q=0.5")
    assert '<html lang="ar" dir="rtl">' in arabic and "حسب الزيارة" in arabic
    assert f"<td>{first['name_ar']}</td>" in arabic
    english = shown("en", "ar")
    assert '<html lang="en" dir="ltr">' in english and "By visit" in english
    assert '<html lang="fr" dir="ltr">' in shown(None, None)
    assert '<html lang="fr" dir="ltr">' in shown("de", "de-DE,es;q=0.8")
    assert '<html lang="ar" dir="rtl">' in shown("ar", "en")


def test_the_configuration_block_holds_any_text_and_cannot_be_closed(hostile_client) -> None:
    for path in ("/", "/caravans"):
        page = hostile_client.get(path).text
        # Each script element closed once: the value's "</script>" is written \u003c/script>.
        assert page.count("</script>") == page.count("<script"), path
        assert "<script>alert" not in page, path
        assert _config(page)["tileAttribution"] == HOSTILE, path
    assert _config(hostile_client.get("/sheet/03.271").text) == {"code": "03.271"}


def test_a_campaign_notice_and_report_escape_its_names(hostile_client) -> None:
    body = campaign(
        date.today() + timedelta(days=14),
        name=f"Caravane {HOSTILE}",
        partners=[{"name": f"Association {HOSTILE}"}],
    )
    unit = f"Unité {HOSTILE}"
    body["units"][0]["name"] = unit
    planned = hostile_client.post("/api/caravans", json=body, params={"seed": 1})
    assert planned.status_code == 200, planned.text
    plan = planned.json()
    code = plan["days"][0]["stops"][0]["code"]
    notice = hostile_client.get(f"/caravans/{plan['id']}/notice/{code}").text
    report = hostile_client.get(f"/caravans/{plan['id']}/report").text
    for page in (notice, report):
        assert "<script>alert" not in page and "<script" not in page
        assert f"Caravane {ESCAPED}" in page
        # The title too: one title element, the name escaped inside it.
        assert re.search(r"<title>Caravane &lt;script&gt;[^<]*</title>", page)
    assert f"Partenaires : Association {ESCAPED}." in notice
    assert f"الشركاء: <bdi>Association {ESCAPED}</bdi>." in notice
    assert report.count(f"<td><bdi>Unité {ESCAPED}</bdi></td>") == plan["totals"]["visits"]
    # Served, the notice links the document style sheet (the CSP forbids inline style).
    assert '<link rel="stylesheet" href="/static/layout/document.css">' in notice
    assert "<style>" not in notice and "<style>" not in report
    css = hostile_client.get("/static/layout/document.css")
    assert css.status_code == 200 and "section[dir=rtl]" in css.text


def test_the_definitions_page_escapes_the_catalogue(
    read_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    figure = FigureDefinition(
        id="hostile_figure",
        group="census",
        kind=FigureKind.ESTIMATE,
        name={"fr": HOSTILE, "ar": HOSTILE, "en": HOSTILE},
        definition={"fr": HOSTILE, "ar": HOSTILE, "en": HOSTILE},
        formula=HOSTILE,
        source=HOSTILE,
        date="2024",
        fields=(),
    )
    monkeypatch.setattr("qurb.app.features.figures", lambda: (figure,))
    page = read_client.get("/definitions", params={"lang": "ar"}).text
    assert "<script" not in page
    assert f'<th scope="row">{ESCAPED} * <code dir="ltr">hostile_figure</code></th>' in page
    assert f'<td class="formula" dir="ltr">{ESCAPED}</td>' in page
    assert page.count(ESCAPED) == 4  # its name, definition, formula and source


def test_a_not_found_page_escapes_its_message() -> None:
    from qurb.app.pages import not_found_page

    page = bytes(not_found_page(f"unknown: {HOSTILE}").body).decode()
    assert f"<p>unknown: {ESCAPED}</p>" in page and "<script" not in page


def test_the_caravan_codes_come_from_the_api(read_client) -> None:
    answer = read_client.get("/api/caravans/vocabulary")
    assert answer.status_code == 200
    listed = answer.json()
    assert [s["code"] for s in listed.pop("screenings")] == list(screenings())
    assert listed.pop("item_lists") == {
        "consultation": "specialties",
        "screening": "screenings",
        "medicine": "free_text",
        "referral": "specialties",
    }
    assert listed.pop("facility_kinds") == ["referral"]
    assert listed == {
        "record_kinds": ["consultation", "screening", "medicine", "referral"],
        "age_bands": ["0-4", "5-14", "15-49", "50-59", "60+"],
        "sexes": ["F", "M"],
        "priority_parts": [
            "beyond_threshold",
            "rural_share",
            "paved_road_km",
            "norm_gap",
            "children_0_4",
            "women_15_49",
            "people_60_plus",
        ],
        "specialties": [
            {"code": code, **{f"label_{x}": s[f"label_{x}"] for x in ("fr", "ar", "en")}}
            for code, s in specialties().items()
        ],
    }
    assert answer.json()["record_kinds"] == list(RECORD_KINDS)
    assert answer.json()["age_bands"] == list(AGE_BAND_CODES) and list(SEXES) == ["F", "M"]
    assert answer.json()["priority_parts"] == list(PARTS)
    schema = read_client.get("/openapi.json").json()
    ok = schema["paths"]["/api/caravans/vocabulary"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/CaravanVocabulary")
    # The page copies none of them.
    scripts = Path(__file__).resolve().parents[2] / "src/qurb/app/static/js"
    for name in ("caravan.js", "caravan_record.js"):
        text = (scripts / name).read_text(encoding="utf-8")
        assert '"beyond_threshold"' not in text and '"50-59"' not in text
        assert '"screening"' not in text and '"referral"' not in text and '"glycaemia"' not in text
