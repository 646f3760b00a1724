"""The indicators' routes, `qurb watch indicators`, and the bulletin (page, PDF, command)
in French and Arabic, on the small region (SQLite and PostgreSQL). The figures are those
of `test_indicators_small_region.py`: measles 3 cases in Tafraout (9,000) in week 45 →
33.33 per 100,000; CSU Tizgui Centre 50 ANC1 in November against 83.3 expected
pregnancies (an estimate) → 60.02 %."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app as cli
from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.watch.service import RawValue, ReportInput, submit_report
from tests.accounts import add_account, as_someone
from tests.regions import PROVINCE_CODE, REGION_CODE, TAFRAOUT, TIZGUI
from tests.watch_reports import CATCHMENTS, CSU_CENTRE, DR, Clock, Factory
from tests.web_clients import TestClient

REPORTER = Actor.local("reporter")


@pytest.fixture
def seeded(
    small_region_db: Factory, region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> tuple[sessionmaker[Session], str]:
    from qurb.kernel import clock

    monkeypatch.setattr(clock, "now", Clock().now)
    factory = small_region_db()
    cells = {
        ("mdo", DR, "2026W45"): [("measles", "f|1-4", 2), ("measles", "m|5-14", 1)],
        ("mdo", DR, "2026W44"): [("measles", "f|1-4", 1)],
        ("mother-child", CSU_CENTRE, "2026-11"): [("anc1", "", 50)],
        ("chronic", DR, "2026-11"): [("htn_registered", "f", 120)],
    }
    with transaction(factory) as s:
        for (dataset, facility, period), values in cells.items():
            raw = [RawValue(e, d, v, f"v[{i}]") for i, (e, d, v) in enumerate(values)]
            submit_report(s, REPORTER, ReportInput(dataset, facility, period, raw), CATCHMENTS)
    return factory, region_engine.url.render_as_string(hide_password=False)


@pytest.fixture
def client(seeded: tuple[sessionmaker[Session], str]) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=seeded[1]))
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield as_someone(c, tester)


def test_the_indicators_route(client: TestClient) -> None:
    answer = client.get(
        "/api/watch/indicators",
        params={"territory": PROVINCE_CODE, "dataset": "mdo", "period": "2026W45"},
    )
    assert answer.status_code == 200, answer.text
    measles = next(f for f in answer.json() if f["element"] == "measles")
    units = {u["code"]: u for u in measles["units"]}
    assert units[TAFRAOUT]["value"] == 33.33
    assert (measles["territory"]["received"], measles["territory"]["expected"]) == (1, 6)
    assert measles["territory"]["completeness_pct"] == 16.7
    anc = client.get(
        "/api/watch/indicators",
        params={
            "territory": PROVINCE_CODE,
            "dataset": "mother-child",
            "period": "2026-11",
            "indicator": "anc1_coverage",
        },
    ).json()
    [figures] = anc
    assert figures["denominator_estimate"] is True
    assert {u["code"]: u["value"] for u in figures["units"]}[TIZGUI] == 60.02


def test_the_trend_route(client: TestClient) -> None:
    answer = client.get(
        "/api/watch/trend",
        params={
            "territory": TAFRAOUT,
            "indicator": "incidence",
            "element": "measles",
            "period": "2026W45",
            "periods": 2,
        },
    )
    assert answer.status_code == 200, answer.text
    assert [(p["period"], p["value"]) for p in answer.json()["points"]] == [
        ("2026W44", 11.11),
        ("2026W45", 33.33),
    ]
    # No period: the series ends with the latest week over (the clock: 3 December 2026,
    # a Thursday of week 49, so week 48).
    latest = client.get(
        "/api/watch/trend",
        params={
            "territory": TAFRAOUT,
            "indicator": "incidence",
            "element": "measles",
            "periods": 5,
        },
    )
    assert latest.status_code == 200, latest.text
    assert [(p["period"], p["value"]) for p in latest.json()["points"]] == [
        ("2026W44", 11.11),
        ("2026W45", 33.33),
        ("2026W46", None),
        ("2026W47", None),
        ("2026W48", None),
    ]


def test_the_routes_are_scoped_by_grants(
    client: TestClient, seeded: tuple[sessionmaker[Session], str]
) -> None:
    other = add_account(
        client.app.state.qurb.factory,  # type: ignore[attr-defined]
        "elsewhere",
        Role.VIEWER,
        Scope(territories=frozenset({TIZGUI})),
    )
    client.headers.update(other.headers)
    answer = client.get(
        "/api/watch/indicators",
        params={"territory": PROVINCE_CODE, "dataset": "mdo", "period": "2026W45"},
    )
    assert answer.status_code == 403


def test_the_bulletin_in_french_and_arabic(client: TestClient) -> None:
    fr = client.get("/watch/bulletin", params={"t": REGION_CODE, "period": "2026W45", "lang": "fr"})
    assert fr.status_code == 200, fr.text
    page = fr.text
    assert "Bulletin hebdomadaire des maladies à déclaration obligatoire" in page
    assert "Complétude des rapports" in page and "Rougeole" in page
    assert "alerte dès un cas" in page  # measles: a single case raises an alert
    assert "<polyline" in page  # the trend of week 44 and 45, drawn on the server
    ar = client.get("/watch/bulletin", params={"t": REGION_CODE, "period": "2026-11", "lang": "ar"})
    assert ar.status_code == 200, ar.text
    assert 'dir="rtl"' in ar.text and "النشرة الشهرية للنشاط" in ar.text
    assert "مقام مقدَّر" in ar.text  # the expected pregnancies: an estimate, said so
    assert "غير معروفة (لم يُقدَّم أي معدل انتشار)" in ar.text  # no prevalence: unknown


def test_a_bulletin_is_for_a_region_or_a_province(client: TestClient) -> None:
    answer = client.get("/watch/bulletin", params={"t": TIZGUI, "period": "2026W45"})
    assert answer.status_code == 400 or answer.status_code == 422
    assert answer.json()["code"] == "bulletin_level"


def test_the_bulletin_as_pdf(client: TestClient) -> None:
    answer = client.get(
        "/watch/bulletin.pdf", params={"t": PROVINCE_CODE, "period": "2026-11", "lang": "ar"}
    )
    if answer.status_code == 503:
        pytest.skip("WeasyPrint cannot lay out PDF here")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")


def test_the_commands(
    seeded: tuple[sessionmaker[Session], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    runner = CliRunner()
    url = seeded[1]
    result = runner.invoke(
        cli,
        ["watch", "indicators", "--dataset", "mdo", "--period", "2026W45", "-t", PROVINCE_CODE,
         "--indicator", "incidence", "--format", "json", "--db", url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    tafraout = next(r for r in rows if r["code"] == TAFRAOUT and r["element"] == "measles")
    assert tafraout["value"] == 33.33
    out = tmp_path / "bulletin.html"
    result = runner.invoke(
        cli,
        ["watch", "bulletin", "-t", PROVINCE_CODE, "--period", "2026-11", "--lang", "ar",
         "-o", str(out), "--db", url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "النشرة الشهرية للنشاط" in out.read_text(encoding="utf-8")


def test_the_map_layer_follows_new_reports(
    client: TestClient, seeded: tuple[sessionmaker[Session], str]
) -> None:
    """The choropleth's values (public, as every map layer) for a week among the latest,
    kept until a report changes them."""
    params = {
        "level": "commune",
        "parent": PROVINCE_CODE,
        "period": "3",  # the clock: 3 December 2026; the latest week over 2026W48
        "disease": "measles",
    }
    body = client.get("/api/indicators/watch_incidence", params=params).json()
    assert "values" in body, body
    values = {v["code"]: (v["value"], v["note"]) for v in body["values"]}
    assert values[TAFRAOUT] == (33.33, None) and values[TIZGUI] == (None, "no_report")
    with transaction(seeded[0]) as s:
        raw = [RawValue("measles", "f|15+", 6, "v[0]")]
        submit_report(s, REPORTER, ReportInput("mdo", CSU_CENTRE, "2026W45", raw), CATCHMENTS)
    body = client.get("/api/indicators/watch_incidence", params=params).json()
    assert {v["code"]: v["value"] for v in body["values"]}[TIZGUI] == 10.0


def test_the_report_layers_of_the_map_are_read_by_accounts_holding_reports_read(
    seeded: tuple[sessionmaker[Session], str],
) -> None:
    """A case count per commune is no public figure: the map's report layers (values and
    printed map) answer 401 to an anonymous reader and 403 to an account whose grants
    cover one commune of the province asked, are left out of the anonymous menu, and read
    for a viewer of the region (private to its browser: no shared cache keeps them)."""
    app = create_app(Settings(database_url=seeded[1]))
    factory = app.state.qurb.factory
    viewer = add_account(factory, "viewer", Role.VIEWER, Scope(territories=[REGION_CODE]))
    elsewhere = add_account(factory, "elsewhere", Role.VIEWER, Scope(territories=[TIZGUI]))
    values = f"/api/indicators/watch_incidence?level=commune&parent={PROVINCE_CODE}&period=0"
    pdf = f"/api/maps/{PROVINCE_CODE}.pdf?indicator=watch_incidence"
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        listed = {i["id"] for i in anonymous.get("/api/indicators").json()}
        assert "population_2024" in listed
        assert not any(i.startswith("watch_") for i in listed)
        assert anonymous.get(values).status_code == 401
        assert anonymous.get(pdf).status_code == 401
        assert anonymous.get(values, headers=elsewhere.headers).status_code == 403
        answer = anonymous.get(values, headers=viewer.headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"].startswith("private")
        mine = anonymous.get("/api/indicators", headers=viewer.headers).json()
        assert "watch_incidence" in {i["id"] for i in mine}
