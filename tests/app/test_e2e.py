"""The page in a real headless Chromium: drill down to Fès, read a commune's census figure,
switch to Arabic (right-to-left), edit a facility and see the change in its history.

The server runs in a thread on a free loopback port, on a private copy of the national
database. Screenshots go to test-artifacts/ at the repository root (git-ignored)."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from qurb.data import read_bundled_csv
from tests.environment import ARTIFACTS

REGION, PROVINCE, COMMUNE = "03", "03.231", "03.231.01.15"  # Fès-Meknès › Fès › Oulad Tayeb


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_drill_down_arabic_and_edit(page) -> None:  # type: ignore[no-untyped-def]
    census = {r["code"]: r for r in read_bundled_csv("territories.csv")}
    start = time.perf_counter()
    page.goto(page.base + "/")
    page.wait_for_selector("body[data-ready='MA']", timeout=15_000)
    (ARTIFACTS / "national-load-seconds.txt").write_text(f"{time.perf_counter() - start:.2f}\n")
    assert page.locator("path[data-code]").count() == 12
    assert "Population 2024" in page.locator("#legend").inner_text()
    page.screenshot(path=str(ARTIFACTS / "1-national.png"))

    page.locator(f"path[data-code='{REGION}']").dispatch_event("click")
    page.wait_for_selector(f"body[data-ready='{REGION}']", timeout=15_000)
    page.locator(f"path[data-code='{PROVINCE}']").dispatch_event("click")
    page.wait_for_selector(f"body[data-ready='{PROVINCE}']", timeout=15_000)
    crumbs = page.locator("#breadcrumb").inner_text()
    assert "Fès-Meknès" in crumbs and "Fès" in crumbs
    assert page.locator("path[data-code^='03.231.']").count() == 5  # its communes
    page.wait_for_selector(".fm", timeout=10_000)  # facility markers
    page.screenshot(path=str(ARTIFACTS / "2-province-fes.png"))

    page.locator(f"path[data-code='{COMMUNE}']").dispatch_event("click")
    page.wait_for_selector(f"body[data-ready='{COMMUNE}']", timeout=15_000)
    shown = page.locator("#panel [data-field=population_2024]").inner_text()
    assert _digits(shown) == int(census[COMMUNE]["population_2024"]) == 56_352
    page.wait_for_selector("#panel [data-section=gaps] table.gaps", timeout=15_000)
    # The access figures for the commune come from /api/access on the commune graph.
    page.wait_for_selector("#panel [data-section=access] table.access", timeout=15_000)
    beyond_30 = page.locator("#panel tr[data-offer=primary] td[data-beyond='30']").inner_text()
    assert _digits(beyond_30) in (0, 56_352)  # one commune: all of it or none is beyond
    # The Ministry's distance bands: a whole commune falls in one of them.
    page.wait_for_selector("#panel [data-section=distance]", timeout=15_000)
    bands = page.locator("#panel [data-section=distance] [data-figure$='_km']").all_inner_texts()
    assert sorted(_digits(b) for b in bands) == [0, 0, 56_352]
    assert "reference points" not in page.locator("#panel .measure").first.inner_text()
    assert "points de référence" in page.locator("#panel .measure").first.inner_text()
    page.locator("#panel [data-section=access]").screenshot(
        path=str(ARTIFACTS / "3-commune-access.png")
    )
    page.screenshot(path=str(ARTIFACTS / "3-commune.png"))

    page.click("[data-lang=ar]")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    assert page.locator("#panel h2[data-field=name]").inner_text() == census[COMMUNE]["name_ar"]
    assert census[PROVINCE]["name_ar"] in page.locator("#breadcrumb").inner_text()
    page.screenshot(path=str(ARTIFACTS / "4-commune-ar.png"))
    page.click("[data-lang=fr]")
    assert page.get_attribute("html", "dir") == "ltr"

    page.locator("#panel [data-section=facility-list] button[data-open]").first.click()
    page.wait_for_selector("#panel article.facility", timeout=10_000)
    # No caravan has referred anyone there yet: the panel says so.
    referrals = page.locator("#panel [data-section=referrals]").inner_text()
    assert "Aucun patient adressé par une caravane" in referrals
    page.click("#panel [data-action=edit]")
    # Beds and doctors are the capacity's, changed in its own form with their source.
    assert page.locator("#editor input[name=beds], #editor input[name=doctors]").count() == 0
    page.fill("#editor input[name=lat]", "99")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors:not([hidden])", timeout=10_000)
    assert page.locator("#editor input[name=lat][aria-invalid=true]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "5-edit-refused.png"))
    page.click("#editor [data-action=cancel]")
    page.click("#panel [data-action=edit]")
    name = page.locator("#editor input[name=name]").input_value()
    page.fill("#editor input[name=name]", f"{name} (e2e)")
    page.fill("#editor input[name=reason]", "renommage e2e")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#panel li.change[data-action=update]", timeout=10_000)
    change = page.locator("#panel li.change[data-action=update]").inner_text()
    assert "name" in change and "(e2e)" in change and "renommage e2e" in change
    assert page.locator("#panel [data-field=name]").inner_text() == f"{name} (e2e)"
    page.screenshot(path=str(ARTIFACTS / "6-facility-history.png"))


def test_fact_sheet_prints(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + f"/sheet/{PROVINCE}?lang=ar")
    page.wait_for_selector(f"body[data-ready='{PROVINCE}']", timeout=15_000)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1[data-field=name]").inner_text() == "فاس"
    assert page.locator("svg.pyramid rect.bar").count() == 32
    page.emulate_media(media="print")
    assert not page.locator("#print").is_visible()
    page.screenshot(path=str(ARTIFACTS / "7-sheet-ar-print.png"), full_page=True)


def test_sheet_words_averages_apart_from_norms_and_marks_estimates(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + f"/sheet/{PROVINCE}?lang=en")
    page.wait_for_selector(f"body[data-ready='{PROVINCE}']", timeout=15_000)
    # 1 ESSP per 12,300 is a national average: its gap is a distance from it.
    ratio = page.locator("table.gaps[data-kind=reference_ratio]")
    assert "Below the average" in ratio.locator("thead").inner_text()
    essp = ratio.locator("tr[data-rule='essp-per-12300']").inner_text()
    assert "below the national average" in essp
    assert "inhabitants beyond the national average ratio" in essp
    assert "issing" not in ratio.inner_text() and "unserved" not in ratio.inner_text()
    # The WHO EmONC set is a norm: its gap is a shortfall.
    norm = page.locator("table.gaps[data-kind=norm]").first
    assert "Missing" in norm.locator("thead").inner_text()
    # Expected births are an estimate, with its formula.
    births = page.locator("tr.estimate", has_text="Expected births a year")
    assert "TFR ÷ 35" in (births.locator("td.estimate").get_attribute("title") or "")
    assert page.locator("a[data-action=definitions]").get_attribute("href") == (
        "/definitions?lang=en"
    )
    page.screenshot(path=str(ARTIFACTS / "8-sheet-en-gaps.png"), full_page=True)


def test_licences_page_in_arabic_and_the_map_credit(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(page.base + "/licences?lang=ar")
    page.wait_for_selector("body[data-ready='ar']", timeout=15_000)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1[data-i18n='licences.title']").inner_text() == (
        "تراخيص البيانات ونسبتها إلى مصادرها"
    )
    # The reference text stays as written, left to right, its table rendered.
    assert page.get_attribute("article.lic-text", "dir") == "ltr"
    assert page.locator("article.lic-text table").count() >= 2
    page.click("[data-lang=en]")  # the English words are read first: wait for them
    expect(page.locator("h1[data-i18n='licences.title']")).to_have_text(
        "Data licences and attribution"
    )
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.screenshot(path=str(ARTIFACTS / "9-licences.png"), full_page=True)

    page.goto(page.base + "/?lang=fr")
    page.wait_for_selector("body[data-ready='MA']", timeout=15_000)
    credit = page.locator(".leaflet-control-attribution")
    osm = credit.locator("a[href='https://www.openstreetmap.org/copyright']")
    assert osm.inner_text() == "© OpenStreetMap contributors"
    assert credit.locator("a[href='/licences']").inner_text() == "Licences des données"
    page.click("[data-lang=ar]")
    expect(credit.locator("a[href='/licences']")).to_have_text("تراخيص البيانات")


def test_a_province_without_hospital_names_the_nearest(page) -> None:  # type: ignore[no-untyped-def]
    """Moulay Yacoub's bed line names its nearest general hospital, each figure tagged with
    the API field it shows."""
    page.goto(page.base + "/#03.591")
    page.wait_for_selector("body[data-ready='03.591']", timeout=15_000)
    page.wait_for_selector("#panel tr.nearest-hospital", timeout=15_000)
    row = page.locator("#panel tr.nearest-hospital")
    assert "hôpital général le plus proche" in row.inner_text()
    name = row.locator("[data-figure$='.nearest_hospital_name']")
    assert name.inner_text() == "Hôpital des spécialités"
    minutes = row.locator("[data-figure$='.nearest_hospital_minutes']")
    assert minutes.get_attribute("data-figure").startswith("/api/territories/{code}/gaps?by=")
    assert float(minutes.inner_text().replace(",", ".")) > 0
    assert row.locator("[data-figure$='.nearest_hospital_distance_km']").count() == 1
    # The attribute names the API field the figure comes from.
    path, field = minutes.get_attribute("data-figure").split("#")
    served = page.evaluate(
        "async (url) => (await fetch(url)).json()", path.replace("{code}", "03.591")
    )
    _, index, key = field.split(".")
    assert served["lines"][int(index)][key] == float(minutes.inner_text().replace(",", "."))
    status = page.locator("#panel tr.status-no_hospital").inner_text()
    assert "aucun hôpital" in status


def test_a_chu_oncology_unit_says_it_is_a_specialty_hospital(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/#04.421")  # Rabat
    page.wait_for_selector("body[data-ready='04.421']", timeout=15_000)
    button = page.locator("#panel button[data-open='hosp-04.421.01.01-med-ben-abdellah']")
    button.click()
    page.wait_for_selector("#panel article.facility", timeout=10_000)
    tier = page.locator("#panel [data-field=hospital_tier]").inner_text()
    assert tier.startswith("hôpital spécialisé")


def test_the_nearest_hospital_reads_right_to_left_in_arabic(page) -> None:  # type: ignore[no-untyped-def]
    """Moulay Yacoub in Arabic: minutes and km carry Arabic units, each piece of mixed
    direction isolated in <bdi>, the figures still named by their API fields."""
    page.goto(page.base + "/?lang=ar#03.591")
    page.wait_for_selector("body[data-ready='03.591']", timeout=15_000)
    page.wait_for_selector("#panel tr.nearest-hospital", timeout=15_000)
    row = page.locator("#panel tr.nearest-hospital")
    minutes = row.locator("bdi[data-unit=minutes]")
    km = row.locator("bdi[data-unit=km]")
    assert minutes.inner_text().endswith("دقيقة") and km.inner_text().endswith("كم")
    assert " min" not in row.inner_text() and " km" not in row.inner_text()
    assert minutes.locator("[data-figure$='.nearest_hospital_minutes']").count() == 1
    assert km.locator("[data-figure$='.nearest_hospital_distance_km']").count() == 1
    name = row.locator("bdi [data-figure$='.nearest_hospital_name']")
    assert name.inner_text() == "Hôpital des spécialités"
    page.screenshot(path=str(ARTIFACTS / "10-nearest-hospital-ar.png"), full_page=True)


@pytest.mark.parametrize("path", ["/definitions", "/licences"])
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_reference_pages_fit_a_phone(page, path: str, language: str) -> None:  # type: ignore[no-untyped-def]
    """At 390 px wide the page does not scroll sideways: wide tables scroll in their box."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + f"{path}?lang={language}")
    page.wait_for_selector("table", timeout=15_000)
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    # Each table scrolls inside its own box instead.
    assert page.locator("table").count() == page.locator(".table-scroll > table").count() >= 1
    page.screenshot(path=str(ARTIFACTS / f"11-{path.strip('/')}-{language}-390.png"))


