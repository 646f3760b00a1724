"""The periodic reports' page in a real headless Chromium, in French and in Arabic, on a
phone and a laptop: Taounate's mother-and-child reports for the latest month over, one
report sent through the API, another entered from the page's form, a refused count marked
in its cell, the first confirmed (frozen) from the page; the counts, the map of its
communes, the table per commune and the facilities' states as the API answers them.

Screenshots in test-artifacts/journeys/reports-*.png, named by size and language. Same
server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from qurb.kernel import clock
from qurb.watch.figures import recent_periods
from qurb.watch.model import PeriodType
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
TAOUNATE = "03.531"
DATASET = "mother-child"
FOLDER = ARTIFACTS / "journeys"
WORDS = {  # the states of a report and the frozen mark, as the catalogues word them
    "fr": {"silent": "aucun rapport", "frozen": "Confirmé : figé", "expected": "Attendus"},
    "ar": {"silent": "لا تقرير", "frozen": "مؤكَّد: مُجمَّد", "expected": "المنتظرة"},
}


# The elements that stick out of the window, outside any scrolling box (the failure's words).
PAST_THE_WINDOW = """() => [...document.querySelectorAll("body *")]
  .filter((el) => !el.closest(".table-scroll") && el.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 5).map((el) => `${el.tagName}.${el.className}`)"""


def _api(page: Any, method: str, path: str, **kwargs: Any) -> Any:
    headers = {**page.auth, **kwargs.pop("headers", {})}
    answer = httpx.request(method, f"{page.base}{path}", headers=headers, timeout=120, **kwargs)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _completeness(page: Any, period: str) -> Any:
    query = f"territory={TAOUNATE}&dataset={DATASET}&period={period}"
    return _api(page, "GET", f"/api/completeness?{query}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_taounate_reports_entered_refused_and_confirmed_from_the_page(
    page: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    period = recent_periods(PeriodType.MONTH, clock.now().date(), 1)[0]
    before = _completeness(page, period)
    first, second = before["facilities"][0], before["facilities"][1]
    sent = _api(
        page,
        "POST",
        "/api/reports",
        json={
            "dataset": DATASET,
            "facility": first["facility_id"],
            "period": period,
            "values": [{"element": "anc1", "value": 7}, {"element": "deliveries", "value": 0}],
        },
    )

    page.goto(f"{page.base}/reports?t={TAOUNATE}&d={DATASET}&p={period}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}'] .reports-facilities", timeout=60_000)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator('[data-place="reports"][aria-current="page"]')).to_have_count(1)
    words = WORDS[lang]
    # The counts: every facility expected, the one report received.
    expected = before["territory"]["expected"]
    counts = page.locator(".reports-counts strong")
    expect(counts.nth(0)).to_have_text(str(expected))
    expect(counts.nth(1)).to_have_text("1")
    expect(page.locator(".reports-counts")).to_contain_text(words["expected"])
    # One row per facility expected; the sender's state as the API says, the next silent.
    after = _completeness(page, period)
    state = "on_time" if after["facilities"][0]["on_time"] else "late"
    rows = page.locator(".reports-facilities tbody tr[data-id]")
    expect(rows).to_have_count(expected)
    row = page.locator(f".reports-facilities tr[data-id='{first['facility_id']}']")
    expect(row).to_have_attribute("data-state", state)
    silent = page.locator(f".reports-facilities tr[data-id='{second['facility_id']}']")
    expect(silent).to_have_attribute("data-state", "silent")
    expect(silent.locator(".reports-state")).to_have_text(words["silent"])
    # The map: one area per commune of Taounate, and a table row per commune.
    communes = [u for u in after["units"] if u["level"] == "commune"]
    expect(page.locator(".reports-map path[data-code]")).to_have_count(len(communes))
    expect(page.locator(".reports-unit-table tbody tr")).to_have_count(len(communes))
    page.screenshot(path=str(FOLDER / f"reports-{size}-{lang}.png"), full_page=True)

    # The silent facility's report entered from the form: a negative count refused, named.
    silent.locator("button[data-action=enter]").click()
    entry = page.locator(".report-entry")
    expect(entry).to_be_visible()
    entry.locator("input[name='anc1::']").fill("-2")
    entry.locator("button[type=submit]").click()
    expect(entry.locator("input[name='anc1::']")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".report-problems .errors li")).to_have_count(1)
    assert _completeness(page, period)["territory"]["received"] == 1  # nothing written
    entry.locator("input[name='anc1::']").fill("3")
    entry.locator("button[data-action=zero]").click()  # every other blank cell: 0
    assert entry.locator("input[name='vacc_bcg::f']").input_value() == "0"
    entry.locator("button[type=submit]").click()
    expect(page.locator(".report-status")).to_have_attribute("data-status", "submitted")
    expect(counts.nth(1)).to_have_text("2")
    page.locator("#report-form").screenshot(path=str(FOLDER / f"reports-form-{size}-{lang}.png"))
    written = [
        r
        for r in _api(page, "GET", f"/api/reports?dataset={DATASET}&period={period}")
        if r["facility"] == second["facility_id"]
    ]
    assert len(written) == 1
    values = {(v["element"], v["disaggregation"]): v["value"] for v in written[0]["values"]}
    assert values[("anc1", "")] == 3
    assert values[("vacc_bcg", "f")] == 0
    assert sum(values.values()) == 3  # the rest zero: the form sent every cell

    # The first report opened from its row and confirmed: frozen.
    page.locator("button[data-action=close]").click()
    row.locator("button[data-action=open]").click()
    expect(page.locator(".report-entry input[name='anc1::']")).to_have_value("7")
    # The counts the confirmation reloads are held back until a file is chosen for import:
    # the counts drawn again keep the chosen file (they once dropped it, and the import
    # was never sent).
    held: list[Any] = []
    page.route("**/api/completeness?*", lambda route: held.append(route))
    page.locator("button[data-action=confirm]").click()
    expect(page.locator(".report-frozen")).to_have_text(words["frozen"])
    confirmed = _api(page, "GET", f"/api/reports?dataset={DATASET}&period={period}")
    assert {r["id"]: r["status"] for r in confirmed}[sent["id"]] == "confirmed"

    # A third facility's report imported from a CSV file: counted, its row received.
    third = before["facilities"][2]["facility_id"]
    header = "dataset,facility,period,element,disaggregation,value"
    csv = f"{header}\n{DATASET},{third},{period},anc1,,2\n"
    page.locator(".reports-import input[type=file]").set_input_files(
        files=[{"name": "reports.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    for _ in range(100):  # the held request reaches the test while the page is waited on
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the confirmation reloaded the counts"
    page.evaluate("document.querySelector('.reports-tools').dataset.before = 'reload'")
    for route in held:
        route.continue_()
    page.unroute("**/api/completeness?*")
    expect(page.locator(".reports-tools[data-before]")).to_have_count(0)  # drawn again
    page.locator(".reports-import button[type=submit]").click()
    # The import's own note (the confirmation's note above is a "saved" too), then the
    # counts it reloaded.
    expect(page.locator(".reports-page p.saved.imported[role=status]")).to_be_visible(
        timeout=30_000
    )
    expect(counts.nth(1)).to_have_text("3")
    expect(page.locator(f".reports-facilities tr[data-id='{third}']")).not_to_have_attribute(
        "data-state", "silent"
    )
    # The period's bulletin, linked for the province.
    bulletin = page.locator(".reports-tools a[href^='/watch/bulletin?']")
    href = bulletin.get_attribute("href")
    assert href == f"/watch/bulletin?t={TAOUNATE}&period={period}&lang={lang}"
    assert httpx.get(f"{page.base}{href}", headers=page.auth, timeout=120).status_code == 200
    # Overflow: nothing wider than the window but the tables' own scrolling boxes.
    wide = page.evaluate("document.documentElement.scrollWidth")
    past = page.evaluate(PAST_THE_WINDOW)
    assert wide <= width + 1, f"the page is {wide}px wide in a {width}px window: {past}"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_trend_of_a_reports_layer_in_the_territory_panel(page: Any, lang: str) -> None:
    """Taounate on the map with the antenatal coverage layer: its panel shows the last 12
    months, the latest over outlined, each figure as the trend route answers it, and the
    months without a report as unknown, not zero."""
    from playwright.sync_api import expect

    period = recent_periods(PeriodType.MONTH, clock.now().date(), 1)[0]
    for facility in _completeness(page, period)["facilities"][:2]:
        values = [{"element": "anc1", "value": 4}]
        body = {"dataset": DATASET, "facility": facility["facility_id"], "period": period}
        _api(page, "POST", "/api/reports", json={**body, "values": values})
    trend = _api(
        page, "GET", f"/api/watch/trend?territory={TAOUNATE}&indicator=anc1_coverage&periods=12"
    )
    assert trend["points"][-1]["period"] == period
    assert trend["points"][-1]["value"] is not None and trend["points"][0]["value"] is None

    page.goto(f"{page.base}/?t={TAOUNATE}&i=watch_anc1_coverage&lang={lang}")
    page.wait_for_selector(
        "#panel [data-section=trend] .trend-table", state="attached", timeout=60_000
    )
    assert page.locator("html").get_attribute("lang") == lang
    rows = page.locator("#panel .trend-table tbody tr")
    expect(rows).to_have_count(12)
    shown = rows.evaluate_all(
        "rs => rs.map(r => [r.dataset.period, r.querySelector('td').dataset.value])"
    )
    assert shown == [
        [p["period"], "" if p["value"] is None else str(p["value"])] for p in trend["points"]
    ]
    expect(page.locator("#panel .trend-table tr.chosen")).to_have_attribute("data-period", period)
    expect(page.locator("#panel svg.trend-chart > rect")).to_have_count(12)
    stubs = page.locator("#panel svg.trend-chart > rect[fill='url(#trend-hatch)']")
    expect(stubs).to_have_count(sum(p["value"] is None for p in trend["points"]))
    page.locator("#panel [data-section=trend]").screenshot(
        path=str(FOLDER / f"reports-trend-panel-{lang}.png")
    )
