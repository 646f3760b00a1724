"""The map with the keyboard and its facility markers, in a real headless Chromium: Tab
reaches Taounate's commune shapes (after the search box and the map), each named by its
commune and its population and visited in the order of the names; Enter selects one. The
search box is a labelled combobox whose results move with the arrow keys and open with
Enter. Every hospital is a marker of its own, even where it shares a commune's reference
point with a health centre; the type filter hides and shows the health centres.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from qurb.data import read_bundled_csv
from tests.environment import ARTIFACTS

REGION, TAOUNATE = "03", "03.531"
GENERAL = ("HPr", "HP", "HR")
# The focused element, as the test reads it: its tag, its name, its territory code and
# its marker's kind (a Leaflet marker's icon holds a span of class fm-…).
FOCUSED = """(() => {
  const el = document.activeElement;
  const fm = el.querySelector?.(".fm");
  return { tag: el.tagName.toLowerCase(), id: el.id, label: el.getAttribute("aria-label"),
           code: el.dataset?.code || null, marker: fm ? fm.className : null };
})()"""


def _total(base: str, **params: object) -> int:
    answer = httpx.get(f"{base}/api/facilities", params={**params, "limit": 1}, timeout=60)
    answer.raise_for_status()
    return int(answer.json()["total"])


def _markers(page, selector: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The member count of each marker of the map matching `selector`."""
    return [
        int(n)
        for n in page.locator(f".leaflet-marker-pane {selector}").evaluate_all(
            "spans => spans.map((s) => s.dataset.count)"
        )
    ]


def test_commune_shapes_and_search_with_the_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    census = {r["code"]: r for r in read_bundled_csv("territories.csv")}
    communes = {
        code: r
        for code, r in census.items()
        if code.startswith(f"{TAOUNATE}.") and r["level"] == "commune"
    }
    page.goto(f"{page.base}/#{TAOUNATE}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    page.wait_for_selector(".leaflet-marker-pane .fm", timeout=15_000)

    # Tab from the top of the page: the search box, then the map, then one commune shape.
    visited = []
    for _ in range(30):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(FOCUSED))
        if visited[-1]["tag"] == "path":
            break
    stops = [v["id"] or v["tag"] for v in visited]
    assert stops[-1] == "path", stops
    assert stops.index("search") < stops.index("map") == len(stops) - 2, stops
    # Named by its commune and its population (the map's indicator), in French.
    shape = visited[-1]
    first = communes[shape["code"]]
    match = re.fullmatch(rf"{re.escape(first['name_fr'])}, ([\d\s]+) habitants", shape["label"])
    assert match, shape["label"]
    assert int(re.sub(r"\D", "", match.group(1))) == int(first["population_2024"])

    # The arrow keys visit every commune once, in the order of their names.
    names = [first["name_fr"]]
    for _ in range(len(communes) - 1):
        page.keyboard.press("ArrowDown")
        names.append(communes[page.evaluate(FOCUSED)["code"]]["name_fr"])
    assert names == sorted((r["name_fr"] for r in communes.values()), key=str.casefold)
    page.keyboard.press("End")
    last = page.evaluate(FOCUSED)
    assert communes[last["code"]]["name_fr"] == names[-1]
    page.keyboard.press("Home")
    assert page.evaluate(FOCUSED)["code"] == shape["code"]

    # Enter selects the commune: the breadcrumb and the panel show it, the shape says so.
    page.keyboard.press("Enter")
    page.wait_for_selector(f"body[data-ready='{shape['code']}']", timeout=15_000)
    assert page.locator("#breadcrumb [aria-current=page]").inner_text() == first["name_fr"]
    assert page.locator("#panel h2").first.inner_text() == first["name_fr"]
    assert page.get_attribute(f"path[data-code='{shape['code']}']", "aria-current") == "true"
    assert page.evaluate(FOCUSED)["code"] == shape["code"]  # the focus stays on it
    # Space selects too: the next commune by name.
    page.keyboard.press("ArrowDown")
    second = page.evaluate(FOCUSED)["code"]
    page.keyboard.press(" ")
    page.wait_for_selector(f"body[data-ready='{second}']", timeout=15_000)
    assert communes[second]["name_fr"] == names[1]
    # After the shapes, one Tab reaches the markers, hospitals first.
    page.keyboard.press("Tab")
    assert "fm-general" in (page.evaluate(FOCUSED)["marker"] or ""), page.evaluate(FOCUSED)
    page.screenshot(path=str(ARTIFACTS / "keyboard-commune-fr.png"))

    # The search box: labelled, a combobox over a listbox; "Taonate" (sic) finds Taounate.
    search = page.get_by_role("combobox", name="Rechercher un territoire")
    assert search.count() == 1
    search.focus()
    page.keyboard.type("Taonate")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#search-results [role=option][aria-selected=true]", timeout=10_000)
    assert page.get_attribute("#search", "aria-expanded") == "true"
    options = page.locator("#search-results [role=option]")
    assert options.count() >= 2
    assert page.get_attribute("#search", "aria-activedescendant") == options.nth(0).get_attribute(
        "id"
    )
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#search", "aria-activedescendant") == options.nth(1).get_attribute(
        "id"
    )
    page.keyboard.press("ArrowUp")
    active = page.locator("#search-results [aria-selected=true]")
    assert active.count() == 1
    assert active.get_attribute("id") == page.get_attribute("#search", "aria-activedescendant")
    assert "Taounate" in active.inner_text() and TAOUNATE in active.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=15_000)
    assert parse_qs(urlsplit(page.url).query)["t"] == [TAOUNATE]  # the address says where
    assert page.locator("#search-results").is_hidden()
    assert page.get_attribute("#search", "aria-expanded") == "false"
    # Escape closes the list.
    page.keyboard.type("Fez")
    page.wait_for_selector("#search-results:not([hidden])", timeout=10_000)
    page.keyboard.press("Escape")
    assert page.locator("#search-results").is_hidden()

    # In Arabic, a shape is named by its Arabic name.
    page.locator("[data-lang=ar]").click()
    page.wait_for_selector("html[lang=ar]")
    label = page.get_attribute(f"path[data-code='{shape['code']}']", "aria-label")
    assert label.startswith(f"{first['name_ar']}, "), label