def test_the_map_words_a_norm_gap_by_its_norm_sets_kind(page) -> None:  # type: ignore[no-untyped-def]
    """The default rule is a national average: the legend says "below the national average";
    a norm's rule says "missing" (menu and legend alike)."""
    page.goto(page.base + "/?lang=en#03.591")
    page.wait_for_selector("body[data-ready='03.591']", timeout=15_000)
    page.select_option("#indicator", "norm_gap")
    unit = page.locator("#legend p.unit")
    unit.filter(has_text="below the national average").wait_for(timeout=15_000)
    chosen = "document.querySelector('#indicator').selectedOptions[0].textContent"
    assert page.evaluate(chosen).startswith("Distance from the national average")
    page.select_option("select[data-param=rule]", "maroc-rural-1987/first-contact-per-15000")
    unit.filter(has_text="missing").wait_for(timeout=15_000)
    assert page.evaluate(chosen) == "Norm gap (missing facilities)"


def test_the_api_docs_work_under_the_page_policy(page) -> None:  # type: ignore[no-untyped-def]
    """/docs: the vendored Swagger UI starts from a static script (the CSP refuses inline
    ones) and lists the API's operations; a refused script or style fails the page."""
    page.goto(page.base + "/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=15_000)
    # Every group is listed, folded; opening one lists its operations.
    tags = page.locator(".swagger-ui .opblock-tag")
    assert tags.count() >= 15
    page.locator(".swagger-ui .opblock-tag[data-tag='facilities']").click()
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=15_000)
    assert "/api/facilities" in page.locator(".swagger-ui").inner_text()


