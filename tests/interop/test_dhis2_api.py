"""The DHIS2 routes on a private copy of the national database (SQLite and PostgreSQL):
the metadata of a region, an import refused outside the importer's grants and taken
inside them, the values read back as `dataValueSets`, and a payload over the server's
ordinary body cap read whole, every bad value named in the reader's language."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.interop.dhis2.metadata import exported_facilities
from qurb.interop.dhis2.model import uid
from qurb.territory.service import TerritoryIndex
from qurb.watch.datasets import get_dataset
from tests.accounts import add_account

TANGER = "01"  # Tanger-Tétouan-Al Hoceïma
ORIENTAL = "02"


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.qurb.factory  # type: ignore[attr-defined,no-any-return]


def _reporting(client: TestClient, region: str) -> str:
    """The first open facility of the region (by id) that reports mother and child."""
    dataset = get_dataset("mother-child")
    with _factory(client)() as session:
        index = TerritoryIndex.from_session(session)
        found = exported_facilities(session, index, region)
    return min(f.id for f in found if f.status == "open" and dataset.reported_by(f.category))


def _value(unit: str, value: Any = "3", element: str = "anc1") -> dict[str, Any]:
    return {
        "dataElement": element,
        "period": "202511",
        "orgUnit": unit,
        "categoryOptionCombo": "default",
        "value": value,
    }


def test_the_metadata_of_a_region(edit_client: TestClient) -> None:
    answer = edit_client.get("/api/dhis2/metadata", params={"territory": TANGER})
    assert answer.status_code == 200
    units = {u["code"]: u for u in answer.json()["organisationUnits"]}
    assert units["MA"]["level"] == 1 and "parent" not in units["MA"]
    assert units[TANGER]["parent"] == {"id": uid("ou", "MA")}
    assert units[TANGER]["level"] == 2
    assert ORIENTAL not in units
    facility = _reporting(edit_client, TANGER)
    assert units[facility]["level"] >= 4
    assert answer.json()["qurb"]["sources"]


def test_an_import_within_the_grants(edit_client: TestClient) -> None:
    inside, outside = _reporting(edit_client, TANGER), _reporting(edit_client, ORIENTAL)
    reporter = add_account(
        _factory(edit_client),
        "rachida",
        Role.WATCH_REPORTER,
        Scope(territories=frozenset({TANGER})),
    )
    headers = {"Authorization": f"Bearer {reporter.token}"}
    body = {"dataSet": "mother-child", "dataValues": [_value(inside), _value(outside)]}
    refused = edit_client.post("/api/dhis2/dataValueSets", json=body, headers=headers)
    assert refused.status_code == 403, refused.text
    read = edit_client.get(
        "/api/dhis2/dataValueSets", params={"dataSet": "mother-child", "period": "2025-11"}
    )
    assert read.json()["dataValues"] == []  # nothing written
    body["dataValues"] = [_value(inside), _value(inside, "0", "anc4")]
    taken = edit_client.post("/api/dhis2/dataValueSets", json=body, headers=headers)
    assert taken.status_code == 200, taken.text
    summary = taken.json()
    assert summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    assert len(summary["qurb"]["reports_submitted"]) == 1
    back = edit_client.get(
        "/api/dhis2/dataValueSets",
        headers=headers,
        params={"dataSet": "mother-child", "period": "202511", "territory": TANGER},
    ).json()
    assert back["period"] == "202511"
    assert sorted((v["dataElement"], v["orgUnit"], v["value"]) for v in back["dataValues"]) == [
        ("anc1", inside, "3"),
        ("anc4", inside, "0"),
    ]
    by_uid = edit_client.get(
        "/api/dhis2/dataValueSets",
        headers=headers,
        params={"dataSet": "mother-child", "period": "202511", "idScheme": "uid"},
    ).json()
    assert {v["orgUnit"] for v in by_uid["dataValues"]} == {uid("ou", inside)}


def test_a_large_payload_is_read_whole_and_every_bad_value_named(
    edit_client: TestClient,
) -> None:
    inside = _reporting(edit_client, TANGER)
    values = [_value(f"ESSP-nowhere-{i:05d}") for i in range(2_999)] + [_value(inside, "-2")]
    body = {"dataSet": "mother-child", "dataValues": values}
    assert len(json.dumps(body)) > 256 * 1024  # the server's cap on other JSON bodies
    answer = edit_client.post(
        "/api/dhis2/dataValueSets", json=body, headers={"Accept-Language": "fr"}
    )
    assert answer.status_code == 422, answer.text[:300]
    detail = answer.json()["detail"]
    assert len(detail) == 51  # the first 50, then how many in all
    assert detail[0]["field"] == "dataValues[0].orgUnit"
    assert detail[0]["reason"] == "aucune unité d'organisation avec le code 'ESSP-nowhere-00000'"
    assert "3000" in detail[-1]["reason"].replace("\u202f", "").replace(" ", "")
