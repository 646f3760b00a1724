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
    prompt = page.locator("#panel .sign-in-prompt")
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
