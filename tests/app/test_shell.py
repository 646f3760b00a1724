"""The page shell on every page with a top bar: the header's places in one order, the page's
own place marked current, a place that needs a permission written hidden (the shell script
shows it to an account that holds it), in the page's language."""

from __future__ import annotations

import re

import pytest

from tests.web_clients import TestClient

PLACES = re.compile(r'<nav class="places"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<li( data-permission="([^"]+)" hidden)?><a href="([^"]+)" data-place="([^"]+)"')


def places(html: str) -> list[tuple[str, str, str | None]]:
    """(place, href, permission) of the header's links, in order."""
    found = PLACES.search(html)
    assert found, "no places in the header"
    return [(m[4], m[3], m[2] or None) for m in LINK.finditer(found.group(1))]


@pytest.mark.parametrize(
    ("path", "current"),
    [("/", "map"), ("/caravans", "caravans"), ("/sign-in", None), ("/licences", None)],
)
def test_every_page_has_the_same_places_and_marks_its_own(
    read_client: TestClient, path: str, current: str | None
) -> None:
    html = read_client.get(path).text
    assert places(html) == [
        ("map", "/", None),
        ("caravans", "/caravans", None),
        ("scenarios", "/scenarios", "scenarios.read"),
        ("plan", "/plan", "scenarios.read"),
        ("reports", "/reports", "reports.read"),
        ("signals", "/signals", "reports.read"),
        ("referrals", "/referrals", "referrals.measures"),
        ("conventions", "/conventions", None),
        ("sharing", "/sharing", "registry.read"),
        ("definitions", "/definitions", None),
        ("audit", "/audit", "audit.read"),
    ]
    marked = re.findall(r'data-place="([a-z]+)"[^>]*aria-current="page"', html)
    assert marked == ([current] if current else [])


def test_the_places_speak_the_page_language(read_client: TestClient) -> None:
    html = read_client.get("/sign-in", params={"lang": "ar"}).text
    assert 'aria-label="الأقسام"' in html
    assert ">الخريطة</a>" in html and ">القوافل الطبية</a>" in html
