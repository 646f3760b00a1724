"""The regional plan's page in a real headless Chromium, in French and in Arabic, on a
phone and a laptop: Taounate's two general hospitals adopted from a saved scenario, one
opened as the hospital added to the registry, the other moved to funded from the page's
form; the table, the map's markers by status, the totals and the coverage change as the
API answers them.

Screenshots in test-artifacts/journeys/plan-*.png, named by size and language. Same
server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
TAOUNATE = "03.531"
FOLDER = ARTIFACTS / "journeys"
SITING = {"territory": TAOUNATE, "level": "secondary", "add": 2, "within_minutes": 60}
STATUS_WORDS = {"fr": ("Ouvert", "Adopté", "Financé"), "ar": ("مفتوح", "معتمد", "ممول")}


def _api(page: Any, method: str, path: str, **kwargs: Any) -> Any:
    headers = {**page.auth, **kwargs.pop("headers", {})}
    answer = httpx.request(method, f"{page.base}{path}", headers=headers, timeout=120, **kwargs)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _one_opened(page: Any) -> list[dict[str, Any]]:
    """The scenario adopted; its first project opened as an HPr added at its site."""
    scenario = _api(page, "POST", "/api/siting", json=SITING)
    first, second = _api(page, "POST", "/api/plan/adopt", json={"scenario": scenario["id"]})
    hospital = {
        "name": f"HPr {first['title']}",
        "category": "HPr",
        "commune": first["territory_code"],
        "lon": first["lon"],
        "lat": first["lat"],
        "reason": "opened by the plan",
    }
    made = _api(page, "POST", "/api/facilities", json=hospital)
    moves = [{"status": "funded"}, {"status": "opened", "facility_id": made["id"]}]
    project = first
    for move in moves:
        project = _api(
            page,
            "POST",
            f"/api/plan/projects/{project['id']}/status",
            json=move,
            headers={"If-Match": f'"{project["version"]}"'},
        )
    return [project, second]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_plan_of_taounate_shown_and_a_status_moved_from_the_page(
    page: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    opened, adopted = _one_opened(page)
    plan = _api(page, "GET", f"/api/plan?territory={TAOUNATE}")

    page.goto(f"{page.base}/plan?t={TAOUNATE}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}'] .plan-table", timeout=60_000)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    # The header offers the place, current here.
    expect(page.locator('[data-place="plan"][aria-current="page"]')).to_have_count(1)
    rows = page.locator(".plan-table tbody tr[data-id]")
    expect(rows).to_have_count(2)
    words = STATUS_WORDS[lang]
    assert page.locator(f"tr[data-id='{opened['id']}']").get_attribute("data-status") == "opened"
    expect(page.locator(f"tr[data-id='{opened['id']}'] .plan-status")).to_contain_text(words[0])
    expect(page.locator(f"tr[data-id='{adopted['id']}'] .plan-status")).to_contain_text(words[1])
    # One marker per project on the map, coloured by status.
    markers = page.locator(".plan-map circle.marker")
    expect(markers).to_have_count(2)
    fills = markers.evaluate_all("cs => cs.map(c => [c.dataset.id, c.getAttribute('fill')])")
    assert dict(fills) == {str(opened["id"]): "#2e7d32", str(adopted["id"]): "#1565c0"}
    # The coverage change, as the API measured it.
    [change] = plan["coverage"]
    cells = page.locator(".plan-coverage tbody td[data-value]")
    shown = [float(v) for v in cells.evaluate_all("cs => cs.map(c => c.dataset.value)")]
    assert shown == [change["covered_without_pct"], change["covered_with_pct"]]
    assert change["covered_with_pct"] > change["covered_without_pct"]
    expect(page.locator(".plan-method")).to_have_text(
        _api(page, "GET", f"/api/plan?territory={TAOUNATE}", headers={"Accept-Language": lang})[
            "method"
        ]
    )
    page.screenshot(path=str(FOLDER / f"plan-{size}-{lang}.png"), full_page=True)

    # The adopted one moved to funded from the page's form.
    page.locator(f"tr[data-id='{adopted['id']}'] button[data-action=move]").click()
    form = page.locator(".plan-move")
    form.locator("select[name=status]").select_option("funded")
    form.locator("input[name=note]").fill("Budget 2027")
    form.locator("button[type=submit]").click()
    expect(page.locator(f"tr[data-id='{adopted['id']}']")).to_have_attribute(
        "data-status", "funded", timeout=30_000
    )
    expect(page.locator(f"tr[data-id='{adopted['id']}'] .plan-status")).to_contain_text(words[2])
    now = _api(page, "GET", f"/api/plan/projects/{adopted['id']}")
    assert (now["status"], now["events"][-1]["note"]) == ("funded", "Budget 2027")
    # Overflow: nothing wider than the window but the tables' own scrolling boxes.
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width + 1, f"the page is {wide}px wide in a {width}px window"
