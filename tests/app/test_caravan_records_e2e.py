"""A caravan coordinator records what a day's visits gave, in a real headless Chromium, in
French and in Arabic, at a phone's size (390×844) and a laptop's (1366×768): a visit
recorded from the grid (a screening of the list, then a consultation whose specialty
stays chosen after the save), a file with bad rows refused row by row, another visit
recorded from a CSV upload, the report read in Arabic (labels, not codes), and the unit's
road sheet opened and laid out for print.

The campaign is planned in the setup through the API: Boulemane, one day, today (so that
its visits can be recorded). Screenshots in test-artifacts/journeys/, named by journey,
size and language. Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from qurb.kernel.i18n import translate
from tests.browser import TOKEN_HEADERS
from tests.caravan_requests import campaign
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
FOLDER = ARTIFACTS / "journeys"
UNIT = "Unité mobile 1"
LINE = {"fr": "ligne 3", "ar": "السطر 3"}


def _plan(base: str) -> dict[str, Any]:
    body = campaign(
        date.today(),
        days=1,
        rest_days=[],
        partners=[{"name": "Délégation provinciale de Boulemane", "contact": "+212 535 00 00 00"}],
    )
    response = httpx.post(
        f"{base}/api/caravans",
        json=body,
        params={"seed": 1},
        headers=TOKEN_HEADERS[base],
        timeout=120,
    )
    assert response.status_code == 200, response.text
    plan: dict[str, Any] = response.json()
    return plan


def _report(base: str, cid: str) -> dict[str, Any]:
    answer = httpx.get(f"{base}/api/caravans/{cid}/report", headers=TOKEN_HEADERS[base])
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_day_of_visits_recorded_reported_and_its_road_sheet(  # type: ignore[no-untyped-def]
    page, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    plan = _plan(page.base)
    cid = plan["id"]
    stops = [s for d in plan["days"] for s in d["stops"]]
    first, last = stops[0], stops[-1]

    page.goto(f"{page.base}/caravans/{cid}?lang={lang}")
    page.wait_for_selector(f"body[data-ready='{cid}']", timeout=20_000)
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")

    # The grid: the first visit; a screening of the list, then a consultation.
    form = page.locator("#cv-record-form")
    form.locator("select[name=stop]").select_option(str(first["number"]))
    row = form.locator("tr[data-row='0']")
    row.locator("[data-field=kind]").select_option("screening")
    screenings = form.locator("tr[data-row='0'] [data-field=item] option")
    expect(screenings).to_have_count(8)  # "—" and the seven screenings of caravan.toml
    form.locator("tr[data-row='0'] [data-field=item]").select_option("glycaemia")
    form.locator("tr[data-row='0'] [data-field=count]").fill("4")
    form.locator("[data-action=add-row]").click()
    second = form.locator("tr[data-row='1']")
    second.locator("[data-field=kind]").select_option("consultation")
    form.locator("tr[data-row='1'] [data-field=item]").select_option("general_medicine")
    form.locator("tr[data-row='1'] [data-field=sex]").select_option("F")
    form.locator("tr[data-row='1'] [data-field=age_band]").select_option("15-49")
    form.locator("tr[data-row='1'] [data-field=count]").fill("9")
    form.locator("[data-action=record]").click()
    done = translate(lang, "caravan.record.done", {"count": 2})
    expect(page.locator("#cv-record .ok")).to_have_text(done, timeout=10_000)
    # The specialty is not lost: the next row starts from the last one's kind and item.
    kept = page.locator("#cv-record-form tr[data-row='0']")
    expect(kept.locator("[data-field=kind]")).to_have_value("consultation")
    expect(kept.locator("[data-field=item]")).to_have_value("general_medicine")
    expect(kept.locator("[data-field=count]")).to_have_value("")
    cell = page.locator(f"table.cv-calendar tr[data-stop='{first['number']}'] [data-field=done]")
    expect(cell).to_have_text("9")
    report = _report(page.base, cid)
    assert report["screenings_by_item"] == {"glycaemia": 4}
    assert report["consultations_by_sex_age"] == {"F 15-49": 9}

    # A file with a bad row: refused, its row named in the page's language, nothing saved.
    upload = page.locator("#cv-record-file")
    bad = (
        "stop,kind,item,sex,age_band,count\n"
        f"{last['number']},consultation,paediatrics,M,0-4,3\n"
        f"{last['number']},screening,glycémie,,,2\n"
    )
    upload.locator("input[type=file]").set_input_files(
        files=[{"name": "visites.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    upload.locator("[data-action=upload]").click()
    refusal = page.locator("#cv-record .errors")
    expect(refusal).to_contain_text(LINE[lang], timeout=10_000)
    expect(refusal).to_contain_text("visites.csv")
    assert _report(page.base, cid) == report

    # The same visit from a good CSV.
    good = (
        "stop,kind,item,sex,age_band,count\n"
        f"{last['number']},consultation,paediatrics,M,0-4,3\n"
        f"{last['number']},medicine,Paracétamol 500 mg,,,6\n"
    )
    upload.locator("input[type=file]").set_input_files(
        files=[{"name": "visites.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.locator("#cv-record-file [data-action=upload]").click()
    expect(page.locator("#cv-record .ok")).to_have_text(done, timeout=10_000)
    after = _report(page.base, cid)
    assert after["totals"]["done"] == 12 and after["medicines_by_item"] == {"Paracétamol 500 mg": 6}
    # The grid scrolls within its box: the page itself is no wider than the screen.
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    page.locator("#cv-record").scroll_into_view_if_needed()
    page.screenshot(path=str(FOLDER / f"caravan-record-{size}-{lang}.png"))

    # The report, read in Arabic: the names of the screening, the sex and age, the commune.
    page.goto(f"{page.base}/caravans/{cid}/report?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    screenings_table = page.locator("table[data-table=screenings]")
    expect(screenings_table).to_contain_text("قياس السكر في الدم الشعري")
    expect(page.locator("table[data-table=sex-age]")).to_contain_text("نساء، من 15 إلى 49 سنة")
    expect(page.locator("table[data-table=sex-age]")).to_contain_text("رجال، من 0 إلى 4 سنوات")
    assert "glycaemia" not in screenings_table.inner_text()
    expect(page.locator("main")).to_contain_text(first["name_ar"])
    page.screenshot(path=str(FOLDER / f"caravan-record-report-{size}-{lang}.png"), full_page=True)

    # The unit's road sheet, from its link on the campaign page, laid out for print.
    page.goto(f"{page.base}/caravans/{cid}?lang={lang}")
    page.wait_for_selector(f"body[data-ready='{cid}']", timeout=20_000)
    page.locator(f"a[data-roadsheet='{UNIT}']").click()
    page.wait_for_selector("main.roadsheet", timeout=20_000)
    assert page.get_attribute("html", "lang") == lang
    rows = page.locator("section.day tr[data-stop]")
    expect(rows).to_have_count(len(stops))
    assert [int(rows.nth(i).get_attribute("data-stop") or 0) for i in range(len(stops))] == [
        s["number"] for s in stops
    ]
    expect(page.locator("svg polyline.route")).to_have_count(len(plan["days"]))
    expect(page.locator("[data-contact=partner]")).to_contain_text("+212 535 00 00 00")
    page.emulate_media(media="print")
    expect(page.locator("[data-action=print]")).to_be_hidden()
    page.screenshot(
        path=str(FOLDER / f"caravan-record-roadsheet-{size}-{lang}.png"), full_page=True
    )
