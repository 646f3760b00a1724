"""A convention's workbook on the web, on the small region of `tests/regions.py`: read by
whoever may read the convention (its decisions for the committee's members only),
uploaded back by the secretariat or a party's user: a party's user changes its own
party's rows, another party's row is a 403 and nothing is written; a bad row is a 422
naming its sheet, row and column in the reader's language; a file that is no workbook
is refused by its content."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import add_account, add_partner
from tests.conventions.web import World
from tests.regions import PROVINCE_CODE, REGION_CODE
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
COUNCIL, CHU = "council-99991", "chu-99"
CONVENTION: dict[str, Any] = {
    "reference": "CP-99991-BOOK",
    "title_fr": "Convention de financement",
    "start_on": "2026-01-01",
    "end_on": "2027-12-31",
    "territories": [PROVINCE_CODE],
    "parties": [
        {"partner_id": COUNCIL, "role": "financer"},
        {"partner_id": CHU, "role": "implementer"},
    ],
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(small_region_db: Factory, region_engine: Engine) -> Iterator[World]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    factory = app.state.qurb.factory
    party = Role.CONVENTION_PARTY
    people = {
        "secretariat": add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT),
        "council": add_account(factory, "council", party, partner=COUNCIL),
        "viewer": add_account(factory, "viewer", Role.VIEWER, Scope(territories=[PROVINCE_CODE])),
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, people)


def _convention(world: World) -> str:
    made = world.ask("secretariat", "POST", "/api/conventions", json=CONVENTION)
    assert made.status_code == 201, made.text
    url = f"/api/conventions/{made.json()['id']}"
    for partner, amount in ((COUNCIL, "1000000"), (CHU, "200000")):
        body = {"partner_id": partner, "kind": "money", "year": 2026, "amount": amount}
        added = world.ask("secretariat", "POST", f"{url}/contributions", json=body)
        assert added.status_code == 201, added.text
    return url


def _book(world: World, url: str, who: str = "secretariat", lang: str = "en") -> Any:
    got = world.ask(who, "GET", f"{url}/workbook", params={"lang": lang})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == XLSX
    return openpyxl.load_workbook(BytesIO(got.content))


def _send(world: World, url: str, who: str, book: Any, **kw: Any) -> Any:
    data = BytesIO()
    book.save(data)
    files = {"file": ("edited.xlsx", data.getvalue(), XLSX)}
    return world.ask(who, "POST", f"{url}/workbook", files=files, **kw)


def _amounts(world: World, url: str) -> dict[str, str]:
    found = world.ask("secretariat", "GET", f"{url}/contributions").json()
    return {c["partner_id"]: c["amount"] for c in found}


def test_a_partys_user_changes_its_own_rows_only(world: World) -> None:
    url = _convention(world)
    book = _book(world, url, "council")
    sheet = book["contributions"]
    rows = {sheet.cell(r, 3).value: r for r in (3, 4)}  # by party: the CHU's first
    assert sheet.cell(rows[COUNCIL], 7).value == 1000000
    sheet.cell(rows[CHU], 7).value = 150000  # another party's
    refused = _send(world, url, "council", book)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "convention_not_your_party"
    assert _amounts(world, url) == {COUNCIL: "1000000.00", CHU: "200000.00"}
    sheet.cell(rows[CHU], 7).value = 200000
    sheet.cell(rows[COUNCIL], 7).value = 1100000  # its own
    done = _send(world, url, "council", book)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["changed"], body["reference"]) == (1, "CP-99991-BOOK")
    assert body["file_name"] == "edited.xlsx"
    counts = {s["sheet"]: (s["created"], s["updated"], s["unchanged"]) for s in body["sheets"]}
    assert counts["contributions"] == (0, 1, 1)
    assert _amounts(world, url) == {COUNCIL: "1100000.00", CHU: "200000.00"}
    # A party's user changes no party: that is the secretariat's.
    book = _book(world, url, "council")
    book["parties"]["B3"] = "supervisor"
    assert _send(world, url, "council", book).status_code == 403


def test_an_unchanged_workbook_is_0_changed_and_bad_rows_are_named(world: World) -> None:
    url = _convention(world)
    book = _book(world, url, "secretariat", "fr")
    assert book["about"]["B4"].value == "CP-99991-BOOK"
    unchanged = _send(world, url, "secretariat", book)
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["changed"] == 0
    book["contributions"]["G3"] = "beaucoup"
    book["disbursements"].append([None, None, 999999, "disbursement", None, 10, COUNCIL])
    refused = _send(world, url, "secretariat", book, headers={"Accept-Language": "fr"})
    assert refused.status_code == 422, refused.text
    named = {(p["field"], p["code"]) for p in refused.json()["detail"]}
    assert named == {
        ("contributions!G3", "indicator_not_number"),
        ("disbursements!C3", "workbook_not_this_convention"),
    }


def test_the_workbook_is_read_by_readers_and_refuses_what_is_no_workbook(world: World) -> None:
    url = _convention(world)
    book = _book(world, url, "viewer", "ar")
    assert book["contributions"].sheet_view.rightToLeft
    assert book["decisions"].max_row == 2  # not a committee member: headings only
    assert world.ask(None, "GET", f"{url}/workbook").status_code == 401
    files = {"file": ("edited.xlsx", b"id,amount\n1,5\n", XLSX)}
    refused = world.ask("secretariat", "POST", f"{url}/workbook", files=files)
    assert refused.status_code == 422
    assert refused.json()["code"] == "workbook_not_xlsx"
    assert _send(world, url, "viewer", book).status_code == 403


def test_a_reference_in_arabic_names_the_file_in_utf8_beside_an_ascii_name(world: World) -> None:
    # HTTP headers are Latin-1: the Arabic reference travels as RFC 6266's filename*.
    body = {**CONVENTION, "reference": "اتفاقية-2026"}
    made = world.ask("secretariat", "POST", "/api/conventions", json=body)
    assert made.status_code == 201, made.text
    got = world.ask("secretariat", "GET", f"/api/conventions/{made.json()['id']}/workbook")
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"convention-2026.xlsx\"; filename*=UTF-8''"
        "convention-%D8%A7%D8%AA%D9%81%D8%A7%D9%82%D9%8A%D8%A9-2026.xlsx"
    )
