"""Bed and doctor gap lines say how much of the capacity is known, on the small region of
`tests/regions.py` with a second hospital whose beds are unknown; on SQLite and
PostgreSQL, service, API and CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.algo.travel import StraightLineModel
from qurb.app.cli import app as cli_app
from qurb.app.web import create_app
from qurb.norms.gaps import GapStatus
from qurb.norms.model import norm_set_from_mapping
from qurb.norms.service import compute_territory_gaps
from qurb.platform.settings import Settings
from tests.regions import (
    AIT_LHOU,
    HP_TIZGUI,
    PROVINCE_CODE,
    SMALL_FACILITIES,
    SMALL_NORMS,
    TIZGUI,
    SmallFacility,
)

Factory = Callable[..., sessionmaker[Session]]
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)

# The small norms and a doctors rule: 1 doctor per 2,000 inhabitants, per province.
NORMS: dict[str, Any] = {
    **SMALL_NORMS,
    "rule": [
        *SMALL_NORMS["rule"],
        {
            "id": "doctors",
            "label_fr": "1 médecin pour 2 000 habitants",
            "population": "total",
            "per_population": 2_000,
            "supply": "doctors",
            "scale": "province",
        },
    ],
}


def facilities() -> list[SmallFacility]:
    """The HP (100 beds, 12 doctors), a second hospital at Aït Lhou with neither known,
    and the five centres, of which only the CSR of Aït Lhou has its doctors (2) known."""
    out = [
        replace(f, doctors=12) if f.id == HP_TIZGUI else f
        for f in SMALL_FACILITIES
        if f.id != "ESSP-99.991.03.05-csr-ait-lhou"
    ]
    csr = next(f for f in SMALL_FACILITIES if f.id == "ESSP-99.991.03.05-csr-ait-lhou")
    hpr = SmallFacility(
        "hospital-99.991.03.05-hpr", "Hôpital de proximité Aït Lhou", "HPr", AIT_LHOU, -7.0, 31.1
    )
    return [*out, replace(csr, doctors=2), hpr]


def test_gap_lines_say_the_share_of_capacity_known(small_region_db: Factory) -> None:
    norms = [norm_set_from_mapping(NORMS, "tests")]
    with small_region_db(facilities())() as s:
        report = compute_territory_gaps(s, PROVINCE_CODE, norms, model=ONE_KM_A_MINUTE)
    lines = {(g.rule, g.code): g for g in report.lines}
    beds = lines[("beds", PROVINCE_CODE)]
    # Two hospitals, beds known for the HP only: the figure stays unknown (a partial sum
    # would read as a shortage) and the known part is said beside: 100 beds, 1 of 2.
    assert (beds.supply, beds.status) == (None, GapStatus.SUPPLY_UNKNOWN)
    assert (beds.capacity_measure, beds.facilities_counted, beds.capacity_known_facilities) == (
        "beds",
        2,
        1,
    )
    assert (beds.capacity_known_share, beds.capacity_known_sum) == (50.0, 100)
    doctors = lines[("doctors", PROVINCE_CODE)]
    # Seven facilities count for doctors, two known (12 + 2 = 14): 28.6 %.
    assert (doctors.facilities_counted, doctors.capacity_known_facilities) == (7, 2)
    assert (doctors.capacity_known_share, doctors.capacity_known_sum) == (28.6, 14)
    assert doctors.supply is None
    # Tizgui's commune line has its one hospital known: 100 beds for 60,000 (need 60).
    tizgui = lines[("beds-commune", TIZGUI)]
    assert (tizgui.supply, tizgui.status, tizgui.capacity_known_share) == (
        100.0,
        GapStatus.MET,
        100.0,
    )
    # A facility rule says nothing of capacity.
    centres = lines[("centres", TIZGUI)]
    assert (centres.facilities_counted, centres.capacity_known_share) == (None, None)


def test_the_gaps_api_and_cli_carry_the_share_known(
    small_region_db: Factory, region_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    small_region_db(facilities())
    url = region_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url))) as client:
        body = client.get(
            f"/api/territories/{PROVINCE_CODE}/gaps", params={"by": "province"}
        ).json()
    # The bundled norm sets: the national ratios hold a beds and a doctors rule.
    beds = next(g for g in body["lines"] if g["capacity_measure"] == "beds")
    assert (beds["facilities_counted"], beds["capacity_known_facilities"]) == (2, 1)
    assert beds["capacity_known_share"] == 50.0 and beds["capacity_known_sum"] == 100
    assert beds["capacity_known_fr"] == "lits connus pour 1 des 2 établissements (50 %)"
    assert beds["capacity_known_en"] == "beds known for 1 of 2 facilities (50%)"
    assert beds["capacity_known_ar"]
    doctors = next(g for g in body["lines"] if g["capacity_measure"] == "doctors")
    assert doctors["capacity_known_en"] == "doctors known for 2 of 7 facilities (28.6%)"
    monkeypatch.setenv("QURB_LANG", "en")
    runner = CliRunner()
    args = ["gaps", "-t", PROVINCE_CODE, "--by", "province", "--all", "--db", url]
    table = runner.invoke(cli_app, [*args, "--limit", "0"])
    assert table.exit_code == 0, table.output
    # The words wrap inside their column: read the cells' words in order.
    words = " ".join(w for w in table.output.split() if w not in "│┃")
    assert "capacity known" in table.output
    assert "beds known for" in words and "(50%)" in words
    exported = runner.invoke(cli_app, [*args, "--format", "json"])
    assert exported.exit_code == 0, exported.output
    rows = json.loads(exported.output)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    bed_row = next(
        r for r in rows if r["capacity_known_facilities"] == 1 and r["facilities_counted"] == 2
    )
    assert bed_row["capacity_known_share"] == 50.0
    summary = runner.invoke(cli_app, ["territory", PROVINCE_CODE, "--format", "json", "--db", url])
    assert summary.exit_code == 0, summary.output
    record = json.loads(summary.output)
    record = record["rows"][0] if isinstance(record, dict) else record[0]
    assert (record["public_beds"], record["public_beds_known_sum"]) == (None, 100)
    assert (record["public_beds_counted"], record["public_beds_known_share"]) == (2, 50.0)
    assert (record["public_doctors_known_facilities"], record["public_doctors_counted"]) == (2, 7)
