"""A database made by an earlier Qurb opens, upgrades and keeps everything users put in it.

The fixture `legacy/qurb-76ead14.sqlite.xz` was made through the command line by
`legacy/make_legacy_db.sh` (see `legacy/README.md`): registry edits, a siting scenario, a
caravan campaign with recorded visits. The test upgrades a copy the way a user does (`qurb
db init`, which brings the schema to head and loads nothing twice) and reads it all back
through the CLI's JSON and the HTTP API only, never through the storage modules, so that it
holds whatever those modules are called.
"""

from __future__ import annotations

import ast
import json
import lzma
import sqlite3
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import qurb
from qurb.app.cli import app as cli
from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone

with warnings.catch_warnings():  # Starlette prefers httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FIXTURE = Path(__file__).parent / "legacy" / "qurb-76ead14.sqlite.xz"
FIXTURE_REVISION = "0004"  # the Alembic revision of the code that made it

ADDED = "user-03.231-centre-de-sante-douar-legacy-71769078"
UPDATED = "essp-03.231.81.03-ain-bida"
CLOSED = "hosp-03.131.01.05-s-ahmed-b-driss-missouri"
SCENARIO = "d0b4fb3a3df8"
CAMPAIGN = "cv-caravane-medicale-hivern-f56848"
MARCHE_VERTE = "hosp-03.131.01.03-marche-verte"

CSR1_SERVICES = [
    "child_health",
    "chronic_disease_followup",
    "family_planning",
    "general_consultation",
    "nursing_care",
    "prenatal_care",
    "vaccination",
]
CSR2_SERVICES = sorted(
    [*CSR1_SERVICES, "delivery", "emonc_basic", "observation_beds"]
)  # the CSR-2 defaults
FINAL_SERVICES = sorted(
    [s for s in CSR2_SERVICES if s != "chronic_disease_followup"] + ["laboratory"]
)

runner = CliRunner()


