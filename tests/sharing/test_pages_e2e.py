"""The shared resources' page in a real headless Chromium, on the scanner of
tests/sharing_region.py (the clock on Monday 7 December 2026, 06:00 UTC): partner A's
clerk finds the scanner in the list, opens its week, books Tuesday's first free slot
(08:00 local) from the calendar, sees it in "my bookings", cancels it, and books it again;
the manager sees the booking named in the week, closes the scanner on Tuesday (a
downtime) and the page shows the booking it displaced and Tuesday's slots down with the
reason. In French on a laptop and in Arabic on a phone.

Screenshots in test-artifacts/journeys/sharing-*.png. The live server runs in this process
(its clock is the test's); SQLite only, as the other browser tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.app.test_axe_e2e import BLOCKING, _run_axe
from tests.browser import chromium, serving, signed_in_tab
from tests.environment import ARTIFACTS
from tests.sharing_region import Clock, Scanner, sharing_clock, utc

__all__ = ["sharing_clock"]

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
FOLDER = ARTIFACTS / "journeys"
TUESDAY = "2026-12-08"
BOOKED = {"fr": "Créneau du", "ar": "تم حجز حصة"}
CANCELLED = {"fr": "annulée", "ar": "ملغى"}
SCANNER = {"fr": "Scanner (tomodensitomètre)", "ar": "جهاز السكانير (التصوير المقطعي)"}
IMAGING = {"fr": "Imagerie", "ar": "التصوير الطبي"}
DISPLACED = {"fr": "1 réservations déplacées", "ar": "ألغي 1 حجز"}


@pytest.fixture
def region_server(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
) -> Iterator[tuple[str, Scanner]]:
    if region_engine.dialect.name != "sqlite":
        pytest.skip("the browser tests run on SQLite alone")
    scanner = Scanner(small_region_db())
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    with serving(app) as address:
        yield address, scanner
    app.state.qurb.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _signed_in(
    browser: Any, server: str, username: str, size: str, errors: list[str], bypass_csp: bool = False
) -> Any:
    """A tab signed in as `username` at the size's viewport (tests/browser.py)."""
    return signed_in_tab(
        browser, server, username, errors, viewport=SIZES[size], bypass_csp=bypass_csp
    )


