"""The regional plan's page, `/plan?t=<code>`: an account holding `scenarios.read` opens
it (in French, Arabic right to left, English), nobody is sent to sign in, coming back to
it, and an account without the permission is refused. The header offers the place to
those who hold it. (What the page shows: test_plan_e2e.py.)"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.accounts import Someone, as_someone
from tests.web_clients import TestClient


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Plan régional de l'offre de soins (PROS)"),
        ("ar", "rtl", "المخطط الجهوي لعرض العلاجات"),
        ("en", "ltr", "Regional health offer plan (PROS)"),
    ],
)
def test_a_reader_opens_the_plan_in_each_language(
    page_readers: tuple[TestClient, Someone, Someone], lang: str, direction: str, heading: str
) -> None:
    client, viewer, _ = page_readers
    page = as_someone(client, viewer).get("/plan", params={"t": "03.531", "lang": lang})
    assert page.status_code == 200
    html = unescape(page.text)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="plan.title">{heading}</h2>' in html
    assert '<script type="module" src="/static/js/plan.js"></script>' in html
    assert '"territory": "03.531"' in html or '"territory":"03.531"' in html
    assert re.search(r'data-permission="scenarios.read" hidden><a href="/plan"', html)
    assert 'data-place="plan" data-i18n="nav.plan" aria-current="page"' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


def test_nobody_is_sent_to_sign_in_and_no_grant_is_refused(
    page_readers: tuple[TestClient, Someone, Someone],
) -> None:
    client, _, other = page_readers
    answer = client.get("/plan", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/plan"
    assert as_someone(client, other).get("/plan").status_code == 403