def head_revision() -> str:
    """The newest Alembic revision shipped with the installed package, found by reading the
    migration files wherever they live (`revision` not named by any `down_revision`)."""
    revisions: dict[str, str | None] = {}
    for path in Path(qurb.__file__).parent.rglob("versions/*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        values = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if "revision" in values:
            down = values.get("down_revision")
            revisions[str(values["revision"])] = None if down is None else str(down)
    heads = set(revisions) - {d for d in revisions.values() if d}
    assert len(heads) == 1, f"migrations: one head expected, found {sorted(heads)}"
    return heads.pop()


def alembic_version(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        [(version,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        connection.close()
    return str(version)


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the fixture, upgraded by `qurb db init`; its revision before and after."""
    path = tmp_path_factory.mktemp("legacy") / "qurb.sqlite"
    path.write_bytes(lzma.decompress(FIXTURE.read_bytes()))
    before = alembic_version(path)
    url = f"sqlite:///{path}"
    result = runner.invoke(cli, ["db", "init", "--db", url])
    return {
        "path": path,
        "url": url,
        "before": before,
        "after": alembic_version(path),
        "init": result,
    }


def qurb_json(legacy: dict[str, Any], *args: str) -> Any:
    result = runner.invoke(cli, [*args, "--format", "json", "--db", legacy["url"]])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def api(legacy: dict[str, Any]) -> Iterator[TestClient]:
    application = create_app(Settings(database_url=legacy["url"]))
    reader = add_account(application.state.qurb.factory, "reader")  # an administrator
    with TestClient(application) as client:
        yield as_someone(client, reader)


def test_upgrade_brings_the_schema_to_head_and_loads_nothing_again(
    legacy: dict[str, Any],
) -> None:
    assert legacy["before"] == FIXTURE_REVISION
    init = legacy["init"]
    assert init.exit_code == 0, init.output
    assert "Already loaded" in init.stdout and "registry edits are kept" in init.stdout
    assert legacy["after"] == head_revision()


def test_the_added_facility_is_there_with_its_fields(
    legacy: dict[str, Any], api: TestClient
) -> None:
    rows = qurb_json(legacy, "facilities", "--territory", "03.231.81.03", "--status", "all")["rows"]
    added = {r["id"]: r for r in rows}[ADDED]
    expected = {
        "name": "Centre de santé Douar Legacy",
        "category": "DR",
        "family": "ESSP",
        "level": "primary",
        "sector": "public",
        "status": "open",
        "province_code": "03.231",
        "commune_code": "03.231.81.03",
        "beds": 2,
        "source": "user",
        "services": [
            "child_health",
            "family_planning",
            "nursing_care",
            "prenatal_care",
            "vaccination",
        ],
    }
    assert {k: added[k] for k in expected} == expected
    read = api.get(f"/api/facilities/{ADDED}")
    assert read.status_code == 200
    assert {k: read.json()[k] for k in ("name", "category", "beds", "status", "services")} == {
        k: expected[k] for k in ("name", "category", "beds", "status", "services")
    }
    [created] = qurb_json(legacy, "facilities", "history", ADDED)["rows"]
    # Recorded before anyone signed in: the name the CLI was given, shown as unverified.
    assert (created["action"], created["by"], created["reason"]) == (
        "create",
        "unverified:amina",
        "opened by the commune in 2025",
    )


def test_the_updated_facility_has_its_new_category_beds_and_services(
    legacy: dict[str, Any], api: TestClient
) -> None:
    read = api.get(f"/api/facilities/{UPDATED}")
    assert read.status_code == 200
    facility = read.json()
    assert (facility["category"], facility["beds"], facility["status"]) == ("CSR-2", 4, "open")
    assert sorted(facility["services"]) == FINAL_SERVICES

    history = qurb_json(legacy, "facilities", "history", UPDATED)["rows"]
    assert [(h["action"], h["by"]) for h in history] == [
        ("create", "unverified:qurb db init"),
        ("recategorise", "unverified:amina"),
        ("update", "unverified:youssef"),
    ]
    _, recategorised, services = history
    assert recategorised["reason"] == "upgraded: delivery unit opened"
    assert (recategorised["before"]["category"], recategorised["after"]["category"]) == (
        "CSR-1",
        "CSR-2",
    )
    assert (recategorised["before"]["beds"], recategorised["after"]["beds"]) == (None, 4)
    assert recategorised["before"]["services"] == CSR1_SERVICES
    assert recategorised["after"]["services"] == CSR2_SERVICES
    assert services["reason"] == "laboratory opened; chronic follow-up moved to the CSU"
    assert services["before"]["services"] == CSR2_SERVICES
    assert services["after"]["services"] == FINAL_SERVICES
    assert services["fields"].startswith("services: ")

    # The API's history says the same, field by field.
    changes = api.get(f"/api/facilities/{UPDATED}/history").json()
    assert [(c["action"], c["changed_by"], c["reason"]) for c in changes[1:]] == [
        ("recategorise", "unverified:amina", "upgraded: delivery unit opened"),
        ("update", "unverified:youssef", "laboratory opened; chronic follow-up moved to the CSU"),
    ]
    assert sorted(f["field"] for f in changes[1]["changes"]) == ["beds", "category", "services"]


def test_the_closed_facility_is_closed_and_no_longer_listed_as_open(
    legacy: dict[str, Any], api: TestClient
) -> None:
    assert api.get(f"/api/facilities/{CLOSED}").json()["status"] == "closed"
    open_ids = {r["id"] for r in qurb_json(legacy, "facilities", "--territory", "03.131")["rows"]}
    closed_ids = {
        r["id"]
        for r in qurb_json(legacy, "facilities", "--territory", "03.131", "--status", "closed")[
            "rows"
        ]
    }
    assert CLOSED in closed_ids and CLOSED not in open_ids and MARCHE_VERTE in open_ids
    history = qurb_json(legacy, "facilities", "history", CLOSED)["rows"]
    assert [(h["action"], h["by"], h["reason"]) for h in history[1:]] == [
        ("close", "unverified:youssef", "merged with the provincial hospital of Missour")
    ]
    assert history[-1]["fields"] == "status: open → closed"


def test_the_scenario_is_there_with_its_sites(legacy: dict[str, Any], api: TestClient) -> None:
    assert qurb_json(legacy, "scenarios", "list")["rows"] == [
        {
            "id": SCENARIO,
            "name": "Boulemane: one more hospital",
            # Saved before scenarios had a visibility: its partner's (none), kept so.
            "kind": "siting",
            "visibility": "partner",
            "territory": "03.131",
            "offer": "general hospitals",
            "objective": "coverage",
            "sites": 1,
            "covered_before_pct": 22.7,
            "covered_after_pct": 43.8,
            "newly_covered": 43302,
        }
    ]
    scenario = api.get(f"/api/scenarios/{SCENARIO}").json()
    assert (scenario["id"], scenario["name"], scenario["created_by"]) == (
        SCENARIO,
        "Boulemane: one more hospital",
        "amina",
    )
    assert (scenario["partner"], scenario["visibility"]) == (None, "partner")
    assert [
        (s["rank"], s["label"], s["commune"], s["lon"], s["lat"]) for s in scenario["sites"]
    ] == [(1, "Boulemane", "03.131.01.01", -4.75061, 33.37125)]
    assert scenario["summary"]["newly_covered"] == 43302
    assert scenario["params"]["within_minutes"] == 60
    shown = qurb_json(legacy, "scenarios", "show", SCENARIO)
    assert [s["commune"] for s in shown["sites"]] == ["03.131.01.01"]


def test_the_campaign_and_its_recorded_visits_are_there(
    legacy: dict[str, Any], api: TestClient
) -> None:
    [campaign] = qurb_json(legacy, "caravan", "list")["rows"]
    assert {k: v for k, v in campaign.items() if k != "created_at"} == {
        "id": CAMPAIGN,
        "name": "Caravane médicale hivernale Boulemane",
        "territory_name_fr": "Boulemane",
        "start": "2027-01-11",
        "end": "2027-01-22",
        "visits": 21,
        "created_by": "amina",
    }
    report = qurb_json(legacy, "caravan", "report", CAMPAIGN)
    assert report["totals"] == {
        "planned": 3024,
        "done": 31,
        "screenings": 9,
        "medicines": 20,
        "referrals": 2,
        "visits_planned": 21,
        "visits_recorded": 2,
        "communes_reached": 2,
        "population_of_communes_reached": 18266,
    }
    stops = {s["number"]: s for s in report["stops"]}
    first, second = stops[1], stops[2]
    assert (first["date"], first["code"], first["unit"], first["recorded"]) == (
        "2027-01-11",
        "03.131.05.05",
        "Unité mobile 1",
        True,
    )
    assert (first["done_general_medicine"], first["done_paediatrics"], first["done"]) == (
        20,
        7,
        27,
    )
    assert (second["code"], second["done_ophthalmology"], second["done"]) == (
        "03.131.03.15",
        4,
        4,
    )
    assert sum(1 for s in report["stops"] if s["recorded"]) == 2
    assert [
        (r["facility_id"], r["service"], r["specialty"], r["referrals"])
        for r in report["referrals"]
    ] == [(MARCHE_VERTE, "general_surgery", "general_medicine", 2)]
    # The API serves the same report, and the plan with its 21 visits.
    assert api.get(f"/api/caravans/{CAMPAIGN}/report").json()["totals"] == report["totals"]
    plan = qurb_json(legacy, "caravan", "show", CAMPAIGN)
    assert sum(len(d["stops"]) for d in plan["days"]) == 21


def test_the_times_it_kept_are_read_as_utc(legacy: dict[str, Any], api: TestClient) -> None:
    """The history's times were stored without a zone (the UTC time): they come back with
    theirs, on the command line and over HTTP."""
    history = qurb_json(legacy, "facilities", "history", CLOSED)["rows"]
    assert all(row["when"].endswith("+00:00") for row in history), history
    changes = api.get(f"/api/facilities/{CLOSED}/history").json()
    moments = [datetime.fromisoformat(c["changed_at"]) for c in changes]
    assert all(m.utcoffset() == timedelta(0) for m in moments), changes
    assert [m.isoformat(timespec="seconds") for m in moments] == [r["when"] for r in history]


# The visits the fixture recorded (make_legacy_db.sh), written as a sheet or a careless
# hand would write them: spaces, decimals, another order of columns and rows.
RECORDED_AGAIN = """service,facility,count,age_band,sex,item,kind,stop
,,4.0,50-59,M,ophthalmology,consultation,2
,, 12,15-49,F,general_medicine,consultation, 1
,,8,60+,M,general_medicine,Consultation,1
,,7,0-4,M,paediatrics,consultation,1
,,9,,,glycaemia,screening,1
,,20,,,paracetamol,medicine,1
general_surgery,hosp-03.131.01.03-marche-verte,2,60+,F,general_medicine,referral,1
"""


def test_the_visits_recorded_before_are_not_recorded_twice(
    legacy: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(legacy["url"])
    coordinator = add_account(make_sessionmaker(engine), "coordinator", Role.CARAVAN_COORDINATOR)
    engine.dispose()
    monkeypatch.setenv("QURB_TOKEN", coordinator.token)
    path = tmp_path / "again.csv"
    path.write_text(RECORDED_AGAIN, encoding="utf-8")
    result = runner.invoke(
        cli,
        ["caravan", "record", CAMPAIGN, str(path), "--today", "2027-01-25", "--db", legacy["url"]],
    )
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())  # the terminal wraps the file's path and words
    assert "already recorded on" in said and "by youssef" in said
    assert qurb_json(legacy, "caravan", "report", CAMPAIGN)["totals"]["done"] == 31
