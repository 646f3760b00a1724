"""What a facility has, in its panel, in a real headless Chromium: a registry editor sets
its beds and staff (checked in the browser as the server checks them) and sees them with
their provenance and in their history; adds an ultrasound and puts it down (refused
without a reason, the field named); a change made meanwhile is refused (409) and
explained. An editor of another province reads the same figures and sees no form; nobody
signed in is offered to sign in. French and Arabic, on a phone and on a laptop, with axe.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry.capacity_sheets import CAPACITY, INSTRUCTIONS, NAMED_ROWS
from tests.accounts import PASSWORD, add_account
from tests.environment import ARTIFACTS

PROVINCE, COMMUNE = "03.231", "03.231.01.15"  # Fès › Oulad Tayeb
IFRANE = "03.271"  # another province of the region
SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
SOURCE = "Inventaire de la délégation de Fès, 2026"


def _facility(base: str, territory: str) -> dict[str, Any]:
    page = httpx.get(f"{base}/api/facilities", params={"territory": territory, "limit": 1})
    return dict(page.json()["items"][0])


def _open(page: Any, facility_id: str, territory: str, lang: str = "fr") -> None:
    page.goto(f"{page.base}/?t={territory}&f={facility_id}&lang={lang}")
    page.wait_for_selector(f"#panel article.facility[data-id='{facility_id}']", timeout=15_000)
    page.wait_for_selector("#panel [data-section=capacity]", timeout=15_000)


def _shots(page: Any, name: str) -> None:
    """The page on a phone and on a laptop, the capacity in view (or the open form)."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        if not page.locator("#editor[open]").count():
            page.locator("#panel [data-section=capacity]").evaluate("s => s.scrollIntoView()")
        page.screenshot(path=str(ARTIFACTS / f"capacity-{name}-{size}.png"))
    page.set_viewport_size({"width": 1400, "height": 900})


def _signed_in(page: Any, username: str) -> Any:
    """A new page of the same browser, signed in as `username`."""
    context = page.context.browser.new_context(
        locale="fr-FR", viewport={"width": 1366, "height": 768}
    )
    answer = context.request.post(
        f"{page.base}/api/auth/sign-in", data={"username": username, "password": PASSWORD}
    )
    assert answer.ok, answer.text()
    tab = context.new_page()
    tab.base = page.base
    return tab


