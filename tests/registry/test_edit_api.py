"""Editing the registry over HTTP: the CLI's validation, all or nothing, 4xx never 500."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from qurb.app.web import create_app
from qurb.audit._tables import AuditEntryRow
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import make_engine
from qurb.platform.settings import Settings
from qurb.registry._tables import FacilityRow
from tests.accounts import add_account
from tests.versions import ANY_VERSION, read_at
from tests.web_clients import TestClient

# The facility history: the audit entries about facilities.
FACILITY_ENTRIES = (
    select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.entity_kind == "facility")
)

AIN_BIDA = "03.231.81.03"  # rural commune of the prefecture of Fès


def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as c:
        counts = (
            c.scalar(select(func.count()).select_from(FacilityRow)) or 0,
            c.scalar(
                select(func.count())
                .select_from(AuditEntryRow)
                .where(AuditEntryRow.entity_kind == "facility")
            )
            or 0,
        )
    engine.dispose()
    return counts


def test_add_edit_recategorise_close_with_history(edit_client, scratch_db) -> None:
    before = edit_client.get(
        "/api/indicators/inhabitants_per_essp", params={"level": "commune", "parent": "03.231"}
    ).json()
    created = edit_client.post(
        "/api/facilities",
        json={"name": "Douar Test", "category": "DR", "commune": "Ain Bida", "reason": "new"},
    )
    assert created.status_code == 201, created.text
    facility = created.json()
    assert (
        facility["commune_code"] == AIN_BIDA and facility["location_source"] == "commune_reference"
    )
    fid = facility["id"]
    # Cached figures follow the registry: the commune has one more ESSP.
    after = edit_client.get(
        "/api/indicators/inhabitants_per_essp", params={"level": "commune", "parent": "03.231"}
    ).json()
    old = next(v for v in before["values"] if v["code"] == AIN_BIDA)
    new = next(v for v in after["values"] if v["code"] == AIN_BIDA)
    assert new != old
    listed = edit_client.get("/api/facilities", params={"territory": AIN_BIDA, "limit": 500}).json()
    assert fid in [f["id"] for f in listed["items"]]

    # Who makes a change is the signed-in account: a name the client sends is not it.
    updated = edit_client.patch(
        f"/api/facilities/{fid}",
        headers=read_at(edit_client, fid),
        json={"name_ar": "مستوصف", "changed_by": "Minister", "reason": "counted"},
    )
    assert updated.status_code == 200 and updated.json()["name_ar"] == "مستوصف"
    recategorised = edit_client.patch(
        f"/api/facilities/{fid}", headers=read_at(edit_client, fid), json={"category": "CSR-1"}
    )
    assert recategorised.json()["category"] == "CSR-1"
    closed = edit_client.post(
        f"/api/facilities/{fid}/close", headers=read_at(edit_client, fid), json={"reason": "merged"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = edit_client.post(
        f"/api/facilities/{fid}/close", headers=read_at(edit_client, fid), json={"reason": "x"}
    )
    assert again.status_code == 422 and "already closed" in again.json()["error"]

    history = edit_client.get(f"/api/facilities/{fid}/history").json()
    assert [h["action"] for h in history] == ["create", "update", "recategorise", "close"]
    assert [h["changed_by"] for h in history] == ["tester"] * 4
    assert "Minister" not in json.dumps(history)
    name_ar = next(c for c in history[1]["changes"] if c["field"] == "name_ar")
    assert (name_ar["before"], name_ar["after"]) == (None, "مستوصف")
    assert history[1]["reason"] == "counted"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "category": "ZZ", "commune": AIN_BIDA}, "category"),
        ({"name": "X", "category": "DR"}, "commune"),
        ({"name": "", "category": "DR", "commune": AIN_BIDA}, "name"),
        ({"name": "X", "category": "DR", "commune": "Atlantis"}, "commune"),
        ({"name": "X", "category": "DR", "commune": AIN_BIDA, "beds": -1}, "beds"),
        ({"name": "X", "category": "DR", "commune": AIN_BIDA, "beds": 4}, "beds"),
        (
            {"name": "X", "category": "DR", "commune": AIN_BIDA, "lon": 2.35, "lat": 48.85},
            "lon/lat",
        ),
        ({"name": "X", "category": "DR", "commune": AIN_BIDA, "lon": -5.0}, "lat"),
        ({"name": "X", "category": "DR", "commune": "03.231"}, "commune"),  # a province
    ],
)
def test_invalid_payload_names_the_field_and_writes_nothing(
    edit_client, scratch_db, payload, field
) -> None:
    counts = _counts(scratch_db)
    response = edit_client.post("/api/facilities", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] and field in [d["field"] for d in body["detail"]]
    assert _counts(scratch_db) == counts


def test_facility_outside_morocco_is_refused(edit_client, scratch_db) -> None:
    counts = _counts(scratch_db)
    paris = {"name": "Paris", "category": "DR", "commune": AIN_BIDA, "lon": 2.35, "lat": 48.85}
    response = edit_client.post("/api/facilities", json=paris)
    assert response.status_code == 422 and "outside Morocco" in response.json()["error"]
    some = edit_client.get("/api/facilities", params={"territory": AIN_BIDA}).json()["items"][0]
    moved = edit_client.patch(
        f"/api/facilities/{some['id']}",
        headers=read_at(edit_client, some["id"]),
        json={"lon": -70.0, "lat": 10.0},
    )
    assert moved.status_code == 422 and "outside Morocco" in moved.json()["error"]
    assert _counts(scratch_db) == counts


def test_oversized_body_is_413_and_writes_nothing(edit_client, scratch_db) -> None:
    counts = _counts(scratch_db)
    huge = {"name": "X" * 300_000, "category": "DR", "commune": AIN_BIDA}
    response = edit_client.post("/api/facilities", json=huge)
    assert response.status_code == 413 and "too large" in response.json()["error"]
    assert _counts(scratch_db) == counts


def test_nobody_a_viewer_and_an_editor_elsewhere_edit_nothing(scratch_db) -> None:
    """Anonymous: 401; a viewer: 403 (no registry.edit); a registry editor of another
    region (Tanger-Tétouan-Al Hoceima, 01): 403 over Fès's Ain Bida. Nothing is written."""
    app = create_app(Settings(database_url=scratch_db))
    factory = app.state.qurb.factory
    viewer = add_account(factory, "viewer", Role.VIEWER)
    fes = add_account(factory, "fes", Role.REGISTRY_EDITOR, Scope(territories=["01"]))
    counts = _counts(scratch_db)
    with TestClient(app) as client:
        some = client.get("/api/facilities", params={"territory": AIN_BIDA}).json()["items"][0]
        for method, url, payload in [
            ("POST", "/api/facilities", {"name": "X", "category": "DR", "commune": AIN_BIDA}),
            ("PATCH", f"/api/facilities/{some['id']}", {"name_ar": "ب"}),
            ("POST", f"/api/facilities/{some['id']}/close", {"reason": "x"}),
            ("POST", f"/api/facilities/{some['id']}/reopen", {"reason": "x"}),
        ]:
            for headers, status, code in [
                ({}, 401, "auth_required"),
                (viewer.headers, 403, "account_not_allowed"),
                (fes.headers, 403, "outside_scope"),
            ]:
                response = client.request(method, url, json=payload, headers=headers)
                assert (response.status_code, response.json()["code"]) == (status, code), url
    assert _counts(scratch_db) == counts


