"""Every page on the base layout, in a real headless Chromium, at a phone's size (390×844)
and a laptop's (1366×768), in French and in Arabic: each loads with no JavaScript or
Content-Security-Policy error, the Arabic page reads right to left, and no page scrolls
sideways on a phone. Screenshots go to test-artifacts/layout/.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from tests.caravan_requests import campaign
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
IFRANE = "03.271"
BOULEMANE = "03.131"


def _signal(page) -> None:  # type: ignore[no-untyped-def]
    """One case of cholera (notified on a single case) at Missour's hospital last week: a
    signal, and its curve, on the signals' page of Boulemane."""
    week = (date.today() - timedelta(days=7)).isocalendar()
    report = {
        "dataset": "mdo",
        "facility": "hosp-03.131.01.03-marche-verte",
        "period": f"{week.year}W{week.week}",
        "values": [{"element": "cholera", "disaggregation": "m|15+", "value": 1}],
    }
    answer = httpx.post(f"{page.base}/api/reports", json=report, headers=page.auth, timeout=120)
    assert answer.status_code == 201, answer.text


def test_every_page_at_phone_and_laptop_size_in_french_and_arabic(page) -> None:  # type: ignore[no-untyped-def]
    body = campaign(date.today() + timedelta(days=14))
    response = httpx.post(
        f"{page.base}/api/caravans",
        json=body,
        params={"seed": 1},
        headers=page.auth,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    plan = response.json()
    cid = plan["id"]
    commune = plan["days"][0]["stops"][0]["code"]
    _signal(page)
    # name → (path, what says the page is ready: the caravan map with its commune outlines)
    pages = {
        "map": ("/", "body[data-ready='MA']"),
        "caravans": ("/caravans", "body[data-ready='list']"),
        "caravan": (f"/caravans/{cid}", "#cv-map path.cv-area"),
        "sheet": (f"/sheet/{IFRANE}", f"body[data-ready='{IFRANE}']"),
        "definitions": ("/definitions", "tr[data-figure-id]"),
        "licences": ("/licences", "body[data-ready]"),
        "notice": (f"/caravans/{cid}/notice/{commune}", "section[lang=ar]"),
        "report": (f"/caravans/{cid}/report", "h1"),
        "audit": ("/audit", "body[data-ready]"),
        "signals": (f"/signals?t={BOULEMANE}", "body[data-ready] #signal-curve svg"),
    }
    folder = ARTIFACTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for language in ("fr", "ar"):
            for name, (path, ready) in pages.items():
                sep = "&" if "?" in path else "?"
                page.goto(f"{page.base}{path}{sep}lang={language}")
                page.wait_for_selector(ready, timeout=20_000)
                if name != "notice":  # the notice is bilingual: French, then Arabic
                    direction = "rtl" if language == "ar" else "ltr"
                    assert page.get_attribute("html", "dir") == direction, (name, language)
                    assert page.get_attribute("html", "lang") == language, (name, language)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{name} ({language}, {size}) scrolls sideways: {scroll}"
                page.screenshot(path=str(folder / f"{name}-{language}-{size}.png"))


TAOUNATE = "03.531"
FINGER = 5  # px around a tap kept clear of anything else that takes taps
# The box of a selector's first element, in the page's pixels (None when it is not shown).
BOX = """(selector) => { const el = document.querySelector(selector);
  if (!el || !el.getClientRects().length) return null;
  const r = el.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"""
# Commune shapes whose box meets the legend's box.
UNDER_LEGEND = """() => { const l = document.querySelector('#legend').getBoundingClientRect();
  return [...document.querySelectorAll('#map path.area[data-code]')].filter((p) => {
    const r = p.getBoundingClientRect();
    return r.left < l.right && l.left < r.right && r.top < l.bottom && l.top < r.bottom; })
  .map((p) => p.dataset.code); }"""
# A point inside a commune's shape where the shape is what a finger would touch: the shape
# is on top there and all around it for `reach` px, so that the browser's touch adjustment
# (a tap goes to the nearest thing that takes taps) cannot move the tap onto a marker.
POINT_IN = """([code, reach]) => {
  const el = document.querySelector(`#map path[data-code='${code}']`);
  const r = el.getBoundingClientRect();
  const around = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1],
    [0.7, 0.7], [-0.7, 0.7], [0.7, -0.7], [-0.7, -0.7]];
  const mine = (x, y) => ([dx, dy]) =>
    document.elementFromPoint(x + dx * reach, y + dy * reach) === el;
  for (let i = 0; i < 400; i++) {
    const x = r.left + (r.width * ((i % 20) + 0.5)) / 20;
    const y = r.top + (r.height * (Math.floor(i / 20) + 0.5)) / 20;
    if (around.every(mine(x, y))) return [x, y]; }
  return null; }"""


def _meets(a: dict, b: dict | None) -> bool:  # type: ignore[type-arg]
    return (
        b is not None
        and a["left"] < b["right"]
        and b["left"] < a["right"]
        and (a["top"] < b["bottom"] and b["top"] < a["bottom"])
    )


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """Until the map stands still: no zoom animating, and the frames after it drawn (the
    page moves the map clear of its overlays on the frame after it is ready)."""
    for _ in range(2):
        page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
        page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )


