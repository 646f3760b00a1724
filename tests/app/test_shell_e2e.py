"""The page shell in a real headless Chromium: the map page's state lives in its address
(a link reopened in a new page shows the same answer, back and forward step through it),
a link to what the reader may not see opens the public view with a sign-in prompt, and
hostile or unknown parameters fall back to the defaults without an error.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

TAOUNATE = "03.531"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_link_shares_the_answer_and_history_steps_through_it(page) -> None:  # type: ignore[no-untyped-def]
    link = f"/?t={TAOUNATE}&i=share_beyond_minutes&offer=secondary&minutes=120&lang=ar"
    page.goto(page.base + link)
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.input_value("#indicator") == "share_beyond_minutes"
    assert page.input_value("select[data-param=offer]") == "secondary"
    assert page.input_value("select[data-param=minutes]") == "120"
    # A choice made on the page is written into the address (replaced: not a step).
    page.select_option("select[data-param=minutes]", "30")
    page.wait_for_url("**minutes=30**")
    # A click on the breadcrumb is a step: pushed, then undone by Back.
    page.click("#breadcrumb a[data-code='03']")
    page.wait_for_selector("body[data-ready='03']", timeout=20_000)
    asked = _query(page.url)
    assert asked["t"] == ["03"] and asked["minutes"] == ["30"] and asked["lang"] == ["ar"]
    page.go_back()
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    # The link as it is now, opened in a new page, shows the same answer.
    shared = page.url
    other = page.context.new_page()
    other.goto(shared)
    other.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    assert other.get_attribute("html", "lang") == "ar"
    assert other.input_value("select[data-param=minutes]") == "30"
    assert other.inner_text("#legend h3") == page.inner_text("#legend h3")
    other.close()


def test_a_link_to_a_facility_shows_its_public_view_and_a_sign_in_prompt(anonymous_page) -> None:  # type: ignore[no-untyped-def]
    page = anonymous_page
    hospitals = httpx.get(
        f"{page.base}/api/facilities", params={"territory": TAOUNATE, "category": "HP"}
    ).json()["items"]
    facility = hospitals[0]
    page.goto(f"{page.base}/?t={TAOUNATE}&f={facility['id']}")
    # The link's own prompt comes first (the capacity section has its own below).
    prompt = page.locator("#panel .sign-in-prompt").first
    prompt.wait_for(timeout=20_000)
    assert facility["name"] in page.inner_text("#panel")
    href = prompt.locator("a").get_attribute("href") or ""
    assert href.startswith("/sign-in?")
    back = parse_qs(urlsplit(href).query)["next"][0]
    assert back == f"/?t={TAOUNATE}&f={facility['id']}&lang=fr"


def test_hostile_parameters_fall_back_to_the_defaults(page) -> None:  # type: ignore[no-untyped-def]
    hostile = (
        "/?t=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&i=__proto__&offer=%22%3E%3Cb%3E"
        "&minutes=1e309&f=..%2F..%2Fetc&tab=%3Cx%3E&lang=xx"
    )
    page.goto(page.base + hostile)
    page.wait_for_selector("body[data-ready='MA']", timeout=20_000)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.input_value("#indicator") == "population_2024"
    notice = page.inner_text("#panel .notice")
    assert "<img src=x onerror=alert(1)>" in notice  # shown as text, never as markup
    assert page.locator("#panel img").count() == 0
    assert page.locator("#breadcrumb [aria-current]").inner_text() == "Maroc"


def test_the_alerts_raised_for_the_reader_are_in_the_header(page, scratch_db: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from playwright.sync_api import expect

    from qurb.platform.alerts import NewAlert, raise_alert
    from qurb.platform.database import make_engine, make_sessionmaker, transaction

    words = {"dataset": "mother-child", "period": "2026-10", "count": 4, "province": TAOUNATE}
    engine = make_engine(scratch_db)
    with transaction(make_sessionmaker(engine)) as session:  # as `qurb jobs run` would
        raise_alert(
            session,
            NewAlert(
                kind="watch_silent",
                dedupe_key=f"watch_silent:mother-child:2026-10:{TAOUNATE}",
                subject_kind="territory",
                subject_id=TAOUNATE,
                words_key="alert.watch_silent",
                words_values=words,
                territory_code=TAOUNATE,
                permission="reports.read",
            ),
            datetime(2026, 11, 16, 6, 0, tzinfo=UTC),
        )
    engine.dispose()
    page.goto(f"{page.base}/conventions?lang=ar")
    page.wait_for_selector("body[data-ready='ar']", timeout=20_000)
    alerts = page.locator("#qurb-account details.alerts")
    expect(alerts.locator(".alerts-count")).to_have_text("1")
    alerts.locator("summary").click()
    item = alerts.locator(".alerts-list li.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("2026-10")  # worded in Arabic from its catalogue key
    link = item.locator("a").get_attribute("href")
    assert link == f"/reports?t={TAOUNATE}&d=mother-child&p=2026-10"
    # The page's language switched: the alert is worded again.
    page.locator(".langs [data-lang='en']").click()
    expect(item).to_contain_text("4 facilities sent no mother-child report for 2026-10")
    item.locator("button[data-read]").click()
    expect(alerts.locator(".alerts-list li.unread")).to_have_count(0)
    expect(alerts.locator(".alerts-count")).to_have_count(0)
    read = httpx.get(f"{page.base}/api/alerts", headers=page.auth).json()
    assert [a["read_at"] is not None for a in read] == [True]
