"""The referrals' page and the map's flows in a real headless Chromium, on the small
region (SQLite): the CSR Aït Lhou's clerk sends a referral through the form (high-risk
pregnancy, the general hospital's level, to the HP of Tizgui, a patient of Tafraout n'Aït),
the HP's clerk finds it among those received, opens it and accepts it, and the sender
reads it accepted; a steering committee's member reads the waiting-time tables and is
refused the list, which shows no referral; on the map, the flows' toggle draws one line
per flow, the wider the more referrals.

Same browser and skip rules as tests/browser.py (Chromium, no internet, no JavaScript
error); its own live server, on the small region."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import Engine

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account
from tests.browser import chromium, serving, signed_in_tab
from tests.environment import ARTIFACTS
from tests.regions import AIT_LHOU, HP_TIZGUI, IMI, REGION_CODE, SMALL_FACILITIES, TAFRAOUT

# The small region's facilities with their ids as the registry writes them (lower case:
# the page reads each through GET /api/facilities/{id}, whose id is lower case).
FACILITIES = tuple(replace(f, id=f.id.lower()) for f in SMALL_FACILITIES)
CSR = "essp-99.991.03.05-csr-ait-lhou"
FOLDER = ARTIFACTS / "journeys"  # screenshots: referrals-*.png


@dataclass
class Site:
    url: str
    people: dict[str, Someone]


@pytest.fixture
def site(small_region_db: Any, region_engine: Engine) -> Iterator[Site]:
    if region_engine.dialect.name != "sqlite":
        pytest.skip("the browser tests run on SQLite alone (tests/browser.py)")
    small_region_db(FACILITIES)
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    made = app.state.qurb.factory
    people = {
        "csr": add_account(made, "csr", Role.REFERRAL_CLERK, Scope(facilities=[CSR])),
        "hp": add_account(made, "hp", Role.REFERRAL_CLERK, Scope(facilities=[HP_TIZGUI])),
        "committee": add_account(
            made, "committee", Role.COMMITTEE_MEMBER, Scope(territories=[REGION_CODE])
        ),
    }
    with serving(app) as address:
        yield Site(address, people)


@pytest.fixture
def browser(site: Site) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _signed_in(browser: Any, site: Site, username: str, errors: list[str]) -> Any:
    """A tab signed in as `username`, offline but for the site (tests/browser.py)."""
    return signed_in_tab(browser, site.url, username, errors)


def test_a_referral_sent_accepted_and_read_and_the_committee_s_measures(
    browser: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    # The CSR's clerk sends it through the form.
    csr = _signed_in(browser, site, "csr", errors)
    csr.goto(f"{site.url}/referrals?view=send&lang=fr")
    form = csr.locator("form.referral-send")
    expect(form).to_be_visible()
    form.locator("select[name=level]").select_option("high_risk_pregnancy:1")
    destination = form.locator(f"select[name=destination] option[value='{HP_TIZGUI}']")
    expect(destination).to_have_count(1)
    form.locator("select[name=destination]").select_option(HP_TIZGUI)
    # Sent without a commune of residence: the server's refusal, in the page's words, by field.
    form.locator("button[type=submit]").click()
    refusal = form.locator(".referral-send-errors li[data-field=commune]")
    expect(refusal).to_contain_text("la commune de résidence du patient (code HCP) est obligatoire")
    form.locator("input[name=commune_q]").fill("Tafraout")
    expect(form.locator(f"select[name=commune] option[value='{TAFRAOUT}']")).to_have_count(1)
    form.locator("select[name=commune]").select_option(TAFRAOUT)
    form.locator("select[name=age_band]").select_option("15-49")
    form.locator("select[name=sex]").select_option("F")
    form.locator("select[name=urgency]").select_option("urgent")
    # A switch of language keeps what was filled in.
    csr.locator("button[data-lang=ar]").first.click()
    expect(form.locator("h3")).to_have_text("إرسال إحالة")
    expect(form.locator("select[name=commune]")).to_have_value(TAFRAOUT)
    expect(form.locator("select[name=destination]")).to_have_value(HP_TIZGUI)
    expect(form.locator("select[name=urgency]")).to_have_value("urgent")
    csr.locator("button[data-lang=fr]").first.click()
    expect(form.locator("h3")).to_have_text("Envoyer une référence")
    FOLDER.mkdir(parents=True, exist_ok=True)
    csr.screenshot(path=str(FOLDER / "referrals-send-fr.png"), full_page=True)
    form.locator("button[type=submit]").click()
    expect(csr.locator(".referral-facts")).to_contain_text("envoyée")
    reference = csr.locator(".referral-facts dd").first.inner_text().strip()
    assert reference.startswith("R-")
    expect(csr.locator(".referral-facts")).to_contain_text("Tafraout n'Aït")

    # The HP's clerk finds it among those received, opens it and accepts it.
    hp = _signed_in(browser, site, "hp", errors)
    hp.goto(f"{site.url}/referrals?direction=received&lang=fr")
    rows = hp.locator(".referrals-table tbody tr[data-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reference)
    expect(rows.first).to_contain_text("CSR Aït Lhou")
    rows.first.locator("a").first.click()
    accept = hp.locator("form.referral-move[data-move=accepted] button")
    expect(accept).to_be_visible()
    hp.locator("form.referral-move[data-move=refused]").wait_for()
    accept.click()
    expect(hp.locator(".referral-moved")).to_contain_text("acceptée")
    expect(hp.locator(".referral-events tbody tr")).to_have_count(2)
    hp.screenshot(path=str(FOLDER / "referral-accepted-fr.png"), full_page=True)
    # The same referral on a phone, in Arabic (right to left).
    hp.set_viewport_size({"width": 390, "height": 844})
    address = urlsplit(hp.url)
    query = dict(parse_qsl(address.query)) | {"lang": "ar"}
    hp.goto(urlunsplit(address._replace(query=urlencode(query))))
    expect(hp.locator(".referral-events tbody tr")).to_have_count(2)
    assert hp.locator("html").get_attribute("dir") == "rtl"
    hp.screenshot(path=str(FOLDER / "referral-accepted-ar-phone.png"), full_page=True)

    # The sender reads it accepted, and may not accept it itself.
    csr.reload()
    expect(csr.locator(".referral-facts")).to_contain_text("acceptée")
    expect(csr.locator("form.referral-move[data-move=booked]")).to_have_count(0)

    # A committee's member: the waiting times, never the list.
    committee = _signed_in(browser, site, "committee", errors)
    committee.goto(f"{site.url}/referrals?lang=fr")
    pathway = committee.locator("table.referral-waiting[data-by=pathway]")
    expect(pathway.locator("tr[data-group=high_risk_pregnancy]")).to_have_count(1)
    expect(committee.locator("table.referral-waiting[data-by=commune]")).to_contain_text(
        "Tafraout n'Aït"
    )
    expect(committee.locator(".referral-measures-note")).to_contain_text("numpy")
    expect(committee.locator(".referral-measures-summary")).to_contain_text(": 1 ;")
    committee.screenshot(path=str(FOLDER / "referrals-measures-fr.png"), full_page=True)
    committee.goto(f"{site.url}/referrals?lang=ar")
    expect(committee.locator("table.referral-waiting[data-by=pathway]")).to_contain_text(
        "الحمل المعرض للخطر"
    )
    assert committee.locator("html").get_attribute("dir") == "rtl"
    expect(committee.locator(".referral-measures-note")).to_contain_text("numpy")
    committee.screenshot(path=str(FOLDER / "referrals-measures-ar.png"), full_page=True)
    committee.set_viewport_size({"width": 390, "height": 844})
    committee.screenshot(path=str(FOLDER / "referrals-measures-ar-phone.png"), full_page=True)
    committee.goto(f"{site.url}/referrals?view=list&lang=fr")
    expect(committee.locator(".referrals-refused")).to_be_visible()
    expect(committee.locator(".referrals-table")).to_have_count(0)
    assert reference not in committee.content()
    assert not errors, errors


def test_the_map_draws_one_line_per_flow_wider_by_volume(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    clerk = site.people["csr"].headers
    # Three communes of residence, one destination: flows of 3, 2 and 1 referrals.
    for commune, count in ((TAFRAOUT, 3), (AIT_LHOU, 2), (IMI, 1)):
        for _ in range(count):
            body = {
                "service": "emonc_comprehensive",
                "destination": HP_TIZGUI,
                "origin_facility": CSR,
                "commune": commune,
            }
            sent = httpx.post(f"{site.url}/api/referrals", json=body, headers=clerk, timeout=60)
            assert sent.status_code == 201, sent.text
    errors: list[str] = []
    page = _signed_in(browser, site, "committee", errors)
    page.goto(f"{site.url}/?t={REGION_CODE}&lang=fr")
    page.wait_for_selector(f"body[data-ready='{REGION_CODE}']")
    toggle = page.locator("#flows-toggle input")
    expect(toggle).to_be_visible()
    toggle.check()
    lines = page.locator("path.flow-line")
    expect(lines).to_have_count(3)
    drawn = sorted(
        (
            int(line.get_attribute("data-volume") or 0),
            float(line.get_attribute("stroke-width") or 0),
        )
        for line in lines.all()
    )
    assert [volume for volume, _ in drawn] == [1, 2, 3]
    widths = [width for _, width in drawn]
    assert widths == sorted(widths) and len(set(widths)) == 3, drawn
    expect(page.locator("#flows-legend li")).to_have_count(3)
    expect(page.locator("#flows-legend")).to_contain_text("références : 3")
    # A line running north-south has no width to hover: its pointer event, as Leaflet hears it.
    page.locator("path.flow-line[data-volume='3']").dispatch_event("mouseover")
    expect(page.locator(".leaflet-tooltip")).to_contain_text("Hôpital provincial de Tizgui")
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "referrals-flows-fr.png"))
    # From the origins: every referral came from the CSR, one line of six.
    page.locator("#flows-from").select_option("origin")
    expect(lines).to_have_count(1)
    expect(page.locator("path.flow-line[data-volume='6']")).to_have_count(1)
    page.locator("path.flow-line").dispatch_event("mouseover")
    # The tooltip of a line gone goes with it: one left, the origin's.
    expect(page.locator(".leaflet-tooltip")).to_have_count(1)
    expect(page.locator(".leaflet-tooltip")).to_contain_text("CSR Aït Lhou")
    page.locator("#flows-from").select_option("residence")
    expect(lines).to_have_count(3)
    page.locator("button[data-lang=ar]").first.click()
    expect(page.locator("#flows-legend")).to_contain_text("الإحالات: 3")
    toggle.uncheck()
    expect(lines).to_have_count(0)
    assert not errors, errors


def test_no_flow_is_drawn_without_referrals_and_a_note_says_so(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page = _signed_in(browser, site, "committee", errors)
    page.goto(f"{site.url}/?t={REGION_CODE}&lang=en")
    page.wait_for_selector(f"body[data-ready='{REGION_CODE}']")
    page.locator("#flows-toggle input").check()
    expect(page.locator("#flows-note")).to_contain_text("No referral sent")
    expect(page.locator("path.flow-line")).to_have_count(0)
    assert not errors, errors
