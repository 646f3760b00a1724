"""The plan on the web and the command line, on the national data (SQLite and
PostgreSQL): a scenario adopted, its projects moved to opened with the hospitals they
became, the coverage they changed equal to the scenario's; who may read and write where."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from tests.accounts import add_account
from tests.siting.scenario_people import TAOUNATE
from tests.web_clients import TestClient

runner = CliRunner()
BOULEMANE = "03.131"


def _factory(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.qurb.factory  # type: ignore[attr-defined]


def _moved(client: TestClient, project: dict, body: dict, **headers: str):  # type: ignore[no-untyped-def,type-arg]
    return client.post(
        f"/api/plan/projects/{project['id']}/status",
        json=body,
        headers={"If-Match": f'"{project["version"]}"', **headers},
    )


def test_an_adopted_scenario_once_opened_changes_coverage_as_it_said(
    edit_client: TestClient,
) -> None:
    """Two general hospitals for Taounate (Jbabra and El Bsabsa): 47.0 % → 71.2 % of its
    people within 60 min, as the scenario said. Adopted, moved to opened with two HPr
    added to the registry at the sites' points, the plan measures the same change."""
    scenario = edit_client.post("/api/siting", json=TAOUNATE).json()
    adopted = edit_client.post("/api/plan/adopt", json={"scenario": scenario["id"], "priority": 1})
    assert adopted.status_code == 201, adopted.text
    projects = adopted.json()
    sites = {s["label"]: s for s in scenario["sites"]}
    assert {p["title"] for p in projects} == {"Jbabra", "El Bsabsa"}
    for project in projects:
        site = sites[project["title"]]
        assert (project["kind"], project["status"], project["priority"]) == (
            "new_facility",
            "adopted",
            1,
        )
        assert (project["territory_code"], project["lon"], project["lat"]) == (
            site["commune"],
            site["lon"],
            site["lat"],
        )
        assert (project["level"], project["cost_amount_mad"]) == ("secondary", None)
    again = edit_client.post("/api/plan/adopt", json={"scenario": scenario["id"]})
    assert (again.status_code, again.json()["code"]) == (409, "scenario_already_adopted")

    project = projects[0]
    bare_url = f"/api/plan/projects/{project['id']}/status"
    assert edit_client.post(bare_url, json={"status": "funded"}).status_code == 428
    funded = _moved(edit_client, project, {"status": "funded", "note": "Budget 2027"})
    assert funded.status_code == 200, funded.text
    assert funded.headers["ETag"] == '"2"'
    stale = _moved(edit_client, project, {"status": "under_construction"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    back = _moved(edit_client, funded.json(), {"status": "adopted"})
    assert (back.status_code, back.json()["code"]) == (409, "project_status_backwards")
    bare = _moved(edit_client, funded.json(), {"status": "opened"})
    assert bare.status_code == 422
    assert bare.json()["detail"][0]["code"] == "project_opened_without_result"

    for project in projects:
        site = sites[project["title"]]
        hospital = {
            "name": f"HPr {site['label']}",
            "category": "HPr",
            "commune": site["commune"],
            "lon": site["lon"],
            "lat": site["lat"],
            "reason": "opened by the plan",
        }
        made = edit_client.post("/api/facilities", json=hospital)
        assert made.status_code == 201, made.text
        current = edit_client.get(f"/api/plan/projects/{project['id']}")
        opened = _moved(
            edit_client, current.json(), {"status": "opened", "facility_id": made.json()["id"]}
        )
        assert opened.status_code == 200, opened.text
        assert [e["status"] for e in opened.json()["events"]][-1] == "opened"

    plan = edit_client.get("/api/plan", params={"territory": "Taounate"})
    assert plan.status_code == 200, plan.text
    answer = plan.json()
    assert {t["status"]: t["projects"] for t in answer["totals"]} == {
        "proposed": 0,
        "adopted": 0,
        "funded": 0,
        "under_construction": 0,
        "opened": 2,
        "dropped": 0,
    }
    [change] = answer["coverage"]
    summary = scenario["summary"]
    assert (change["within_minutes"], sorted(change["projects"])) == (
        60.0,
        sorted(p["id"] for p in projects),
    )
    assert (change["covered_without_pct"], change["covered_with_pct"]) == (47.0, 71.2)
    assert (change["covered_without_pct"], change["covered_with_pct"]) == (
        summary["covered_before_pct"],
        summary["covered_after_pct"],
    )
    assert change["newly_covered"] == summary["newly_covered"]
    assert "access service" in answer["method"] and answer["sources"]
    assert all(p["map_point"] for p in answer["projects"])
    # The region's plan holds the province's projects; Arabic words for Arabic readers.
    region = edit_client.get(
        "/api/plan", params={"territory": "03"}, headers={"Accept-Language": "ar"}
    ).json()
    assert len(region["projects"]) == 2 and "خدمة الولوج" in region["method"]


def test_a_province_manager_writes_in_its_province_only(edit_client: TestClient) -> None:
    factory = _factory(edit_client)
    boulemane = add_account(factory, "boulemane", Role.PLANNER, Scope(territories=[BOULEMANE]))
    viewer = add_account(factory, "viewer", Role.VIEWER, Scope(territories=[BOULEMANE]))
    nobody = add_account(factory, "nobody", None)
    proposal = {
        "kind": "new_facility",
        "title": "CSR-2 de Tissaf",
        "territory": BOULEMANE,
        "lon": -3.60,
        "lat": 33.40,
        "category": "CSR-2",
        "cost_mad": 6_500_000,
    }
    made = edit_client.post("/api/plan/projects", json=proposal, headers=boulemane.headers)
    assert made.status_code == 201, made.text
    assert made.json()["territory_name_fr"] == "Boulemane"
    elsewhere = {**proposal, "territory": "Taounate", "lon": -4.6, "lat": 34.5}
    refused = edit_client.post("/api/plan/projects", json=elsewhere, headers=boulemane.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "outside_scope")
    # Reading: its province, not another; a viewer reads but does not write.
    assert (
        edit_client.get(
            "/api/plan", params={"territory": BOULEMANE}, headers=viewer.headers
        ).status_code
        == 200
    )
    other = edit_client.get(
        "/api/plan", params={"territory": "Taounate"}, headers=boulemane.headers
    )
    assert (other.status_code, other.json()["code"]) == (403, "outside_scope")
    written = edit_client.post("/api/plan/projects", json=proposal, headers=viewer.headers)
    assert (written.status_code, written.json()["code"]) == (403, "account_not_allowed")
    moved = _moved(edit_client, made.json(), {"status": "dropped", "note": "x"}, **viewer.headers)
    assert moved.status_code == 403
    assert (
        edit_client.get(
            "/api/plan", params={"territory": BOULEMANE}, headers=nobody.headers
        ).status_code
        == 403
    )
    # Its own project: dropped with a reason (audited), not without one.
    bare = _moved(edit_client, made.json(), {"status": "dropped"}, **boulemane.headers)
    assert bare.status_code == 422
    assert bare.json()["detail"][0]["code"] == "project_drop_without_reason"
    dropped = _moved(
        edit_client,
        made.json(),
        {"status": "dropped", "note": "Terrain indisponible"},
        **boulemane.headers,
    )
    assert dropped.status_code == 200 and dropped.json()["drop_reason"] == "Terrain indisponible"
    trail = edit_client.get(
        "/api/audit", params={"entity_kind": "project", "entity_id": str(made.json()["id"])}
    )
    assert trail.status_code == 200, trail.text
    entries = trail.json()["entries"]
    assert [e["action"] for e in entries] == ["project.create", "project.drop"]
    assert entries[-1]["reason"] == "Terrain indisponible"


def test_the_command_line_adds_moves_and_lists_as_the_api(
    edit_client: TestClient, scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = _factory(edit_client)
    manager = add_account(factory, "manager", Role.PLANNER, Scope(territories=[BOULEMANE]))
    monkeypatch.setenv("QURB_LANG", "en")
    monkeypatch.setenv("QURB_TOKEN", manager.token)
    add = [
        "plan", "add", "--kind", "new_facility", "--title", "CSR-2 de Tissaf",
        "-t", BOULEMANE, "--lon", "-3.6", "--lat", "33.4", "--category", "CSR-2",
        "--db", scratch_db,
    ]  # fmt: skip
    done = runner.invoke(app, add)
    assert done.exit_code == 0, done.output
    assert "Project 1 proposed: CSR-2 de Tissaf" in done.output
    outside = runner.invoke(
        app,
        [
            *add[:6],
            "-t",
            "Taounate",
            "--lon",
            "-4.6",
            "--lat",
            "34.5",
            "--category",
            "CSR-2",
            "--db",
            scratch_db,
        ],
    )
    assert outside.exit_code != 0
    back = runner.invoke(app, ["plan", "move", "1", "funded", "--db", scratch_db])
    assert back.exit_code == 0, back.output
    refused = runner.invoke(app, ["plan", "move", "1", "adopted", "--db", scratch_db])
    assert refused.exit_code != 0 and "only moves forward" in refused.output
    listed = runner.invoke(
        app, ["plan", "list", "-t", BOULEMANE, "--format", "json", "--db", scratch_db]
    )
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["rows"]
    api = edit_client.get("/api/plan", params={"territory": BOULEMANE}).json()["projects"]
    assert (
        [(r["id"], r["status"], r["title"]) for r in rows]
        == [(p["id"], p["status"], p["title"]) for p in api]
        == [(1, "funded", "CSR-2 de Tissaf")]
    )
    shown = runner.invoke(app, ["plan", "show", "1", "--db", scratch_db])
    assert shown.exit_code == 0 and "funded" in shown.output and "proposed" in shown.output
    table = runner.invoke(app, ["plan", "list", "-t", BOULEMANE, "--db", scratch_db])
    assert table.exit_code == 0 and "Plan of Boulemane: 1 project(s)" in table.output
