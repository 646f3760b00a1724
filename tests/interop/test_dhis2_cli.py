"""`qurb dhis2` on a private copy of the national database (SQLite and PostgreSQL): the
metadata of a province written to a file, a payload imported as the token's account, its
values exported back, and a bad payload refused whole with every bad value named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.interop.dhis2.metadata import exported_facilities
from qurb.territory.service import TerritoryIndex
from qurb.watch.datasets import get_dataset
from tests.accounts import Someone

runner = CliRunner()
BOULEMANE = "03.131"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_export_import_and_export_again(
    scratch_db: str,
    scratch_factory: sessionmaker[Session],
    cli_token: Someone,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    chronic = get_dataset("chronic")
    with scratch_factory() as session:
        index = TerritoryIndex.from_session(session)
        found = exported_facilities(session, index, BOULEMANE)
    facility = min(f.id for f in found if f.status == "open" and chronic.reported_by(f.category))
    metadata = tmp_path / "metadata.json"
    code, output = run(
        "dhis2", "export-metadata", "-t", BOULEMANE, "-o", str(metadata), "--db", scratch_db
    )
    assert code == 0, output
    units = {u["code"]: u for u in json.loads(metadata.read_text())["organisationUnits"]}
    assert {"MA", "03", BOULEMANE, facility} <= set(units)
    assert f"{len(units)} organisation unit(s) written" in output
    payload = tmp_path / "values.json"
    payload.write_text(
        json.dumps(
            {
                "dataSet": "chronic",
                "dataValues": [
                    {
                        "dataElement": "htn_seen",
                        "categoryOptionCombo": "sex:f",
                        "orgUnit": facility,
                        "period": "202510",
                        "value": "4",
                    },
                    {
                        "dataElement": "htn_seen",
                        "categoryOptionCombo": "sex:m",
                        "orgUnit": facility,
                        "period": "202510",
                        "value": 0,
                    },
                ],
            }
        )
    )
    code, output = run("dhis2", "import", str(payload), "--db", scratch_db)
    assert code == 0, output
    assert "2 value(s) imported, 0 updated, 0 unchanged: 1 report(s) submitted" in output
    back = tmp_path / "back.json"
    code, output = run(
        "dhis2",
        "export-values",
        "--dataset",
        "chronic",
        "--period",
        "2025-10",
        "-t",
        BOULEMANE,
        "-o",
        str(back),
        "--db",
        scratch_db,
    )
    assert code == 0, output
    values = json.loads(back.read_text())["dataValues"]
    assert sorted((v["categoryOptionCombo"], v["value"]) for v in values) == [
        ("sex:f", "4"),
        ("sex:m", "0"),
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "dataValues": [
                    {
                        "dataElement": "htn_seen",
                        "categoryOptionCombo": "sex:f",
                        "orgUnit": facility,
                        "period": "202509",
                        "value": "1",
                    },
                    {
                        "dataElement": "htn_seen",
                        "categoryOptionCombo": "sex:f",
                        "orgUnit": "nowhere",
                        "period": "202509",
                        "value": "x",
                    },
                ]
            }
        )
    )
    code, output = run("dhis2", "import", str(bad), "--db", scratch_db)
    assert code != 0
    assert "dataValues[1].orgUnit" in output and "dataValues[1].value" in output
    code, output = run(
        "dhis2",
        "export-values",
        "--dataset",
        "chronic",
        "--period",
        "2025-09",
        "-o",
        str(back),
        "--db",
        scratch_db,
    )
    assert code == 0 and json.loads(back.read_text())["dataValues"] == []