def test_an_editor_sets_beds_and_sees_them_with_their_provenance(page: Any) -> None:
    from playwright.sync_api import expect

    facility = _facility(page.base, COMMUNE)
    fid = facility["id"]
    _open(page, fid, COMMUNE)
    capacity = page.locator("#panel [data-section=capacity]")
    # Nothing entered yet: unknown, never 0.
    assert capacity.locator("[data-measure=beds]").inner_text() == "inconnu"
    assert "0" not in capacity.locator("[data-group=staff]").inner_text()
    _shots(page, "unknown-fr")

    page.click("#panel [data-action=edit-capacity]")
    form = page.locator("#editor form.capacity-editor")
    # Checked in the browser as the server checks: no source, negative, above the bound,
    # a date in the future; each named on its field, nothing sent.
    form.locator("input[name=beds]").fill("-3")
    form.locator("input[name='staff.nurse']").fill("4000000")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    form.locator("input[name=as_of]").fill(tomorrow)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "PUT" else None)
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors:not([hidden])", timeout=5_000)
    for name in ("beds", "staff.nurse", "as_of", "source"):
        assert form.locator(f"[name='{name}'][aria-invalid=true]").count() == 1, name
    bounds = httpx.get(f"{page.base}/api/capacity/measures").json()
    nurses = form.locator("[data-name='staff.nurse'] .field-error").inner_text()
    assert nurses.startswith("au plus") and int(re.sub(r"\D", "", nurses)) == bounds["staff_max"]
    assert not sent  # nothing was sent
    _shots(page, "refused-fr")

    form.locator("input[name=source]").fill(SOURCE)
    form.locator("input[name=as_of]").fill(date.today().isoformat())
    form.locator("input[name=beds]").fill("24")
    form.locator("input[name='beds.surgery']").fill("10")
    form.locator("input[name='staff.nurse']").fill("18")
    form.locator("input[name='staff.midwife']").fill("3")
    form.locator("input[name=hours]").fill("24/7")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#panel p.saved", timeout=10_000)
    capacity = page.locator("#panel [data-section=capacity]")
    assert capacity.locator("[data-measure=beds]").inner_text() == "24"
    assert capacity.locator("[data-measure='beds.surgery']").inner_text() == "10"
    assert capacity.locator("[data-measure='staff.nurse']").inner_text() == "18"
    assert capacity.locator("[data-measure='staff.doctor_general']").inner_text() == "inconnu"
    provenance = capacity.locator("tr[data-row=beds] .provenance").inner_text()
    assert SOURCE in provenance and "E2E" in provenance.upper()
    # The facility's totals follow (the figures every other feature reads).
    assert page.locator("#panel [data-field=beds]").inner_text() == "24"
    history = page.locator("#panel [data-section=capacity-history]").inner_text()
    assert "24" in history and SOURCE in history
    api = httpx.get(f"{page.base}/api/facilities/{fid}").json()
    assert api["beds"] == 24
    _shots(page, "set-fr")

    # Equipment: an ultrasound, then down without a reason (refused by the server, the
    # field named), then down with its reason and date.
    page.click("#panel [data-action=add-equipment]")
    page.select_option("#editor select[name=kind]", "ultrasound")
    page.fill("#editor input[name=model]", "Mindray DC-40")
    page.fill("#editor input[name=source]", SOURCE)
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#panel [data-section=equipment] tr[data-equipment]", timeout=10_000)
    row = page.locator("#panel [data-section=equipment] tr[data-equipment]").first
    assert "Mindray DC-40" in row.inner_text()
    assert row.locator("[data-status]").get_attribute("data-status") == "working"
    row.locator("[data-action=equipment-status]").click()
    page.select_option("#editor select[name=status]", "down")
    page.fill("#editor input[name=down_since]", date.today().isoformat())
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors:not([hidden])", timeout=10_000)
    assert page.locator("#editor input[name=down_reason][aria-invalid=true]").count() == 1
    assert "down_reason" in page.locator("#editor .errors").inner_text()
    _shots(page, "status-refused-fr")
    page.fill("#editor input[name=down_reason]", "sonde cassée")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#panel [data-section=equipment] [data-status=down]", timeout=10_000)
    assert "sonde cassée" in page.locator("#panel [data-section=equipment]").inner_text()

    # In Arabic: right to left, the same figures and their words.
    page.click("[data-lang=ar]")
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("#panel [data-section=capacity] h3")).to_have_text("الطاقة الاستيعابية")
    assert page.locator("#panel [data-section=capacity] [data-measure=beds]").inner_text() in (
        "24",
        "٢٤",
    )
    _shots(page, "set-ar")
    page.click("#panel [data-action=edit-capacity]")
    _shots(page, "form-ar")
    page.click("#editor [data-action=cancel]")
    page.click("[data-lang=fr]")

    # A change made meanwhile (another client, the version read before it) is not written
    # over: 409, explained, the panel shows the facility as it is now.
    page.click("#panel [data-action=edit-capacity]")
    read = httpx.get(f"{page.base}/api/facilities/{fid}")
    meanwhile = httpx.put(
        f"{page.base}/api/facilities/{fid}/capacity",
        json={"source": "autre client", "as_of": date.today().isoformat(), "values": {"beds": 30}},
        headers={**page.auth, "If-Match": read.headers["etag"]},
    )
    assert meanwhile.status_code == 200, meanwhile.text
    page.fill("#editor input[name=source]", SOURCE)
    page.fill("#editor input[name=beds]", "26")
    page.click("#editor [data-action=save]")
    page.wait_for_selector("#editor .errors .stale", timeout=10_000)
    assert "modifié entre-temps" in page.locator("#editor .errors").inner_text()
    page.click("#editor [data-action=cancel]")
    expect(page.locator("#panel [data-section=capacity] [data-measure=beds]")).to_have_text("30")
    assert httpx.get(f"{page.base}/api/facilities/{fid}").json()["beds"] == 30


