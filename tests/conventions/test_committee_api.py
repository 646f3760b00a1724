"""A convention's steering committee on the web, on the small region of
`tests/regions.py` (SQLite and PostgreSQL): the secretariat sets the rule and records a
meeting, the committee's members read the committee, its meetings, actions and minutes
(French, and Arabic right to left), a party's user marks its own action and not another
party's, a viewer reads nothing of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import add_account, add_partner
from tests.conventions.web import World
from tests.regions import IMI, PROVINCE_CODE, REGION_CODE
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
COUNCIL, CHU = "council-99991", "chu-99"
CONVENTION: dict[str, Any] = {
    "reference": "CP-99991-CHU",
    "title_fr": "Convention entre le conseil préfectoral et le CHU",
    "title_ar": "اتفاقية بين المجلس الإقليمي والمركز الاستشفائي الجامعي",
    "start_on": "2025-09-30",
    "territories": [PROVINCE_CODE],
    "source": "A press report of the signing meeting.",
    "parties": [
        {"partner_id": COUNCIL, "role": "financer"},
        {"partner_id": CHU, "role": "implementer"},
    ],
    "articles": [{"number": 1, "title": "Objet"}, {"number": 2, "title": "Équipements"}],
}


@pytest.fixture
def world(small_region_db: Factory, region_engine: Engine) -> Iterator[World]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    factory = app.state.qurb.factory
    province = Scope(territories=[PROVINCE_CODE])
    sits, party = Role.COMMITTEE_MEMBER, Role.CONVENTION_PARTY
    people = {
        "secretariat": add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT),
        "amina": add_account(factory, "amina", sits, province, partner=COUNCIL),
        "karim": add_account(factory, "karim", sits, province, partner=CHU),
        "council_user": add_account(factory, "council-user", party, province, partner=COUNCIL),
        "chu_user": add_account(factory, "chu-user", party, province, partner=CHU),
        "viewer": add_account(factory, "viewer", Role.VIEWER, province),
        "sits_imi": add_account(factory, "sits-imi", sits, Scope(territories=[IMI])),
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        made = client.post(
            "/api/conventions", json=CONVENTION, headers=people["secretariat"].headers
        )
        assert made.status_code == 201, made.text
        yield World(client, people, made.json()["id"])


def _meeting(world: World) -> dict[str, Any]:
    return {
        "held_on": "2026-03-31",
        "place": "Siège du conseil préfectoral",
        "source": "Feuille de présence signée.",
        "attendance": [
            {"presence": "present", "account_id": world.people["amina"].account_id},
            {"presence": "present", "account_id": world.people["karim"].account_id},
            {"presence": "excused", "account_id": world.people["secretariat"].account_id},
            {"presence": "present", "guest_name": "Dr Invité"},
        ],
        "agenda": [{"title": "Bilan des équipements", "article_number": 2}],
        "decisions": [
            {"text": "Livrer l'échographe", "owner_partner_id": CHU, "deadline": "2026-06-30"},
            {"text": "Verser la tranche", "owner_partner_id": COUNCIL, "deadline": "2026-05-31"},
        ],
    }


def test_the_secretariat_sets_the_rule_and_members_read_the_next_meeting_due(
    world: World,
) -> None:
    before = world.ask("amina", "GET", "/committee")
    assert before.status_code == 200, before.text
    assert before.headers["ETag"] == '"0"' and before.json()["rule"]["next_due"] is None
    names = [m["name"] for m in before.json()["members"]]
    assert names == ["Amina", "Karim", "Secretariat"]  # not the commune's member
    no_version = world.ask("secretariat", "PUT", "/committee/rule", json={"every_months": 6})
    assert no_version.status_code == 428
    ruled = world.ask(
        "secretariat",
        "PUT",
        "/committee/rule",
        json={"every_months": 6, "quorum": 3},
        headers={"If-Match": '"0"'},
    )
    assert ruled.status_code == 200, ruled.text
    assert (ruled.json()["next_due"], ruled.headers["ETag"]) == ("2026-03-30", '"1"')
    refused = world.ask("amina", "PUT", "/committee/rule", json={}, headers={"If-Match": "*"})
    assert (refused.status_code, refused.json()["code"]) == (403, "account_not_allowed")
    held = world.ask("secretariat", "POST", "/meetings", json=_meeting(world))
    assert held.status_code == 201, held.text
    meeting = held.json()
    assert (meeting["number"], meeting["present"], meeting["quorum"]) == (1, 2, 3)
    assert meeting["quorum_reached"] is False
    after = world.ask("karim", "GET", "/committee").json()["rule"]
    assert (after["last_held_on"], after["next_due"]) == ("2026-03-31", "2026-09-30")


def test_a_bad_meeting_is_refused_line_by_line(world: World) -> None:
    bad = _meeting(world)
    bad["agenda"] = [{"title": "Article inexistant", "article_number": 9}]
    bad["decisions"] = [{"text": "Faire", "owner_partner_id": "nobody"}]
    refused = world.ask("secretariat", "POST", "/meetings", json=bad)
    assert refused.status_code == 422, refused.text
    fields = {(e["field"], e["code"]) for e in refused.json()["detail"]}
    assert fields == {
        ("agenda[0].article_number", "committee_no_article"),
        ("decisions[0].owner_partner_id", "committee_not_a_party"),
    }
    assert world.ask("amina", "GET", "/meetings").json() == []


def test_a_party_marks_its_own_action_and_not_another_partys(world: World) -> None:
    meeting = world.ask("secretariat", "POST", "/meetings", json=_meeting(world)).json()
    chu_action, council_action = meeting["decisions"]
    url = "/actions/{}/status"
    done = {"status": "done", "done_on": "2026-06-12", "note": "Livré"}
    other = world.ask(
        "chu_user", "POST", url.format(council_action["id"]), json=done, headers={"If-Match": '"1"'}
    )
    assert (other.status_code, other.json()["code"]) == (403, "committee_action_not_yours")
    mine = world.ask(
        "chu_user", "POST", url.format(chu_action["id"]), json=done, headers={"If-Match": '"1"'}
    )
    assert mine.status_code == 200, mine.text
    assert (mine.json()["status"], mine.json()["done_on"], mine.headers["ETag"]) == (
        "done",
        "2026-06-12",
        '"2"',
    )
    stale = world.ask(
        "council_user",
        "POST",
        url.format(council_action["id"]),
        json={"status": "dropped"},
        headers={"If-Match": '"7"'},
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    listed = world.ask("karim", "GET", "/actions?status=open").json()
    assert [a["id"] for a in listed] == [council_action["id"]]
    assert world.ask("viewer", "GET", "/actions").status_code == 403
    assert world.ask("sits_imi", "GET", "/actions").json()["code"] == "outside_scope"


def test_the_minutes_in_french_and_in_arabic(world: World) -> None:
    world.ask(
        "secretariat",
        "PUT",
        "/committee/rule",
        json={"every_months": 6, "quorum": 2, "source": "Article 7 de la convention."},
        headers={"If-Match": "*"},
    )
    world.ask("secretariat", "POST", "/meetings", json=_meeting(world))
    french = world.ask("amina", "GET", "/meetings/1/minutes?lang=fr")
    assert french.status_code == 200, french.text
    page = french.text
    assert '<html lang="fr" dir="ltr">' in page
    assert "Procès-verbal de la réunion n° 1 du comité de pilotage" in page
    assert "mardi 31 mars 2026" in page
    assert "2 membres présents pour un quorum de 2 : le quorum est atteint." in page
    assert "article 2 (<bdi>Équipements</bdi>)" in page
    assert "Livrer l&#39;échographe" in page and "30 juin 2026" in page
    assert "Feuille de présence signée." in page and "Article 7 de la convention." in page
    assert "enregistrés dans Qurb par secretariat le" in page
    assert "la règle du comité enregistrée dans Qurb par secretariat." in page
    arabic = world.ask("amina", "GET", "/meetings/1/minutes?lang=ar")
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "محضر الاجتماع رقم 1 للجنة القيادة" in arabic.text
    assert "اتفاقية بين المجلس الإقليمي والمركز الاستشفائي الجامعي" in arabic.text
    pdf = world.ask("amina", "GET", "/meetings/1/minutes?lang=ar&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert world.ask("amina", "GET", "/meetings/1/minutes?lang=en").status_code == 422
    assert world.ask("amina", "GET", "/meetings/2/minutes").json()["code"] == "no_committee_meeting"
