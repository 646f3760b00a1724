"""`qurb datasets` and `qurb reports` on a private copy of the national database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.registry.service import FacilityFilter, list_facilities

runner = CliRunner()
BOULEMANE = "03.131"


def _rows(output: str) -> list[dict[str, str]]:
    body = "".join(ln for ln in io.StringIO(output) if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def test_the_data_sets_and_their_validation(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    listed = runner.invoke(app, ["datasets", "list", "-f", "json", "--db", scratch_db])
    assert listed.exit_code == 0, listed.output
    rows = {r["id"]: r for r in json.loads(listed.output)["rows"]}
    assert {i: (r["period"], r["validation"]) for i, r in rows.items()} == {
        "chronic": ("month", "none needed"),
        "mdo": ("iso_week", "to be validated by the DELM"),
        "mother-child": ("month", "none needed"),
    }
    assert (rows["mdo"]["elements"], rows["mdo"]["unconfirmed"]) == (23, 9)
    shown = runner.invoke(app, ["datasets", "show", "mdo", "-f", "csv"])
    assert shown.exit_code == 0, shown.output
    cholera = next(r for r in _rows(shown.output) if r["code"] == "cholera")
    assert (cholera["cells"], cholera["immediate"], cholera["alert_threshold"]) == (
        "8",
        "True",
        "1",
    )
    unknown = runner.invoke(app, ["datasets", "show", "nope"])
    assert unknown.exit_code == 2 and "unknown data set 'nope'" in unknown.output


def test_validating_writes_as_a_signed_in_account(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("QURB_TOKEN", raising=False)
    refused = runner.invoke(app, ["datasets", "validate", "mdo", "--db", scratch_db])
    assert refused.exit_code == 2 and "qurb login" in refused.output


def test_completeness_of_a_province_with_no_report(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    result = runner.invoke(
        app,
        [
            "reports",
            "completeness",
            "-t",
            BOULEMANE,
            "--dataset",
            "chronic",
            "--period",
            "2026-01",
            "-f",
            "csv",
            "--db",
            scratch_db,
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    # Expected: Boulemane's open ESSP (the chronic-disease data set's categories), none
    # received: completeness 0 %, and 0 % on time.
    with transaction(make_sessionmaker(make_engine(scratch_db))) as s:
        essp = [
            f
            for f in list_facilities(s, FacilityFilter(BOULEMANE))
            if f.category in ("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2")
        ]
    province = rows[0]
    assert (province["code"], province["level"]) == (BOULEMANE, "province")
    assert (int(province["expected"]), province["received"], province["completeness_pct"]) == (
        len(essp),
        "0",
        "0.0",
    )
    assert sum(int(r["expected"]) for r in rows if r["level"] == "commune") == len(essp) > 0
    assert "# due: 2026-02-05" in result.output
