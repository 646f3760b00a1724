"""The shared resources' page, `/sharing` and `/sharing?resource=<id>`: an account that
reads the registry opens it (in French, Arabic right to left, English), the header
offers it to such accounts only, nobody is sent to sign in (coming back to it), an
account without a grant is refused, and an address the page would not ask for is
refused before anything is read. (What the page shows: tests/sharing/test_pages_e2e.py.)"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.accounts import Someone, as_someone
from tests.web_clients import TestClient


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Ressources partagées"),
        ("ar", "rtl", "الموارد المشتركة"),
        ("en", "ltr", "Shared resources"),
    ],
)
def test_a_reader_opens_the_shared_resources_in_each_language(
    page_readers: tuple[TestClient, Someone, Someone], lang: str, direction: str, heading: str
) -> None:
    client, viewer, _ = page_readers
    query = {"resource": 3, "day": "2026-12-08", "month": "2026-12", "lang": lang}
    page = as_someone(client, viewer).get("/sharing", params=query)
    assert page.status_code == 200
    html = unescape(page.text)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="sharing.title">{heading}</h2>' in html
    assert '<script type="module" src="/static/js/sharing.js"></script>' in html
    assert re.search(r'"resource": ?3', html) and re.search(r'"day": ?"2026-12-08"', html)
    assert re.search(r'"month": ?"2026-12"', html)
    assert re.search(r'data-permission="registry.read" hidden><a href="/sharing"', html)
    assert 'data-place="sharing" data-i18n="nav.sharing" aria-current="page"' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


def test_nobody_is_sent_to_sign_in_and_no_grant_is_refused(
    page_readers: tuple[TestClient, Someone, Someone],
) -> None:
    client, _, other = page_readers
    answer = client.get("/sharing", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/sharing"
    assert as_someone(client, other).get("/sharing").status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        {"resource": "0"},
        {"resource": "2147483648"},
        {"resource": "x"},
        {"day": "2026-13-01"},
        {"day": "1999-12-31"},
        {"month": "2026-13"},
        {"month": "<script>"},
        {"specialty": "a" * 65},
    ],
)
def test_an_address_the_page_would_not_ask_for_is_refused(
    page_readers: tuple[TestClient, Someone, Someone], bad: dict[str, str]
) -> None:
    client, viewer, _ = page_readers
    assert as_someone(client, viewer).get("/sharing", params=bad).status_code == 422
