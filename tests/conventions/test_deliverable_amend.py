"""A deliverable amended on the web and from the command line, on the small region of
`tests/regions.py` (SQLite and PostgreSQL): in a draft convention the secretariat changes
it freely, each changed field kept with the value it replaced; once the convention is
signed, its deadline and target change only with the number of an amendment the
convention holds; texts are corrected without one; a delivered deliverable is final; the
owner stays once an actual was reported; a party's user may not amend; a change that
changes nothing writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qurb.app.cli import app as cli
from qurb.audit._tables import AuditEntryRow
from tests.conventions.test_deliverables_api import (  # noqa: F401 - the fixture below takes it
    CHU,
    COUNCIL,
    SCANNERS,
    SYSTEM,
    _add,
    world,
)
from tests.conventions.web import World


@pytest.fixture
def amending(world: World) -> World:  # noqa: F811 - the deliverables' tests' world
    """The convention of the deliverables' tests, with its accounts."""
    return world


def _amend(amending: World, deliverable: int, version: int, **changes: Any) -> Any:
    """PUT the deliverable as added with `changes` over it, as the secretariat."""
    body = {**SCANNERS, **changes}
    headers = {"If-Match": f'"{version}"'}
    return amending.ask(
        "secretariat", "PUT", f"/deliverables/{deliverable}", json=body, headers=headers
    )


def _sign(amending: World) -> None:
    version = amending.ask("secretariat", "GET", "").json()["version"]
    signed = amending.ask(
        "secretariat",
        "POST",
        "/status",
        json={"status": "signed"},
        headers={"If-Match": f'"{version}"'},
    )
    assert signed.status_code == 200, signed.text


def _amendment(amending: World, number: int) -> None:
    version = amending.ask("secretariat", "GET", "").json()["version"]
    made = amending.ask(
        "secretariat",
        "POST",
        "/amendments",
        json={"number": number, "on": "2026-09-15"},
        headers={"If-Match": f'"{version}"'},
    )
    assert made.status_code == 201, made.text


def test_a_draft_deliverable_changes_freely_and_keeps_its_history(
    amending: World, region_engine: Engine
) -> None:
    scanners = _add(amending, SCANNERS)
    bare = amending.ask("secretariat", "PUT", f"/deliverables/{scanners}", json=SCANNERS)
    assert bare.status_code == 428
    changed = _amend(
        amending,
        scanners,
        1,
        deadline="2027-09",
        indicator={**SCANNERS["indicator"], "target": 120},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["deadline"], body["indicator"]["target"], body["version"]) == ("2027-09", 120, 2)
    history = [
        (c["field"], c["previous"], c["value"], c["amendment_number"]) for c in body["changes"]
    ]
    assert history == [("deadline", "2027-06", "2027-09", None), ("target", "100", "120", None)]
    assert {c["changed_by"] for c in body["changes"]} == {
        str(amending.people["secretariat"].account_id)
    }
    same = _amend(
        amending,
        scanners,
        2,
        deadline="2027-09",
        indicator={**SCANNERS["indicator"], "target": 120},
    )
    assert (same.status_code, same.json()["version"], len(same.json()["changes"])) == (200, 2, 2)
    stale = _amend(amending, scanners, 1, deadline="2027-10")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    party = amending.ask(
        "chu",
        "PUT",
        f"/deliverables/{scanners}",
        json={**SCANNERS, "deadline": "2027-12"},
        headers={"If-Match": '"2"'},
    )
    assert party.status_code == 403
    with Session(region_engine) as session:
        actions = session.scalars(
            select(AuditEntryRow.action).where(
                AuditEntryRow.entity_kind == "deliverable",
                AuditEntryRow.entity_id == str(scanners),
            )
        ).all()
    assert list(actions) == ["deliverable.create", "deliverable.update"]  # the same: not audited


def test_a_signed_convention_changes_what_was_committed_by_amendment_only(amending: World) -> None:
    scanners = _add(amending, SCANNERS)
    _sign(amending)
    later = _amend(amending, scanners, 1, deadline="2027-12")
    assert later.status_code == 422
    assert [(e["field"], e["code"]) for e in later.json()["detail"]] == [
        ("amendment_number", "deliverable_needs_amendment")
    ]
    unknown = _amend(amending, scanners, 1, deadline="2027-12", amendment_number=3)
    assert [(e["field"], e["code"]) for e in unknown.json()["detail"]] == [
        ("amendment_number", "money_no_amendment")
    ]
    what = "Deux scanners, hôpital provincial de Tizgui"
    corrected = _amend(amending, scanners, 1, what_fr=what)
    assert corrected.status_code == 200, corrected.text
    _amendment(amending, 1)
    amended = _amend(amending, scanners, 2, what_fr=what, deadline="2027-12", amendment_number=1)
    assert amended.status_code == 200, amended.text
    last = amended.json()["changes"][-1]
    assert (last["field"], last["previous"], last["value"], last["amendment_number"]) == (
        "deadline",
        "2027-06",
        "2027-12",
        1,
    )
    assert [c["field"] for c in amended.json()["changes"]] == ["what_fr", "deadline"]


def test_what_was_reported_or_delivered_stays(amending: World) -> None:
    scanners, system = _add(amending, SCANNERS), _add(amending, SYSTEM)
    reported = amending.ask(
        "chu", "POST", f"/deliverables/{scanners}/actuals", json={"period": "2026", "value": 50}
    )
    assert reported.status_code == 201, reported.text
    version = reported.json()["version"]
    moved = _amend(amending, scanners, version, owner=COUNCIL)
    assert [(e["field"], e["code"]) for e in moved.json()["detail"]] == [
        ("owner", "deliverable_has_actuals")
    ]
    done = amending.ask(
        "secretariat",
        "POST",
        f"/deliverables/{system}/status",
        json={"status": "delivered"},
        headers={"If-Match": '"1"'},
    )
    assert done.status_code == 200, done.text
    final = amending.ask(
        "secretariat",
        "PUT",
        f"/deliverables/{system}",
        json={**SYSTEM, "what_fr": "Autre"},
        headers={"If-Match": '"2"'},
    )
    assert [(e["field"], e["code"]) for e in final.json()["detail"]] == [
        ("status", "deliverable_closed")
    ]
    assert amending.ask("viewer", "GET", "/deliverables").json()[0]["owner"] == CHU


def test_the_command_line_amends_the_options_given(
    amending: World, region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanners = _add(amending, SCANNERS)
    url = region_engine.url.render_as_string(False)
    monkeypatch.setenv("QURB_LANG", "en")
    monkeypatch.setenv("QURB_TOKEN", amending.people["secretariat"].token)
    reference = amending.ask("secretariat", "GET", "").json()["reference"]
    args = ["conventions", "amend-deliverable", reference, str(scanners), "--db", url]
    done = CliRunner().invoke(cli, [*args, "--target", "90", "--weight", "2"])
    assert done.exit_code == 0, done.output
    assert "2 field(s) changed" in done.output
    body = amending.ask("viewer", "GET", "/deliverables").json()[0]
    assert (body["indicator"]["target"], body["weight"], body["deadline"]) == (90, "2", "2027-06")
    _sign(amending)
    refused = CliRunner().invoke(cli, [*args, "--deadline", "2028"])
    assert refused.exit_code != 0
    assert "amendment" in refused.output
