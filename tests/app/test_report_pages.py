"""The periodic reports' page, `/reports?t=<code>&d=<data set>&p=<period>`: an account
holding `reports.read` opens it (in French, Arabic right to left, English) with the data
sets' latest periods over offered, nobody is sent to sign in, coming back to it, and an
account without the permission is refused. The header offers the place to those who hold
it. (What the page shows and writes: test_reports_e2e.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape

import pytest

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.kernel import clock
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account, as_someone
from tests.web_clients import TestClient


@pytest.fixture
def people(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Someone, Someone]]:
    # Thursday 3 December 2026: the latest week over is 2026W48, the latest month 2026-11.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    app = create_app(Settings(database_url=scratch_db))
    viewer = add_account(app.state.qurb.factory, "viewer", Role.VIEWER)
    other = add_account(app.state.qurb.factory, "other", None)
    with TestClient(app) as client:
        yield client, viewer, other


def _config(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="qurb-config">(.*?)</script>', html)
    assert found, "the page carries its configuration"
    return json.loads(found[1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Rapports périodiques des établissements"),
        ("ar", "rtl", "التقارير الدورية للمؤسسات الصحية"),
        ("en", "ltr", "Facilities' periodic reports"),
    ],
)
def test_a_reader_opens_the_reports_in_each_language(
    people: tuple[TestClient, Someone, Someone], lang: str, direction: str, heading: str
) -> None:
    client, viewer, _ = people
    query = {"t": "03.531", "d": "mdo", "p": "2026W40", "lang": lang}
    page = as_someone(client, viewer).get("/reports", params=query)
    assert page.status_code == 200
    html = unescape(page.text)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<h2 data-i18n="reports.title">{heading}</h2>' in html
    assert '<script type="module" src="/static/js/reports.js"></script>' in html
    config = _config(page.text)
    assert (config["territory"], config["dataset"], config["period"]) == (
        "03.531",
        "mdo",
        "2026W40",
    )
    periods = config["periods"]
    assert isinstance(periods, dict)
    assert periods["mdo"][:3] == ["2026W48", "2026W47", "2026W46"]
    assert periods["mother-child"][:2] == ["2026-11", "2026-10"]
    assert len(periods["chronic"]) == 24
    assert re.search(r'data-permission="reports.read" hidden><a href="/reports"', html)
    assert 'data-place="reports" data-i18n="nav.reports" aria-current="page"' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
    assert "style=" not in html and "<style" not in html


def test_nobody_is_sent_to_sign_in_and_no_grant_is_refused(
    people: tuple[TestClient, Someone, Someone],
) -> None:
    client, _, other = people
    answer = client.get("/reports", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/reports"
    assert as_someone(client, other).get("/reports").status_code == 403
