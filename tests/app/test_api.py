"""The reference documents and pages the app serves."""

from __future__ import annotations

FES = "03.231"  # préfecture de Fès
FES_MEKNES = "03"


def test_reference_docs_and_pages(read_client) -> None:
    norms = read_client.get("/api/norms").json()
    assert all(s["source"] and s["rules"] for s in norms)
    categories = {c["code"]: c for c in read_client.get("/api/categories").json()}
    assert categories["CSR-1"]["name_ar"] and categories["HP"]["family"] == "hospital"
    config = read_client.get("/api/config").json()
    assert "local_mode" not in config and config["tile_url"] is None
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
    assert read_client.get("/sheet/99.999").status_code == 404
    assert read_client.get("/sheet/nope").status_code == 422  # not an HCP code
