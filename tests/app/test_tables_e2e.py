"""The per-commune tables under the map, in a real headless Chromium: Taounate's access
table sorted by minutes (a click, then Enter) starts with the largest, then the smallest
minutes of `/api/access`; the tabs move with the arrow keys; in Arabic the table reads
right to left. Same server, browser and skip rules as test_e2e.py; screenshots go to
test-artifacts/tables/."""

from __future__ import annotations

from typing import Any

import httpx

from tests.environment import ARTIFACTS

TAOUNATE = "03.531"
READY = f"#tables[data-ready='{TAOUNATE}:access'] table"


def _number(text: str) -> float:
    """A number as the page writes it in French (`1 234,5`) or Arabic (`1.234,5`)."""
    digits = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(".", "")
    return float(digits.replace(",", "."))


def test_the_access_table_sorts_by_minutes_as_the_api_gives_them(page) -> None:  # type: ignore[no-untyped-def]
    access = httpx.get(
        f"{page.base}/api/access/{TAOUNATE}",
        params={"level": "secondary", "thresholds": [30, 60, 120]},
        timeout=120,
    ).json()
    minutes = [c["minutes"] for c in access["communes"] if c["minutes"] is not None]
    folder = ARTIFACTS / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{page.base}/?lang=fr#{TAOUNATE}")
    page.wait_for_selector(READY, timeout=30_000)
    header = page.locator("#tables th:has(button[data-sort='minutes'])")
    assert header.get_attribute("aria-sort") == "none"
    page.click("#tables button[data-sort='minutes']")
    assert header.get_attribute("aria-sort") == "descending"
    column = 1 + [c["key"] for c in _columns(page)].index("minutes")
    first = page.text_content(f"#tables tbody tr:first-child td:nth-child({column})") or ""
    assert _number(first) == max(minutes)
    # The largest is beyond 60 min: its row is marked.
    assert "beyond" in (page.get_attribute("#tables tbody tr:first-child", "class") or "")
    page.screenshot(path=str(folder / "taounate-access-laptop-fr.png"))
    # Enter on the (re-rendered, still focused) header sorts the other way.
    page.focus("#tables button[data-sort='minutes']")
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    first = page.text_content(f"#tables tbody tr:first-child td:nth-child({column})") or ""
    assert _number(first) == min(minutes)
    # The tabs: arrow keys move the selection and the focus.
    page.focus("#tables-tab-access")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(f"#tables[data-ready='{TAOUNATE}:referral'] table", timeout=30_000)
    assert page.get_attribute("#tables-tab-referral", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tables-tab-referral"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base}/?lang=ar#{TAOUNATE}")
    page.wait_for_selector(READY, timeout=30_000)
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#tables table')).direction")
        == "rtl"
    )
    assert page.text_content("#tables th button[data-sort='name']") == "الاسم"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#tables").screenshot(path=str(folder / "taounate-access-phone-ar.png"))


def _columns(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    url = f"{page.base}/api/territories/{TAOUNATE}/tables/access?lang=fr"
    columns: list[dict[str, Any]] = httpx.get(url, timeout=120).json()["columns"]
    return columns
