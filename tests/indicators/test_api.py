"""The map indicators on the real national data, checked against the bundled census and the
registry."""

from __future__ import annotations

import itertools

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


TAOUNATE = "03.531"
AL_HOCEIMA = "01.051"  # two communes share 2,756 inhabitants per ESSP
ERRACHIDIA = "08.201"  # three communes with a hospital, two of them sharing one figure


def assert_classes_read_right(body: dict) -> None:
    """The response's classes: strictly increasing breaks, every class holds a value, each
    value's class holds it, and a class reads as one value or a range of two."""
    classes = body["classes"]
    breaks, ranges = classes["breaks"], classes["ranges"]
    assert breaks == sorted(set(breaks)) and len(ranges) == len(breaks) + 1
    known = [v for v in body["values"] if v["value"] is not None]
    assert sum(r["count"] for r in ranges) == len(known) > 0
    assert all(r["count"] > 0 and r["low"] <= r["high"] for r in ranges)
    for v in body["values"]:
        if v["value"] is None:
            assert v["class_index"] is None
            continue
        r = ranges[v["class_index"]]
        assert r["low"] <= v["value"] <= r["high"]
        assert v["class_index"] == 0 or v["value"] > breaks[v["class_index"] - 1]
    for a, b in itertools.pairwise(ranges):
        assert a["high"] < b["low"]


def test_class_breaks_do_not_collapse(read_client) -> None:
    listed = {i["id"]: i for i in read_client.get("/api/indicators").json()}
    assert listed["inhabitants_per_essp"]["class_method"] == "natural"
    assert listed["minutes_to_nearest"]["class_edges"] == [30.0, 60.0, 120.0]
    assert listed["km_to_nearest"]["class_edges"] == [5.0, 10.0, 20.0]
    body = read_client.get(
        "/api/indicators/inhabitants_per_essp", params={"level": "commune", "parent": AL_HOCEIMA}
    ).json()
    assert body["classes"]["method"] == "natural" and len(body["classes"]["ranges"]) == 5
    assert_classes_read_right(body)
    shared = [v for v in body["values"] if v["value"] == 2756.0]
    assert len(shared) == 2 and shared[0]["class_index"] == shared[1]["class_index"]
    # Quantiles read "48 844 – 48 844" here: three distinct figures, one class each.
    body = read_client.get(
        "/api/indicators/inhabitants_per_hospital",
        params={"level": "commune", "parent": ERRACHIDIA},
    ).json()
    assert body["classes"] == {
        "method": "distinct",
        "breaks": [14624.0, 28912.0],
        "ranges": [
            {"low": 14624.0, "high": 14624.0, "count": 1},
            {"low": 28912.0, "high": 28912.0, "count": 1},
            {"low": 48844.0, "high": 48844.0, "count": 1},
        ],
    }
    assert_classes_read_right(body)


def test_minutes_and_km_to_nearest_are_the_access_figures(read_client, national_session) -> None:
    for offer in ("secondary", "primary"):
        access = read_client.get(f"/api/access/{TAOUNATE}", params={"level": offer}).json()
        rows = {row["code"]: row for row in access["communes"]}
        params = {"level": "commune", "parent": TAOUNATE, "offer": offer}
        minutes = read_client.get("/api/indicators/minutes_to_nearest", params=params).json()
        km = read_client.get("/api/indicators/km_to_nearest", params=params).json()
        assert len(minutes["values"]) == len(rows) == 49
        for m, k in zip(minutes["values"], km["values"], strict=True):
            row = rows[m["code"]]
            assert m["value"] == row["minutes"] is not None
            assert k["value"] == row["distance_km"] is not None
            nearest = {
                "id": row["facility_id"],
                "name": row["facility"],
                "category": row["category"],
                "minutes": row["minutes"],
                "km": row["distance_km"],
            }
            assert m["nearest"] == k["nearest"] == nearest
        assert minutes["classes"]["method"] == "bands"
        assert minutes["classes"]["breaks"] == [30.0, 60.0, 120.0]
        assert km["classes"]["breaks"] == [5.0, 10.0, 20.0]
        for body, edges in ((minutes, (30.0, 60.0, 120.0)), (km, (5.0, 10.0, 20.0))):
            for v in body["values"]:  # ≤ 30 | 30 – 60 | 60 – 120 | > 120
                assert v["class_index"] == sum(v["value"] > e for e in edges)
    default = read_client.get(
        "/api/indicators/minutes_to_nearest", params={"level": "commune", "parent": TAOUNATE}
    ).json()
    assert default["params"] == {"offer": "secondary"}
    assert default["label"]["en"] == "Minutes to the nearest general hospital"
    # Above the communes: their figures' mean weighted by population, and the label says so.
    access = read_client.get("/api/access/03", params={"level": "secondary"}).json()
    provinces = read_client.get(
        "/api/indicators/minutes_to_nearest", params={"level": "province", "parent": "03"}
    ).json()
    assert "population-weighted mean" in provinces["label"]["en"]
    taounate = next(v for v in provinces["values"] if v["code"] == TAOUNATE)
    inside = [r for r in access["communes"] if r["code"].startswith(TAOUNATE + ".")]
    mean = sum(r["population"] * r["minutes"] for r in inside) / sum(
        r["population"] for r in inside
    )
    assert taounate["value"] == round(mean, 1) and taounate["nearest"] is None
