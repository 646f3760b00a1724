"""The caravan plan page in a real headless Chromium: the routes drawn on the map, the
calendar, a record the server refuses, and the switch to Arabic (right-to-left).

Same server, browser and skip rules as test_e2e.py (a private copy of the national
database; skipped without Chromium or Playwright); screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.browser import TOKEN_HEADERS
from tests.caravan_requests import campaign
from tests.environment import ARTIFACTS


def _plan(base: str) -> dict[str, Any]:
    body = campaign(date.today() + timedelta(days=14))
    response = httpx.post(
        f"{base}/api/caravans",
        json=body,
        params={"seed": 1},
        headers=TOKEN_HEADERS[base],
        timeout=120,
    )
    assert response.status_code == 200, response.text
    plan: dict[str, Any] = response.json()
    assert plan["id"]
    return plan


def test_caravan_plan_page(page) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(page.base)
    stops = [s for d in plan["days"] for s in d["stops"]]
    page.goto(page.base + f"/caravans/{plan['id']}")
    page.wait_for_selector(f"body[data-ready='{plan['id']}']", timeout=20_000)
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.locator("h2[data-field=name]").inner_text() == plan["campaign"]["name"]

    # The map: one polyline per route, one numbered marker per visit, the commune outlines.
    assert page.locator("#cv-map path.cv-route").count() == len(plan["days"])
    assert page.locator("#cv-map .cv-stop").count() == len(stops)
    outlines = httpx.get(f"{page.base}/api/layers/communes", params={"parent": "03.131"}).json()
    page.wait_for_selector("#cv-map path.cv-area", timeout=10_000)
    assert page.locator("#cv-map path.cv-area").count() == len(outlines["features"])
    assert page.locator("#cv-legend").inner_text().strip() == "Unité mobile 1"

    # The calendar: every planned commune, grouped by date.
    calendar = page.locator("table.cv-calendar")
    for stop in stops:
        row = calendar.locator(f"tr[data-stop='{stop['number']}']")
        assert row.locator("[data-field=commune]").inner_text().startswith(stop["name_fr"])
        assert f"{stop['arrival']}–{stop['departure']}" in row.inner_text()
    dates = {s["date"] for s in stops}
    assert calendar.locator("tr.cv-date").count() == len(dates)
    assert page.locator("table.cv-priority tbody tr").count() == len(plan["priority"])
    dropped = page.locator("#cv-dropped").inner_text()
    assert all(d["name_fr"] in dropped for d in plan["dropped"])
    # The reasons are in the page's language.
    codes = {d["reason_code"] for d in plan["dropped"]}
    if "beyond_day_reach" in codes:
        assert "hors de portée d'une journée" in dropped
    if "lower_priority" in codes:
        assert "pas assez de journées-unités" in dropped
    notices = page.locator("#cv-links-section a[data-notice]")
    assert notices.count() == len({s["code"] for s in stops})

    # A marker's popup: the commune in French and Arabic, the date and hours.
    first = stops[0]
    page.locator(f"#cv-map .cv-stop[data-stop='{first['number']}']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert first["name_fr"] in text and first["name_ar"] in text and first["start"] in text
    page.screenshot(path=str(ARTIFACTS / "8-caravan-plan.png"), full_page=True)

    # Recording a visit that has not happened yet: the server's refusal is shown.
    form = page.locator("#cv-record-form")
    form.locator("select[name=stop]").select_option(str(first["number"]))
    form.locator("tr[data-row='0'] [data-field=item]").select_option("general_medicine")
    form.locator("tr[data-row='0'] [data-field=count]").fill("3")
    form.locator("[data-action=record]").click()
    refusal = page.locator("#cv-record .errors")
    refusal.wait_for(timeout=10_000)
    assert "est prévue le" in refusal.inner_text() and "après aujourd'hui" in refusal.inner_text()

    page.click("[data-lang=ar]")
    page.wait_for_selector(f"body[data-ready='{plan['id']}']")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    row = calendar.locator(f"tr[data-stop='{first['number']}'] [data-field=commune]")
    assert row.inner_text().startswith(first["name_ar"])
    assert plan["campaign"]["territory"]["name_ar"] in page.locator("#cv-head").inner_text()
    assert page.locator("#cv-map path.cv-route").count() == len(plan["days"])
    if "lower_priority" in codes:
        assert "أيام الوحدات غير كافية" in page.locator("#cv-dropped").inner_text()
    page.screenshot(path=str(ARTIFACTS / "9-caravan-plan-ar.png"), full_page=True)

    page.click("[data-lang=fr]")
    page.goto(page.base + "/caravans")
    page.wait_for_selector("body[data-ready='list']", timeout=10_000)
    assert page.locator(f"tr[data-id='{plan['id']}'] a").get_attribute("href") == (
        f"/caravans/{plan['id']}"
    )
