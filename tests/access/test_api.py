"""The access, what-if and siting endpoints, with their bad inputs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qurb.identity.permissions import Role
from tests.accounts import add_account


def test_access_for_a_province(read_client: TestClient) -> None:
    response = read_client.get("/api/access/03.271", params={"level": "secondary"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["communes"]) == 10  # Ifrane
    total = body["summary"][-1]
    assert total["name"] == "total" and total["population"] == 160_904
    # What the minutes measure, in the model's words (FR/AR/EN); no second, English-only
    # note beside it.
    assert body["model"] == "commune-graph" and body["measure"]["key"] == "commune-graph"
    assert "commune reference points" in body["measure"]["en"]
    assert set(body["measure"]) == {"key", "fr", "ar", "en"} and "model_note" not in body


def test_bad_access_queries_are_4xx(read_client: TestClient) -> None:
    assert read_client.get("/api/access/99.999").status_code == 404
    response = read_client.get("/api/access/03.271", params={"thresholds": [0]})
    assert response.status_code == 422 and "threshold" in response.text
    assert read_client.get("/api/access/03.271", params={"level": "quaternary"}).status_code == 422
    response = read_client.get("/api/access/03.271/referral", params={"threshold": -1})
    assert response.status_code == 422


def test_what_if_a_hospital_in_tissaf(edit_client: TestClient) -> None:
    # Tissaf (Boulemane) is the commune farthest from a hospital in the province.
    body = {
        "territory": "03.131",
        "level": "secondary",
        "within_minutes": 60,
        "sites": [{"lon": -3.59, "lat": 33.39, "label": "HPr Tissaf"}],
    }
    response = edit_client.post("/api/access/what-if", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["population"] == 205_411
    assert result["covered_after"] >= result["covered_before"]
    assert result["newly_covered"] == result["covered_after"] - result["covered_before"]
    assert all(c["minutes_after"] < c["minutes_before"] for c in result["communes_changed"])
    outside = {**body, "sites": [{"lon": 2.35, "lat": 48.85}]}
    response = edit_client.post("/api/access/what-if", json=outside)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["field"] == "sites[0]" and "outside Morocco" in problem["reason"]
    response = edit_client.post("/api/access/what-if", json={**body, "within_minutes": 0})
    assert response.status_code == 422


def test_nobody_and_a_viewer_run_no_heavy_work(edit_client: TestClient) -> None:
    factory = edit_client.app.state.qurb.factory  # type: ignore[attr-defined]
    viewer = add_account(factory, "viewer", Role.VIEWER)
    what_if = {"territory": "03.131", "sites": [{"lon": -3.59, "lat": 33.39}]}
    siting = {"territory": "Taza", "level": "secondary", "add": 2}
    for path, body in (("/api/access/what-if", what_if), ("/api/siting", siting)):
        nobody = edit_client.post(path, json=body, headers={"Authorization": ""})
        assert (nobody.status_code, nobody.json()["code"]) == (401, "auth_required")
        refused = edit_client.post(path, json=body, headers=viewer.headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "account_not_allowed")
    assert edit_client.get("/api/scenarios").json() == []


def test_a_coordinator_runs_a_siting_that_only_a_planner_saves(edit_client: TestClient) -> None:
    """plan.run runs it; saving a scenario needs scenarios.write over the territory too."""
    factory = edit_client.app.state.qurb.factory  # type: ignore[attr-defined]
    coordinator = add_account(factory, "coordinator", Role.CARAVAN_COORDINATOR)
    body = {"territory": "Taza", "level": "secondary", "add": 1}
    ran = edit_client.post("/api/siting", json=body, headers=coordinator.headers)
    assert ran.status_code == 200, ran.text
    assert ran.json()["id"] is None and len(ran.json()["sites"]) == 1
    assert edit_client.get("/api/scenarios").json() == []


def test_a_siting_is_saved_as_a_scenario(edit_client: TestClient) -> None:
    response = edit_client.post(
        "/api/siting",
        json={"territory": "Taza", "level": "secondary", "add": 2, "within_minutes": 60},
    )
    assert response.status_code == 200, response.text
    scenario = response.json()
    assert scenario["id"] and len(scenario["sites"]) == 2
    listed = edit_client.get("/api/scenarios").json()
    assert [s["id"] for s in listed] == [scenario["id"]]
    again = edit_client.get(f"/api/scenarios/{scenario['id']}").json()
    assert again["summary"] == scenario["summary"]
    assert edit_client.get("/api/scenarios/nope").status_code == 404
    too_many = edit_client.post(
        "/api/siting", json={"territory": "Taza", "level": "secondary", "add": 90}
    )
    assert too_many.status_code == 422 and "candidate" in too_many.text


def test_the_access_indicator(read_client: TestClient) -> None:
    response = read_client.get(
        "/api/indicators/share_beyond_minutes",
        params={"level": "province", "parent": "03", "minutes": "30", "offer": "primary"},
    )
    assert response.status_code == 200, response.text
    values = {v["code"]: v["value"] for v in response.json()["values"]}
    assert len(values) == 9  # the provinces and prefectures of Fès-Meknès
    # The same shares as `qurb access summary -t Fès-Meknès --level primary` gives.
    report = read_client.get("/api/access/03", params={"level": "primary", "thresholds": [30]})
    for row in report.json()["summary"][:-1]:
        assert values[row["code"]] == row["share_beyond_30_min_pct"]
    assert values["03.131"] > 0 and values["03.231"] == 0  # Boulemane vs Fès


def test_access_responses_say_what_they_measure(read_client: TestClient) -> None:
    from qurb.algo.commune_graph import COMMUNE_GRAPH_MEASURE

    for path in ("/api/access/03.271", "/api/access/03.271/referral"):
        body = read_client.get(path).json()
        assert body["measure"] == COMMUNE_GRAPH_MEASURE.as_dict()
    assert "reference points" in COMMUNE_GRAPH_MEASURE.en
    assert "access term inside the commune" in COMMUNE_GRAPH_MEASURE.en


def test_distance_bands_for_taounate(read_client: TestClient) -> None:
    response = read_client.get("/api/access/Taounate/distance")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["territory"] == "03.531" and body["bands_km"] == [5.0, 10.0]
    assert body["measure"]["key"] == "commune-graph"
    assert set(body["note"]) == {"fr", "ar", "en"}
    total = body["summary"][-1]
    assert total["population"] == 612_650 == sum(c["population"] for c in body["communes"])
    bands = ("within_5_km", "5_to_10_km", "beyond_10_km")
    assert sum(total[f"population_{b}"] for b in bands) == 612_650
    assert sum(total[f"share_{b}_pct"] for b in bands) == pytest.approx(100, abs=0.15)
    # Each band's population is the sum of its communes'.
    for key, label in zip(bands, ("≤5 km", "5–10 km", ">10 km"), strict=True):
        in_band = [c for c in body["communes"] if c["band"] == label]
        assert total[f"population_{key}"] == sum(c["population"] for c in in_band)
    assert read_client.get("/api/access/99.999/distance").status_code == 404


def test_the_distance_band_indicator(read_client: TestClient) -> None:
    response = read_client.get(
        "/api/indicators/essp_distance_band_share",
        params={"level": "province", "parent": "03", "band": "beyond_10_km"},
    )
    assert response.status_code == 200, response.text
    values = {v["code"]: v["value"] for v in response.json()["values"]}
    assert len(values) == 9
    # The same shares as GET /api/access/03/distance gives per province.
    summary = read_client.get("/api/access/03/distance").json()["summary"]
    for row in summary[:-1]:
        assert values[row["code"]] == row["share_beyond_10_km_pct"]
    # The three bands of a province share out all its people.
    shares = [
        read_client.get(
            "/api/indicators/essp_distance_band_share",
            params={"level": "province", "parent": "03", "band": band},
        ).json()["values"]
        for band in ("within_5_km", "5_to_10_km", "beyond_10_km")
    ]
    for by_band in zip(*shares, strict=True):
        assert sum(v["value"] for v in by_band) == pytest.approx(100, abs=0.15)
    # The map legend says what the km measure, as the panel does.
    listed = {i["id"]: i for i in read_client.get("/api/indicators").json()}
    for indicator_id in ("essp_distance_band_share", "share_beyond_minutes"):
        assert "reference points" in listed[indicator_id]["measure"]["en"]
    assert listed["population_2024"]["measure"] is None
    bad = read_client.get("/api/indicators/essp_distance_band_share", params={"band": "far"})
    assert bad.status_code == 422


def test_hospital_means_a_general_hospital_and_specialty_is_its_own_tier(
    read_client: TestClient,
) -> None:
    # Rabat: the CHU Ibn Sina's oncology institute, children's hospital, specialties
    # hospital and maternities stand beside its two general hospitals, Ibn Sina (HIR,
    # classed general) and Moulay Youssef (HR); the people of a commune go to the nearest
    # of the commune's general hospitals, so both can be named, and nothing else.
    general = read_client.get("/api/access/04.421", params={"level": "secondary"}).json()
    named = {c["facility"] for c in general["communes"]}
    assert "Moulay Youssef (Ancien hôpital de Rabat)" in named
    assert named <= {"Moulay Youssef (Ancien hôpital de Rabat)", "Ibn Sina"}
    assert general["offer"] == "general hospitals"
    every = read_client.get("/api/access/04.421", params={"level": "tertiary"}).json()
    assert {c["category"] for c in every["communes"]} == {"HIR"}
    specialty = read_client.get("/api/access/04.421", params={"tier": "specialty"}).json()
    assert {c["category"] for c in specialty["communes"]} <= {"HIR", "CPU", "CRO", "HPsyP", "HPsyR"}
    assert "Ibn Sina" not in {c["facility"] for c in specialty["communes"]}
    delivery = read_client.get("/api/access/04.421", params={"service": "delivery"}).json()
    assert "Med Ben Abdellah" not in {c["facility"] for c in delivery["communes"]}
    response = read_client.get("/api/access/04.421", params={"tier": "tertiary"})
    assert response.status_code == 422


def test_a_gap_line_without_hospital_names_the_nearest(read_client: TestClient) -> None:
    report = read_client.get("/api/territories/03.591/gaps", params={"by": "province"}).json()
    (beds,) = [g for g in report["lines"] if g["rule"] == "beds-per-1364"]
    assert beds["status"] == "no_hospital" and beds["missing"] is None
    assert beds["nearest_hospital_name"] == "Hôpital des spécialités"
    assert beds["nearest_hospital_commune_code"].startswith("03.231.")
    assert beds["nearest_hospital_minutes"] > 0 and beds["nearest_hospital_distance_km"] > 0
    for lang in ("fr", "ar", "en"):
        assert beds[f"nearest_hospital_label_{lang}"]


def test_service_names_in_three_languages(read_client: TestClient) -> None:
    services = {s["code"]: s for s in read_client.get("/api/services").json()}
    assert services["general_hospital"]["tier"] == "general"
    assert services["oncology"]["tier"] == "specialty"
    assert services["delivery"]["tier"] is None
    assert services["children_hospital"]["name_ar"] == "مستشفى الأطفال"


@pytest.mark.parametrize(
    ("path", "method", "schema"),
    [
        ("/api/access/{code}", "get", "AccessRead"),
        ("/api/access/{code}/referral", "get", "ReferralsRead"),
        ("/api/access/{code}/distance", "get", "DistanceRead"),
        ("/api/access/what-if", "post", "WhatIfRead"),
        ("/api/siting", "post", "SitingRead"),
        ("/api/scenarios", "get", "ScenarioLineRead"),
        ("/api/scenarios/{scenario_id}", "get", "ScenarioRead"),
        ("/api/scenarios/{scenario_id}", "patch", "ScenarioRead"),
        ("/api/scenarios/compare", "get", "CompareRead"),
        ("/api/siting/candidates", "post", "CandidatesRead"),
        ("/api/layers/{layer}", "get", "FeatureCollection"),
        ("/api/facilities.geojson", "get", "FeatureCollection"),
    ],
)
def test_openapi_describes_each_answer(
    read_client: TestClient, path: str, method: str, schema: str
) -> None:
    spec = read_client.get("/openapi.json").json()
    content = spec["paths"][path][method]["responses"]["200"]["content"]
    (described,) = content.values()
    reference = described["schema"].get("$ref") or described["schema"]["items"]["$ref"]
    assert reference == f"#/components/schemas/{schema}"
    # A model with its fields, not a bare object.
    assert spec["components"]["schemas"][schema]["properties"]
    geojson = schema == "FeatureCollection"
    assert list(content) == (["application/geo+json"] if geojson else ["application/json"])


def test_openapi_describes_the_candidate_file_form(read_client: TestClient) -> None:
    spec = read_client.get("/openapi.json").json()
    body = spec["paths"]["/api/siting/candidates"]["post"]["requestBody"]
    form = body["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    what_if = spec["components"]["schemas"]["WhatIfRead"]["properties"]
    assert {"groups", "sites", "id"} <= set(what_if)