def _open(page, fragment: str, language: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base}/?lang={language}#{fragment}")
    page.wait_for_selector(f"body[data-ready='{fragment}']", timeout=20_000)
    page.wait_for_selector("#panel table.access", timeout=20_000)
    _settle(page)


def _go(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("(code) => { location.hash = code; }", code)
    page.wait_for_selector(f"body[data-ready='{code}']", timeout=20_000)
    _settle(page)


def test_the_map_page_on_a_phone(page) -> None:  # type: ignore[no-untyped-def]
    """390×844: the search box is usable, the legend and the map's controls start folded
    (each a button that says so) and the panel sits under the map; each folds and unfolds;
    in Arabic no figure of the panel breaks across lines and the distance bands read in
    words, not in mirrored signs."""
    folder = ARTIFACTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    for language in ("fr", "ar"):
        _open(page, TAOUNATE, language)
        search = page.evaluate(BOX, "#search")
        assert search["right"] - search["left"] >= 120, search
        map_box = page.evaluate(BOX, "#map")
        assert page.evaluate(BOX, "#legend") is None  # folded
        for fold in (".legend-box > .fold", "#map-controls > .fold"):
            assert page.get_attribute(fold, "aria-expanded") == "false"
        # Folded, the overlays leave the map nearly whole: under 8 % of it covered.
        area = (map_box["right"] - map_box["left"]) * (map_box["bottom"] - map_box["top"])
        covered = sum(
            (b["right"] - b["left"]) * (b["bottom"] - b["top"])
            for b in (page.evaluate(BOX, s) for s in (".legend-box", "#map-controls"))
            if b
        )
        assert covered < 0.08 * area, (covered, area)
        assert page.evaluate(BOX, "#panel")["top"] >= map_box["bottom"]  # under the map
        page.screenshot(path=str(folder / f"map-province-{language}-phone.png"))

        page.click(".legend-box > .fold")
        assert page.get_attribute(".legend-box > .fold", "aria-expanded") == "true"
        assert page.locator("#legend").is_visible()
        page.click(".legend-box > .fold")
        assert not page.locator("#legend").is_visible()
        page.click("#map-controls > .fold")
        assert page.locator("#indicator").is_visible()
        page.click("#map-controls > .fold")
        assert not page.locator("#indicator").is_visible()
        page.click(".panel-fold")
        assert page.get_attribute(".panel-fold", "aria-expanded") == "false"
        assert not page.locator("#panel").is_visible()
        # The map grows (its height: the click scrolled the page to the button, under the
        # map and the tables).
        folded_map = page.evaluate(BOX, "#map")
        assert folded_map["bottom"] - folded_map["top"] > map_box["bottom"] - map_box["top"]
        page.click(".panel-fold")
        assert page.locator("#panel").is_visible()

        if language == "ar":
            # A figure, its share and its unit stay on one line: the boxes of its runs
            # (one per direction) all sit at the same height.
            broken = page.evaluate(
                """() => [...document.querySelectorAll(
                     '#panel table [data-figure], #panel .qty, #panel bdi[data-unit]')]
                   .filter((el) => {
                     const tops = [...el.getClientRects()].map((r) => (r.top + r.bottom) / 2);
                     return Math.max(...tops) - Math.min(...tops) > 8; })
                   .map((el) => el.dataset.figure || el.textContent)"""
            )
            assert not broken, broken
            bands = page.locator("#panel table.distance thead th").all_inner_texts()
            assert len(bands) == 3 and not any(c in "".join(bands) for c in "<>≤≥"), bands
            assert "كم²" in page.locator("#panel .qty").first.inner_text()

        # A facility's panel: its "back" arrow points the way the language reads back.
        page.click("#panel [data-section='facilities'] button[data-open]")
        page.wait_for_selector("#panel article.facility", timeout=20_000)
        back = page.locator("#panel button.back").inner_text().strip()
        assert back.startswith("→" if language == "ar" else "←"), back


def test_tapping_a_commune_on_a_phone_selects_it(page) -> None:  # type: ignore[no-untyped-def]
    """On a touch screen of 390×844, a tap on a commune's shape opens that commune."""
    browser = page.context.browser
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        phone = context.new_page()
        errors: list[str] = []
        phone.on("pageerror", lambda e: errors.append(str(e)))
        phone.goto(f"{page.base}/?lang=fr#{TAOUNATE}")
        phone.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
        # The first commune with room for a tap clear of the facilities' markers (at
        # the province's zoom some small communes are all markers).
        codes = phone.locator("#map path.area[data-code]").evaluate_all(
            "(ps) => ps.map((p) => p.dataset.code)"
        )
        code, point = next(
            ((c, p) for c in codes if (p := phone.evaluate(POINT_IN, [c, FINGER])) is not None),
            (None, None),
        )
        assert point is not None, "no commune shows room for a tap"
        phone.touchscreen.tap(point[0], point[1])
        phone.wait_for_selector(f"body[data-ready='{code}']", timeout=20_000)
        assert phone.locator("#panel article.territory").get_attribute("data-code") == code
        assert not errors, errors
    finally:
        context.close()


def test_on_a_laptop_the_overlays_never_cover_the_selected_territory(page) -> None:  # type: ignore[no-untyped-def]
    """1366×768: the province fits clear of the legend and the map's controls; zoomed in so
    that communes lie under the legend, opening one of them moves the map until it is clear
    of both; printed, the access figures and the sources stay and the controls go."""
    folder = ARTIFACTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    for language in ("fr", "ar"):
        _open(page, TAOUNATE, language)
        legend = page.evaluate(BOX, "#legend")
        assert legend is not None and page.locator("#legend h3").is_visible()  # open
        assert page.evaluate(UNDER_LEGEND) == [], "the legend covers the province"
        controls = page.evaluate(BOX, "#map-controls")
        for code in page.locator("#map path.area[data-code]").evaluate_all(
            "(ps) => ps.map((p) => p.dataset.code)"
        ):
            box = page.evaluate(BOX, f"#map path[data-code='{code}']")
            assert not _meets(box, controls), (language, code)

        hidden: list[str] = []
        for _ in range(4):  # twice is enough on a calm machine; a busy one may drop a step
            page.click(".leaflet-control-zoom-in")
            _settle(page)
            hidden = page.evaluate(UNDER_LEGEND)
            if hidden:
                break
        assert hidden, "zoomed in, some commune should lie under the legend"
        code = hidden[0]
        _go(page, code)
        box = page.evaluate(BOX, f"#map path[data-code='{code}']")
        map_box = page.evaluate(BOX, "#map")
        assert not _meets(box, page.evaluate(BOX, "#legend")), (language, code)
        assert not _meets(box, page.evaluate(BOX, "#map-controls")), (language, code)
        assert map_box["left"] <= box["left"] and box["right"] <= map_box["right"]
        assert map_box["top"] <= box["top"] and box["bottom"] <= map_box["bottom"]
        page.screenshot(path=str(folder / f"map-commune-{language}-laptop.png"))

        page.wait_for_selector("#panel table.access", timeout=20_000)
        page.emulate_media(media="print")
        try:
            assert page.locator("#panel table.access").is_visible()
            assert page.locator("#panel [data-section=access] .measure").is_visible()
            assert page.locator("#panel .source").first.is_visible()
            assert page.locator("#map").is_visible()
            for control in ("#map-controls", ".fold", ".leaflet-control-zoom", "#search"):
                assert not page.locator(control).first.is_visible(), control
        finally:
            page.emulate_media(media="screen")
