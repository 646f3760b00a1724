"""The triage's routes and commands on the small region: CSU Ouled Amar's typhoid spike of
2026W48 alarms at the facility and its commune (tests/watch/test_triage_small_region.py);
a confirmer of the province triages the facility's signal through the API (If-Match with
the signal's version), a watch_reporter is refused, an error is worded in the reader's
language, and the command line takes a step and shows the alert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from qurb.app.cli import app as cli
from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.watch._tables import SignalRow
from tests.accounts import Someone, add_account
from tests.regions import OULED_AMAR, PROVINCE_CODE
from tests.watch_reports import CSU_OULED_AMAR, Clock, Factory, moment, typhoid_spike
from tests.web_clients import TestClient

__all__ = ["moment"]


@dataclass
class World:
    client: TestClient
    url: str
    signal: int  # the facility's
    report: int
    confirmer: Someone
    reporter: Someone


@pytest.fixture
def world(small_region_db: Factory, region_engine: Engine, moment: Clock) -> Iterator[World]:
    factory = small_region_db()
    report = typhoid_spike(factory, CSU_OULED_AMAR)
    with transaction(factory) as s:
        signal = s.scalars(select(SignalRow.id).where(SignalRow.level == "facility")).one()
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    province = Scope(territories=[PROVINCE_CODE])
    confirmer = add_account(app.state.qurb.factory, "confirmer", Role.WATCH_CONFIRMER, province)
    reporter = add_account(app.state.qurb.factory, "reporter", Role.WATCH_REPORTER, province)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, url, signal, report, confirmer, reporter)


def test_the_alert_triaged_through_the_api(world: World) -> None:
    c, base = world.client, f"/api/watch/signals/{world.signal}"
    confirmer = world.confirmer.headers
    read = c.get(base, headers=confirmer)
    assert read.status_code == 200, read.text
    alert = read.json()
    assert (alert["triage_state"], alert["next_stage"], read.headers["ETag"]) == (
        "open",
        "verification",
        f'"{alert["signal"]["version"]}"',
    )
    assert [(r["id"], r["facility"]) for r in alert["reports"]] == [(world.report, CSU_OULED_AMAR)]

    body = {"decision": "start_risk_assessment"}
    assert c.post(f"{base}/verification", json=body, headers=confirmer).status_code == 428
    refused = c.post(
        f"{base}/verification", json=body, headers={**world.reporter.headers, "If-Match": "*"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "account_not_allowed")
    etag = read.headers["ETag"]
    verified = c.post(f"{base}/verification", json=body, headers={**confirmer, "If-Match": etag})
    assert verified.status_code == 200, verified.text
    assert verified.json()["next_stage"] == "risk_assessment"
    stale = c.post(
        f"{base}/risk-assessment",
        json={"hazard": "Typhoïde", "exposure": "Puits", "context": "Souk"},
        headers={**confirmer, "If-Match": etag},
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    # out of order, in the reader's language
    early = c.post(
        f"{base}/outcome",
        json={"outcome": "discard"},
        headers={**confirmer, "If-Match": "*", "Accept-Language": "fr"},
    )
    assert (early.status_code, early.json()["code"]) == (409, "triage_out_of_order")
    assert "n'est pas attendue maintenant" in early.json()["error"]

    now = {**confirmer, "If-Match": verified.headers["ETag"]}
    assessed = c.post(
        f"{base}/risk-assessment",
        json={"hazard": "Typhoïde", "exposure": "Puits", "context": "Souk"},
        headers=now,
    )
    assert assessed.status_code == 200, assessed.text
    characterised = c.post(
        f"{base}/risk-characterisation",
        json={"likelihood": "almost_certain", "consequences": "severe"},
        headers={**confirmer, "If-Match": assessed.headers["ETag"]},
    )
    assert characterised.json()["steps"][-1]["risk_level"] == "very_high"
    invited = c.post(f"{base}/invitations", json={"username": "reporter"}, headers=confirmer)
    assert invited.status_code == 201, invited.text
    # the reporter, invited, notes but still may not decide
    noted = c.post(
        f"{base}/notes", json={"note": "Deux cas au douar"}, headers=world.reporter.headers
    )
    assert noted.status_code == 201, noted.text
    no_note = c.post(
        f"{base}/outcome",
        json={"outcome": "respond"},
        headers={**confirmer, "If-Match": "*"},
    )
    assert (no_note.status_code, no_note.json()["code"]) == (422, "triage_text_required")
    closed = c.post(
        f"{base}/outcome",
        json={"outcome": "respond", "note": "Chloration"},
        headers={**confirmer, "If-Match": "*"},
    )
    assert closed.json()["triage_state"] == "closed"
    assert [s["stage"] for s in closed.json()["steps"]] == [
        "verification",
        "risk_assessment",
        "risk_characterisation",
        "note",
        "outcome",
    ]
    listed = c.get(
        "/api/watch/signals",
        params={"territory": PROVINCE_CODE, "triage_state": "closed"},
        headers=confirmer,
    ).json()
    assert [(s["id"], s["triage_state"]) for s in listed] == [(world.signal, "closed")]
    still_open = c.get(
        "/api/watch/signals",
        params={"territory": PROVINCE_CODE, "triage_state": "open"},
        headers=confirmer,
    ).json()
    assert [s["unit_code"] for s in still_open] == [OULED_AMAR]
    missing = c.get("/api/watch/signals/999", headers=confirmer)
    assert (missing.status_code, missing.json()["code"]) == (404, "signal_not_found")


def test_the_commands_take_a_step_and_show_the_alert(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    runner, signal = CliRunner(), str(world.signal)
    monkeypatch.setenv("QURB_TOKEN", world.reporter.token)
    refused = runner.invoke(
        cli, ["watch", "triage", signal, "--verify", "assess", "--db", world.url]
    )
    assert refused.exit_code != 0 and "watch.triage" in refused.output
    monkeypatch.setenv("QURB_TOKEN", world.confirmer.token)
    both = runner.invoke(
        cli,
        [
            "watch",
            "triage",
            signal,
            "--verify",
            "monitor",
            "--outcome",
            "discard",
            "--db",
            world.url,
        ],
    )
    assert both.exit_code != 0 and "one step at a time" in both.output
    done = runner.invoke(
        cli, ["watch", "triage", signal, "--verify", "assess", "--note", "Vu", "--db", world.url]
    )
    assert done.exit_code == 0, done.output
    assert f"Signal {signal}: the alert is open" in done.output
    shown = runner.invoke(cli, ["watch", "alert", signal, "-f", "json", "--db", world.url])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    assert [(r["stage"], r["decision"], r["note"]) for r in payload["rows"]] == [
        ("verification", "start_risk_assessment", "Vu")
    ]
    assert payload["metadata"]["next_stage"] == "risk_assessment"
    assert payload["metadata"]["reports"] == [world.report]
