"""The referrals' page, `/referrals`, on the small region: a referral clerk and a
steering committee's member open it in French, Arabic (right to left) and English, the
header offers it to both, the anonymous reader is sent to sign in, an account that reads
neither referrals nor their measures is refused, and a query value the page would never
ask for is refused before anything is read; the list route's filters (direction,
urgency, a page) and the names it answers beside the codes. (What the page shows and
does: test_pages_e2e.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import Engine

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel import clock
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account
from tests.referrals.test_faces import BODY as FACES_BODY
from tests.referrals.test_faces import CSR
from tests.regions import AIT_LHOU, HP_TIZGUI, REGION_CODE, TAFRAOUT
from tests.web_clients import TestClient

# the referral of tests/referrals/test_faces.py, without its reason
BODY = {k: v for k, v in FACES_BODY.items() if k != "reason"}


@dataclass
class World:
    client: TestClient
    clerk: Someone  # the CSR's referral clerk
    hospital: Someone  # the HP's referral clerk
    committee: Someone  # a steering committee's member over the region
    viewer: Someone


@pytest.fixture
def world(
    small_region_db: object, region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    small_region_db()  # type: ignore[operator]
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    made = app.state.qurb.factory
    clerk = add_account(made, "csr", Role.REFERRAL_CLERK, Scope(facilities=[CSR]))
    hospital = add_account(made, "hp", Role.REFERRAL_CLERK, Scope(facilities=[HP_TIZGUI]))
    committee = add_account(
        made, "committee", Role.COMMITTEE_MEMBER, Scope(territories=[REGION_CODE])
    )
    viewer = add_account(made, "viewer", Role.VIEWER)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, clerk, hospital, committee, viewer)


def _config(html: str) -> dict[str, object]:
    found = re.search(
        r'<script type="application/json" id="qurb-config">(.*?)</script>', html, re.S
    )
    assert found is not None
    return dict(json.loads(unescape(found.group(1))))


@pytest.mark.parametrize(
    ("lang", "direction", "heading"),
    [
        ("fr", "ltr", "Références et contre-références"),
        ("ar", "rtl", "الإحالات والإحالات المضادة"),
        ("en", "ltr", "Referrals and counter-referrals"),
    ],
)
def test_a_clerk_and_a_committee_member_open_it_in_each_language(
    world: World, lang: str, direction: str, heading: str
) -> None:
    for someone in (world.clerk, world.committee):
        page = world.client.get("/referrals", params={"lang": lang}, headers=someone.headers)
        assert page.status_code == 200, page.text
        html = unescape(page.text)
        assert f'<html lang="{lang}" dir="{direction}">' in html
        assert f'<h2 data-i18n="referrals.title">{heading}</h2>' in html
        assert '<script type="module" src="/static/js/referrals.js"></script>' in html
        assert 'data-place="referrals" data-i18n="nav.referrals" aria-current="page"' in html
        assert '<li data-permission="referrals.measures" hidden>' in html
        assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html) is None
        assert "style=" not in html and "<style" not in html


def test_the_codes_it_offers_come_from_the_model(world: World) -> None:
    page = world.client.get(
        "/referrals",
        params={"status": "sent", "direction": "received", "urgency": "urgent", "page": 2},
        headers=world.clerk.headers,
    )
    config = _config(page.text)
    assert config["filters"] == {
        "status": "sent",
        "pathway": None,
        "service": None,
        "direction": "received",
        "urgency": "urgent",
    }
    assert config["page"] == 2
    assert config["ageBands"] == ["0-4", "5-14", "15-49", "50-59", "60+"]
    assert config["urgencies"] == ["routine", "urgent", "emergency"]
    moves = config["moves"]
    assert isinstance(moves, dict)
    assert moves["referral"]["sent"] == ["accepted", "redirected", "refused"]
    assert moves["tele_expertise"]["sent"] == ["answered", "converted"]


def test_the_anonymous_reader_signs_in_and_a_viewer_is_refused(world: World) -> None:
    anonymous = world.client.get("/referrals")
    assert anonymous.status_code == 200 and "/sign-in" in str(anonymous.url)
    refused = world.client.get("/referrals", headers=world.viewer.headers)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "0"},
        {"id": "2147483648"},
        {"id": "x"},
        {"status": "lost"},
        {"direction": "both"},
        {"urgency": "now"},
        {"view": "all"},
        {"page": "0"},
        {"t": "<script>"},
        {"t": "03.2"},
        {"lang": "de"},
        {"pathway": "a\x00b"},
    ],
)
def test_a_query_value_it_never_asks_is_refused(world: World, bad: dict[str, str]) -> None:
    answer = world.client.get("/referrals", params=bad, headers=world.clerk.headers)
    assert answer.status_code == 422


def test_the_list_by_direction_urgency_and_page_with_names(world: World) -> None:
    c = world.client
    urgent = c.post("/api/referrals", json=BODY, headers=world.clerk.headers)
    routine = c.post(
        "/api/referrals", json={**BODY, "urgency": "routine"}, headers=world.clerk.headers
    )
    assert (urgent.status_code, routine.status_code) == (201, 201), urgent.text
    named = urgent.json()
    assert (named["origin_name"], named["destination_name"]) == (
        "CSR Aït Lhou",
        "Hôpital provincial de Tizgui",
    )
    assert named["commune_name_fr"] == "Tafraout n'Aït"

    def ids(who: Someone, **params: object) -> list[int]:
        answer = c.get("/api/referrals", params=params, headers=who.headers)
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()]

    both = [routine.json()["id"], named["id"]]  # newest sent first (same time: by id)
    assert ids(world.clerk) == both
    assert ids(world.clerk, direction="sent") == both
    assert ids(world.clerk, direction="received") == []
    assert ids(world.hospital, direction="received") == both
    assert ids(world.hospital, direction="sent") == []
    assert ids(world.hospital, urgency="urgent") == [named["id"]]
    assert ids(world.hospital, limit=1) == both[:1]
    assert ids(world.hospital, limit=1, offset=1) == both[1:]
    assert ids(world.hospital, offset=2) == []
    refused = c.get("/api/referrals", params={"direction": "both"}, headers=world.clerk.headers)
    assert refused.status_code == 422


def test_a_committee_member_reads_the_pathways_and_the_measures_never_a_referral(
    world: World,
) -> None:
    c, headers = world.client, world.committee.headers
    pathways = c.get("/api/referrals/pathways", headers=headers)
    assert pathways.status_code == 200
    assert "high_risk_pregnancy" in [p["code"] for p in pathways.json()]
    measures = c.get("/api/referrals/measures", params={"territory": REGION_CODE}, headers=headers)
    assert measures.status_code == 200
    listed = c.get("/api/referrals", headers=headers)
    assert (listed.status_code, listed.json()["code"]) == (403, "account_not_allowed")


def test_the_flows_from_the_communes_of_residence_or_from_the_origins(world: World) -> None:
    c = world.client
    for commune in (TAFRAOUT, TAFRAOUT, AIT_LHOU):
        body = {**BODY, "commune": commune}
        assert c.post("/api/referrals", json=body, headers=world.clerk.headers).status_code == 201

    def flows(**params: str) -> list[dict[str, object]]:
        answer = c.get(
            "/api/referrals/flows.geojson",
            params={"territory": REGION_CODE, **params},
            headers=world.committee.headers,
        )
        assert answer.status_code == 200, answer.text
        return [f["properties"] for f in answer.json()["features"]]

    residence = flows()
    assert [(p["commune"], p["volume"]) for p in residence] == [(TAFRAOUT, 2), (AIT_LHOU, 1)]
    origin = flows(**{"from": "origin"})
    assert [(p["origin_kind"], p["origin"], p["origin_name"], p["volume"]) for p in origin] == [
        ("facility", CSR, "CSR Aït Lhou", 3)
    ]
    assert origin[0]["facility_name"] == "Hôpital provincial de Tizgui"
    refused = c.get(
        "/api/referrals/flows.geojson",
        params={"territory": REGION_CODE, "from": "anywhere"},
        headers=world.committee.headers,
    )
    assert refused.status_code == 422
