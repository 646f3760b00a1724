"""The audit trail's page in a real headless Chromium, signed in as an administrator: an
edit made through the API is found by its entity id, with its action, its actor and the
fields it changed; the page switches to Arabic (right to left); its CSV link carries the
same filter; a date the server cannot read is refused in the page's language; "more"
pages on. Same server, browser and skip rules as test_e2e.py; screenshots go to
test-artifacts/."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser import E2E_USER
from tests.caravan_requests import BASE
from tests.environment import ARTIFACTS


def _edit(page: Any) -> tuple[str, str]:
    """Change the Missour hospital's Arabic name through the API as the e2e account (its
    version in it, so that each run changes it): (its account id, the name written)."""
    me = httpx.get(f"{page.base}/api/auth/me", headers=page.auth).json()
    read = httpx.get(f"{page.base}/api/facilities/{BASE}")
    name_ar = f"مستشفى ميسور {read.json()['version']}"
    edited = httpx.patch(
        f"{page.base}/api/facilities/{BASE}",
        json={"name_ar": name_ar, "reason": "audit page check"},
        headers={**page.auth, "If-Match": read.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    return str(me["account"]["id"]), name_ar


def _open(page: Any, query: str, lang: str) -> None:
    page.goto(f"{page.base}/audit?{query}lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}']", timeout=20_000)


def test_an_edit_is_found_shown_in_arabic_and_exported(page) -> None:  # type: ignore[no-untyped-def]
    account, name_ar = _edit(page)
    _open(page, "", "fr")
    # The top bar offers the page to an account that reads the trail.
    page.wait_for_selector(".places a[href^='/audit']", timeout=10_000)
    assert page.inner_text(".places a[href^='/audit']") == "Journal d'audit"

    page.fill("#audit-filters input[name=entity_id]", BASE)
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url(f"**/audit?entity_id={BASE}&lang=fr")
    page.wait_for_selector("body[data-ready='fr']")
    rows = page.locator("#audit-entries > tr")
    entities = rows.locator(".audit-entity code").all_inner_texts()
    assert entities and set(entities) == {BASE}  # the filter holds
    edit = rows.filter(has_text="facility.update").last
    cells = edit.locator(":scope > td").all_inner_texts()
    # The actor by its username and id, and its kind.
    assert cells[2].split("\n") == [f"{E2E_USER} ({account})", "compte"]
    assert cells[3] == "facility.update"
    assert cells[4].split("\n") == ["facility", BASE]
    assert cells[5] == "03.131.01.03"
    assert cells[7] == "audit page check"
    edit.locator("summary").click()
    change = edit.locator(".audit-changes tr", has_text="name_ar").inner_text().split("\t")
    assert change[0] == "name_ar" and change[2] == name_ar
    page.screenshot(path=str(ARTIFACTS / "30-audit-fr.png"), full_page=True)

    page.click("[data-lang=ar]")
    page.wait_for_selector("html[lang=ar]")
    page.wait_for_selector("body[data-ready='ar']")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("main h2") == "سجل التدقيق"
    assert page.inner_text("#audit-filters button[type=submit]") == "تصفية"
    edit = page.locator("#audit-entries > tr", has_text="facility.update").last
    assert edit.locator(".audit-actor small").inner_text() == "حساب"
    assert page.input_value("#audit-filters input[name=entity_id]") == BASE
    page.screenshot(path=str(ARTIFACTS / "31-audit-ar.png"), full_page=True)

    # The CSV link names the same filter, and its file the same entry.
    href = page.get_attribute("#audit-csv", "href")
    assert href == f"/api/audit.csv?entity_id={BASE}"
    exported = page.request.get(page.base + href)
    assert exported.ok and exported.headers["content-type"].startswith("text/csv")
    lines = [line for line in exported.text().splitlines() if "facility.update" in line]
    assert lines and all(BASE in line for line in lines)
    assert any(
        f'""name_ar"": ""{name_ar}""' in line and "audit page check" in line for line in lines
    )


def test_a_date_the_server_cannot_read_is_refused_in_the_page_s_language(page) -> None:  # type: ignore[no-untyped-def]
    _open(page, "since=hier&", "fr")
    error = page.locator(".audit-error")
    assert error.is_visible()
    assert "pas un instant au format ISO 8601" in error.inner_text()
    assert "since" in error.inner_text()
    assert page.locator("#audit-entries > tr").count() == 0
    assert not page.locator(".audit-table").is_visible()
    page.click("[data-lang=ar]")
    page.wait_for_selector("body[data-ready='ar']")
    assert "ليست لحظة بصيغة ISO 8601" in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / "32-audit-bad-date-ar.png"))


def test_more_pages_on_after_the_last_entry_shown(page) -> None:  # type: ignore[no-untyped-def]
    _open(page, "entity_kind=facility&", "en")
    rows = page.locator("#audit-entries > tr")
    assert rows.count() == 100  # a page; the dataset's load wrote thousands
    first = [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.seq)")]
    page.click("#audit-more")
    page.wait_for_selector("body[data-ready='en']")
    assert rows.count() == 200
    seqs = [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.seq)")]
    assert seqs[:100] == first and seqs == sorted(seqs) and len(set(seqs)) == 200
