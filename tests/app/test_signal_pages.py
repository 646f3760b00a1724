"""The outbreak signals' page, `/signals?t=<code>&s=<signal id>`: an account holding
`reports.read` opens it (in French, Arabic right to left, English) with the territory and
signal asked in its configuration, nobody is sent to sign in, coming back to it, and an
account without the permission is refused. The header offers the place to those who hold
it, beside the reports'. (What the page shows: test_signals_e2e.py.)"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tests.accounts import Someone, as_someone
from tests.web_clients import TestClient


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Signaux épidémiques"),
        ("ar", "rtl", "الإشارات الوبائية"),
        ("en", "ltr", "Outbreak signals"),
    ],
)
def test_a_reader_opens_the_signals_in_each_language(
    page_readers: tuple[TestClient, Someone, Someone], lang: str, direction: str, heading: str
) -> None:
    client, viewer, _ = page_readers
    page = as_someone(client, viewer).get("/signals", params={"t": "03.131", "s": 7, "lang": lang})
    assert page.status_code == 200
    html = unescape(page.text)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="signals.title">{heading}</h2>' in html
    assert '<script type="module" src="/static/js/signals.js"></script>' in html
    found = re.search(r'<script type="application/json" id="qurb-config">(.*?)</script>', page.text)
    assert found is not None
    assert json.loads(found[1]) == {"lang": lang, "territory": "03.131", "signal": 7}
    # the place, right after the reports' in the header
    places = re.findall(r'data-place="(\w+)"', html)
    assert places[places.index("reports") + 1] == "signals"
    assert 'data-place="signals" data-i18n="nav.signals" aria-current="page"' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


def test_nobody_is_sent_to_sign_in_and_no_grant_is_refused(
    page_readers: tuple[TestClient, Someone, Someone],
) -> None:
    client, _, other = page_readers
    answer = client.get("/signals", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/signals"
    assert as_someone(client, other).get("/signals").status_code == 403