def test_every_hospital_is_a_marker_of_its_own_and_the_type_filter(page) -> None:  # type: ignore[no-untyped-def]
    base = page.base
    categories = httpx.get(f"{base}/api/categories", timeout=60).json()
    hospitals = [c["code"] for c in categories if c["family"] == "hospital"]
    essp = [c["code"] for c in categories if c["family"] == "ESSP"]
    # In Taounate a hospital shares its commune's reference point with a health centre: the
    # case where a grouping by point alone would hide it.
    points = httpx.get(
        f"{base}/api/facilities.geojson",
        params={"territory": TAOUNATE, "limit": 5000},
        timeout=60,
    ).json()["features"]
    where: dict[tuple[float, float], set[str]] = {}
    for f in points:
        where.setdefault(tuple(f["geometry"]["coordinates"]), set()).add(f["properties"]["family"])
    assert any({"hospital", "ESSP"} <= families for families in where.values())

    page.goto(f"{base}/#{TAOUNATE}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    page.wait_for_selector(".leaflet-marker-pane .fm-essp", timeout=15_000)
    general = _markers(page, ".fm-general")
    assert general == [1] * _total(base, territory=TAOUNATE, category=list(GENERAL)) == [1, 1]
    assert _markers(page, ".fm-hospital") == [1] * _total(
        base, territory=TAOUNATE, category=hospitals
    )
    # Health centres are grouped among themselves only; every one is on the map.
    assert sum(_markers(page, ".fm-essp")) == _total(base, territory=TAOUNATE, category=essp) == 80
    assert max(_markers(page, ".fm-essp")) > 1
    # A hospital is drawn above every health centre.
    z = page.evaluate(
        """[".fm-hospital", ".fm-essp"].map((kind) => [...document.querySelectorAll(
             `.leaflet-marker-pane .leaflet-marker-icon:has(${kind})`)]
           .map((el) => +el.style.zIndex))"""
    )
    assert min(z[0]) > max(z[1])
    # A group's popup lists its members.
    group = page.locator(".leaflet-marker-pane .leaflet-marker-icon:has(.fm-essp.fm-group)").first
    count = int(group.locator(".fm").get_attribute("data-count"))
    group.dispatch_event("click")
    page.wait_for_selector(".leaflet-popup .facility-popup")
    assert page.locator(".leaflet-popup .facility-popup section").count() == count
    page.screenshot(path=str(ARTIFACTS / "markers-taounate-fr.png"))

    # The type filter: without health centres the hospitals stay; with them they come back.
    page.locator("input[data-facility-type=essp]").uncheck()
    page.wait_for_selector(".leaflet-marker-pane .fm-essp", state="detached", timeout=10_000)
    assert _markers(page, ".fm-general") == [1, 1]
    page.locator("input[data-facility-type=essp]").check()
    page.wait_for_selector(".leaflet-marker-pane .fm-essp", timeout=10_000)
    assert sum(_markers(page, ".fm-essp")) == 80
    # OpenStreetMap points are off at first; asked for, they come in their own styles.
    assert not _markers(page, ".fm-osm")
    page.locator("input[data-facility-type=osm]").check()
    page.wait_for_selector(".leaflet-marker-pane .fm-osm", timeout=10_000)
    private = _total(base, territory=TAOUNATE, sector="private")
    unknown = _total(base, territory=TAOUNATE, sector="unknown")
    assert sum(_markers(page, ".fm-osm:not(.fm-unknown)")) == private > 0
    assert sum(_markers(page, ".fm-osm.fm-unknown")) == unknown > 0
    page.locator("input[data-facility-type=general]").uncheck()
    page.wait_for_selector(".leaflet-marker-pane .fm-general", state="detached", timeout=10_000)
    assert sum(_markers(page, ".fm-essp")) == 80

    # At the region's view the hospitals show, every one alone; the health centres do not.
    page.locator("input[data-facility-type=general]").check()
    page.locator("input[data-facility-type=osm]").uncheck()
    page.goto(f"{base}/#{REGION}")
    page.wait_for_selector(f"body[data-ready='{REGION}']", timeout=20_000)
    page.wait_for_selector(".leaflet-marker-pane .fm-hospital", timeout=15_000)
    assert _markers(page, ".fm-hospital") == [1] * _total(
        base, territory=REGION, category=hospitals
    )
    assert not _markers(page, ".fm-essp")

    # A province chosen with the keyboard opens its communes, and the focus goes to them.
    page.locator(f"path[data-code='{TAOUNATE}']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=15_000)
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "path" and focused["code"].startswith(f"{TAOUNATE}."), focused
