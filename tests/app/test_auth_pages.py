"""The signing-in pages: the sign-in and change-password forms in French, Arabic (right to
left) and English, on the base layout, with no inline script; the top bar's sign-in link."""

from __future__ import annotations

import re

import pytest

from tests.web_clients import TestClient


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Connexion à Qurb"),
        ("ar", "rtl", "الدخول إلى قرب"),
        ("en", "ltr", "Sign in to Qurb"),
    ],
)
def test_the_sign_in_page_speaks_each_language(
    read_client: TestClient, lang: str, direction: str, heading: str
) -> None:
    page = read_client.get("/sign-in", params={"lang": lang})
    assert page.status_code == 200
    html = page.text
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert heading in html
    assert 'id="sign-in-form"' in html and 'type="password"' in html
    assert '<script type="module" src="/static/js/signin.js"></script>' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert f'href="/sign-in?lang={lang}"' in html  # the top bar's sign-in link


def test_the_change_password_page_in_arabic_is_right_to_left(read_client: TestClient) -> None:
    page = read_client.get("/password", headers={"Accept-Language": "ar"})
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "تغيير كلمة المرور" in page.text and 'id="password-form"' in page.text


def test_every_page_with_a_top_bar_shows_the_sign_in_state(read_client: TestClient) -> None:
    html = read_client.get("/").text
    assert 'id="qurb-account"' in html and 'data-i18n="auth.sign_in"' in html
    assert '<script type="module" src="/static/js/shell.js"></script>' in html
    assert read_client.get("/static/js/shell.js").status_code == 200
    assert read_client.get("/static/js/signin.js").status_code == 200


def test_an_unknown_language_is_a_422(read_client: TestClient) -> None:
    assert read_client.get("/sign-in", params={"lang": "de"}).status_code == 422
