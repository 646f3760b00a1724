"""Reading the audit trail over HTTP, on SQLite and PostgreSQL: nobody without audit.read
reads it; a national administrator reads every entry, page after page; an administrator
of a cercle reads only what was done there; the CSV export holds the same entries, its
cells safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from qurb.app.web import create_app
from qurb.audit import service as audit
from qurb.audit.keys import KEY_FILE_VARIABLE
from qurb.audit.model import AuditEntry, AuditEvent
from qurb.identity import grant_service
from qurb.identity.audit_api import CSV_COLUMNS
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.territory.service import TerritoryIndex
from tests.identity.accounts_db import LOCAL, PASSWORD, Db
from tests.regions import AIT_LHOU, CERCLE_CODE, TAFRAOUT, TIZGUI
from tests.web_clients import TestClient


@pytest.fixture
def web(db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "audit.key"))
    settings = Settings(database_url=db.url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _account(db: Db, name: str, role: Role | None, scope: Scope = Scope.everything()) -> None:
    account_id = db.create(name, must_change_password=False)
    if role is None:
        return
    with transaction(db.factory) as session:
        grant_service.grant(
            session,
            LOCAL,
            account_id,
            role,
            scope,
            index=TerritoryIndex.from_session(session),
            partner_exists=lambda _: False,
            signer=db.key,
        )


def _signed_in(web: TestClient, name: str) -> None:
    answer = web.post("/api/auth/sign-in", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text


def _all(db: Db) -> list[tuple[int, str, str | None]]:
    with transaction(db.factory) as session:
        return [(e.seq, e.action, e.territory_code) for e in audit.entries(session)]


def test_nobody_without_audit_read_reads_the_trail(db: Db, web: TestClient) -> None:
    assert web.get("/api/audit").status_code == 401  # not signed in
    _account(db, "amina", Role.VIEWER)
    _signed_in(web, "amina")
    refused = web.get("/api/audit", headers={"Accept-Language": "fr"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_not_allowed"
    assert "audit.read" in refused.json()["error"]
    assert web.get("/api/audit.csv").status_code == 403


def test_a_national_administrator_reads_every_entry_page_after_page(
    db: Db, web: TestClient
) -> None:
    _account(db, "root", Role.ADMINISTRATOR)
    _signed_in(web, "root")  # the sign-in is an entry too, written before the reading
    every = _all(db)
    seen: list[tuple[int, str, str | None]] = []
    after = None
    while True:
        params = {"limit": 4} if after is None else {"limit": 4, "after": after}
        page = web.get("/api/audit", params=params).json()
        seen += [(e["seq"], e["action"], e["territory_code"]) for e in page["entries"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == every and len(every) > 8  # the load's six facilities, the account's
    created = web.get("/api/audit", params={"entity_kind": "facility", "limit": 100}).json()
    assert [e["action"] for e in created["entries"]] == ["facility.create"] * 6
    assert created["entries"][0]["actor_kind"] == "system"
    assert created["entries"][0]["actor_username"] is None
    assert created["next_after"] is None
    # An account's entry: the trail names its id; the API adds its username as it is now.
    signed = web.get("/api/audit", params={"entity_kind": "account", "limit": 100}).json()
    sign_in = next(e for e in signed["entries"] if e["action"] == "account.sign_in")
    assert (sign_in["actor_kind"], sign_in["actor_username"]) == ("account", "root")
    # Moments: with or without a zone (UTC); a moment that is none is refused, named.
    later = web.get("/api/audit", params={"since": "2100-01-01"}).json()
    assert later == {"entries": [], "next_after": None}
    zoned = web.get("/api/audit", params={"until": "2000-01-01T00:00:00+01:00"}).json()
    assert zoned["entries"] == []
    bad = web.get("/api/audit", params={"since": "yesterday"}, headers={"Accept-Language": "ar"})
    assert bad.status_code == 422
    [problem] = bad.json()["detail"]
    assert (problem["field"], problem["code"]) == ("since", "not_a_moment")
    assert "ISO 8601" in problem["reason"] and "ليست لحظة" in problem["reason"]


def test_a_cercle_administrator_reads_only_what_was_done_in_the_cercle(
    db: Db, web: TestClient
) -> None:
    _account(db, "cercle", Role.PARTNER_ADMINISTRATOR, Scope(territories=[CERCLE_CODE]))
    with transaction(db.factory) as session:
        for commune in (TIZGUI, TAFRAOUT):
            event = AuditEvent(
                "facility.update", "facility", f"essp-{commune}", commune, reason="=2+2"
            )
            audit.record(session, Actor.local("youssef"), event)
    _signed_in(web, "cercle")
    page = web.get("/api/audit", params={"limit": 1000}).json()
    inside = [(e.seq, e.action, e.territory_code) for e in _everything(db) if e.territory_code]
    expected = [row for row in inside if row[2] in (CERCLE_CODE, AIT_LHOU, TAFRAOUT)]
    got = [(e["seq"], e["action"], e["territory_code"]) for e in page["entries"]]
    assert got == expected
    # The load's facilities of the cercle, its grant, the update in Tafraout; not Tizgui's.
    assert [(row[1], row[2]) for row in got] == [
        ("facility.create", AIT_LHOU),
        ("facility.create", TAFRAOUT),
        ("grant.create", CERCLE_CODE),
        ("facility.update", TAFRAOUT),
    ]
    # Asking for a territory outside the cercle gives nothing, not an error.
    outside = web.get("/api/audit", params={"territory": TIZGUI}).json()
    assert outside["entries"] == []
    # The CSV holds the same entries; a reason a spreadsheet would run is shown, not run.
    export = web.get("/api/audit.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.text.startswith("# Sources: no published dataset")
    body = "".join(line for line in export.text.splitlines(True) if not line.startswith("#"))
    rows = list(csv.reader(io.StringIO(body)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [seq for seq, _, _ in expected]
    assert rows[-1][CSV_COLUMNS.index("reason")] == "'=2+2"


def _everything(db: Db) -> list[AuditEntry]:
    with transaction(db.factory) as session:
        return audit.entries(session)
