"""A territory's sheet and its gaps on the real national data: values checked against the
bundled census files."""

from __future__ import annotations

import pytest

FES = "03.231"  # préfecture de Fès
FES_MEKNES = "03"


def test_province_of_fes_matches_the_census(read_client, territories_csv, census_csv) -> None:
    response = read_client.get(f"/api/territories/{FES}")
    assert response.status_code == 200
    body = response.json()
    unit = body["territory"]
    assert (unit["name_fr"], unit["name_ar"], unit["level"]) == ("Fès", "فاس", "province")
    assert unit["population_2024"] == int(territories_csv[FES]["population_2024"]) == 1_256_172
    assert unit["population_2014"] == int(territories_csv[FES]["population_2014"])
    legal = census_csv[(FES, "2024", "total", "all")]["population_legal"]
    assert body["needs"]["population"] == int(
        float(legal or territories_csv[FES]["population_2024"])
    )
    assert [a["code"] for a in body["ancestors"]] == ["MA", FES_MEKNES]
    assert body["focus"] == {
        "region": FES_MEKNES,
        "province": FES,
        "layer": "communes",
        "parent": FES,
    }
    lines = {(c["census"], c["area"], c["sex"]) for c in body["census"]}
    assert ("2024", "total", "all") in lines and ("2014", "rural", "female") in lines
    # The pyramid: HCP's percentages, as people of each sex.
    male = census_csv[(FES, "2024", "total", "male")]
    first = body["pyramid"][0]
    assert first["label"] == "0-4" and first["male_pct"] == float(male["age_0_4"])
    assert first["male"] == round(
        float(male["age_0_4"]) / 100 * float(male["population_municipal"])
    )
    assert body["pyramid"][-1]["label"] == "75+"


def test_growth_and_density_are_fields_of_the_territory(read_client) -> None:
    """The panel shows them as the API gives them. Moulay Yacoub (province): 216,954 people
    in 2024, 174,079 in 2014, 1,443.31 km² → +24.63 % and 150.3 people per km²."""
    unit = read_client.get("/api/territories/03.591").json()["territory"]
    assert (unit["population_2024"], unit["population_2014"], unit["area_km2"]) == (
        216_954,
        174_079,
        1443.31,
    )
    assert unit["growth_2014_2024_pct"] == 24.63  # 100 × (216,954 ÷ 174,079 − 1)
    assert unit["density_per_km2"] == 150.3  # 216,954 ÷ 1,443.31
    country = read_client.get("/api/territories/MA").json()["territory"]
    assert (country["growth_2014_2024_pct"], country["density_per_km2"]) == (8.8, 53.8)
    # The choropleth's growth and density are the same figures.
    values = read_client.get(
        "/api/indicators/growth_2014_2024", params={"level": "province", "parent": "03"}
    ).json()["values"]
    assert {v["code"]: v["value"] for v in values}["03.591"] == 24.63


def test_gaps_carry_each_norms_source(read_client) -> None:
    response = read_client.get(f"/api/territories/{FES}/gaps", params={"by": "province"})
    assert response.status_code == 200
    body = response.json()
    assert {s["id"] for s in body["norm_sets"]} == {
        "maroc-ratios-2023",
        "maroc-rural-1987",
        "who-emonc-2009",
    }
    assert all(s["source"] for s in body["norm_sets"])
    assert body["lines"] and all(line["code"] == FES and line["source"] for line in body["lines"])
    essp = next(line for line in body["lines"] if line["rule"] == "essp-per-12300")
    assert essp["required"] == pytest.approx(essp["population"] / 12_300)
    one = read_client.get(f"/api/territories/{FES}/gaps", params={"norms": "who-emonc-2009"}).json()
    assert {line["norm_set"] for line in one["lines"]} == {"who-emonc-2009"}
    unknown = read_client.get(f"/api/territories/{FES}/gaps", params={"norms": "/etc/passwd"})
    assert unknown.status_code == 422 and "unknown norm set" in unknown.json()["error"]
    needs = read_client.get(f"/api/territories/{FES}/needs").json()
    assert needs["by"] == "commune" and needs["rows"]
    above = read_client.get("/api/territories/03.231.81.03/needs", params={"by": "region"})
    assert above.status_code == 422