def test_an_editor_of_another_province_sees_no_form(page: Any, scratch_db: str) -> None:
    factory = make_sessionmaker(make_engine(scratch_db))
    add_account(factory, "ifrane", Role.REGISTRY_EDITOR, Scope(territories=[IFRANE]))
    fes = _facility(page.base, COMMUNE)
    ifrane = _facility(page.base, IFRANE)
    tab = _signed_in(page, "ifrane")
    _open(tab, fes["id"], COMMUNE)
    for hidden in (
        "[data-action=edit-capacity]",
        "[data-action=add-equipment]",
        "[data-action=equipment-status]",
        "[data-action=edit]",
        "[data-section=workbook]",
        "[data-section=capacity-history]",  # another province's: not its to read
    ):
        assert tab.locator(f"#panel {hidden}").count() == 0, hidden
    capacity = tab.locator("#panel [data-section=capacity]")
    assert capacity.locator("[data-measure=beds]").inner_text() == "inconnu"
    assert "éditeurs du registre de sa province" in capacity.locator(".outside-scope").inner_text()
    tab.screenshot(path=str(ARTIFACTS / "capacity-other-province.png"))
    # Its own province: the forms and the workbook.
    _open(tab, ifrane["id"], IFRANE)
    for shown in (
        "[data-action=edit-capacity]",
        "[data-action=add-equipment]",
        "[data-section=workbook]",
    ):
        assert tab.locator(f"#panel {shown}").count() == 1, shown
    href = tab.locator("#panel [data-action=workbook-template]").get_attribute("href")
    assert href == f"/api/capacity/template?province={IFRANE}&lang=fr"
    tab.context.close()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_provinces_workbook_downloads_and_imports_from_the_panel(
    page: Any, tmp_path: Path
) -> None:
    """The template downloaded from the panel, filled (its beds and source) and sent back:
    the panel says what it changed and shows the beds with their source; another
    province's workbook is refused, its problems listed, nothing written."""
    import openpyxl

    fid = _facility(page.base, COMMUNE)["id"]
    _open(page, fid, COMMUNE)
    with page.expect_download() as download:
        page.click("#panel [data-action=workbook-template]")
    assert download.value.suggested_filename.endswith(".xlsx")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    workbook = openpyxl.load_workbook(template)
    workbook[INSTRUCTIONS].cell(NAMED_ROWS["qurb_source"], 2).value = SOURCE
    capacity = workbook[CAPACITY]
    row = next(r for r in range(3, capacity.max_row + 1) if capacity.cell(r, 1).value == fid)
    capacity.cell(row, 6).value = 17  # beds
    filled = tmp_path / "fes.xlsx"
    workbook.save(filled)
    page.set_input_files("#panel [data-section=workbook] input[type=file]", str(filled))
    page.click("#panel [data-section=workbook] button[type=submit]")
    page.wait_for_selector("#panel [data-section=workbook] .saved:not([hidden])", timeout=20_000)
    said = page.locator("#panel [data-section=workbook] .saved").inner_text()
    assert said.startswith("Importé : 1 établissements, 1 valeurs"), said
    beds = page.locator("#panel [data-section=capacity] tr[data-row=beds]").inner_text()
    assert "17" in beds and SOURCE in beds
    page.screenshot(path=str(ARTIFACTS / "capacity-workbook-imported.png"))

    other = page.request.get(f"{page.base}/api/capacity/template?province={IFRANE}")
    assert other.ok, other.text()
    page.set_input_files(
        "#panel [data-section=workbook] input[type=file]",
        files=[{"name": "ifrane.xlsx", "mimeType": XLSX, "buffer": other.body()}],
    )
    page.click("#panel [data-section=workbook] button[type=submit]")
    page.wait_for_selector("#panel [data-section=workbook] .errors:not([hidden])", timeout=20_000)
    refused = page.locator("#panel [data-section=workbook] .errors").inner_text()
    assert "Rien n'a été importé" in refused and "03.271" in refused, refused

    # Bad cells: each named in the list, nothing written.
    capacity.cell(row, 6).value = -5  # beds
    capacity.cell(row, 7).value = "deux"  # general practitioners
    workbook.save(filled)
    page.set_input_files("#panel [data-section=workbook] input[type=file]", str(filled))
    page.click("#panel [data-section=workbook] button[type=submit]")
    page.wait_for_selector("#panel [data-section=workbook] .errors li", timeout=20_000)
    problems = page.locator("#panel [data-section=workbook] .errors li").all_inner_texts()
    assert len(problems) == 2, problems
    page.locator("#panel [data-section=workbook]").screenshot(
        path=str(ARTIFACTS / "capacity-workbook-refused.png")
    )
    assert httpx.get(f"{page.base}/api/facilities/{fid}").json()["beds"] == 17