def _editor_shots(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The open editor at a phone's and a laptop's size: it fits the width at both."""
    for label, size in (
        ("390", {"width": 390, "height": 844}),
        ("1366", {"width": 1366, "height": 768}),
    ):
        page.set_viewport_size(size)
        box = page.locator("#editor").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
        page.screenshot(path=str(ARTIFACTS / f"12-{name}-{label}.png"))


def test_a_closed_facility_is_reopened_from_the_page(page) -> None:  # type: ignore[no-untyped-def]
    """Close a facility from its panel, then reopen it: the Reopen action asks for a reason
    (refused without one), and the history and the status say what happened, in French
    and in Arabic."""
    page.goto(page.base + f"/#{COMMUNE}")
    page.wait_for_selector(f"body[data-ready='{COMMUNE}']", timeout=15_000)
    page.locator("#panel [data-section=facility-list] button[data-open]").first.click()
    page.wait_for_selector("#panel article.facility", timeout=10_000)
    facility_id = page.locator("#panel article.facility").get_attribute("data-id")
    assert page.locator("#panel [data-action=reopen-facility]").count() == 0  # it is open

    # A closure needs its reason too: refused without one, the facility still open.
    page.click("#panel [data-action=close-facility]")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors:not([hidden])", timeout=10_000)
    assert page.locator("#editor input[name=reason][aria-invalid=true]").count() == 1
    assert page.request.get(page.base + f"/api/facilities/{facility_id}").json()["status"] == "open"
    page.fill("#editor input[name=reason]", "fermeture e2e")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#panel li.change[data-action=close]", timeout=10_000)
    assert "fermé" in page.locator("#panel table.figures").first.inner_text()
    assert page.locator("#panel [data-action=edit]").count() == 0
    reopen = page.locator("#panel [data-action=reopen-facility]")
    assert reopen.inner_text() == "Rouvrir l'établissement"

    # Its form, in French then in Arabic, on a phone and on a laptop.
    reopen.click()
    assert "Rouvrir l'établissement" in page.locator("#editor h2").inner_text()
    _editor_shots(page, "reopen-fr")
    page.click("#editor [data-action=cancel]")
    page.click("[data-lang=ar]")
    assert page.get_attribute("html", "dir") == "rtl"
    reopen = page.locator("#panel [data-action=reopen-facility]")
    assert reopen.inner_text() == "إعادة فتح المؤسسة"
    reopen.click()
    assert "إعادة فتح المؤسسة" in page.locator("#editor h2").inner_text()
    _editor_shots(page, "reopen-ar")
    page.click("#editor [data-action=cancel]")
    page.click("[data-lang=fr]")

    # A reopening needs its reason: refused without one, nothing written.
    page.click("#panel [data-action=reopen-facility]")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors:not([hidden])", timeout=10_000)
    assert page.locator("#editor input[name=reason][aria-invalid=true]").count() == 1
    page.fill("#editor input[name=reason]", "réouverture e2e")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#panel li.change[data-action=reopen]", timeout=10_000)
    change = page.locator("#panel li.change[data-action=reopen]").inner_text()
    assert "réouverture" in change and "réouverture e2e" in change and "e2e" in change
    assert "ouvert" in page.locator("#panel table.figures").first.inner_text()
    assert page.locator("#panel [data-action=edit]").count() == 1
    assert page.locator("#panel [data-action=reopen-facility]").count() == 0
    record = page.request.get(page.base + f"/api/facilities/{facility_id}").json()
    assert record["status"] == "open"
    history = page.request.get(page.base + f"/api/facilities/{facility_id}/history").json()
    assert [c["action"] for c in history][-2:] == ["close", "reopen"]
    assert history[-1]["reason"] == "réouverture e2e"


def test_nobody_signed_in_reads_the_map_without_the_accounts_actions(anonymous_page) -> None:  # type: ignore[no-untyped-def]
    """Signed in as nobody: a facility's record and figures, but no edit, close or add
    button, no history (it names who made each change) and no caravan referrals; the
    panel says that changing the registry needs an account, and the top bar offers to
    sign in."""
    page = anonymous_page
    page.goto(page.base + f"/#{COMMUNE}")
    page.wait_for_selector(f"body[data-ready='{COMMUNE}']", timeout=15_000)
    assert page.locator("#panel [data-action=add]").count() == 0
    assert "/sign-in" in page.locator("#panel p.readonly").inner_text()
    page.locator("#panel [data-section=facility-list] button[data-open]").first.click()
    page.wait_for_selector("#panel article.facility", timeout=10_000)
    assert page.locator("#panel [data-field=name]").inner_text()
    for hidden in (
        "[data-action=edit]",
        "[data-action=close-facility]",
        "[data-section=history]",
        "[data-section=referrals]",
    ):
        assert page.locator(f"#panel {hidden}").count() == 0, hidden
    assert page.locator("#qurb-account a[href^='/sign-in']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "7-facility-anonymous.png"))


def test_a_change_made_meanwhile_is_not_written_over_from_the_page(page) -> None:  # type: ignore[no-untyped-def]
    """The panel shows a facility; someone else changes it (the API, as another client);
    the page's change names the version it read, is refused with the reason, nothing is
    written, and the panel shows the facility as it is now."""
    page.goto(page.base + f"/#{COMMUNE}")
    page.wait_for_selector(f"body[data-ready='{COMMUNE}']", timeout=15_000)
    page.locator("#panel [data-section=facility-list] button[data-open]").first.click()
    page.wait_for_selector("#panel article.facility", timeout=10_000)
    facility_id = page.locator("#panel article.facility").get_attribute("data-id")
    url = f"{page.base}/api/facilities/{facility_id}"
    read = httpx.get(url)
    meanwhile = httpx.patch(
        url,
        json={"name_ar": "اسم آخر", "reason": "counted meanwhile"},
        headers={**page.auth, "If-Match": read.headers["etag"]},
    )
    assert meanwhile.status_code == 200, meanwhile.text
    page.click("#panel [data-action=edit]")
    page.fill("#editor input[name=name_ar]", "اسم")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors:not([hidden])", timeout=10_000)
    assert "a changé depuis la version" in page.locator("#editor .errors").inner_text()
    assert httpx.get(url).json()["name_ar"] == "اسم آخر"  # nothing written over it
    page.click("#editor [data-action=cancel]")
    page.wait_for_selector("#panel li.change[data-action=update]", timeout=10_000)
    assert (
        "counted meanwhile"
        in page.locator("#panel li.change[data-action=update]").last.inner_text()
    )
