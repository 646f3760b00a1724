"""2SFCA and catchments weighted by beds or doctors on the small region of
`tests/regions.py`, worked out by hand: facilities whose figure is unknown are left out
of the supply and counted. On SQLite and PostgreSQL, service, API and CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.access.weighted import compute_2sfca_report, compute_catchment_report
from qurb.algo.accessibility import AccessError
from qurb.algo.travel import StraightLineModel
from qurb.app.cli import app as cli_app
from qurb.app.web import create_app
from qurb.norms.model import SupplyMeasure
from qurb.platform.settings import Settings
from qurb.registry.points import FacilitySelector
from qurb.territory.service import TerritoryIndex
from tests.regions import (
    AIT_LHOU,
    HP_TIZGUI,
    IMI,
    OULED_AMAR,
    PROVINCE_CODE,
    SMALL_FACILITIES,
    TAFRAOUT,
    TIZGUI,
    SmallFacility,
)

Factory = Callable[..., sessionmaker[Session]]
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)
EVERY_FACILITY = FacilitySelector()
HOSPITALS = FacilitySelector.from_options(levels=["secondary"])
CSU_OULED_AMAR = "ESSP-99.991.01.03-csu-ouled-amar"


def with_capacity() -> list[SmallFacility]:
    """The HP keeps its 100 beds and gets 10 doctors; the CSU of Ouled Amar has 20 beds;
    the four other centres have neither known."""
    out = []
    for f in SMALL_FACILITIES:
        if f.id == HP_TIZGUI:
            f = replace(f, doctors=10)
        elif f.id == CSU_OULED_AMAR:
            f = replace(f, beds=20)
        out.append(f)
    return out


def test_2sfca_by_beds_leaves_out_the_facilities_whose_beds_are_unknown(
    small_region_db: Factory,
) -> None:
    with small_region_db(with_capacity())() as s:
        index = TerritoryIndex.from_session(s)
        report = compute_2sfca_report(
            s,
            index.resolve(PROVINCE_CODE),
            EVERY_FACILITY,
            ONE_KM_A_MINUTE,
            15.0,
            index=index,
            supply=SupplyMeasure.BEDS,
        )
    # Within 15 min (1 km a minute) of the HP (lat 31.00): Ouled Amar 11.1, Tizgui 0 and
    # Aït Lhou 11.1 → 96,000 people, R = 100 / 96,000. Of the CSU of Ouled Amar (30.91):
    # Ouled Amar 1.1 and Tizgui 10.0 → 84,000, R = 20 / 84,000 (Aït Lhou is 21.1 away).
    # A per 10,000: Tizgui and Ouled Amar 10,000 × (100/96,000 + 20/84,000) = 12.798;
    # Aït Lhou 10.417; Tafraout (22.2 from the HP) and Imi reach no bed.
    got = {r["code"]: r["index_per_10000"] for r in report.rows}
    assert got == {TIZGUI: 12.798, OULED_AMAR: 12.798, AIT_LHOU: 10.417, TAFRAOUT: 0.0, IMI: 0.0}
    assert round(10_000 * (100 / 96_000 + 20 / 84_000), 3) == 12.798
    # Every one of the six facilities is within 15 min of some commune: 2 have beds known,
    # 4 left out (33.3 %).
    known = report.known
    assert known is not None
    assert (known.facilities, known.known, known.left_out, known.share) == (6, 2, 4, 33.3)
    # Tizgui reaches five facilities (not the DR, 23.4 away), two with beds: 120 beds.
    tizgui = next(r for r in report.rows if r["code"] == TIZGUI)
    assert (tizgui["facilities_within"], tizgui["known_within"], tizgui["beds_within"]) == (
        5,
        2,
        120,
    )


def test_2sfca_in_facilities_is_unchanged_by_known_beds(small_region_db: Factory) -> None:
    with small_region_db(with_capacity())() as s:
        index = TerritoryIndex.from_session(s)
        report = compute_2sfca_report(
            s, index.resolve(PROVINCE_CODE), HOSPITALS, ONE_KM_A_MINUTE, 15.0, index=index
        )
    # One facility, the HP: 10,000 / 96,000 = 0.104 for the three communes within reach.
    got = {r["code"]: r["index_per_10000"] for r in report.rows}
    assert got == {TIZGUI: 0.104, OULED_AMAR: 0.104, AIT_LHOU: 0.104, TAFRAOUT: 0.0, IMI: 0.0}
    assert report.known is None and "known_within" not in report.rows[0]


def test_no_doctor_known_is_refused_with_a_code(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        index = TerritoryIndex.from_session(s)
        with pytest.raises(AccessError) as raised:
            compute_2sfca_report(
                s,
                index.resolve(PROVINCE_CODE),
                EVERY_FACILITY,
                ONE_KM_A_MINUTE,
                15.0,
                index=index,
                supply=SupplyMeasure.DOCTORS,
            )
    assert raised.value.code == "capacity_unknown"
    assert raised.value.values["facilities"] == 6


def test_catchments_per_doctor(small_region_db: Factory) -> None:
    with small_region_db(with_capacity())() as s:
        index = TerritoryIndex.from_session(s)
        report = compute_catchment_report(
            s,
            index.resolve(PROVINCE_CODE),
            HOSPITALS,
            ONE_KM_A_MINUTE,
            index,
            SupplyMeasure.DOCTORS,
        )
    # The only hospital serves the five communes, 109,500 people, with 10 doctors.
    [row] = report.rows
    assert (row["id"], row["catchment_population"], row["doctors"]) == (HP_TIZGUI, 109_500, 10)
    assert row["population_per_doctor"] == 10_950.0
    assert report.known is not None and (report.known.known, report.known.left_out) == (1, 0)


def test_catchments_per_bed_count_the_unknown(small_region_db: Factory) -> None:
    with small_region_db(with_capacity())() as s:
        index = TerritoryIndex.from_session(s)
        report = compute_catchment_report(
            s,
            index.resolve(PROVINCE_CODE),
            EVERY_FACILITY,
            ONE_KM_A_MINUTE,
            index,
            SupplyMeasure.BEDS,
        )
    rows = {r["id"]: r for r in report.rows}
    # Ouled Amar's people go to their CSU (1.1 km): 24,000 on 20 beds = 1,200 per bed.
    assert (rows[CSU_OULED_AMAR]["catchment_population"], rows[CSU_OULED_AMAR]["beds"]) == (
        24_000,
        20,
    )
    assert rows[CSU_OULED_AMAR]["population_per_bed"] == 1_200.0
    # The HP's 100 beds: Tizgui's 60,000 (it stands on their reference point).
    assert rows[HP_TIZGUI]["population_per_bed"] == 600.0
    assert sum(r["population_per_bed"] is None for r in rows.values()) == 4
    known = report.known
    assert known is not None and (known.facilities, known.known, known.share) == (6, 2, 33.3)


@pytest.fixture
def client(small_region_db: Factory, region_engine: Engine) -> Iterator[TestClient]:
    small_region_db(with_capacity())
    url = region_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def test_the_api_weighs_by_beds_and_says_the_share_known(client: TestClient) -> None:
    # A 600-minute catchment holds the whole region whatever the model's minutes: each
    # facility's R = its beds / 109,500; every commune reaches 120 beds: 10.959 per 10,000.
    answer = client.get(
        f"/api/access/{PROVINCE_CODE}/2sfca", params={"supply": "beds", "catchment": 600}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {c["index_per_10000"] for c in body["communes"]} == {round(120 / 109_500 * 1e4, 3)}
    assert round(120 / 109_500 * 1e4, 3) == 10.959
    known = body["known"]
    assert (known["facilities"], known["known"], known["left_out"], known["known_share"]) == (
        6,
        2,
        4,
        33.3,
    )
    assert known["words"]["fr"] == "lits connus pour 2 des 6 établissements (33.3 %)"
    # In facilities, as before: no share said.
    plain = client.get(f"/api/access/{PROVINCE_CODE}/2sfca", params={"catchment": 600}).json()
    assert plain["known"] is None
    assert {c["index_per_10000"] for c in plain["communes"]} == {round(6 / 109_500 * 1e4, 3)}


def test_the_api_refuses_a_supply_nobody_knows(client: TestClient) -> None:
    # Doctors: only the HP's 10; in Aït Lhou's cercle (no hospital) the catchments of its
    # two centres are refused, none has doctors known.
    answer = client.get(f"/api/access/{PROVINCE_CODE}.03/catchments", params={"supply": "doctors"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "capacity_unknown"
    answer = client.get(f"/api/access/{PROVINCE_CODE}/catchments", params={"supply": "doctors"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["known"]["known"], body["known"]["left_out"]) == (1, 5)
    hp = next(f for f in body["facilities"] if f["id"] == HP_TIZGUI)
    assert hp["doctors"] == 10


def test_the_cli_weighs_by_beds(
    small_region_db: Factory, region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    small_region_db(with_capacity())
    url = region_engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    args = ["access", "2sfca", "-t", PROVINCE_CODE, "--supply", "beds", "--catchment", "600"]
    table = runner.invoke(cli_app, [*args, "--db", url])
    assert table.exit_code == 0, table.output
    assert "beds known for 2 of 6 facilities (33.3%)" in table.output
    assert "4 left out of the supply" in table.output
    exported = runner.invoke(cli_app, [*args, "--format", "json", "--db", url])
    assert exported.exit_code == 0, exported.output
    body = json.loads(exported.output)
    assert body["metadata"]["facilities_left_out"] == 4
    assert body["metadata"]["capacity_known_share"] == 33.3
