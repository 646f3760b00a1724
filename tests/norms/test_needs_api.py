"""The needs rows of the API are typed: `/openapi.json` lists their fields, and a body
carries those fields in that order."""

from __future__ import annotations

from qurb.norms.schemas import NeedsRowRead


def test_openapi_lists_the_fields_of_a_needs_row(read_client) -> None:
    schemas = read_client.get("/openapi.json").json()["components"]["schemas"]
    row = schemas["NeedsRowRead"]
    assert list(row["properties"]) == list(NeedsRowRead.model_fields)
    assert {"code", "population", "births_per_year", "inhabitants_per_essp"} <= set(row["required"])
    assert schemas["NeedsTable"]["properties"]["rows"]["items"] == {
        "$ref": "#/components/schemas/NeedsRowRead"
    }
    needs = schemas["TerritoryDetail"]["properties"]["needs"]["anyOf"]
    assert {"$ref": "#/components/schemas/NeedsRowRead"} in needs


def test_needs_bodies_carry_the_rows_fields_in_order(read_client) -> None:
    table = read_client.get("/api/territories/03.231/needs").json()
    assert table["rows"] and all(list(r) == list(NeedsRowRead.model_fields) for r in table["rows"])
    fes = next(r for r in table["rows"] if r["code"] == "03.231.01.0")
    assert fes["name_fr"] == "Fès" and fes["level"] == "commune"
    assert fes["essp"] >= fes["health_centres"] > 0
    detail = read_client.get("/api/territories/03.231.01.0").json()
    assert detail["needs"] == fes
