"""The map's capacity indicators on the small region of `tests/regions.py` (the HP with
100 beds and 12 doctors, a second hospital at Aït Lhou with nothing known, the CSR of Aït
Lhou with 2 doctors), worked out by hand; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.indicators.map_sheet import sheet_html
from qurb.indicators.service import INDICATORS
from qurb.platform.settings import Settings
from tests.norms.test_capacity_known_small_region import facilities
from tests.regions import AIT_LHOU, IMI, OULED_AMAR, PROVINCE_CODE, TAFRAOUT, TIZGUI

Factory = Callable[..., sessionmaker[Session]]


@pytest.fixture
def client(small_region_db: Factory, region_engine: Engine) -> Iterator[TestClient]:
    small_region_db(facilities())
    url = region_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def _values(client: TestClient, indicator: str, **params: str) -> dict[str, Any]:
    answer = client.get(
        f"/api/indicators/{indicator}",
        params={"level": "commune", "parent": PROVINCE_CODE, **params},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_beds_per_10000_where_every_hospital_is_known(client: TestClient) -> None:
    body = _values(client, "beds_per_10000")
    got = {v["code"]: (v["value"], v["note"]) for v in body["values"]}
    # Tizgui: the HP's 100 beds for 60,000 people: 16.7 per 10,000. Aït Lhou's hospital has
    # no beds known: unknown, not 0. The others have no hospital: 0 beds, known.
    assert got == {
        TIZGUI: (16.7, None),
        OULED_AMAR: (0.0, None),
        AIT_LHOU: (None, "supply_unknown"),
        TAFRAOUT: (0.0, None),
        IMI: (0.0, None),
    }
    unknown = next(v for v in body["values"] if v["code"] == AIT_LHOU)
    assert unknown["class_index"] is None  # unknown is in no class
    assert body["known"]["en"] == "beds known for 1 of 2 facilities (50%)"
    assert body["known"]["fr"] == "lits connus pour 1 des 2 établissements (50 %)"


def test_doctors_per_10000_and_the_share_known(client: TestClient) -> None:
    body = _values(client, "doctors_per_10000")
    # Only the HP (12) and the CSR of Aït Lhou (2) have doctors known: no commune with a
    # facility has every one known, so none has a figure; Imi n'Ouzrou has no public
    # facility: 0 public doctors, known (0.0, not unknown). 2 of the 7 facilities known.
    got = {v["code"]: (v["value"], v["note"]) for v in body["values"]}
    assert got == {
        TIZGUI: (None, "supply_unknown"),
        OULED_AMAR: (None, "supply_unknown"),
        AIT_LHOU: (None, "supply_unknown"),
        TAFRAOUT: (None, "supply_unknown"),
        IMI: (0.0, None),
    }
    assert body["known"]["en"] == "doctors known for 2 of 7 facilities (28.6%)"
    share = _values(client, "capacity_known_share", measure="beds")
    got = {v["code"]: (v["value"], v["note"]) for v in share["values"]}
    assert got == {
        TIZGUI: (100.0, None),
        OULED_AMAR: (None, "no_facility"),
        AIT_LHOU: (0.0, None),
        TAFRAOUT: (None, "no_facility"),
        IMI: (None, "no_facility"),
    }
    doctors = _values(client, "capacity_known_share", measure="doctors")
    # Tizgui: the HP of its 3 facilities (33.3 %); Aït Lhou: the CSR of its 2 (50 %).
    got = {v["code"]: v["value"] for v in doctors["values"]}
    assert (got[TIZGUI], got[AIT_LHOU], got[OULED_AMAR]) == (33.3, 50.0, 0.0)


def test_the_printed_map_says_the_share_known(client: TestClient) -> None:
    body = _values(client, "beds_per_10000")
    html = sheet_html(body, INDICATORS.get("beds_per_10000"), [], "Tizgui", "fr", date(2026, 12, 6))
    assert '<p class="capacity-known">lits connus pour 1 des 2 établissements (50 %)</p>' in html
