"""The facility API on the real national data: pages counted against the database, GeoJSON,
detail and history."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.registry._tables import FacilityRow
from qurb.registry.service import FacilityFilter, list_facilities
from qurb.territory.service import TerritoryIndex

FES = "03.231"  # préfecture de Fès
FES_MEKNES = "03"


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


def test_facility_geojson_detail_and_history(read_client, admin_client) -> None:
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
    # The history names who made each change: for accounts only, not for the public.
    assert read_client.get(f"/api/facilities/{feature['id']}/history").status_code == 401
    history = admin_client.get(f"/api/facilities/{feature['id']}/history").json()
    assert [h["action"] for h in history] == ["create"]
    assert read_client.get("/api/facilities/no-such-id").status_code == 404
    assert read_client.get("/api/facilities", params={"category": "XX"}).status_code == 422
    assert read_client.get("/api/facilities", params={"limit": 0}).status_code == 422
