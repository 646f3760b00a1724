"""Outputs that cannot hurt: a name that is a spreadsheet formula leaves a CSV export as
text, and a name with rich markup prints as typed in a terminal table.

Real commands on a private copy of the national database: a facility is added with a
hostile name, then listed, exported and imported back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.platform.database import make_engine, make_sessionmaker
from tests.accounts import add_account
from tests.databases import NationalDatabase

COMMUNE = "03.131.01.01"  # a commune of Boulemane
FORMULA = '=HYPERLINK("http://x","y")'
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.output


def add(name: str, db: str) -> str:
    code, _, output = run(
        "facilities", "add", "--name", name, "--category", "DR", "--commune", COMMUNE,
        "--db", db,
    )  # fmt: skip
    assert code == 0, output
    return output.split()[-1]  # "Added <id>"


def csv_rows(text: str) -> list[dict[str, str]]:
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def test_cells_that_a_spreadsheet_would_run_are_text() -> None:
    from qurb.platform.csv_cells import csv_cell, read_cell

    for hostile in ("=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1", FORMULA):
        assert csv_cell(hostile) == "'" + hostile
        assert read_cell(csv_cell(hostile)) == hostile
    # Numbers, and text that is a plain number (a longitude), stay numbers.
    for kept in (-7.25, 3, 0.5, "-7.25", "+212", "-1e-3", "Azrou", "", None, "a=b"):
        assert csv_cell(kept) == kept
    assert read_cell("'quoted by its author") == "'quoted by its author"


@pytest.mark.usefixtures("cli_token")
def test_a_formula_name_is_exported_as_text_and_imports_back(
    scratch_db: str,
    national_db: NationalDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add(FORMULA, scratch_db)
    code, stdout, output = run("facilities", "--name", "HYPERLINK", "-f", "csv", "--db", scratch_db)
    assert code == 0, output
    [row] = csv_rows(stdout)
    assert row["name"] == "'" + FORMULA
    # Numbers stay numbers: Morocco lies west of Greenwich, its longitudes are negative.
    assert row["lon"].startswith("-") and -17.5 < float(row["lon"]) < -1

    exported = tmp_path / "exported.csv"
    exported.write_text(stdout, encoding="utf-8")
    other = national_db.private_copy(tmp_path / "other")
    engine = make_engine(other)
    # The import writes as an account of that database (a token of the first is unknown there).
    monkeypatch.setenv("QURB_TOKEN", add_account(make_sessionmaker(engine), "youssef").token)
    engine.dispose()
    code, _, output = run("facilities", "import", str(exported), "--db", other)
    assert code == 0 and "Imported 1 facilities" in output, output
    code, stdout, _ = run("facilities", "--name", "HYPERLINK", "-f", "json", "--db", other)
    [back] = json.loads(stdout)["rows"]
    assert back["name"] == FORMULA  # the name as it was typed, without the added quote
    national_db.discard(other)


@pytest.mark.usefixtures("cli_token")
def test_a_name_with_markup_prints_verbatim(scratch_db: str) -> None:
    name = "Markup [/] crash [b]x"
    facility_id = add(name, scratch_db)
    result = runner.invoke(app, ["facilities", "--territory", COMMUNE, "--db", scratch_db])
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0 and name in result.stdout
    result = runner.invoke(
        app, ["facilities", "close", facility_id, "--reason", "x", "--db", scratch_db]
    )
    assert result.exception is None, repr(result.exception)
    assert f"Closed {facility_id}: {name}" in result.stdout


@pytest.mark.usefixtures("cli_token")
def test_an_error_quoting_a_value_with_markup_prints_it(scratch_db: str) -> None:
    result = runner.invoke(
        app, ["facilities", "close", "no-such[/]id", "--reason", "x", "--db", scratch_db]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2 and "no-such[/]id" in result.output