@pytest.mark.parametrize(
    ("lang", "size"), [("fr", "laptop"), ("ar", "phone"), ("fr", "phone"), ("ar", "laptop")]
)
def test_a_clerk_books_cancels_and_a_manager_s_downtime_displaces(
    region_server: tuple[str, Scanner], browser: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    server, scanner = region_server
    FOLDER.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    clerk = _signed_in(browser, server, "clerk_a", size, errors)

    clerk.goto(f"{server}/sharing?lang={lang}")
    clerk.wait_for_selector(f"body[data-ready='{lang}']")
    assert clerk.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    row = clerk.locator(f"table.sharing-resources tr[data-id='{scanner.resource}']")
    # the kind and the service by their names in the page's language (registry lists)
    expect(row).to_contain_text(SCANNER[lang])
    expect(row).to_contain_text(IMAGING[lang])
    expect(row.locator("bdi[title='ct_scanner']")).to_have_count(1)  # the code on hover
    expect(row).to_contain_text("Hôpital provincial de Tizgui")  # its facility, by name
    row.locator("a").click()
    clerk.wait_for_selector(f"body[data-ready='{lang}'] table.sharing-week")
    expect(clerk.locator("table.sharing-week td.slot.free button").first).to_be_visible()
    clerk.screenshot(path=str(FOLDER / f"sharing-week-{lang}-{size}.png"), full_page=True)

    # Tuesday 08:00 local (07:00 UTC): the first slot beyond the 24 hours' notice.
    tuesday = clerk.locator("td.slot.free[data-start='2026-12-08T07:00:00Z'] button")
    tuesday.click()
    form = clerk.locator("form.sharing-book")
    form.locator("textarea[name=note]").fill("IRM de contrôle")
    form.locator("button[type=submit]").click()
    expect(clerk.locator(".sharing-status")).to_contain_text(BOOKED[lang])
    mine = clerk.locator("table.sharing-mine tbody tr")
    expect(mine).to_have_count(1)
    expect(mine.first).to_have_attribute("data-status", "confirmed")
    expect(clerk.locator("table.sharing-week td.slot.booked")).to_have_count(1)

    mine.first.locator("button[data-action=cancel]").click()
    expect(mine.first).to_have_attribute("data-status", "cancelled")
    expect(mine.first).to_contain_text(CANCELLED[lang])
    expect(clerk.locator("table.sharing-week td.slot.booked")).to_have_count(0)

    tuesday.click()
    clerk.locator("form.sharing-book button[type=submit]").click()
    expect(clerk.locator("table.sharing-mine tbody tr[data-status=confirmed]")).to_have_count(1)
    clerk.screenshot(path=str(FOLDER / f"sharing-booked-{lang}-{size}.png"), full_page=True)

    manager = _signed_in(browser, server, "manager", size, errors)
    manager.goto(f"{server}/sharing?resource={scanner.resource}&day={TUESDAY}&lang={lang}")
    manager.wait_for_selector(f"body[data-ready='{lang}'] .sharing-manage")
    expect(manager.locator("table.sharing-week td.slot.booked")).to_contain_text("hp-tizgui")
    downtime = manager.locator("form.sharing-downtime")
    downtime.locator("input[name=from]").fill(f"{TUESDAY}T00:00")
    downtime.locator("input[name=to]").fill("2026-12-09T00:00")
    downtime.locator("input[name=reason]").fill("Panne du tube")
    downtime.locator("button[type=submit]").click()
    result = manager.locator(".sharing-downtime-result")
    expect(result).to_contain_text(DISPLACED[lang])
    expect(result.locator("li")).to_have_count(1)
    expect(result.locator("li")).to_contain_text("hp-tizgui")
    down = manager.locator("table.sharing-week td.slot.down")
    expect(down).to_have_count(4)
    expect(down.first).to_contain_text("Panne du tube")
    expect(manager.locator("table.sharing-week td.slot.booked")).to_have_count(0)
    manager.screenshot(path=str(FOLDER / f"sharing-downtime-{lang}-{size}.png"), full_page=True)
    # December's use: 19 weekdays from the 7th × 4 slots = 76, Tuesday's 4 closed.
    use = manager.locator("table.sharing-use tbody td")
    expect(use.nth(0)).to_have_text("72")
    expect(use.nth(4)).to_have_text("4")
    expect(manager.locator("svg.quota-chart title")).to_contain_text("hp-tizgui")

    # The clerk's booking, displaced, says so in its list.
    clerk.reload()
    clerk.wait_for_selector(f"body[data-ready='{lang}'] table.sharing-mine")
    expect(clerk.locator("table.sharing-mine tbody tr[data-status=displaced]")).to_have_count(1)
    assert not errors, errors
    assert re.search(r"resource=\d+", clerk.url)


@pytest.mark.parametrize(("lang", "size"), [("fr", "laptop"), ("ar", "phone")])
def test_axe_finds_nothing_serious_on_the_manager_s_week(
    region_server: tuple[str, Scanner], browser: Any, lang: str, size: str
) -> None:
    """The week with a booking awaiting approval, the manager's panel and the month (the
    pages' axe test sees only the empty list: the national database shares nothing)."""
    server, scanner = region_server
    errors: list[str] = []
    clerk = _signed_in(browser, server, "clerk_b", size, errors, bypass_csp=True)
    clerk.goto(f"{server}/sharing?resource={scanner.resource}&day={TUESDAY}&lang={lang}")
    clerk.wait_for_selector(f"body[data-ready='{lang}'] table.sharing-week")
    clerk.locator("table.sharing-week td.slot.free button").first.click()
    clerk.wait_for_selector("form.sharing-book")
    found = _run_axe(clerk)
    manager = _signed_in(browser, server, "manager", size, errors, bypass_csp=True)
    manager.goto(f"{server}/sharing?resource={scanner.resource}&day={TUESDAY}&lang={lang}")
    manager.wait_for_selector(f"body[data-ready='{lang}'] .sharing-manage")
    blocking = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in found["violations"] + _run_axe(manager)["violations"]
        if v["impact"] in BLOCKING
    ]
    assert blocking == [], blocking
    assert not errors, errors


