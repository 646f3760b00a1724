"""The map indicators on the real national data, checked against the bundled census and the
registry."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.norms.service import compute_needs_table
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

FES = "03.231"  # préfecture de Fès
FES_MEKNES = "03"


def test_indicators(read_client, territories_csv, national_session: Session) -> None:
    listed = {i["id"]: i for i in read_client.get("/api/indicators").json()}
    assert {"population_2024", "growth_2014_2024", "rural_share", "inhabitants_per_essp"} <= set(
        listed
    )
    assert listed["norm_gap"]["params"][0]["choices"]
    assert all(i["label"]["ar"] and i["label"]["en"] for i in listed.values())
    population = read_client.get("/api/indicators/population_2024").json()
    assert {v["code"]: v["value"] for v in population["values"]} == {
        c: float(r["population_2024"]) for c, r in territories_csv.items() if r["level"] == "region"
    }
    per_essp = read_client.get(
        "/api/indicators/inhabitants_per_essp", params={"level": "commune", "parent": FES}
    ).json()["values"]
    index = TerritoryIndex.from_session(national_session)
    _, _, rows = compute_needs_table(national_session, FES, TerritoryLevel.COMMUNE, index)
    for value, row in zip(per_essp, rows, strict=True):
        assert value["code"] == row["code"]
        if row["essp"]:
            assert value["value"] == row["inhabitants_per_essp"] and value["note"] is None
        else:
            assert value["value"] is None and value["note"] == "no_facility"
    gap = read_client.get(
        "/api/indicators/norm_gap",
        params={
            "level": "province",
            "parent": FES_MEKNES,
            "rule": "who-emonc-2009/emonc-5-per-500000",
        },
    )
    assert gap.status_code == 200, gap.text
    bad = read_client.get("/api/indicators/norm_gap", params={"rule": "nope/nope"})
    assert bad.status_code == 422 and "rule" in bad.json()["error"]
    assert read_client.get("/api/indicators/nope").status_code == 404
    above = read_client.get(
        "/api/indicators/population_2024", params={"level": "region", "parent": FES}
    )
    assert above.status_code == 422
