"""The definitions of every figure: the API and the /definitions page in three languages."""

from __future__ import annotations

from qurb.app.features import figures as figure_definitions


def test_api_lists_every_figure_with_its_formula(read_client) -> None:
    response = read_client.get("/api/definitions")
    assert response.status_code == 200
    body = {f["id"]: f for f in response.json()}
    assert set(body) == {f.id for f in figure_definitions()}
    births = body["births_per_year"]
    assert births["kind"] == "estimate" and births["formula"] == "TFR ÷ 35 × women aged 15–49"
    assert births["name"] == {
        "fr": "Naissances attendues par an",
        "ar": "الولادات المتوقعة سنويًا",
        "en": "Expected births a year",
    }
    assert "/api/territories/{code}#needs.births_per_year" in births["fields"]
    assert "/api/definitions" in read_client.get("/openapi.json").json()["paths"]


def test_definitions_page_in_french_arabic_and_english(read_client) -> None:
    expected = {
        "fr": ('lang="fr" dir="ltr"', "Définitions des chiffres", "Naissances attendues par an"),
        "ar": ('lang="ar" dir="rtl"', "تعاريف الأرقام", "الولادات المتوقعة سنويًا"),
        "en": ('lang="en" dir="ltr"', "Definitions of the figures", "Expected births a year"),
    }
    for language, (root, heading, births) in expected.items():
        page = read_client.get("/definitions", params={"lang": language})
        assert page.status_code == 200, language
        text = page.text
        assert root in text and f"<h1>{heading}</h1>" in text and births in text
        assert "TFR ÷ 35 × women aged 15–49" in text
        # Every figure of the catalogue is a row; estimates are marked.
        assert text.count("data-figure-id=") == len(figure_definitions())
        assert '<tr id="births_per_year" data-figure-id="births_per_year" ' in text
        assert 'data-kind="estimate" class="estimate">' in text
    fallback = read_client.get("/definitions", params={"lang": "xx"}).text
    assert 'lang="fr" dir="ltr"' in fallback


def test_needs_table_names_its_estimates(read_client) -> None:
    body = read_client.get("/api/territories/03.271/needs").json()
    assert body["rows"] and body["estimates"]["births_per_year"] == "TFR ÷ 35 × women aged 15–49"
    assert "population" not in body["estimates"] and "essp" not in body["estimates"]


def test_every_catalogued_field_exists_in_its_api_response(read_client) -> None:
    """Each `fields` entry ('<GET path>#<dotted path>') names a field the API really serves,
    checked on Taounate (03.531), whose gap report has bed lines without a hospital."""
    from qurb.app.features import figures as figure_definitions

    responses: dict[str, object] = {}
    missing = []
    checked = 0
    for figure in figure_definitions():
        for field in figure.fields:
            path, _, dotted = field.partition("#")
            url = path.replace("{code}", "03.531")
            if url not in responses:
                response = read_client.get(url)
                assert response.status_code == 200, (figure.id, url, response.text[:200])
                responses[url] = response.json()
            node = responses[url]
            for part in dotted.split(".") if dotted else []:
                if isinstance(node, list) and part.lstrip("-").isdigit() and node:
                    node = node[int(part)]
                elif isinstance(node, dict) and part in node:
                    node = node[part]
                else:
                    missing.append(f"{figure.id}: {field}")
                    break
            checked += 1
    assert not missing, missing
    assert checked > 40
    # The ids named like their API fields (the distance bands of GET .../distance).
    ids = {f.id for f in figure_definitions()}
    bands = responses["/api/access/03.531/distance"]["summary"][-1]  # type: ignore[index]
    for band in ("population_within_5_km", "population_5_to_10_km", "population_beyond_10_km"):
        assert band in ids and band in bands
    assert {"nearest_hospital_minutes", "nearest_hospital_distance_km"} <= ids
