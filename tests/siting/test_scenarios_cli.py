"""`qurb scenarios compare` and `qurb scenarios rename` beside the web's: the same lines,
the same rule on who changes a scenario."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.registry.points import FacilitySelector
from tests.siting.scenario_people import TAOUNATE, Partners
from tests.web_clients import TestClient

runner = CliRunner()


def test_the_comparison_equals_the_command_line(
    edit_client: TestClient, scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = edit_client.post("/api/siting", json=TAOUNATE).json()["id"]
    three = edit_client.post("/api/siting", json={**TAOUNATE, "add": 3}).json()["id"]
    compared = edit_client.get(
        "/api/scenarios/compare",
        params={"ids": f"{two},{three}"},
        headers={"Accept-Language": "ar"},
    )
    assert compared.status_code == 200, compared.text
    answer = compared.json()
    monkeypatch.setenv("QURB_LANG", "en")  # --lang sets it: put back after the test
    args = ["--lang", "ar", "scenarios", "compare", two, three, "--format", "json"]
    done = runner.invoke(app, [*args, "--db", scratch_db])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == answer["lines"]
    # The offer in the reader's words (here Arabic), the same on both sides.
    general = FacilitySelector.from_options(("secondary",), (), (), None)
    assert answer["lines"][0]["offer"] == general.describe("ar") != general.describe("en")
    assert [line["sites"] for line in answer["lines"]] == [2, 3]
    assert all(line["kind"] == "siting" and line["cost_mad"] is None for line in answer["lines"])
    # Per commune and sub-territory, one value per scenario in the order asked; the third
    # site covers communes the first two left out.
    communes = {c["code"]: c for c in answer["communes"]}
    assert answer["differ"] and all(
        communes[code]["covered"] == [False, True] for code in answer["differ"]
    )
    assert all(len(g["covered_after_pct"]) == 2 for g in answer["groups"])
    assert all(c["name_ar"] for c in answer["communes"])


def test_rename_and_visibility_from_the_command_line(
    partners: Partners, scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = partners.admin
    saved = client.post("/api/siting", json=TAOUNATE, headers=partners.drs.headers).json()
    monkeypatch.setenv("QURB_TOKEN", partners.ngo.token)
    refused = runner.invoke(app, ["scenarios", "rename", saved["id"], "Mine", "--db", scratch_db])
    assert refused.exit_code != 0 and "another partner" in refused.output
    monkeypatch.setenv("QURB_TOKEN", partners.drs_too.token)
    done = runner.invoke(
        app, ["scenarios", "rename", saved["id"], "Deux HP", "--public", "--db", scratch_db]
    )
    assert done.exit_code == 0, done.output
    shown = client.get(f"/api/scenarios/{saved['id']}", headers=partners.ngo.headers).json()
    assert (shown["name"], shown["visibility"]) == ("Deux HP", "public")
    nothing = runner.invoke(app, ["scenarios", "rename", saved["id"], "--db", scratch_db])
    assert nothing.exit_code != 0 and "--public or --partner" in nothing.output
