"""The conventions' page, `/conventions` and `/conventions?id=<id>`: anyone opens it (in
French, Arabic right to left, English), the header offers it to everyone, and an id
outside a database integer is refused before anything is read. (What the page shows:
test_conventions_e2e.py.)"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.web_clients import TestClient


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Conventions de partenariat"),
        ("ar", "rtl", "اتفاقيات الشراكة"),
        ("en", "ltr", "Partnership conventions"),
    ],
)
def test_anyone_opens_the_conventions_in_each_language(
    read_client: TestClient, lang: str, direction: str, heading: str
) -> None:
    page = read_client.get("/conventions", params={"id": 3, "lang": lang})
    assert page.status_code == 200
    html = unescape(page.text)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="conventions.title">{heading}</h2>' in html
    assert '<script type="module" src="/static/js/conventions.js"></script>' in html
    assert re.search(r'"id": ?3', html)
    assert 'data-place="conventions" data-i18n="nav.conventions" aria-current="page"' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


@pytest.mark.parametrize("bad", ["0", "-1", "2147483648", "x"])
def test_an_id_that_is_no_convention_s_is_refused(read_client: TestClient, bad: str) -> None:
    assert read_client.get("/conventions", params={"id": bad}).status_code == 422
