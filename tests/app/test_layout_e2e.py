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
