"""The map out of the page, in a real headless Chromium: the main towns' layer (GeoNames,
off by default, labelled in the page's language), the map as a PNG file drawn in the
browser under the page's Content-Security-Policy, and the link to its PDF sheet.
Screenshots go to test-artifacts/mapout/."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.browser import open_map_controls
from tests.environment import ARTIFACTS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE), data[:16]
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_towns_png_and_pdf_of_the_map_in_french_and_arabic(page) -> None:  # type: ignore[no-untyped-def]
    folder = ARTIFACTS / "mapout"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    for language, fes in (("fr", "Fes"), ("ar", "فاس")):
        page.goto(f"{page.base}/?lang={language}")
        page.wait_for_selector("body[data-ready='MA']", timeout=20_000)
        page.wait_for_selector("#legend ul.classes li")
        # Off by default; on, the largest towns are labelled at the national zoom.
        assert not page.is_checked("#show-towns")
        assert page.locator(".town-label").count() == 0
        page.check("#show-towns")
        page.wait_for_selector(".town-label")
        labels = page.locator(".town-label").all_inner_texts()
        assert fes in labels, labels
        assert "GeoNames" in page.inner_text(".leaflet-control-attribution")
        page.screenshot(path=str(folder / f"towns-laptop-{language}.png"))

        with page.expect_download() as download:
            page.click("#map-png")
        saved = Path(download.value.path())
        data = saved.read_bytes()
        width, height = _png_size(data)
        map_box = page.locator("#map").bounding_box()
        assert width == round(map_box["width"]) * 2  # drawn at twice the screen's pixels
        assert height > map_box["height"] * 2  # the title above, legend and sources under
        assert len(data) > 50_000  # the coloured regions, not an empty canvas
        assert download.value.suggested_filename == f"qurb-population_2024-MA-{language}.png"
        (folder / f"map-laptop-{language}.png").write_bytes(data)

        # The PDF link carries what the page shows; the server answers it with a PDF.
        page.evaluate(
            "document.getElementById('map-pdf').addEventListener('click', e => e.preventDefault())"
        )
        page.click("#map-pdf")
        href = page.get_attribute("#map-pdf", "href")
        assert href == f"/api/maps/MA.pdf?indicator=population_2024&lang={language}", href
        page.uncheck("#show-towns")  # the labels fade out, then leave
        page.wait_for_selector(".town-label", state="detached", timeout=5_000)

    # On a phone the controls, unfolded, still fit: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for language in ("fr", "ar"):
        page.goto(f"{page.base}/?lang={language}")
        page.wait_for_selector("body[data-ready='MA']", timeout=20_000)
        open_map_controls(page)  # folded on a phone
        page.check("#show-towns")
        page.wait_for_selector(".town-label")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(folder / f"towns-phone-{language}.png"))
