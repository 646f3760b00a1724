"""The audit trail's page, `/audit`: an administrator opens it (in French, Arabic right to
left, English), nobody is sent to the sign-in page, coming back to it, and an account
without `audit.read` is refused. (What the page shows: test_audit_page_e2e.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account, as_someone
from tests.web_clients import TestClient


class People:
    def __init__(self, client: TestClient, admin: Someone, viewer: Someone) -> None:
        self.client, self.admin, self.viewer = client, admin, viewer


@pytest.fixture
def people(scratch_db: str) -> Iterator[People]:
    app = create_app(Settings(database_url=scratch_db))
    admin = add_account(app.state.qurb.factory, "auditor")
    viewer = add_account(app.state.qurb.factory, "onlooker", Role.VIEWER)
    with TestClient(app) as client:
        yield People(client, admin, viewer)


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [("fr", "ltr", "Journal d'audit"), ("ar", "rtl", "سجل التدقيق"), ("en", "ltr", "Audit trail")],
)
def test_an_administrator_opens_the_page_in_each_language(
    people: People, lang: str, direction: str, heading: str
) -> None:
    client = as_someone(people.client, people.admin)
    page = client.get("/audit", params={"lang": lang, "entity_id": "x"})
    assert page.status_code == 200
    html = page.text
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="audit.title">{heading}</h2>' in unescape(html)
    assert 'id="audit-filters"' in html and 'name="since" type="date"' in html
    assert 'class="table-scroll"' in html and 'id="audit-csv"' in html
    assert '<script type="module" src="/static/js/audit.js"></script>' in html
    assert f'<script type="application/json" id="qurb-config">{{"lang": "{lang}"}}</script>' in html
    # No inline script: only sources and the JSON configuration block.
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


def test_the_browser_s_language_is_the_page_s_without_lang(people: People) -> None:
    client = as_someone(people.client, people.admin)
    page = client.get("/audit", headers={"Accept-Language": "ar"})
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.text


def test_nobody_is_sent_to_sign_in_coming_back_to_the_page(people: People) -> None:
    answer = people.client.get("/audit", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/audit"


def test_a_viewer_is_refused(people: People) -> None:
    answer = as_someone(people.client, people.viewer).get("/audit")
    assert (answer.status_code, answer.json()["code"]) == (403, "account_not_allowed")
