"""The read API on the real national data: values checked against the bundled census
files and against database queries."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.data import read_bundled_csv
from qurb.norms.service import compute_needs_table
from qurb.registry._tables import FacilityRow
from qurb.registry.service import FacilityFilter, list_facilities
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

FES = "03.231"  # préfecture de Fès
FES_MEKNES = "03"


@pytest.fixture(scope="module")
def territories_csv() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in read_bundled_csv("territories.csv")}


@pytest.fixture(scope="module")
def census_csv() -> dict[tuple[str, str, str, str], dict[str, str]]:
    return {
        (r["code"], r["census"], r["area"], r["sex"]): r for r in read_bundled_csv("census.csv")
    }


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


def test_tree_and_search(read_client, territories_csv) -> None:
    regions = read_client.get("/api/territories").json()["items"]
    assert len(regions) == 12 and {r["level"] for r in regions} == {"region"}
    children = read_client.get(f"/api/territories/{FES}/children").json()["items"]
    expected = sorted(c for c, r in territories_csv.items() if r["parent_code"] == FES)
    assert [c["code"] for c in children] == expected
    for query, code in [("فاس", FES), ("Fes", FES), ("fes-meknes", FES_MEKNES), (FES, FES)]:
        items = read_client.get("/api/territories", params={"q": query}).json()["items"]
        assert items and items[0]["code"] == code, query
    communes = read_client.get(
        "/api/territories", params={"parent": FES, "level": "commune"}
    ).json()["items"]
    assert all(c["level"] == "commune" for c in communes) and len(communes) >= 2


def test_unknown_territory_is_a_404_with_a_message(read_client) -> None:
    response = read_client.get("/api/territories/99.999")
    assert response.status_code == 404
    assert "99.999" in response.json()["error"] and response.json()["detail"] == []
    assert read_client.get("/api/territories", params={"parent": "nope"}).status_code == 404
    assert read_client.get("/api/territories/nope/gaps").status_code == 404


def test_facility_pages_count_like_the_database(read_client, national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    expected = list_facilities(national_session, FacilityFilter(territory=FES), index)
    first = read_client.get("/api/facilities", params={"territory": FES, "limit": 10}).json()
    assert first["total"] == len(expected) and len(first["items"]) == 10
    second = read_client.get(
        "/api/facilities", params={"territory": FES, "limit": 10, "offset": 10}
    ).json()
    ids = [f["id"] for f in first["items"] + second["items"]]
    assert ids == [r.id for r in expected[:20]]
    last = read_client.get(
        "/api/facilities", params={"territory": FES, "limit": 10, "offset": len(expected) - 3}
    ).json()
    assert len(last["items"]) == 3 and last["total"] == len(expected)
    assert (first["returned"], last["returned"]) == (10, 3)  # what the page says it shows
    everything = national_session.scalar(select(func.count()).select_from(FacilityRow))
    assert (
        read_client.get(
            "/api/facilities", params={"sector": "all", "status": "all", "limit": 1}
        ).json()["total"]
        == everything
    )
    hospitals = read_client.get(
        "/api/facilities", params={"territory": FES, "level": "tertiary", "limit": 100}
    ).json()
    assert hospitals["total"] == sum(1 for r in expected if r.level == "tertiary")
    named = read_client.get("/api/facilities", params={"territory": FES, "name": "hassan"}).json()
    assert named["total"] == sum(1 for r in expected if "hassan" in r.name.lower())


def test_facility_geojson_detail_and_history(read_client) -> None:
    collection = read_client.get(
        "/api/facilities.geojson", params={"territory": FES, "sector": "all", "limit": 5000}
    )
    assert collection.status_code == 200
    assert collection.headers["content-type"].startswith("application/geo+json")
    body = collection.json()
    assert body["type"] == "FeatureCollection" and body["total"] == len(body["features"])
    sources = {f["properties"]["location_source"] for f in body["features"]}
    assert {"osm", "commune_reference"} <= sources
    feature = next(f for f in body["features"] if f["properties"]["family"] != "osm")
    lon, lat = feature["geometry"]["coordinates"]
    one = read_client.get(f"/api/facilities/{feature['id']}").json()
    assert (one["lon"], one["lat"]) == (lon, lat) and one["commune_name_fr"]
    history = read_client.get(f"/api/facilities/{feature['id']}/history").json()
    assert [h["action"] for h in history] == ["create"]
    assert read_client.get("/api/facilities/no-such-id").status_code == 404
    assert read_client.get("/api/facilities", params={"category": "XX"}).status_code == 422
    assert read_client.get("/api/facilities", params={"limit": 0}).status_code == 422


def test_display_layers_with_etag(read_client) -> None:
    regions = read_client.get("/api/layers/regions")
    assert regions.status_code == 200 and len(regions.json()["features"]) == 12
    assert "max-age" in regions.headers["cache-control"]
    etag = regions.headers["etag"]
    again = read_client.get("/api/layers/regions", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
    fes = read_client.get("/api/layers/communes", params={"parent": FES}).json()
    communes = read_client.get(
        "/api/territories", params={"parent": FES, "level": "commune"}
    ).json()["items"]
    assert sorted(f["properties"]["code"] for f in fes["features"]) == sorted(
        c["code"] for c in communes
    )
    assert fes["features"][0]["properties"]["name_ar"]
    provinces = read_client.get("/api/layers/provinces", params={"parent": FES_MEKNES}).json()
    assert {f["properties"]["region"] for f in provinces["features"]} == {FES_MEKNES}
    raw = read_client.get(
        "/api/layers/communes", headers={"Accept-Encoding": "gzip"}
    )  # the 1.4 MB layer goes out compressed
    assert raw.headers["content-encoding"] == "gzip"
    assert len(raw.json()["features"]) == 1503
    assert len(gzip.compress(raw.content)) > 0
    assert read_client.get("/api/layers/cercles").status_code == 404
    assert read_client.get("/api/layers/communes", params={"parent": "nope"}).status_code == 404
    bad_parent = read_client.get("/api/layers/regions", params={"parent": FES})
    assert bad_parent.status_code == 422 and "region" in bad_parent.json()["error"]


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


def test_reference_docs_and_pages(read_client) -> None:
    norms = read_client.get("/api/norms").json()
    assert all(s["source"] and s["rules"] for s in norms)
    categories = {c["code"]: c for c in read_client.get("/api/categories").json()}
    assert categories["CSR-1"]["name_ar"] and categories["HP"]["family"] == "hospital"
    config = read_client.get("/api/config").json()
    assert config["local_mode"] is False and config["tile_url"] is None
    spec = read_client.get("/openapi.json").json()
    assert {"/api/territories/{code}", "/api/facilities", "/api/layers/{layer}"} <= set(
        spec["paths"]
    )
    docs = read_client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs
    page = read_client.get("/")
    assert page.status_code == 200 and "/static/vendor/leaflet/leaflet.js" in page.text
    assert "https://" not in page.text and "http://" not in page.text
    assert read_client.get("/static/vendor/leaflet/LICENSE").status_code == 200
    assert read_client.get(f"/sheet/{FES}").status_code == 200
    assert read_client.get("/sheet/nope").status_code == 404
