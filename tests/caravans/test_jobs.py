"""Planning a campaign as a job the page polls and may cancel (`/api/caravans/jobs`), on
both engines: planned to done and its campaign readable; cancelled while the solver runs
(its worker stopped, nothing saved); failed with its problem in the reader's language;
refused to someone without the grant (403) and for an unknown id (404)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from qurb.app.web import create_app
from qurb.audit import service as audit
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel import clock
from qurb.platform import heavy
from qurb.platform.background import new_job
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account, add_partner
from tests.caravan_requests import campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

FINISHED = {"done", "failed", "cancelled"}
# Polls of a job before a test gives up on it (a guard against a hang, not a timing).
MAX_POLLS = 3000
POLL_S = 0.1


@pytest.fixture(scope="module")
def app(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    url = national_db.private_copy(tmp_path_factory.mktemp("caravan-jobs"))
    yield create_app(Settings(database_url=url))
    national_db.discard(url)


@pytest.fixture(scope="module")
def coordinator(app: FastAPI) -> Someone:
    """A caravan coordinator of Fès-Meknès (03), Boulemane's region."""
    factory = app.state.qurb.factory
    return add_account(factory, "jobs-fes", Role.CARAVAN_COORDINATOR, Scope(territories=["03"]))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def _start() -> date:
    return date.today() + timedelta(days=21)


def _wait(client: TestClient, job: str, someone: Someone, until: set[str]) -> dict[str, Any]:
    """Poll the job until its status (or phase) is one of `until`."""
    for _ in range(MAX_POLLS):
        answer = client.get(f"/api/caravans/jobs/{job}", headers=someone.headers)
        assert answer.status_code == 200, answer.text
        body = dict(answer.json())
        if body["status"] in until or body["phase"] in until:
            return body
        time.sleep(POLL_S)
    raise AssertionError(f"job {job} never reached {until}")


def _campaign_ids(client: TestClient) -> set[str]:
    return {c["id"] for c in client.get("/api/caravans").json()}


def test_a_job_planned_to_done_and_its_campaign_readable(
    app: FastAPI, client: TestClient, coordinator: Someone
) -> None:
    body = campaign(_start(), days=3)
    answer = client.post("/api/caravans/jobs", json=body, headers=coordinator.headers)
    assert answer.status_code == 202, answer.text
    created = answer.json()
    job = created["id"]
    assert created == {"id": job, "status": "queued", "poll": f"/api/caravans/jobs/{job}"}
    assert answer.headers["location"] == created["poll"]
    done = _wait(client, job, coordinator, FINISHED)
    assert done["status"] == "done", done
    assert done["phase"] == "done" and done["error"] is None and not done["cancel_requested"]
    assert done["started_at"] and done["finished_at"] and done["elapsed_s"] >= 0
    saved = client.get(f"/api/caravans/{done['campaign_id']}")
    assert saved.status_code == 200, saved.text
    assert saved.json()["spec"]["name"] == body["name"]
    assert saved.json()["plan"]["campaign"]["territory"]["code"] == "03.131"
    # The same plan as asked through POST /api/caravans with the same seed.
    direct = client.post(
        "/api/caravans", json=body, params={"seed": 1}, headers=coordinator.headers
    ).json()
    again = client.post(
        "/api/caravans/jobs", json=body, params={"seed": 1}, headers=coordinator.headers
    ).json()
    second = _wait(client, again["id"], coordinator, FINISHED)
    plan = client.get(f"/api/caravans/{second['campaign_id']}").json()["plan"]
    assert [d["stops"] for d in plan["days"]] == [d["stops"] for d in direct["days"]]
    with app.state.qurb.factory() as session:
        actions = [(e.action, e.entity_id) for e in audit.entries(session)]
    assert ("caravan_job.create", job) in actions
    assert ("campaign.create", done["campaign_id"]) in actions


def _pool_workers() -> list[Any]:
    """This process's heavy-work worker processes (pebble's pool of one worker)."""
    pool = heavy._pools[1]
    return list(pool._pool_manager.worker_manager.workers.values())


