"""Maps that read right, in a real headless Chromium: the legend shows the server's classes
(fixed bands for minutes, one value per class where few), says the method, and the
tooltip of a commune names its nearest facility with the access route's minutes and km.
Screenshots go to test-artifacts/classes/.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import re

import httpx

from tests.browser import open_map_controls
from tests.environment import ARTIFACTS

TAOUNATE = "03.531"
KARIA_BA_MOHAMED = "03.531.01.03"
SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
BANDS = {"fr": "classes : tranches fixes", "ar": "الفئات: شرائح ثابتة"}
DISTINCT = {"fr": "classes : une par valeur", "ar": "الفئات: فئة لكل قيمة"}


def _show(page, indicator: str, method: str) -> None:  # type: ignore[no-untyped-def]
    """Choose `indicator` and wait for its legend (the method's words, which the legend
    shown before does not have)."""
    open_map_controls(page)
    page.select_option("#indicator", indicator)
    page.wait_for_function(
        "words => document.querySelector('#legend .class-method')?.textContent === words",
        arg=method,
        timeout=30_000,
    )


def test_legend_and_tooltip_read_the_server_s_classes(page) -> None:  # type: ignore[no-untyped-def]
    access = httpx.get(
        f"{page.base}/api/access/{TAOUNATE}", params={"level": "secondary"}, timeout=120
    ).json()
    row = next(r for r in access["communes"] if r["code"] == KARIA_BA_MOHAMED)
    hospital = httpx.get(
        f"{page.base}/api/indicators/inhabitants_per_hospital",
        params={"level": "commune", "parent": TAOUNATE},
        timeout=120,
    ).json()
    folder = ARTIFACTS / "classes"
    folder.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for language in ("fr", "ar"):
            page.goto(f"{page.base}/?lang={language}#{TAOUNATE}")
            page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=30_000)
            _show(page, "minutes_to_nearest", BANDS[language])
            rows = page.locator("#legend ul.classes li[data-class]").all_inner_texts()
            assert [r.strip() for r in rows] == ["≤ 30", "30 – 60", "60 – 120", "> 120"]
            # The tooltip: the value, the nearest hospital, its minutes and km (the API's).
            area = page.locator(f"path[data-code='{KARIA_BA_MOHAMED}']")
            area.dispatch_event("mouseover")
            box = area.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            tooltip = page.wait_for_selector(".leaflet-tooltip .nearest", timeout=10_000)
            assert row["facility"] in tooltip.inner_text()
            text = page.locator(".leaflet-tooltip").inner_text()
            minutes = f"{row['minutes']:.1f}".replace(".", ",")
            km = f"{row['distance_km']:.1f}".replace(".", ",")
            assert text.count(minutes) == 2 and km in text, text  # value, then nearest
            page.screenshot(path=str(folder / f"minutes-taounate-{size}-{language}.png"))
            page.mouse.move(1, 1)
            # Few figures: one class per value, each labelled by itself (never "a – a").
            assert hospital["classes"]["method"] == "distinct"
            _show(page, "inhabitants_per_hospital", DISTINCT[language])
            labels = page.locator("#legend ul.classes li[data-class]").all_inner_texts()
            assert len(labels) == len(hospital["classes"]["ranges"]) >= 1
            for label, r in zip(labels, hospital["classes"]["ranges"], strict=True):
                digits = [
                    int(d) for d in re.findall(r"\d+", re.sub(r"[\s.\u202f\u00a0]", "", label))
                ]
                assert digits == (
                    [int(r["low"])] if r["low"] == r["high"] else [int(r["low"]), int(r["high"])]
                )