def test_update_errors(edit_client, scratch_db) -> None:
    some = edit_client.get("/api/facilities", params={"territory": AIN_BIDA}).json()["items"][0]
    counts = _counts(scratch_db)
    emptied = edit_client.patch(
        f"/api/facilities/{some['id']}",
        headers=read_at(edit_client, some["id"]),
        json={"name": None},
    )
    assert emptied.status_code == 422 and emptied.json()["detail"][0]["field"] == "name"
    bad_category = edit_client.patch(
        f"/api/facilities/{some['id']}",
        headers=read_at(edit_client, some["id"]),
        json={"category": "XX"},
    )
    assert bad_category.status_code == 422
    assert bad_category.json()["detail"][0]["field"] == "category"
    missing = edit_client.patch(
        "/api/facilities/no-such-id", json={"name_ar": "ب"}, headers=ANY_VERSION
    )
    assert missing.status_code == 404 and "no-such-id" in missing.json()["error"]
    assert _counts(scratch_db) == counts


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"null",
        b'{"name": 3, "category": [], "commune": {}}',
        b'{"name": "X", "category": "DR", "commune": "' + "ع".encode() * 50 + b'"}',
        b'{"name": "X", "category": "DR", "commune": "03.231.81.03", "lon": "east"}',
        b'{"name": "X", "category": "DR", "commune": "03.231.81.03", "lon": 1e400, "lat": 0}',
    ],
)
def test_garbage_is_a_4xx_never_a_500(edit_client, scratch_db, body) -> None:
    counts = _counts(scratch_db)
    response = edit_client.post(
        "/api/facilities", content=body, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()
    assert _counts(scratch_db) == counts


def test_services_are_edited_over_http_with_history(edit_client) -> None:
    fid = "hosp-04.421.01.01-maternite-souissi"
    shown = edit_client.get(f"/api/facilities/{fid}").json()
    assert shown["hospital_tier"] == "maternity" and "delivery" in shown["services"]
    changed = edit_client.patch(
        f"/api/facilities/{fid}",
        headers=read_at(edit_client, fid),
        json={"add_services": ["general_hospital"], "reason": "now a general hospital"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["hospital_tier"] == "general"
    history = edit_client.get(f"/api/facilities/{fid}/history").json()
    assert any(c["field"] == "services" for c in history[-1]["changes"])
    bad = edit_client.patch(
        f"/api/facilities/{fid}",
        headers=read_at(edit_client, fid),
        json={"remove_services": ["x-ray-vision"]},
    )
    assert bad.status_code == 422 and "x-ray-vision" in bad.text


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": None}])
def test_closing_needs_a_reason_and_writes_nothing_without_one(
    edit_client, scratch_db, body
) -> None:
    fid = edit_client.get("/api/facilities", params={"territory": AIN_BIDA}).json()["items"][0][
        "id"
    ]
    counts = _counts(scratch_db)
    refused = edit_client.post(
        f"/api/facilities/{fid}/close",
        headers={**read_at(edit_client, fid), "Accept-Language": "fr"},
        json=body,
    )
    assert refused.status_code == 422, refused.text
    assert [d["field"] for d in refused.json()["detail"]] == ["reason"]
    assert _counts(scratch_db) == counts
    assert edit_client.get(f"/api/facilities/{fid}").json()["status"] == "open"


def test_a_closed_facility_is_reopened_over_http_before_it_is_changed(
    edit_client, scratch_db
) -> None:
    fid = edit_client.get("/api/facilities", params={"territory": AIN_BIDA}).json()["items"][0][
        "id"
    ]
    assert (
        edit_client.post(
            f"/api/facilities/{fid}/close",
            headers=read_at(edit_client, fid),
            json={"reason": "merged"},
        ).status_code
        == 200
    )
    counts = _counts(scratch_db)
    changed = edit_client.patch(
        f"/api/facilities/{fid}", headers=read_at(edit_client, fid), json={"name_ar": "ب"}
    )
    assert changed.status_code == 409, changed.text
    assert changed.json()["error"] == (
        f"facility {fid} is closed; reopen it first (`qurb facilities reopen {fid} --reason …`)"
    )
    no_reason = edit_client.post(
        f"/api/facilities/{fid}/reopen", headers=read_at(edit_client, fid), json={}
    )
    assert no_reason.status_code == 422, no_reason.text
    assert _counts(scratch_db) == counts
    reopened = edit_client.post(
        f"/api/facilities/{fid}/reopen",
        headers=read_at(edit_client, fid),
        json={"reason": "staff back"},
    )
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["id"], reopened.json()["status"]) == (fid, "open")
    again = edit_client.post(
        f"/api/facilities/{fid}/reopen", headers=read_at(edit_client, fid), json={"reason": "twice"}
    )
    assert again.status_code == 409 and f"facility {fid} is open" in again.json()["error"]
    assert (
        edit_client.patch(
            f"/api/facilities/{fid}", headers=read_at(edit_client, fid), json={"name_ar": "ب"}
        ).json()["name_ar"]
        == "ب"
    )
    history = edit_client.get(f"/api/facilities/{fid}/history").json()
    assert [h["action"] for h in history][-3:] == ["close", "reopen", "update"]
    reopen = history[-2]
    assert (reopen["changed_by"], reopen["reason"]) == ("tester", "staff back")
    assert reopen["changes"] == [{"field": "status", "before": "closed", "after": "open"}]


def test_if_match_as_clients_and_proxies_send_it(edit_client: TestClient) -> None:
    """A weak ETag (a proxy that compressed the answer weakens it) names the same
    version; a list matches if one does; a blank one is 428; one that is no version
    Qurb gave is a 422 naming it."""
    fid = "hosp-03.131.01.03-marche-verte"
    url = f"/api/facilities/{fid}"
    version = edit_client.get(url).json()["version"]
    weak = edit_client.patch(url, json={"name_ar": "41"}, headers={"If-Match": f'W/"{version}"'})
    assert weak.status_code == 200 and weak.headers["etag"] == f'"{version + 1}"'
    listed = {"If-Match": f'"{version}", "{version + 1}"'}
    assert edit_client.patch(url, json={"name_ar": "42"}, headers=listed).status_code == 200
    assert edit_client.patch(url, json={"name_ar": "43"}, headers=listed).status_code == 409
    blank = edit_client.patch(url, json={"name_ar": "43"}, headers={"If-Match": " "})
    assert (blank.status_code, blank.json()["code"]) == (428, "if_match_required")
    bad = edit_client.patch(url, json={"name_ar": "43"}, headers={"If-Match": "v3"})
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_if_match")
    assert "'v3'" in bad.json()["error"]
    assert edit_client.get(url).json()["name_ar"] == "42"


def test_an_openstreetmap_point_is_not_edited_here(edit_client, scratch_db) -> None:
    """A point of the OpenStreetMap extract (outside the Ministry's lists) is corrected
    there: a change, a closing or a reopening is a 409 naming it, in the asker's language;
    nothing written. (A Ministry facility located by OpenStreetMap stays editable: the
    services test edits one.)"""
    private = edit_client.get(
        "/api/facilities", params={"territory": "03.531", "sector": "private", "limit": 50}
    ).json()["items"]
    point = next(f for f in private if f["family"] == "osm" and f["location_source"] == "osm")
    fid = point["id"]
    before = _counts(scratch_db)
    version = read_at(edit_client, fid)
    changed = edit_client.patch(
        f"/api/facilities/{fid}", headers=version, json={"name": "Renamed", "reason": "test"}
    )
    assert changed.status_code == 409, changed.text
    assert changed.json()["code"] == "osm_point"
    assert point["osm_id"] in changed.json()["error"]
    closed = edit_client.post(
        f"/api/facilities/{fid}/close",
        headers={**version, "Accept-Language": "ar"},
        json={"reason": "closed"},
    )
    assert closed.status_code == 409 and closed.json()["code"] == "osm_point"
    assert "أوبن ستريت ماب" in closed.json()["error"]
    reopened = edit_client.post(
        f"/api/facilities/{fid}/reopen", headers=version, json={"reason": "open again"}
    )
    assert reopened.status_code == 409 and reopened.json()["code"] == "osm_point"
    assert _counts(scratch_db) == before  # no facility and no history entry written
    assert edit_client.get(f"/api/facilities/{fid}").json()["name"] == point["name"]
