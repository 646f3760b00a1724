"""The saved scenarios' pages, `/scenarios` and `/scenarios/compare`: an account holding
`scenarios.read` opens them (in French, Arabic right to left, English), nobody is sent to
the sign-in page, coming back to them, and an account without the permission is refused.
The header offers the place to those who hold it. (What the pages show:
test_siting_e2e.py.)"""

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
    def __init__(self, client: TestClient, planner: Someone, other: Someone) -> None:
        self.client, self.planner, self.other = client, planner, other


@pytest.fixture
def people(scratch_db: str) -> Iterator[People]:
    app = create_app(Settings(database_url=scratch_db))
    planner = add_account(app.state.qurb.factory, "planner", Role.PLANNER)
    # Every shipped role reads scenarios: an account without a grant does not.
    other = add_account(app.state.qurb.factory, "other", None)
    with TestClient(app) as client:
        yield People(client, planner, other)


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Scénarios enregistrés"),
        ("ar", "rtl", "السيناريوهات المحفوظة"),
        ("en", "ltr", "Saved scenarios"),
    ],
)
def test_a_planner_opens_the_list_in_each_language(
    people: People, lang: str, direction: str, heading: str
) -> None:
    page = as_someone(people.client, people.planner).get("/scenarios", params={"lang": lang})
    assert page.status_code == 200
    html = unescape(page.text)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="scenarios.title">{heading}</h2>' in html
    assert '<script type="module" src="/static/js/scenarios.js"></script>' in html
    assert 'id="scenario-lines"' in html and 'id="scenarios-compare"' in html
    # The header's place, current here, offered to holders of scenarios.read.
    assert re.search(r'data-permission="scenarios.read" hidden><a href="/scenarios"', html)
    assert 'data-place="scenarios" data-i18n="nav.scenarios" aria-current="page"' in html
    # No inline script nor style.
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


def test_the_comparison_page_is_its_own_script(people: People) -> None:
    page = as_someone(people.client, people.planner).get(
        "/scenarios/compare", params={"ids": "a,b", "lang": "ar"}
    )
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.text
    assert '<script type="module" src="/static/js/compare.js"></script>' in page.text
    assert 'id="compare"' in page.text


@pytest.mark.parametrize("path", ["/scenarios", "/scenarios/compare"])
def test_nobody_is_sent_to_sign_in_coming_back_to_the_page(people: People, path: str) -> None:
    answer = people.client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={path}"


def test_an_account_without_a_grant_is_refused(people: People) -> None:
    answer = as_someone(people.client, people.other).get("/scenarios")
    assert (answer.status_code, answer.json()["code"]) == (403, "account_not_allowed")


def test_the_map_page_carries_the_siting_style_sheet(people: People) -> None:
    page = people.client.get("/")
    assert '<link rel="stylesheet" href="/static/css/siting.css">' in page.text
