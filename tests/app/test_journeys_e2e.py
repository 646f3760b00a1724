"""The planner's journeys in a real headless Chromium, in French and in Arabic, at a
phone's size (390×844) and a laptop's (1366×768):

- the Taounate planner: "which communes of Taounate are beyond 60 min of a general
  hospital?" — searched with a typo, mapped in minutes, listed with the same minutes as
  the API, downloaded as CSV, and the link reopened in a new page showing the same answer;
- a commune's figures on a phone, chosen by tapping its shape on the map;
- the printed fact sheet, with its access map, its per-commune table and its sources.

Screenshots (and the printed sheet as PDF) are saved in test-artifacts/journeys/, named by
journey, size and language. Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest

from qurb.kernel.i18n import translate
from tests.browser import open_map_controls
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
TAOUNATE = "03.531"
FOLDER = ARTIFACTS / "journeys"


def _beyond_60(base: str) -> dict[str, float | None]:
    """The API's answer: Taounate's communes beyond 60 min of a general hospital."""
    answer = httpx.get(
        f"{base}/api/access/{TAOUNATE}", params={"level": "secondary", "thresholds": 60}
    ).json()
    return {
        c["code"]: c["minutes"]
        for c in answer["communes"]
        if c["minutes"] is None or c["minutes"] > 60
    }


def _listed(page) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    """The communes the page's access table lists, with their minutes as the page holds them."""
    rows = page.locator("#tables tbody tr[data-code]")
    out: dict[str, float | None] = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        value = row.locator("td[data-key=minutes]").get_attribute("data-value") or ""
        out[row.get_attribute("data-code") or ""] = float(value) if value else None
    return out


def _wait_for_rows(page, count: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect(page.locator("#tables tbody tr[data-code]")).to_have_count(count, timeout=20_000)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_taounate_planner(page, lang: str, size: str) -> None:  # type: ignore[no-untyped-def]
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    expected = _beyond_60(page.base)
    assert expected, "Taounate has communes beyond 60 min of a general hospital"

    page.goto(f"{page.base}/?lang={lang}")
    page.wait_for_selector("body[data-ready='MA']", timeout=20_000)
    # A person types the name as it sounds: "Taonate".
    page.fill("#search", "Taonate")
    page.wait_for_selector("#search-results [role=option]", timeout=10_000)
    page.press("#search", "Enter")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)

    # The map in minutes to the nearest general hospital, in fixed bands.
    open_map_controls(page)  # folded on a phone
    page.select_option("#indicator", "minutes_to_nearest")
    bands = translate(lang, "legend.classes.bands")
    page.wait_for_selector(  # attached: on a phone the legend starts folded
        f"#legend .class-method:text-is('{bands}')", state="attached", timeout=20_000
    )
    assert page.input_value("select[data-param=offer]") == "secondary"

    # The list: the access table, general hospitals, 60 min, only the communes beyond.
    page.click("#tables-tab-access")
    assert page.input_value("#tables select[data-control=offer]") == "secondary"
    assert page.input_value("#tables select[data-control=minutes]") == "60"
    page.check("#tables input[data-control=beyond]")
    _wait_for_rows(page, len(expected))
    assert _listed(page) == expected  # the same communes, the same minutes as the API
    page.screenshot(path=str(FOLDER / f"taounate-planner-{size}-{lang}.png"))

    # Downloaded as CSV: the same communes and minutes.
    with page.expect_download() as download:
        page.click("#tables .downloads a:text-is('CSV')")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert {r["code"]: float(r["minutes"]) if r["minutes"] else None for r in rows} == expected

    # The link, opened in a new page, shows the same answer.
    shared = page.url
    assert f"t={TAOUNATE}" in shared and "i=minutes_to_nearest" in shared
    again = page.context.new_page()
    again.set_viewport_size({"width": width, "height": height})
    again.goto(shared)
    again.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    _wait_for_rows(again, len(expected))
    assert again.get_attribute("html", "lang") == lang
    assert again.input_value("#indicator") == "minutes_to_nearest"
    assert again.is_checked("#tables input[data-control=beyond]")
    assert _listed(again) == expected
    assert again.inner_text("#legend h3") == page.inner_text("#legend h3")
    again.screenshot(path=str(FOLDER / f"taounate-planner-reopened-{size}-{lang}.png"))
    again.close()


# The first point of a grid over the element's box where the element itself is on top, and
# still is 5 px away on every side: a tap that grazes a marker goes to the marker.
VISIBLE_POINT = """selector => {
  const el = document.querySelector(selector);
  const box = el.getBoundingClientRect();
  const mine = (x, y) => document.elementFromPoint(x, y) === el;
  for (let i = 1; i < 24; i += 1)
    for (let j = 1; j < 24; j += 1) {
      const x = box.left + (box.width * i) / 24;
      const y = box.top + (box.height * j) / 24;
      if ([[0, 0], [5, 0], [-5, 0], [0, 5], [0, -5]].every(([dx, dy]) => mine(x + dx, y + dy)))
        return [x, y];
    }
  return null;
}"""


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_commune_on_a_phone(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    FOLDER.mkdir(parents=True, exist_ok=True)
    communes = httpx.get(f"{page.base}/api/layers/communes", params={"parent": TAOUNATE}).json()
    commune = "03.531.01.05"  # Taounate, the province's seat
    name = next(f for f in communes["features"] if f["properties"]["code"] == commune)
    unit = httpx.get(f"{page.base}/api/territories/{commune}").json()["territory"]
    page.goto(f"{page.base}/?t={TAOUNATE}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    # At the province's zoom on a 390 px map the seat (about 20 x 24 px) is all markers, its
    # hospital's and its health centres': as a person would, zoom in once, then a tap where
    # the shape shows (not on a facility's marker or under the legend).
    # (Zoomed in again, up to three times, while no point of it is clear of the markers.)
    selector, point = f"#map path[data-code='{commune}']", None
    for _ in range(3):
        page.click(".leaflet-control-zoom-in")
        page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
        page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        point = page.evaluate(VISIBLE_POINT, selector)
        if point:
            break
    assert point, f"{selector} is covered everywhere on the screen"
    x, y = float(point[0]), float(point[1])
    page.mouse.click(x, y)
    page.wait_for_selector(f"body[data-ready='{commune}']", timeout=20_000)
    shown = name["properties"]["name_ar" if lang == "ar" else "name_fr"]
    assert page.inner_text("#breadcrumb [aria-current]") == shown
    population = page.inner_text("#panel [data-field=population_2024]")
    assert int(re.sub(r"\D", "", population)) == unit["population_2024"]
    page.locator("#panel").scroll_into_view_if_needed()
    page.screenshot(path=str(FOLDER / f"commune-on-a-phone-phone-{lang}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_printed_sheet(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    FOLDER.mkdir(parents=True, exist_ok=True)
    expected = _beyond_60(page.base)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{page.base}/sheet/{TAOUNATE}?lang={lang}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    page.emulate_media(media="print")
    # The access map (every commune drawn), its legend, the table and the sources print.
    assert page.locator(".sheet-access-map svg path[data-code]").count() == 49
    assert page.is_visible(".sheet-access-map .legend")
    marked = page.locator(".sheet-access tr.beyond")
    assert {marked.nth(i).get_attribute("data-code") for i in range(marked.count())} == set(
        expected
    )
    assert page.is_visible("footer.sources")
    assert not page.is_visible("#print")  # the button is not printed
    page.screenshot(path=str(FOLDER / f"printed-sheet-print-{lang}.png"), full_page=True)
    pdf = page.pdf(path=str(FOLDER / f"printed-sheet-print-{lang}.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