def _ended(pid: int) -> bool:
    """Whether the process is gone (stopped and reaped by the pool), looked at until it
    is: a guard against a hang, not a timing. Not `Process.is_alive()`: the pool's own
    thread reaps the worker, and a second waiter may miss its exit."""
    for _ in range(MAX_POLLS):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(POLL_S)
    return False


def test_a_job_cancelled_while_the_solver_runs_saves_nothing_and_stops_its_worker(
    app: FastAPI, client: TestClient, coordinator: Someone
) -> None:
    # A solver allowed a minute, that never stops for lack of improvement: only the
    # cancel ends it early.
    long = {"time_limit_s": 60, "no_improvement_iterations": 0}
    body = campaign(_start(), days=10, settings=long)
    before = _campaign_ids(client)
    created = client.post("/api/caravans/jobs", json=body, headers=coordinator.headers).json()
    job = created["id"]
    running = _wait(client, job, coordinator, {"scheduling"} | FINISHED)
    assert (running["status"], running["phase"]) == ("running", "scheduling"), running
    workers = _pool_workers()
    assert workers and all(w.is_alive() for w in workers)
    answer = client.post(f"/api/caravans/jobs/{job}/cancel", headers=coordinator.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["cancel_requested"] is True
    ended = _wait(client, job, coordinator, FINISHED)
    assert ended["status"] == "cancelled", ended
    assert ended["campaign_id"] is None and ended["error"] is None
    assert ended["elapsed_s"] < 60  # ended by the cancel, not by the solver's minute
    assert _campaign_ids(client) == before  # nothing saved
    for worker in workers:  # the worker that ran the solver was stopped
        assert _ended(worker.pid), worker.pid
    again = client.post(f"/api/caravans/jobs/{job}/cancel", headers=coordinator.headers)
    assert (again.status_code, again.json()["code"]) == (409, "job_finished")
    with app.state.qurb.factory() as session:
        actions = [(e.action, e.entity_id) for e in audit.entries(session)]
    assert ("caravan_job.cancel", job) in actions


def test_a_failed_job_answers_its_problem_in_the_readers_language(
    client: TestClient, coordinator: Someone
) -> None:
    # A base that is no facility: found while preparing, in the worker.
    body = campaign(
        _start(),
        days=2,
        bases=[{"name": "Hôpital provincial de Missour", "facility": "hosp-nope"}],
    )
    created = client.post("/api/caravans/jobs", json=body, headers=coordinator.headers).json()
    failed = _wait(client, created["id"], coordinator, FINISHED)
    assert failed["status"] == "failed" and failed["campaign_id"] is None
    assert failed["error"]["status"] == 422
    assert failed["error"]["code"] == "base_no_facility"
    french = client.get(
        f"/api/caravans/jobs/{created['id']}",
        headers={**coordinator.headers, "Accept-Language": "fr"},
    ).json()["error"]
    arabic = client.get(
        f"/api/caravans/jobs/{created['id']}",
        headers={**coordinator.headers, "Accept-Language": "ar"},
    ).json()["error"]
    assert "hosp-nope" in french["error"] and "hosp-nope" in arabic["error"]
    assert french["error"] != arabic["error"] != failed["error"]["error"]


def test_someone_without_the_grant_is_refused(
    app: FastAPI, client: TestClient, coordinator: Someone
) -> None:
    factory = app.state.qurb.factory
    viewer = add_account(factory, "jobs-viewer", Role.VIEWER)
    body = campaign(_start(), days=2)
    refused = client.post("/api/caravans/jobs", json=body, headers=viewer.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_not_allowed")
    tanger = add_account(
        factory, "jobs-tanger", Role.CARAVAN_COORDINATOR, Scope(territories=["01"])
    )
    refused = client.post("/api/caravans/jobs", json=body, headers=tanger.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "outside_scope")
    nobody = client.post("/api/caravans/jobs", json=body)
    assert (nobody.status_code, nobody.json()["code"]) == (401, "auth_required")
    # A job of Boulemane: not to be read nor cancelled from another region.
    created = client.post("/api/caravans/jobs", json=body, headers=coordinator.headers).json()
    for method, path in (
        ("GET", f"/api/caravans/jobs/{created['id']}"),
        ("POST", f"/api/caravans/jobs/{created['id']}/cancel"),
    ):
        answer = client.request(method, path, headers=tanger.headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "outside_scope")
    _wait(client, created["id"], coordinator, FINISHED)


def test_a_job_is_seen_by_its_partner_only(
    app: FastAPI, client: TestClient, coordinator: Someone
) -> None:
    """The coordinator acts for no partner: another coordinator of the region for none
    reads its job; one acting for an association, even over the whole country, does
    not (job_of_another_partner), and cancels nothing."""
    factory = app.state.qurb.factory
    fes = Scope(territories=["03"])
    colleague = add_account(factory, "jobs-fes-two", Role.CARAVAN_COORDINATOR, fes)
    add_partner(factory, "jobs-amal", "association")
    ngo = add_account(factory, "jobs-ngo", Role.CARAVAN_COORDINATOR, partner="jobs-amal")
    created = client.post(
        "/api/caravans/jobs", json=campaign(_start(), days=2), headers=coordinator.headers
    ).json()
    seen = client.get(f"/api/caravans/jobs/{created['id']}", headers=colleague.headers)
    assert seen.status_code == 200, seen.text
    for method, path in (
        ("GET", f"/api/caravans/jobs/{created['id']}"),
        ("POST", f"/api/caravans/jobs/{created['id']}/cancel"),
    ):
        answer = client.request(method, path, headers=ngo.headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "job_of_another_partner")
    assert _wait(client, created["id"], coordinator, FINISHED)["cancel_requested"] is False


def test_an_unknown_job_is_not_found(client: TestClient, coordinator: Someone) -> None:
    for method, path in (
        ("GET", "/api/caravans/jobs/job-0000000000000000"),
        ("POST", "/api/caravans/jobs/job-0000000000000000/cancel"),
    ):
        answer = client.request(
            method, path, headers={**coordinator.headers, "Accept-Language": "fr"}
        )
        assert (answer.status_code, answer.json()["code"]) == (404, "no_job")
        assert answer.json()["error"] == "aucune tâche de planification 'job-0000000000000000'"


def test_bad_campaign_is_refused_before_any_job(client: TestClient, coordinator: Someone) -> None:
    # The checks of POST /api/caravans, before anything is recorded: dates reversed.
    body = campaign(_start(), days=2)
    body["end"] = (_start() - timedelta(days=3)).isoformat()
    answer = client.post("/api/caravans/jobs", json=body, headers=coordinator.headers)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_campaign")
    assert "end" in {d["field"] for d in answer.json()["detail"]}


def test_a_job_whose_server_process_died_reads_as_lost(
    app: FastAPI, client: TestClient, coordinator: Someone
) -> None:
    # A job left running by a process that died: older than the deadline and the grace.
    state = app.state.qurb
    age = timedelta(seconds=state.settings.heavy_deadline_s + heavy.LEASE_GRACE_S + 1)
    with state.write() as session:
        row = new_job(session, "caravan_plan", str(coordinator.account_id), "03.131")
        row.status, row.phase = "running", "scheduling"
        row.created_at = row.started_at = clock.now() - age
        job = row.id
    answer = client.get(
        f"/api/caravans/jobs/{job}", headers={**coordinator.headers, "Accept-Language": "fr"}
    )
    assert answer.status_code == 200, answer.text
    lost = answer.json()
    assert (lost["status"], lost["phase"], lost["campaign_id"]) == ("failed", "failed", None)
    assert (lost["error"]["status"], lost["error"]["code"]) == (503, "job_lost")
    assert lost["error"]["error"].startswith(f"la tâche de planification {job} a été perdue")
    # Nothing left to cancel: 409, and no cancel is recorded.
    cancel = client.post(f"/api/caravans/jobs/{job}/cancel", headers=coordinator.headers)
    assert (cancel.status_code, cancel.json()["code"]) == (409, "job_finished"), cancel.text
    assert (
        client.get(f"/api/caravans/jobs/{job}", headers=coordinator.headers).json()[
            "cancel_requested"
        ]
        is False
    )
