"""`GET /api/alerts` and `POST /api/alerts/{id}/read` on a private copy of the national
database, on SQLite and PostgreSQL: an alert for the holders of `watch.confirm` over
Boulemane (03.131) reaches a confirmer over Boulemane and one over its region (Fès-Meknès,
03), not a confirmer over Casablanca-Settat (06) nor a planner over Boulemane (no
`watch.confirm`); an alert naming one account reaches that account alone; the read mark
is the reader's own, kept once and audited; another's alert is not found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from qurb.app.web import create_app
from qurb.audit._tables import AuditEntryRow
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform import alerts
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account
from tests.web_clients import TestClient

BOULEMANE = "03.131"
RAISED = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)
VALUES = {"province": BOULEMANE, "count": 4, "dataset": "chronic", "period": "2026-11"}


@dataclass
class World:
    client: TestClient
    people: dict[str, Someone]
    province_alert: int
    own_alert: int


@pytest.fixture
def world(scratch_db: str) -> Iterator[World]:
    app = create_app(Settings(database_url=scratch_db))
    factory = app.state.qurb.factory
    confirmer = Role.WATCH_CONFIRMER
    people = {
        name: add_account(factory, name, role, Scope(territories={where}))
        for name, role, where in (
            ("province", confirmer, BOULEMANE),
            ("region", confirmer, "03"),
            ("elsewhere", confirmer, "06"),
            ("planner", Role.PLANNER, BOULEMANE),
        )
    }
    with transaction(app.state.qurb.writer) as session:
        common = ("watch.silent_facilities", "territory", BOULEMANE, "alert.watch_silent")
        province_alert = raise_alert(
            session,
            NewAlert(*common[:1], "k:province", *common[1:], VALUES, BOULEMANE, "watch.confirm"),
            RAISED,
        )
        own_alert = raise_alert(
            session,
            NewAlert(
                *common[:1], "k:own", *common[1:], VALUES, None, None, people["planner"].account_id
            ),
            RAISED,
        )
        again = raise_alert(
            session,
            NewAlert(*common[:1], "k:own", *common[1:], VALUES, None, None, 1),
            RAISED,
        )
    assert province_alert and own_alert and again is None
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, people, province_alert, own_alert)


def _ids(world: World, who: str) -> list[int]:
    got = world.client.get("/api/alerts", headers=world.people[who].headers)
    assert got.status_code == 200, got.text
    return [a["id"] for a in got.json()]


def test_each_account_sees_the_alerts_its_grants_reach(world: World) -> None:
    assert _ids(world, "province") == [world.province_alert]
    assert _ids(world, "region") == [world.province_alert]
    assert _ids(world, "elsewhere") == []
    assert _ids(world, "planner") == [world.own_alert]
    assert world.client.get("/api/alerts").status_code == 401


def test_an_alert_is_worded_in_the_readers_language(world: World) -> None:
    headers = {**world.people["province"].headers, "Accept-Language": "fr"}
    [alert] = world.client.get("/api/alerts", headers=headers).json()
    assert alert["message"] == (
        "Province 03.131 : 4 établissements n'ont envoyé aucun rapport chronic pour 2026-11, "
        "échéance dépassée"
    )
    assert (alert["words_key"], alert["read_at"]) == ("alert.watch_silent", None)


def test_the_read_mark_is_ones_own_kept_once_and_audited(world: World) -> None:
    alert = world.province_alert
    headers = world.people["province"].headers
    first = world.client.post(f"/api/alerts/{alert}/read", headers=headers)
    assert first.status_code == 200, first.text
    again = world.client.post(f"/api/alerts/{alert}/read", headers=headers)
    assert again.json()["read_at"] == first.json()["read_at"] is not None
    region = world.client.get("/api/alerts", headers=world.people["region"].headers).json()
    assert region[0]["read_at"] is None  # another reader's mark is not theirs
    refused = world.client.post(
        f"/api/alerts/{alert}/read", headers=world.people["elsewhere"].headers
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "alert_not_found")
    missing = world.client.post("/api/alerts/999999/read", headers=headers)
    assert missing.status_code == 404
    app_state = world.client.app.state.qurb  # type: ignore[attr-defined]
    with transaction(app_state.factory) as session:
        entries = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "alert.read")
        ).all()
    assert [(e.entity_id, e.actor) for e in entries] == [
        (str(alert), str(world.people["province"].account_id))
    ]


def test_alerts_another_territory_holds_do_not_crowd_out_ones_own(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_state = world.client.app.state.qurb  # type: ignore[attr-defined]
    with transaction(app_state.writer) as session:
        casablanca = raise_alert(
            session,
            NewAlert(
                "watch.silent_facilities",
                "k:casablanca",
                "territory",
                "06",
                "alert.watch_silent",
                {**VALUES, "province": "06"},
                "06",
                "watch.confirm",
            ),
            RAISED,
        )
    monkeypatch.setattr(alerts, "MAX_LISTED", 1)  # one candidate per batch
    assert _ids(world, "province") == [world.province_alert]
    assert _ids(world, "elsewhere") == [casablanca]
