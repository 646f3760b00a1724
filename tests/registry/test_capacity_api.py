"""Capacity and equipment over HTTP, on the small region (SQLite and PostgreSQL): the
lists in the reader's language, values entered with If-Match and read back (sources for
registry.read only), every problem named, equipment's status moves; and a délégation's
registry editor, who edits its own province only (on the national data)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.audit._tables import AuditEntryRow
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import make_engine
from qurb.platform.settings import Settings
from qurb.registry._tables import CapacityValueRow, EquipmentRow
from tests.accounts import add_account, as_someone
from tests.regions import HP_TIZGUI
from tests.web_clients import TestClient

CAPACITY = f"/api/facilities/{HP_TIZGUI}/capacity"
BODY = {
    "source": "Inventaire 2026 de la délégation",
    "as_of": "2026-11-30",
    "values": {"beds": 120, "staff.doctor_general": 4, "staff.doctor_specialist": 6},
    "hours": "24/7",
}


@pytest.fixture
def app_client(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine
) -> Iterator[tuple[TestClient, Any]]:
    small_region_db()
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app


def _etag(client: TestClient) -> dict[str, str]:
    response = client.get(CAPACITY)
    assert response.status_code == 200, response.text
    return {"If-Match": response.headers["etag"]}


def test_the_lists_come_in_the_reader_s_language_with_their_sources(
    app_client: tuple[TestClient, Any],
) -> None:
    client, _ = app_client
    ar = client.get("/api/capacity/measures", params={"lang": "ar"}).json()
    assert ar["lang"] == "ar" and (ar["beds_max"], ar["staff_max"]) == (3000, 10000)
    midwife = next(e for e in ar["professions"]["entries"] if e["code"] == "midwife")
    assert midwife["name"] == "القابلات"
    assert "WHO" in ar["equipment_kinds"]["source"]
    scanner = next(e for e in ar["equipment_kinds"]["entries"] if e["code"] == "ct_scanner")
    assert scanner["group"] == "imaging"
    assert ar["equipment_statuses"] == ["working", "down", "retired"]
    en = client.get("/api/capacity/measures", headers={"Accept-Language": "en"}).json()
    assert "beds.surgery" in en["measures"] and "specialists.paediatrics" in en["measures"]
    assert next(e["name"] for e in en["bed_services"]["entries"] if e["code"] == "surgery") == (
        "Surgery"
    )


def test_capacity_entered_with_if_match_is_read_back_sources_for_readers_only(
    app_client: tuple[TestClient, Any],
) -> None:
    client, app = app_client
    editor = add_account(app.state.qurb.factory, "editor", Role.REGISTRY_EDITOR)
    # Never entered: every measure absent; the registry's 100 beds stand.
    empty = client.get(CAPACITY).json()
    assert (empty["beds"], empty["doctors"], empty["values"]) == (100, None, [])
    assert client.put(CAPACITY, json=BODY, headers=editor.headers).status_code == 428
    headers = {**editor.headers, **_etag(client)}
    written = client.put(CAPACITY, json=BODY, headers=headers)
    assert written.status_code == 200, written.text
    got = written.json()
    assert (got["beds"], got["doctors"], got["hours"]) == (120, 10, "24/7")
    assert written.headers["etag"] == f'"{got["version"]}"'
    # The same If-Match again: the facility moved on.
    stale = client.put(CAPACITY, json={**BODY, "values": {"beds": 1}}, headers=headers)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    public = client.get(CAPACITY).json()
    assert not public["provenance"] and public["values"][0]["source"] is None
    assert public["values"][0] == {
        "measure": "beds",
        "count": 120,
        "text": None,
        "as_of": "2026-11-30",
        "source": None,
        "entered_by": None,
        "entered_at": None,
        "import_id": None,
    }
    read = client.get(CAPACITY, headers=editor.headers).json()
    assert read["provenance"] and read["values"][0]["source"] == BODY["source"]
    assert read["values"][0]["entered_by"] == "editor"  # the account's username
    history = client.get(f"{CAPACITY}/history", headers=editor.headers)
    assert [v["measure"] for v in history.json()] == [
        "beds",
        "staff.doctor_general",
        "staff.doctor_specialist",
        "hours",
    ]
    assert client.get(f"{CAPACITY}/history").status_code == 401
    facility = client.get(f"/api/facilities/{HP_TIZGUI}").json()
    assert (facility["beds"], facility["doctors"]) == (120, 10)


def test_every_bad_value_is_named_and_nothing_is_written(
    app_client: tuple[TestClient, Any], region_engine: Engine
) -> None:
    client, app = app_client
    editor = add_account(app.state.qurb.factory, "editor", Role.REGISTRY_EDITOR)
    bad = {
        "source": "x",
        "as_of": "2999-01-01",
        "values": {"beds": 5000, "staff.plumber": 2, "staff.nurse": -4},
    }
    response = client.put(CAPACITY, json=bad, headers={**editor.headers, **_etag(client)})
    assert response.status_code == 422, response.text
    assert [(d["field"], d["code"]) for d in response.json()["detail"]] == [
        ("as_of", "date_in_future"),
        ("beds", "count_above_bound"),
        ("staff.plumber", "unknown_profession"),
        ("staff.nurse", "count_negative"),
    ]
    words = client.put(
        CAPACITY,
        json={**bad, "values": {"beds": "many"}},
        headers={**editor.headers, "If-Match": "*"},
    )
    assert words.status_code == 422
    with region_engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(CapacityValueRow)) == 0


def test_equipment_added_moved_down_and_retired_over_http(
    app_client: tuple[TestClient, Any],
) -> None:
    client, app = app_client
    as_someone(client, add_account(app.state.qurb.factory, "editor", Role.REGISTRY_EDITOR))
    added = client.post(
        "/api/equipment",
        json={"facility_id": HP_TIZGUI, "kind": "mammography", "source": "inventaire"},
    )
    assert added.status_code == 201, added.text
    item = added.json()
    assert (item["status"], item["province_code"], item["version"]) == ("working", "99.991", 1)
    url = f"/api/equipment/{item['id']}"
    refused = client.patch(url, json={"status": "down"}, headers={"If-Match": '"1"'})
    assert [d["code"] for d in refused.json()["detail"]] == [
        "down_without_reason",
        "down_without_since",
    ]
    down = client.patch(
        url,
        json={"status": "down", "down_reason": "détecteur", "down_since": "2026-11-20"},
        headers={"If-Match": '"1"'},
    )
    assert down.status_code == 200 and down.json()["down_reason"] == "détecteur"
    retired = client.patch(
        url, json={"status": "retired", "retired_on": "2026-12-01"}, headers={"If-Match": '"2"'}
    )
    assert retired.json()["status"] == "retired"
    final = client.patch(url, json={"status": "working"}, headers={"If-Match": '"3"'})
    assert (final.status_code, final.json()["detail"][0]["code"]) == (422, "status_move_refused")
    unknown = client.post(
        "/api/equipment", json={"facility_id": HP_TIZGUI, "kind": "robot", "source": "s"}
    )
    assert unknown.json()["detail"][0]["code"] == "unknown_equipment_kind"
    long = client.post(  # a model longer than its column's 200 characters
        "/api/equipment",
        json={"facility_id": HP_TIZGUI, "kind": "xray", "source": "s", "model": "m" * 201},
    )
    assert long.status_code == 422
    assert [(d["field"], d["code"]) for d in long.json()["detail"]] == [
        ("model", "string_too_long")
    ]
    listed = client.get("/api/equipment", params={"territory": "99.991", "status": "retired"})
    assert [e["id"] for e in listed.json()] == [item["id"]]
    assert client.get("/api/equipment", params={"kind": "xray"}).json() == []
    history = client.get(f"{url}/history").json()
    assert [(c["action"], c["after"]["status"]) for c in history] == [
        ("add", "working"),
        ("update", "down"),
        ("update", "retired"),
    ]
    assert client.get("/api/equipment/999/history").status_code == 404


AL_HOCEIMA_HP = "hosp-01.051.01.01-mohamed-v"  # province of Al Hoceima (01.051)


def test_a_delegation_s_editor_edits_its_own_province_only(scratch_db: str) -> None:
    """An editor of Al Hoceima (01.051) enters capacity and equipment there; an editor of
    Tanger-Assilah (01.511) is refused there (403 outside_scope), a viewer too (no
    registry.edit), and anonymous asks sign-in; only the allowed writes are kept."""
    app = create_app(Settings(database_url=scratch_db))
    factory = app.state.qurb.factory
    own = add_account(factory, "hoceima", Role.REGISTRY_EDITOR, Scope(territories=["01.051"]))
    other = add_account(factory, "tanger", Role.REGISTRY_EDITOR, Scope(territories=["01.511"]))
    viewer = add_account(factory, "viewer", Role.VIEWER)
    url = f"/api/facilities/{AL_HOCEIMA_HP}/capacity"
    body = {"source": "inventaire", "as_of": "2026-11-30", "values": {"beds": 250}}
    item = {"facility_id": AL_HOCEIMA_HP, "kind": "ambulance", "source": "inventaire"}
    with TestClient(app, raise_server_exceptions=False) as client:
        for headers, status, code in [
            ({}, 401, "auth_required"),
            (viewer.headers, 403, "account_not_allowed"),
            (other.headers, 403, "outside_scope"),
        ]:
            put = client.put(url, json=body, headers={**headers, "If-Match": "*"})
            post = client.post("/api/equipment", json=item, headers=headers)
            for response in (put, post):
                assert (response.status_code, response.json()["code"]) == (status, code)
        assert (
            client.put(url, json=body, headers={**own.headers, "If-Match": "*"}).json()["beds"]
            == 250
        )
        added = client.post("/api/equipment", json=item, headers=own.headers).json()
        change = {"status": "retired", "retired_on": "2026-12-01"}
        refused = client.patch(
            f"/api/equipment/{added['id']}", json=change, headers={**other.headers, "If-Match": "*"}
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "outside_scope")
        # Its registry.read is over its own province too: another's history is not shown.
        assert client.get(f"{url}/history", headers=other.headers).status_code == 403
        assert client.get(f"{url}/history", headers=own.headers).status_code == 200
    engine = make_engine(scratch_db)
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(CapacityValueRow)) == 1
        assert c.scalar(select(EquipmentRow.status)) == "working"
        actions = c.scalars(
            select(AuditEntryRow.action).where(
                AuditEntryRow.entity_kind.in_(["facility", "equipment"]),
                AuditEntryRow.action.in_(["facility.capacity", "equipment.add"]),
            )
        ).all()
        assert sorted(actions) == ["equipment.add", "facility.capacity"]
    engine.dispose()
