"""A campaign's names cannot hurt its files: a formula stays text in plan.csv, and a name
with a line break is escaped in calendar.ics, which reads back with the same name.

Campaigns are planned and saved through the API on a private copy of the national
database, then their files downloaded."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from icalendar.parser import unescape_backslash

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone
from tests.caravan_requests import campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

BASE = "Hôpital provincial de Missour"


@pytest.fixture(scope="module")
def editor(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    app = create_app(
        Settings(database_url=national_db.private_copy(tmp_path_factory.mktemp("caravan-names")))
    )
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app) as client:
        yield as_someone(client, tester)


def saved(editor: TestClient, body: dict[str, Any]) -> str:
    response = editor.post("/api/caravans", json=body, params={"seed": 1})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def named(name: str, unit: str = "Unité mobile 1", team: str = "Équipe A") -> dict[str, Any]:
    body = campaign(date.today() + timedelta(days=14), days=3, name=name)
    body["teams"] = [{"name": team, "staff": {"general_medicine": 2, "paediatrics": 1}}]
    body["units"] = [
        {
            "name": unit,
            "base": BASE,
            "team": team,
            "capacity": {"general_medicine": 120, "paediatrics": 50},
        }
    ]
    return body


def test_formula_names_are_text_in_plan_csv(editor: TestClient) -> None:
    campaign_id = saved(editor, named("=1+2", unit="=1+2", team='@HYPERLINK("http://x")'))
    response = editor.get(f"/api/caravans/{campaign_id}/plan.csv")
    assert response.status_code == 200
    body = "".join(
        line for line in response.text.splitlines(keepends=True) if not line.startswith("#")
    )
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows
    for row in rows:
        assert row["unit"] == "'=1+2"
        assert row["team"] == '\'@HYPERLINK("http://x")'
        assert int(row["number"]) >= 1 and int(row["expected_general_medicine"]) >= 0


def test_a_name_with_a_line_break_reads_back_from_the_calendar(editor: TestClient) -> None:
    name = "Caravane A\nB; été, \\ suite " + "x" * 120  # longer than a line may be
    campaign_id = saved(editor, named(name))
    response = editor.get(f"/api/caravans/{campaign_id}/calendar.ics")
    assert response.status_code == 200, response.text
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    calendar = Calendar.from_ical(response.content)
    # The library keeps an X- property as written: X-WR-CALNAME is TEXT by convention,
    # read as such (RFC 5545 backslash escapes).
    assert unescape_backslash(str(calendar["X-WR-CALNAME"])) == name
    events = calendar.walk("VEVENT")
    assert events and all(str(e["SUMMARY"]).startswith(f"{name} — ") for e in events)
