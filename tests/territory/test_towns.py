"""The main towns' layer: the committed towns.csv from GeoNames (known towns where GeoNames
puts them, its attribution in the file), its Arabic names chosen by the rule and never
made up, and the public route that serves it as GeoJSON."""

from __future__ import annotations

import math

from qurb.data import BUNDLED_DIR
from qurb.databuild.towns import MIN_POPULATION, arabic_name, town_rows
from qurb.kernel.names import fold_name
from qurb.territory.towns import read_towns

FES = 2548885
TAOUNATE = 2530155


def test_the_towns_file_says_its_source_licence_and_threshold() -> None:
    head = (BUNDLED_DIR / "towns.csv").read_text(encoding="utf-8").splitlines()[:4]
    comments = " ".join(line for line in head if line.startswith("#"))
    assert "GeoNames" in comments and "CC BY 4.0" in comments
    assert "15,000 inhabitants or more" in comments and "cities15000" in comments
    assert head[3] == "geonameid,name,name_ar,lat,lon,population"


def test_known_towns_are_where_geonames_puts_them() -> None:
    towns = {t.geonameid: t for t in read_towns()}
    assert len(towns) == len(read_towns())  # one line per place
    fes = towns[FES]
    assert (fes.name, fes.name_ar) == ("Fes", "فاس")
    assert math.isclose(fes.lat, 34.03313) and math.isclose(fes.lon, -5.00028)
    taounate = towns[TAOUNATE]
    assert taounate.name == "Taounate" and taounate.population == 41075
    assert math.isclose(taounate.lat, 34.53661) and math.isclose(taounate.lon, -4.64009)
    # GeoNames lists no Arabic-script name for Taounate: none is written in.
    assert taounate.name_ar == ""
    for town in towns.values():
        assert town.population >= MIN_POPULATION
        assert 20.7 <= town.lat <= 36.0 and -17.2 <= town.lon <= -0.9, town
    # The largest first: Casablanca heads the list.
    assert read_towns()[0].name == "Casablanca"


def test_an_arabic_name_is_taken_only_when_the_choice_is_plain() -> None:
    hcp = {fold_name(n) for n in ("فاس", "وجدة", "وجدة-أنجاد")}  # as build_towns folds them
    assert arabic_name(["Fez", "فاس"], "", hcp) == "فاس"
    # Persian and Urdu spellings, and mixed-script transliterations, are not Moroccan names.
    assert arabic_name(["تازہ", "ٹnjyr"], "", hcp) == ""
    # Two names: the nearest commune's decides; else the one naming an HCP unit; else none.
    assert arabic_name(["وجدة", "وجدة-أنجاد"], "وجدة", hcp) == "وجدة"
    assert arabic_name(["وجدة", "واد زم"], "", hcp) == "وجدة"
    assert arabic_name(["أغادير", "أكادير"], "", hcp) == ""


def test_places_below_the_threshold_or_abroad_are_left_out() -> None:
    cities = [
        {"geonameid": 1, "name": "A", "countrycode": "MA", "population": 14999,
         "latitude": 34.0, "longitude": -5.0, "alternatenames": []},
        {"geonameid": 2, "name": "B", "countrycode": "DZ", "population": 90000,
         "latitude": 34.0, "longitude": -1.0, "alternatenames": []},
        {"geonameid": 3, "name": "C", "countrycode": "MA", "population": 15000,
         "latitude": 34.0, "longitude": -5.0, "alternatenames": ["ج"]},
    ]  # fmt: skip
    assert town_rows(cities, [(-5.0, 34.0, "ج")], set()) == [
        ["3", "C", "ج", "34.00000", "-5.00000", "15000"]
    ]


def test_the_towns_route_is_geojson_with_its_attribution(read_client) -> None:
    answer = read_client.get("/api/layers/towns")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert "GeoNames" in body["attribution"] and "CC BY 4.0" in body["license"]
    assert len(body["features"]) == len(read_towns())
    fes = next(f for f in body["features"] if f["id"] == FES)
    assert fes["geometry"] == {"type": "Point", "coordinates": [-5.00028, 34.03313]}
    assert fes["properties"]["name_ar"] == "فاس"
    taounate = next(f for f in body["features"] if f["id"] == TAOUNATE)
    assert taounate["properties"]["name_ar"] is None
    again = read_client.get("/api/layers/towns", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304
