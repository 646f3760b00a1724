"""How much capacity is known, shown beside the figures in a real headless Chromium: a bed
line of the territory panel says for how many hospitals the beds are known (the words the
gaps API gives), and the legend of a capacity indicator says it over the map's units.
Nothing is known in the bundled data: 0 of each. Same server, browser and skip rules as
test_e2e.py."""

from __future__ import annotations

import httpx

from tests.browser import open_map_controls

MEKNES = "03.061"


def test_the_panel_says_the_share_of_beds_known(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base}/?lang=fr#{MEKNES}")
    page.wait_for_selector(f"body[data-ready='{MEKNES}']", timeout=30_000)
    page.wait_for_selector("#panel small.capacity-known", timeout=30_000)
    notes = page.locator("#panel tr[data-rule='beds-per-1364'] + tr.capacity-known small")
    text = notes.first.inner_text()
    assert text.startswith("lits connus pour 0 des ") and text.endswith("(0 %)")
    # The words are the API's own, named by data-words.
    path, field = notes.first.get_attribute("data-words").split("#")
    served = httpx.get(page.base + path.replace("{code}", MEKNES), timeout=120).json()
    _, index, key = field.split(".")
    line = served["lines"][int(index)]
    assert line[key] == text and line["capacity_known_share"] == 0.0
    assert line["facilities_counted"] > 0 and line["supply"] is None
    page.click("[data-lang=ar]")
    page.wait_for_function(
        "w => document.querySelector('#panel small.capacity-known')?.textContent.includes(w)",
        arg="الأسرّة",
        timeout=30_000,
    )


def test_the_legend_of_beds_per_10000_says_how_many_are_known(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base}/?lang=en#03")
    page.wait_for_selector("body[data-ready='03']", timeout=30_000)
    open_map_controls(page)
    page.select_option("#indicator", "beds_per_10000")
    page.wait_for_selector("#legend p.capacity-known", timeout=30_000)
    text = page.locator("#legend p.capacity-known").inner_text()
    assert text.startswith("beds known for 0 of ") and text.endswith("(0%)")
    # Every unit with a hospital is unknown: hatched, in no class.
    assert page.locator("#legend li[data-note='supply_unknown']").count() == 1
