"""The territory tree on the real national data: search, a 404 that says what to do, the
map layers with their ETag."""

from __future__ import annotations

import gzip

FES = "03.231"  # préfecture de Fès
FES_MEKNES = "03"


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
    assert read_client.get("/api/territories/99.999/gaps").status_code == 404
    assert read_client.get("/api/territories/nope/gaps").status_code == 422  # not a code


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