def test_nobody_signed_in_is_offered_to_sign_in(anonymous_page: Any) -> None:
    page = anonymous_page
    facility = _facility(page.base, COMMUNE)
    _open(page, facility["id"], COMMUNE)
    capacity = page.locator("#panel [data-section=capacity]")
    assert capacity.locator(".sign-in-prompt a[href^='/sign-in']").count() == 1
    assert capacity.locator("[data-action=edit-capacity]").count() == 0
    assert page.locator("#panel [data-section=capacity-history]").count() == 0


def test_the_capacity_and_its_forms_pass_axe(csp_free_page: Any) -> None:
    """axe on the facility's panel with capacity and equipment, and on its forms, in
    French and in Arabic, on a phone and on a laptop: no serious or critical violation."""
    from tests.app.test_axe_e2e import BLOCKING, _run_axe

    page = csp_free_page
    fid = _facility(page.base, COMMUNE)["id"]
    url = f"{page.base}/api/facilities/{fid}"
    change = {
        "source": SOURCE,
        "as_of": date.today().isoformat(),
        "values": {"beds": 40, "beds.paediatrics": 12, "staff.doctor_general": 3},
        "hours": "24/7",
    }
    etag = httpx.get(url).headers["etag"]
    put = httpx.put(f"{url}/capacity", json=change, headers={**page.auth, "If-Match": etag})
    assert put.status_code == 200, put.text
    added = httpx.post(
        f"{page.base}/api/equipment",
        json={"facility_id": fid, "kind": "xray", "source": SOURCE},
        headers=page.auth,
    )
    assert added.status_code in (200, 201), added.text
    blocking: list[str] = []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for lang in ("fr", "ar"):
            _open(page, fid, COMMUNE, lang)
            for name, opener in (
                ("panel", None),
                ("capacity-form", "[data-action=edit-capacity]"),
                ("status-form", "[data-action=equipment-status]"),
            ):
                if opener:
                    page.click(f"#panel {opener}")
                    page.wait_for_selector("#editor[open] form", timeout=5_000)
                result = _run_axe(page)
                page.screenshot(path=str(ARTIFACTS / f"capacity-axe-{name}-{lang}-{size}.png"))
                blocking += [
                    f"{name}-{lang}-{size}: {v['id']} at {[n['target'] for n in v['nodes']][:3]}"
                    for v in result["violations"]
                    if v["impact"] in BLOCKING
                ]
                if opener:
                    page.click("#editor [data-action=cancel]")
    assert not blocking, "\n".join(blocking)
