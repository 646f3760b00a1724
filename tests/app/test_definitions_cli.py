"""Estimates say so on the command line, and `qurb definitions` lists every figure."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from qurb.app.cli import app

runner = CliRunner()
BIRTHS = "TFR ÷ 35 × women aged 15–49"


def test_definitions_prints_the_formula_of_births() -> None:
    table = runner.invoke(app, ["definitions", "--kind", "estimate"])
    assert table.exit_code == 0, table.output
    flat = " ".join(table.output.split())  # the table wraps long cells
    assert "births_per_year" in flat and "TFR ÷ 35 × women aged 15–49" in flat
    as_csv = runner.invoke(app, ["definitions", "-f", "csv"])
    body = "".join(ln for ln in io.StringIO(as_csv.output) if not ln.startswith("#"))
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(body))}
    assert rows["births_per_year"]["formula"] == BIRTHS
    assert rows["births_per_year"]["kind"] == "estimate" and rows["births_per_year"]["source"]
    as_json = json.loads(runner.invoke(app, ["definitions", "-f", "json", "--lang", "ar"]).output)
    births = next(r for r in as_json["rows"] if r["id"] == "births_per_year")
    assert births["name"] == "الولادات المتوقعة سنويًا" and births["date"] == "2024-09-01"


def test_territory_and_needs_mark_their_estimates(scratch_db: str) -> None:
    table = runner.invoke(app, ["territory", "03.231.81.03", "--db", scratch_db])
    assert table.exit_code == 0, table.output
    # The sheet names its fields in the reader's words (cli.column.*), its footnote alike.
    assert "births/yr *" in table.output and "population 2024 *" not in table.output
    assert f"births/yr = {BIRTHS}" in table.output
    as_json = json.loads(
        runner.invoke(app, ["territory", "03.231.81.03", "-f", "json", "--db", scratch_db]).output
    )
    assert as_json["metadata"]["estimates"]["births_per_year"] == BIRTHS
    assert as_json["rows"][0]["name_fr"] == "Ain Bida"
    needs = runner.invoke(app, ["needs", "-t", "Ifrane", "-f", "csv", "--db", scratch_db])
    lines = needs.output.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert f"# estimates.births_per_year: {BIRTHS}" in comments
    assert lines[: len(comments)] == comments  # the comments come before the header
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[len(comments) :]))))
    assert rows and all(r["code"].startswith("03.271.") for r in rows)
    needs_table = runner.invoke(app, ["needs", "-t", "Ifrane", "--db", scratch_db])
    assert "births/yr *" in needs_table.output and "* estimate" in needs_table.output
    geo = json.loads(
        runner.invoke(app, ["needs", "-t", "Ifrane", "-f", "geojson", "--db", scratch_db]).output
    )
    assert geo["metadata"]["estimates"]["women_15_49"].startswith("HCP shares of female")
