"""The outbreak signals' page in a real headless Chromium, in French and in Arabic, on a
phone and a laptop: Missour's hospital (Boulemane) reports typhoid for the 12 weeks over,
1 or 2 cases a week then 20, sent through the API; its EARS C2 signal is on the alert map
and in the table, and its epidemic curve is drawn as the curve route answers it: a bar
per week reported, the 40 weeks before as unknown stubs, the upper-bound line, the alarm
week marked.

Screenshots in test-artifacts/journeys/signals-*.png, named by size and language. Same
server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
BOULEMANE = "03.131"
MISSOUR = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour (HP)
COUNTS = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 20]  # the 12 weeks over, the oldest first
FOLDER = ARTIFACTS / "journeys"
WORDS = {  # the method's source and a status, as the catalogues word them
    "fr": {"source": "surveillance", "active": "actif"},
    "ar": {"source": "surveillance", "active": "نشطة"},
}
PAST_THE_WINDOW = """() => [...document.querySelectorAll("body *")]
  .filter((el) => !el.closest(".table-scroll") && el.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 5).map((el) => `${el.tagName}.${el.className}`)"""


def _api(page: Any, method: str, path: str, **kwargs: Any) -> Any:
    answer = httpx.request(method, f"{page.base}{path}", headers=page.auth, timeout=120, **kwargs)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _typhoid_weeks(page: Any) -> None:
    last = date.today() - timedelta(days=7)
    for back, count in zip(range(len(COUNTS) - 1, -1, -1), COUNTS, strict=True):
        week = (last - timedelta(weeks=back)).isocalendar()
        body = {
            "dataset": "mdo",
            "facility": MISSOUR,
            "period": f"{week.year}W{week.week}",
            "values": [{"element": "typhoid", "disaggregation": "m|15+", "value": count}],
        }
        _api(page, "POST", "/api/reports", json=body)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_missours_signal_on_the_map_in_the_table_and_its_curve(
    page: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    _typhoid_weeks(page)
    found = _api(page, "GET", f"/api/watch/signals?territory={BOULEMANE}")
    signal = next(s for s in found if s["unit_code"] == MISSOUR and s["element"] == "typhoid")
    assert (signal["method"], signal["status"], signal["observed"]) == ("ears-c2", "active", 20)
    curve = _api(page, "GET", f"/api/watch/signals/{signal['id']}/curve")

    page.goto(f"{page.base}/signals?t={BOULEMANE}&s={signal['id']}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}'] .signals-table", timeout=60_000)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator('[data-place="signals"][aria-current="page"]')).to_have_count(1)
    # The map: Boulemane's communes and a circle per signal placed, Missour's outlined.
    expect(page.locator(".signals-map svg path[data-code]").first).to_be_visible()
    points = _api(page, "GET", f"/api/watch/signals.geojson?territory={BOULEMANE}")["features"]
    assert len(points) == len(found)
    circles = page.locator(".signals-map svg circle.marker")
    expect(circles).to_have_count(sum(f["geometry"] is not None for f in points))
    chosen = page.locator(f".signals-map circle.marker[data-id='{signal['id']}']")
    expect(chosen).to_have_attribute("stroke", "#111")
    # The table: a row per signal, Missour's active.
    expect(page.locator(".signals-table tbody tr")).to_have_count(len(found))
    row = page.locator(f".signals-table tr[data-id='{signal['id']}']")
    expect(row.locator(".signal-status")).to_have_text(WORDS[lang]["active"])
    # The curve: 52 weeks, the 12 reported as bars, the alarm week red, the 40 before
    # unknown stubs, the upper-bound line, the method's source under it.
    svg = page.locator("#signal-curve svg.curve-chart")
    expect(svg).to_be_visible()
    reported = [w for w in curve["weeks"] if w["observed"] is not None]
    assert len(curve["weeks"]) == 52 and len(reported) == len(COUNTS)
    expect(svg.locator("rect.curve-bar")).to_have_count(len(reported))
    expect(svg.locator("rect.curve-unknown")).to_have_count(52 - len(reported))
    alarms = sum(bool(w["alarm"]) for w in curve["weeks"])
    assert alarms >= 1 and curve["weeks"][-1]["alarm"] is True
    expect(svg.locator("rect.curve-alarm")).to_have_count(alarms)
    expect(svg.locator("path.curve-upperbound")).to_have_count(1)
    last = svg.locator(f"rect.curve-bar[data-week='{curve['weeks'][-1]['week']}']")
    expect(last).to_have_attribute("fill", "#c62828")
    expect(page.locator(".curve-method")).to_contain_text(WORDS[lang]["source"])
    expect(page.locator(".curve-gaps")).to_contain_text(str(52 - len(reported)))
    page.screenshot(path=str(FOLDER / f"signals-{size}-{lang}.png"), full_page=True)
    # Sorting by the observed count puts the 20 cases first (descending on a second click).
    page.locator("button[data-sort='observed']").click()
    page.locator("button[data-sort='observed']").click()
    header = page.locator(".signals-table th:has(button[data-sort='observed'])")
    expect(header).to_have_attribute("aria-sort", "descending")
    top = page.locator(".signals-table tbody tr").first.locator("td.num").first
    expect(top).to_have_text("20")
    # The table as CSV: its English field names, a row per signal, the sorted order.
    with page.expect_download() as download:
        page.locator("button[data-action='csv']").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:3] == ["id", "dataset", "element"]
    assert len(lines) == 1 + len(found)
    assert lines[1].split(",")[0] == str(signal["id"])
    # Nothing wider than the window but the table's own scrolling box.
    wide = page.evaluate("document.documentElement.scrollWidth")
    past = page.evaluate(PAST_THE_WINDOW)
    assert wide <= width + 1, f"the page is {wide}px wide in a {width}px window: {past}"
