"""The referrals' routes and commands on the small region: CSR Aït Lhou's clerk sends, the
HP of Tizgui's clerk accepts, books, sees and counter-refers through the API (If-Match
with the referral's version); an out-of-order change is refused in the reader's language;
an import with one bad row names it and sends nothing; the fiche de liaison is a page in
French and in Arabic (right to left); the command line sends, moves and shows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app as cli
from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel import clock
from qurb.platform.settings import Settings
from qurb.referrals._tables import ReferralRow
from tests.accounts import Someone, add_account
from tests.regions import HP_TIZGUI, IMI, REGION_CODE, TAFRAOUT
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
CSR = "ESSP-99.991.03.05-csr-ait-lhou"
BODY = {
    "service": "emonc_comprehensive",
    "destination": HP_TIZGUI,
    "origin_facility": CSR,
    "commune": TAFRAOUT,
    "pathway": "high_risk_pregnancy",
    "step": 1,
    "age_band": "15-49",
    "sex": "F",
    "reason": "pré-éclampsie",
    "urgency": "urgent",
}


@dataclass
class World:
    client: TestClient
    url: str
    factory: sessionmaker[Session]
    sender: Someone
    receiver: Someone

    def count(self) -> int:
        with self.factory() as s:
            return s.scalar(select(func.count()).select_from(ReferralRow)) or 0


@pytest.fixture
def world(
    small_region_db: Factory, region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    factory = small_region_db()
    url = region_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    made = app.state.qurb.factory
    sender = add_account(made, "csr", Role.REFERRAL_CLERK, Scope(facilities=[CSR]))
    receiver = add_account(made, "hp", Role.REFERRAL_CLERK, Scope(facilities=[HP_TIZGUI]))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, url, factory, sender, receiver)


def test_a_referral_through_the_api(world: World) -> None:
    c, hp = world.client, world.receiver.headers
    sent = c.post("/api/referrals", json=BODY, headers=world.sender.headers)
    assert sent.status_code == 201, sent.text
    referral = sent.json()
    assert (referral["status"], referral["region_code"], sent.headers["ETag"]) == (
        "sent",
        REGION_CODE,
        '"1"',
    )
    base = f"/api/referrals/{referral['id']}"
    # The sender may not accept it; the receiver must name the version it read.
    assert c.post(f"{base}/status", json={"status": "accepted"}, headers=hp).status_code == 428
    refused = c.post(
        f"{base}/status",
        json={"status": "accepted"},
        headers={**world.sender.headers, "If-Match": '"1"'},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "outside_scope")
    accepted = c.post(
        f"{base}/status", json={"status": "accepted"}, headers={**hp, "If-Match": '"1"'}
    )
    assert accepted.status_code == 200, accepted.text
    stale = c.post(f"{base}/status", json={"status": "booked"}, headers={**hp, "If-Match": '"1"'})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    early = c.post(
        f"{base}/counter-referral",
        json={"answer": "retour"},
        headers={**hp, "If-Match": "*", "Accept-Language": "fr"},
    )
    assert (early.status_code, early.json()["code"]) == (409, "referral_status_order")
    assert early.json()["error"].startswith(
        "une référence accepted ne passe pas à counter_referred"
    )
    for status in ("booked", "seen"):
        moved = c.post(f"{base}/status", json={"status": status}, headers={**hp, "If-Match": "*"})
        assert moved.status_code == 200, moved.text
    back = c.post(
        f"{base}/counter-referral",
        json={"answer": "mère et enfant bien"},
        headers={**hp, "If-Match": "*"},
    )
    assert back.status_code == 200, back.text
    read = c.get(base, headers=world.sender.headers).json()
    assert [e["status"] for e in read["events"]] == [
        "sent",
        "accepted",
        "booked",
        "seen",
        "counter_referred",
    ]
    assert read["answer"] == "mère et enfant bien"
    # Refused without a commune, or to a facility without the service: nothing written.
    before = world.count()
    bad = c.post("/api/referrals", json={**BODY, "commune": None}, headers=world.sender.headers)
    assert (bad.status_code, bad.json()["detail"][0]["field"]) == (422, "commune")
    wrong = c.post(
        "/api/referrals",
        json={**BODY, "service": "ophthalmology_ent", "pathway": None, "step": None},
        headers=world.sender.headers,
    )
    assert (wrong.status_code, wrong.json()["detail"][0]["code"]) == (
        422,
        "referral_service_not_offered",
    )
    assert world.count() == before


def test_the_fiche_in_french_and_arabic(world: World) -> None:
    c = world.client
    referral = c.post("/api/referrals", json=BODY, headers=world.sender.headers).json()
    url = f"/api/referrals/{referral['id']}/fiche"
    french = c.get(url, headers=world.receiver.headers)
    assert french.status_code == 200 and french.headers["content-type"].startswith("text/html")
    assert '<html lang="fr" dir="ltr">' in french.text and referral["reference"] in french.text
    assert "Fiche de liaison" in french.text and "Hôpital provincial de Tizgui" in french.text
    arabic = c.get(url, params={"lang": "ar"}, headers=world.receiver.headers)
    assert '<html lang="ar" dir="rtl">' in arabic.text and "بطاقة الربط" in arabic.text
    assert "مستعجلة" in arabic.text  # urgent
    pdf = c.get(url, params={"lang": "ar", "format": "pdf"}, headers=world.receiver.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert c.get(url, params={"lang": "en"}, headers=world.receiver.headers).status_code == 422
    # Read over its origin or destination only: a clerk of another facility is refused.
    other = add_account(
        world.client.app.state.qurb.factory,
        "elsewhere",
        Role.REFERRAL_CLERK,
        Scope(facilities=["ESSP-99.991.01.01-csu-centre"]),
    )
    assert c.get(url, headers=other.headers).json()["code"] == "outside_scope"


def test_an_import_with_one_bad_row_sends_nothing(world: World) -> None:
    c = world.client
    good = f"{CSR},{HP_TIZGUI},emonc_comprehensive,{TAFRAOUT},urgent\n"
    rows = "origin_facility,destination,service,commune,urgency\n" + good
    rows += (
        f"{CSR},{HP_TIZGUI},ophthalmology_ent,{IMI},routine\n"
        + f"{CSR},{HP_TIZGUI},imaging,,routine\n"
    )
    refused = c.post(
        "/api/referrals/import",
        files={"file": ("referrals.csv", rows.encode())},
        headers={**world.sender.headers, "Accept-Language": "fr"},
    )
    assert refused.status_code == 422, refused.text
    named = [(d["row"], d["field"], d["code"]) for d in refused.json()["detail"]]
    assert named == [
        (3, "destination", "referral_service_not_offered"),
        (4, "commune", "referral_commune_required"),
    ]
    assert "obligatoire" in refused.json()["detail"][1]["reason"]
    assert world.count() == 0
    twice = "origin_facility,destination,service,commune,urgency\n" + good + good
    sent = c.post(
        "/api/referrals/import",
        files={"file": ("referrals.csv", twice.encode())},
        headers=world.sender.headers,
    )
    assert (sent.status_code, sent.json()) == (200, {"sent": 2})
    assert world.count() == 2


def test_measures_flows_and_pathways_through_the_api(world: World) -> None:
    c = world.client
    c.post("/api/referrals", json=BODY, headers=world.sender.headers)
    everyone = add_account(world.client.app.state.qurb.factory, "planner", Role.REFERRAL_CLERK)
    params = {"territory": REGION_CODE, "start": "2026-12-01", "end": "2026-12-31", "by": "commune"}
    measured = c.get("/api/referrals/measures", params=params, headers=everyone.headers)
    assert measured.status_code == 200, measured.text
    assert measured.json()["counts"]["referrals"] == 1
    assert {w["group"] for w in measured.json()["waiting"]} == {TAFRAOUT}
    flows = c.get("/api/referrals/flows.geojson", params=params, headers=everyone.headers)
    [line] = flows.json()["features"]
    assert (line["properties"]["commune"], line["properties"]["volume"]) == (TAFRAOUT, 1)
    assert flows.json()["licences_url"] == "/licences"
    pathways = c.get("/api/referrals/pathways", headers=everyone.headers).json()
    assert [p["code"] for p in pathways] == ["high_risk_pregnancy", "diabetic_retinopathy"]


def test_a_committee_member_reads_the_measures_never_a_referral(world: World) -> None:
    """A steering committee's member sees waiting times and flows (counts and times), and
    is refused the referrals themselves (their pseudonymous references)."""
    c = world.client
    sent = c.post("/api/referrals", json=BODY, headers=world.sender.headers).json()
    member = add_account(world.client.app.state.qurb.factory, "member", Role.COMMITTEE_MEMBER)
    params = {"territory": REGION_CODE, "start": "2026-12-01", "end": "2026-12-31"}
    measured = c.get("/api/referrals/measures", params=params, headers=member.headers)
    assert measured.status_code == 200 and measured.json()["counts"]["referrals"] == 1
    flows = c.get("/api/referrals/flows.geojson", params=params, headers=member.headers)
    assert flows.status_code == 200
    one = c.get(f"/api/referrals/{sent['id']}", headers=member.headers)
    assert one.status_code == 403
    assert c.get("/api/referrals", headers=member.headers).status_code == 403


def test_the_command_line(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv("QURB_TOKEN", world.sender.token)
    args = ["referrals", "send", "--service", "emonc_comprehensive", "--destination", HP_TIZGUI]
    args += ["--commune", TAFRAOUT, "--origin", CSR, "--db", world.url]
    sent = runner.invoke(cli, args)
    assert sent.exit_code == 0, sent.output
    assert "Referral 1 (R-" in sent.output and "sent, version 1" in sent.output
    # The sender may not accept; the receiver may, not see it before.
    refused = runner.invoke(cli, ["referrals", "move", "1", "accepted", "--db", world.url])
    assert refused.exit_code != 0 and "needs referrals.handle" in refused.output
    monkeypatch.setenv("QURB_TOKEN", world.receiver.token)
    early = runner.invoke(cli, ["referrals", "move", "1", "seen", "--db", world.url])
    assert early.exit_code != 0 and "a referral sent does not move to seen" in early.output
    moved = runner.invoke(
        cli, ["referrals", "move", "1", "accepted", "--if-version", "1", "--db", world.url]
    )
    assert moved.exit_code == 0, moved.output
    shown = runner.invoke(cli, ["referrals", "show", "1", "-f", "json", "--db", world.url])
    assert shown.exit_code == 0, shown.output
    [row] = (
        json.loads(shown.output)["rows"]
        if shown.output.lstrip().startswith("{")
        else json.loads(shown.output)
    )
    assert [e["status"] for e in row["events"]] == ["sent", "accepted"]
    listed = runner.invoke(cli, ["referrals", "pathways", "-f", "csv"])
    assert listed.exit_code == 0 and "high_risk_pregnancy" in listed.output