def test_a_refusal_is_said_in_the_page_s_words_and_a_booking_moves(
    region_server: tuple[str, Scanner], browser: Any
) -> None:
    """Partner B books Tuesday 08:00 while partner A's clerk has the week open: A's
    booking of it is refused `slot_taken`, in French; read again, the slot is booked
    without B named. A's booking of 09:00 then moves to 10:00 from "my bookings"."""
    import httpx
    from playwright.sync_api import expect

    from qurb.kernel.i18n import translate

    server, scanner = region_server
    errors: list[str] = []
    clerk = _signed_in(browser, server, "clerk_a", "laptop", errors)
    week = f"{server}/sharing?resource={scanner.resource}&day={TUESDAY}&lang=fr"
    clerk.goto(week)
    clerk.wait_for_selector("body[data-ready='fr'] table.sharing-week")
    body = {"resource_id": scanner.resource, "start": f"{TUESDAY}T08:00:00+01:00"}
    taken = httpx.post(
        f"{server}/api/sharing/bookings", json=body, headers=scanner.clerk_b.headers, timeout=30
    )
    assert taken.status_code == 201, taken.text
    clerk.locator("td.slot.free[data-start='2026-12-08T07:00:00Z'] button").click()
    clerk.locator("form.sharing-book button[type=submit]").click()
    expect(clerk.locator("form.sharing-book .form-errors")).to_contain_text(
        translate("fr", "error.slot_taken")
    )

    clerk.reload()
    clerk.wait_for_selector("body[data-ready='fr'] table.sharing-week")
    booked = clerk.locator("table.sharing-week td.slot.booked")
    expect(booked).to_have_count(1)
    assert "csr-ait-lhou" not in booked.inner_text()
    # Tuesday 09:00 and 10:00 local (UTC+1), the week read in UTC.
    clerk.locator("td.slot.free[data-start='2026-12-08T08:00:00Z'] button").click()
    clerk.locator("form.sharing-book button[type=submit]").click()
    mine = clerk.locator("table.sharing-mine tbody tr[data-status=confirmed]")
    expect(mine).to_have_count(1)
    expect(mine.first.locator("th")).to_contain_text("09:00")
    mine.first.locator("button[data-action=move]").click()
    expect(clerk.locator(".sharing-moving")).to_be_visible()
    clerk.locator("td.slot.free[data-start='2026-12-08T09:00:00Z'] button").click()
    expect(clerk.locator(".sharing-status")).to_contain_text("Réservation déplacée")
    expect(mine.first.locator("th")).to_contain_text("10:00")
    expect(clerk.locator(".sharing-moving")).to_have_count(0)
    # The waiting list, for the week shown (its Monday to its Sunday by default).
    clerk.locator(".sharing-waiting summary").click()
    clerk.locator(".sharing-waiting button[type=submit]").click()
    expect(clerk.locator(".sharing-status")).to_contain_text("Inscrit sur la liste d'attente")
    waiting = httpx.get(
        f"{server}/api/sharing/resources/{scanner.resource}/waiting",
        headers=scanner.manager.headers,
        timeout=30,
    ).json()
    assert [(w["partner_id"], w["wanted_from"], w["wanted_to"]) for w in waiting] == [
        ("hp-tizgui", "2026-12-07", "2026-12-13")
    ]
    assert not errors, errors


def test_the_manager_approves_refuses_with_a_reason_and_checks_in_today_s(
    region_server: tuple[str, Scanner], browser: Any, sharing_clock: Clock
) -> None:
    """The scanner asks approval: partner A's two bookings of Tuesday wait for the
    manager, who approves the first and refuses the second (a refusal without its reason
    is refused, said in French). On Tuesday morning (the server's clock moved on) the
    approved one is among today's, and is checked in."""
    import httpx
    from playwright.sync_api import expect

    from qurb.kernel.i18n import translate
    from qurb.platform.database import transaction
    from qurb.sharing._tables import ResourceRow

    server, scanner = region_server
    with transaction(scanner.db) as session:
        session.get_one(ResourceRow, scanner.resource).approval_required = True
    made = []
    for hour in ("08", "09"):
        body = {"resource_id": scanner.resource, "start": f"{TUESDAY}T{hour}:00:00+01:00"}
        answer = httpx.post(
            f"{server}/api/sharing/bookings", json=body, headers=scanner.clerk_a.headers, timeout=30
        )
        assert answer.json()["status"] == "requested", answer.text
        made.append(answer.json()["id"])
    errors: list[str] = []
    manager = _signed_in(browser, server, "manager", "laptop", errors)
    manager.goto(f"{server}/sharing?resource={scanner.resource}&day={TUESDAY}&lang=fr")
    manager.wait_for_selector("body[data-ready='fr'] .sharing-manage")
    pending = manager.locator("table.sharing-pending tbody tr")
    expect(pending).to_have_count(2)
    manager.locator(f"button[data-manage=approve][data-booking='{made[0]}']").click()
    expect(manager.locator(".sharing-status")).to_contain_text("Réservation approuvée")
    expect(pending).to_have_count(1)
    refuse = manager.locator(f"button[data-manage=refuse][data-booking='{made[1]}']")
    refuse.click()
    expect(manager.locator(".manage-errors")).to_contain_text(
        translate("fr", "error.sharing_reason_required")
    )
    manager.locator(f"input[data-reason='{made[1]}']").fill("Réservé aux urgences")
    refuse.click()
    expect(manager.locator(".sharing-status")).to_contain_text("Réservation refusée")
    expect(pending).to_have_count(0)
    expect(manager.locator("table.sharing-today tbody tr")).to_have_count(0)

    # Tuesday, 07:50 local: a day later the session has ended idle, signed in again.
    sharing_clock.moment = utc(8, 6, 50)
    manager = _signed_in(browser, server, "manager", "laptop", errors)
    manager.goto(f"{server}/sharing?resource={scanner.resource}&day={TUESDAY}&lang=fr")
    manager.wait_for_selector("body[data-ready='fr'] .sharing-manage")
    today = manager.locator("table.sharing-today tbody tr")
    expect(today).to_have_count(1)
    today.locator("button[data-manage=check-in]").click()
    expect(manager.locator(".sharing-status")).to_contain_text("Venue enregistrée")
    expect(today).to_have_count(0)
    listed = httpx.get(
        f"{server}/api/sharing/bookings", headers=scanner.manager.headers, timeout=30
    ).json()
    assert [(b["id"], b["status"], b["reason"]) for b in listed] == [
        (made[0], "checked_in", None),
        (made[1], "refused", "Réservé aux urgences"),
    ]
    assert not errors, errors
