"""The server's refusals read in the page's language, in a real headless Chromium: a
refused caravan record, a facility row the registry refuses and a campaign that does not
exist (404), each switched between French, Arabic and English with the language buttons.

Same server, browser and skip rules as test_e2e.py (a private copy of the national
database; skipped without Chromium or Playwright); screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.caravan_requests import campaign
from tests.environment import ARTIFACTS

COMMUNE = "03.231.01.15"  # Oulad Tayeb (Fès)


def _switch(page: Any, lang: str, ready: str) -> None:
    page.click(f"[data-lang={lang}]")
    page.wait_for_selector(f"html[lang={lang}]")
    page.wait_for_selector(f"body[data-ready='{ready}']")


def test_a_refused_record_in_three_languages(page) -> None:  # type: ignore[no-untyped-def]
    body = campaign(date.today() + timedelta(days=14))
    plan = httpx.post(
        f"{page.base}/api/caravans",
        json=body,
        params={"seed": 1},
        headers=page.auth,
        timeout=120,
    )
    assert plan.status_code == 200, plan.text
    cid = plan.json()["id"]
    first = plan.json()["days"][0]["stops"][0]
    page.goto(page.base + f"/caravans/{cid}")
    page.wait_for_selector(f"body[data-ready='{cid}']", timeout=20_000)
    said = {}
    for lang in ("fr", "ar", "en"):
        if lang != "fr":
            _switch(page, lang, cid)
        form = page.locator("#cv-record-form")  # drawn again in the language
        form.locator("select[name=stop]").select_option(str(first["number"]))
        form.locator("tr[data-row='0'] [data-field=item]").select_option("general_medicine")
        form.locator("tr[data-row='0'] [data-field=count]").fill("3")
        page.locator("#cv-record-form [data-action=record]").click()
        refusal = page.locator(f"#cv-record .errors:text-matches('{_RECORD[lang]}')")
        refusal.wait_for(timeout=10_000)
        said[lang] = refusal.inner_text()
        page.screenshot(path=str(ARTIFACTS / f"20-record-refused-{lang}.png"), full_page=True)
    day = first["date"]
    n = first["number"]
    assert said["fr"] == (
        "1 problème, rien n'a été enregistré :\n"
        f"  - records : ligne 1 : stop : la visite {n} est prévue le {day}, après aujourd'hui"
    )
    assert said["ar"] == (
        "مشكلة واحدة (1)، لم يُسجَّل شيء:\n"
        f"  - records: السطر 1: stop: الزيارة {n} مقررة يوم {day}، بعد اليوم"
    )
    assert said["en"] == (
        "1 problem(s), nothing was recorded:\n"
        f"  - records: row 1: stop: visit {n} is planned for {day}, after today"
    )


# What each language's message begins with: the refusal shown is the new one.
_RECORD = {"fr": "^1 problème", "ar": "^مشكلة واحدة", "en": "^1 problem"}


def test_a_refused_facility_row_in_three_languages(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + f"/#{COMMUNE}")
    page.wait_for_selector(f"body[data-ready='{COMMUNE}']", timeout=15_000)
    reasons = {}
    for lang in ("fr", "ar", "en"):
        if lang != "fr":
            _switch(page, lang, COMMUNE)
        page.click("#panel [data-action=add]")
        page.fill("#editor input[name=name]", "Douar hors du Maroc")
        page.fill("#editor input[name=lon]", "2.35")
        page.fill("#editor input[name=lat]", "48.85")
        page.click("#editor [data-action=save]")
        page.wait_for_selector("#editor .errors:not([hidden])", timeout=10_000)
        assert page.locator("#editor input[name=lon][aria-invalid=true]").count() == 1
        reasons[lang] = (
            page.locator("#editor .errors .message").inner_text(),
            page.locator("#editor .errors li[data-field='lon/lat']").inner_text(),
        )
        page.screenshot(path=str(ARTIFACTS / f"21-facility-refused-{lang}.png"))
        page.click("#editor [data-action=cancel]")
    assert reasons["fr"][0] == (
        "1 problème, rien n'a été écrit : champ « lon/lat » : "
        "(2.35, 48.85) est hors du Maroc (lon, lat en degrés WGS84)"
    )
    assert reasons["ar"][1].endswith("(2.35، 48.85) خارج المغرب (lon، lat بدرجات WGS84)")
    assert reasons["en"][0] == (
        "1 problem(s), nothing was written: field 'lon/lat': "
        "(2.35, 48.85) is outside Morocco (lon, lat in WGS84 degrees)"
    )
    # Nothing was written.
    listed = httpx.get(f"{page.base}/api/facilities", params={"territory": COMMUNE}).json()
    assert all(f["name"] != "Douar hors du Maroc" for f in listed["items"])


def test_a_404_in_three_languages(page) -> None:  # type: ignore[no-untyped-def]
    """A territory that does not exist: the map's panel says so in the page's language,
    which the language buttons choose (and the page keeps when it is opened again)."""
    page.goto(page.base + "/#99.999")
    error = page.locator("#panel .error[role=alert]")
    error.wait_for(timeout=10_000)
    shown = {"fr": error.inner_text()}
    for lang in ("ar", "en"):
        page.click(f"[data-lang={lang}]")
        page.wait_for_selector(f"html[lang={lang}]")
        page.reload()
        page.wait_for_selector(f"html[lang={lang}]")
        error.wait_for(timeout=10_000)
        shown[lang] = error.inner_text()
    assert shown["fr"] == "Impossible de charger les données : aucun territoire de code '99.999'"
    assert shown["ar"] == "تعذر تحميل البيانات : لا يوجد تراب بالرمز '99.999'"
    assert shown["en"] == "Could not load the data : no territory coded '99.999'"
    page.screenshot(path=str(ARTIFACTS / "22-not-found-en.png"))
