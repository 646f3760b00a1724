"""A campaign file read for the page's form (`POST /api/caravans/files`), on both engines:
the documented TOML example and its JSON twin accepted as the spec; a TOML or JSON syntax
error named with its line and column; bad values named with the file and field; a file
too large, not UTF-8, not a table, or missing; refused without the grant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from qurb.app.web import create_app
from qurb.caravans.campaign_files import MAX_FILE_BYTES
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account
from tests.caravan_requests import campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

EXAMPLE = Path(__file__).parents[2] / "examples" / "caravan-boulemane.toml"
URL = "/api/caravans/files"


@pytest.fixture(scope="module")
def app(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    url = national_db.private_copy(tmp_path_factory.mktemp("campaign-files"))
    yield create_app(Settings(database_url=url))
    national_db.discard(url)


@pytest.fixture(scope="module")
def coordinator(app: FastAPI) -> Someone:
    factory = app.state.qurb.factory
    return add_account(factory, "files-fes", Role.CARAVAN_COORDINATOR, Scope(territories=["03"]))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def _send(
    client: TestClient, someone: Someone | None, name: str, data: bytes, lang: str = "en"
) -> Any:
    headers = {"Accept-Language": lang, **(someone.headers if someone else {})}
    return client.post(URL, files={"file": (name, data)}, headers=headers)


def test_the_documented_toml_example_is_the_spec(client: TestClient, coordinator: Someone) -> None:
    answer = _send(client, coordinator, "caravan-boulemane.toml", EXAMPLE.read_bytes())
    assert answer.status_code == 200, answer.text
    spec = answer.json()
    assert spec["name"] == "Caravane médicale hivernale Boulemane"
    assert spec["territory"] == "Boulemane"
    assert (spec["start"], spec["end"]) == ("2027-01-11", "2027-01-22")
    assert spec["rest_days"] == ["saturday", "sunday"]
    assert spec["hours"] == {"start": "08:30:00", "end": "17:00:00"}
    assert [b["facility"] for b in spec["bases"]] == ["hosp-03.131.01.03-marche-verte"]
    assert [u["name"] for u in spec["units"]] == ["Unité mobile 1", "Unité mobile 2"]
    assert spec["units"][0]["capacity"]["general_medicine"] == 120
    assert [p["role"] for p in spec["partners"]] == ["CHU", "council", "health directorate"]


def test_a_json_file_gives_the_same_spec_as_the_form_would_post(
    client: TestClient, coordinator: Someone
) -> None:
    body = campaign(date.today() + timedelta(days=10), days=3)
    answer = _send(client, coordinator, "campagne.json", json.dumps(body).encode())
    assert answer.status_code == 200, answer.text
    spec = answer.json()
    same = ("name", "territory", "start", "end", "specialties", "hours", "teams")
    assert {k: spec[k] for k in same} == {k: body[k] for k in same}
    assert spec["settings"] == {"time_limit_s": 1}
    # Every key, the defaults included (a base without a point: lon and lat null; a base or
    # a unit without a contact: null).
    assert spec["bases"] == [{**body["bases"][0], "lon": None, "lat": None, "contact": None}]
    assert spec["units"] == [{**unit, "contact": None} for unit in body["units"]]
    assert spec["rest_days"] == ["sunday"] and spec["mode"] == "day-trips"
    # What it answers, posted back, is a campaign the planning takes.
    planned = client.post("/api/caravans", json=spec, headers=coordinator.headers)
    assert planned.status_code == 200, planned.text


def test_a_toml_syntax_error_is_named_by_line_and_column(
    client: TestClient, coordinator: Someone
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('mode = "day-trips"', "mode = day-trips")
    line = text.splitlines().index("mode = day-trips") + 1
    answer = _send(client, coordinator, "caravane.toml", text.encode(), lang="fr")
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "campaign_file_toml"
    assert answer.json()["error"].startswith(f"caravane.toml, ligne {line}, colonne 8 : ")


def test_a_json_syntax_error_is_named_by_line_and_column(
    client: TestClient, coordinator: Someone
) -> None:
    answer = _send(client, coordinator, "c.json", b'{\n  "name": "x",\n  "territory" 3\n}')
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "campaign_file_json"
    assert answer.json()["error"].startswith("c.json, line 3, column 15: not valid JSON")


def test_bad_values_are_each_named_with_the_file_and_field(
    client: TestClient, coordinator: Someone
) -> None:
    body = campaign(date.today() + timedelta(days=10), days=3)
    body["end"] = (date.today() + timedelta(days=2)).isoformat()  # before the start
    # A specialty of the catalogue that no unit brings.
    body["specialties"] = ["general_medicine", "paediatrics", "dermatology"]
    answer = _send(client, coordinator, "mine.json", json.dumps(body).encode())
    assert answer.status_code == 422, answer.text
    document = answer.json()
    assert document["code"] == "invalid_campaign"
    assert document["error"].startswith("mine.json: ")
    fields = {d["field"] for d in document["detail"]}
    assert fields == {"end", "specialties"}
    assert "Dermatology" in document["error"]  # the specialty by its label, not its code
    # A setting beyond any number (TOML's inf): named, never a 500.
    toml = EXAMPLE.read_text(encoding="utf-8") + "\n[settings]\nno_improvement_iterations = inf\n"
    answer = _send(client, coordinator, "inf.toml", toml.encode())
    assert answer.status_code == 422, answer.text
    assert "settings.no_improvement_iterations" in {d["field"] for d in answer.json()["detail"]}
    # A type error too, before the checks: named by its field.
    body = campaign(date.today() + timedelta(days=10), days=3, units="none")
    answer = _send(client, coordinator, "mine.json", json.dumps(body).encode())
    assert answer.status_code == 422 and "units" in {d["field"] for d in answer.json()["detail"]}


def test_an_unknown_territory_is_named(client: TestClient, coordinator: Someone) -> None:
    body = campaign(date.today() + timedelta(days=10), days=3, territory="Atlantide")
    answer = _send(client, coordinator, "c.json", json.dumps(body).encode())
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"].startswith("c.json: territory: ")


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("big.toml", b"# " + b"x" * MAX_FILE_BYTES, "campaign_file_too_large"),
        ("latin.toml", 'name = "Caravane été"'.encode("latin-1"), "campaign_file_encoding"),
        ("list.json", b'[{"name": "x"}]', "campaign_file_not_object"),
        # Nested deeper than the readers go (a few kilobytes): refused, never a 500.
        ("deep.json", b"[" * 5_000 + b"]" * 5_000, "campaign_file_too_deep"),
        ("deep.toml", b"a = " + b"[" * 5_000 + b"]" * 5_000, "campaign_file_too_deep"),
    ],
)
def test_files_that_are_no_campaign_are_refused(
    client: TestClient, coordinator: Someone, name: str, data: bytes, code: str
) -> None:
    answer = _send(client, coordinator, name, data, lang="ar")
    assert (answer.status_code, answer.json()["code"]) == (422, code), answer.text
    assert name in answer.json()["error"]


def test_a_request_without_the_file_part_is_refused(
    client: TestClient, coordinator: Someone
) -> None:
    answer = client.post(
        URL, files={"other": ("x.toml", b"name = 'x'")}, headers=coordinator.headers
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "upload_without_file")
    answer = client.post(URL, json={"name": "x"}, headers=coordinator.headers)
    assert (answer.status_code, answer.json()["code"]) == (422, "upload_without_file")


def test_refused_without_the_grant(app: FastAPI, client: TestClient) -> None:
    data = EXAMPLE.read_bytes()
    nobody = _send(client, None, "c.toml", data)
    assert (nobody.status_code, nobody.json()["code"]) == (401, "auth_required")
    viewer = add_account(app.state.qurb.factory, "files-viewer", Role.VIEWER)
    answer = _send(client, viewer, "c.toml", data)
    assert (answer.status_code, answer.json()["code"]) == (403, "account_not_allowed")
    tanger = add_account(
        app.state.qurb.factory, "files-tanger", Role.CARAVAN_COORDINATOR, Scope(territories=["01"])
    )
    answer = _send(client, tanger, "c.toml", data)
    assert (answer.status_code, answer.json()["code"]) == (403, "outside_scope")
