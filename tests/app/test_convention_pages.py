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


@pytest.mark.parametrize(
    "bad",
    [
        {"partner": "Council Fès"},
        {"partner": "-council"},
        {"partner": "a" * 81},
        {"territory": "03.2"},
        {"territory": "<script>"},
        {"territory": "03.231.01.03.9"},
    ],
)
def test_a_partner_or_territory_not_written_as_one_is_refused(
    read_client: TestClient, bad: dict[str, str]
) -> None:
    assert read_client.get("/conventions", params=bad).status_code == 422


def test_a_partner_s_and_a_territory_s_view_are_asked_by_the_address(
    read_client: TestClient,
) -> None:
    """The page's configuration carries them to its script (which asks the figures: an
    unknown partner or territory is the API's 404, shown on the page)."""
    page = read_client.get("/conventions", params={"partner": "council-fes", "lang": "fr"})
    assert page.status_code == 200
    assert re.search(r'"partner": ?"council-fes"', unescape(page.text))
    page = read_client.get("/conventions", params={"territory": "03.231"})
    assert re.search(r'"territory": ?"03.231"', unescape(page.text))
