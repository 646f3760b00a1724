"""`qurb conventions` on the real territory tree (SQLite and PostgreSQL): an example
imported with its partners, listed, shown, moved, one added; the writes as the token's
account, refused without the permission over the territory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from tests.accounts import add_account
from tests.partners import write_territories

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conventions"


def test_import_list_show_move_and_add(
    region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    factory = write_territories(region_engine)
    db = region_engine.url.render_as_string(hide_password=False)
    elsewhere = add_account(
        factory, "secretariat-tanger", Role.CONVENTION_SECRETARIAT, Scope(territories=["01"])
    )
    secretariat = add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT)

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["conventions", *args, "--db", db])
        return result.exit_code, result.output

    fes = str(EXAMPLES / "fes-council-chu.toml")
    monkeypatch.setenv("QURB_TOKEN", elsewhere.token)
    code, output = run("import", fes)
    assert code == 2 and "outside" in output, output  # Fès is not in Tanger's region
    monkeypatch.setenv("QURB_TOKEN", secretariat.token)
    code, output = run("import", fes)
    assert code == 0, output
    assert "EXAMPLE-FES-COUNCIL-CHU" in output and "signed" in output
    assert "conseil-prefectoral-de-fes" in output and "chu-hassan-ii-de-fes" in output
    code, output = run("import", fes)
    assert code == 2 and "exists already" in output, output

    code, output = run("list", "--territory", "03.231", "--format", "json")
    assert code == 0, output
    document = json.loads(output)
    assert "no published dataset" in document["attribution"]
    [row] = document["rows"]
    assert (row["reference"], row["signature_on"], row["start_on"]) == (
        "EXAMPLE-FES-COUNCIL-CHU",
        "--12-01",
        None,
    )
    code, output = run("list", "--territory", "04", "--format", "json")
    assert json.loads(output)["rows"] == []

    code, output = run("show", "EXAMPLE-FES-COUNCIL-CHU", "--format", "json")
    assert code == 0, output
    [shown] = json.loads(output)["rows"]
    assert [p["partner_id"] for p in shown["parties"]] == [
        "conseil-prefectoral-de-fes",
        "chu-hassan-ii-de-fes",
    ]
    code, output = run("status", str(shown["id"]), "in_force", "--if-version", "1")
    assert code == 2 and "stale" not in output and "version" in output, output
    code, output = run("status", str(shown["id"]), "in_force", "--if-version", "2")
    assert code == 0 and "in_force" in output, output

    code, output = run(
        "add",
        "--reference",
        "RABAT-1",
        "--title-fr",
        "Essai",
        "-t",
        "04.421",
        "--signature-on",
        "2026-02",
    )
    assert code == 0 and "draft" in output, output
    code, output = run("show", "RABAT-1")
    assert code == 0 and "2026-02" in output, output
    code, output = run(
        "add", "--reference", "X", "--title-fr", "T", "-t", "04", "--signature-on", "1 Dec"
    )
    assert code == 2 and "signature_on" in output, output
