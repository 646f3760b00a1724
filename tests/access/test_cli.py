"""`qurb access`, `qurb site` and `qurb scenarios` as a planner uses them."""

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


def csv_rows(output: str) -> tuple[list[str], list[dict[str, str]]]:
    """The `# ...` comment lines of a CSV export, and its rows."""
    lines = output.splitlines(keepends=True)
    comments = [line.rstrip("\n") for line in lines if line.startswith("#")]
    body = "".join(line for line in lines if not line.startswith("#"))
    return comments, list(csv.DictReader(io.StringIO(body)))


def test_nearest_as_csv_and_geojson(scratch_db: str) -> None:
    from qurb.algo.commune_graph import COMMUNE_GRAPH_MEASURE

    code, output = run("access", "nearest", "-t", "Ifrane", "-f", "csv", "--db", scratch_db)
    assert code == 0, output
    comments, rows = csv_rows(output)
    assert len(rows) == 10  # the 10 communes of Ifrane
    assert all(r["code"].startswith("03.271") and float(r["minutes"]) > 0 for r in rows)
    # What the minutes measure travels with the file, in the model's own words.
    assert f"# measure.en: {COMMUNE_GRAPH_MEASURE.en}" in comments
    assert f"# measure.fr: {COMMUNE_GRAPH_MEASURE.fr}" in comments
    assert "# model: commune-graph" in comments
    code, output = run("access", "nearest", "-t", "Ifrane", "-f", "geojson", "--db", scratch_db)
    layer = json.loads(output)
    assert len(layer["features"]) == 10
    assert {f["geometry"]["type"] for f in layer["features"]} <= {"Polygon", "MultiPolygon"}
    assert layer["metadata"]["measure"] == COMMUNE_GRAPH_MEASURE.as_dict()
    code, output = run(
        "access", "nearest", "-t", "Ifrane", "-m", "straight-line", "-f", "json", "--db", scratch_db
    )
    assert json.loads(output)["metadata"]["measure"]["key"] == "straight-line"
    code, output = run("access", "nearest", "-t", "Ifrane", "--db", scratch_db)
    assert code == 0 and "reference points" in output  # the table's title says it too


def test_summary_table_and_json(scratch_db: str) -> None:
    code, output = run(
        "access",
        "summary",
        "-t",
        "Fès-Meknès",
        "--level",
        "secondary",
        "--thresholds",
        "30,60",
        "-f",
        "json",
        "--db",
        scratch_db,
    )
    assert code == 0, output
    body = json.loads(output)
    assert body["metadata"]["measure"]["key"] == "commune-graph"
    total = body["rows"][-1]
    assert total["name"] == "total" and total["population"] == 4_467_911
    assert total["beyond_30_min"] >= total["beyond_60_min"]
    code, output = run("access", "summary", "-t", "Fès-Meknès", "--db", scratch_db)
    assert code == 0 and "Boulemane" in output and ">60 min" in output


def test_bad_inputs_exit_2_with_a_message(scratch_db: str, tmp_path: Path) -> None:
    code, output = run("access", "nearest", "--thresholds", "30,0", "--db", scratch_db)
    assert code == 2 and "threshold must be > 0 minutes" in output
    code, output = run("access", "nearest", "--thresholds", "soon", "--db", scratch_db)
    assert code == 2 and "'soon' is not a number" in output
    code, output = run("access", "nearest", "--category", "CSX", "--db", scratch_db)
    assert code == 2 and "unknown facility category 'CSX'" in output
    code, output = run("access", "nearest", "--model", "helicopter", "--db", scratch_db)
    assert code == 2 and "unknown travel-time model" in output
    broken = tmp_path / "p.toml"
    broken.write_text("[speed_kph]\nrural = -1\n", encoding="utf-8")
    code, output = run("access", "nearest", "--params", str(broken), "--db", scratch_db)
    assert code == 2 and "speed_kph.rural must be > 0" in output


def test_fit_writes_a_usable_parameter_file(scratch_db: str, tmp_path: Path) -> None:
    # Observed trips: the bundled model's own times for a few trips, times 1.25.
    code, output = run(
        "access", "nearest", "-t", "Taza", "-l", "secondary", "-f", "json", "--db", scratch_db
    )
    trips = [r for r in json.loads(output)["rows"] if r["facility_commune"] != r["code"]][:12]
    observed = tmp_path / "observed.csv"
    with observed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["origin", "dest_commune", "minutes"])
        for r in trips:
            writer.writerow([r["code"], r["facility_commune"], r["minutes"] * 1.25])
    fitted = tmp_path / "fitted.toml"
    code, output = run("access", "fit", str(observed), "--write", str(fitted), "--db", scratch_db)
    assert code == 0, output
    assert "Error on the observed trips" in output and fitted.exists()
    code, output = run("access", "model", "--params", str(fitted), "--db", scratch_db)
    assert code == 0, output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "origin,dest_commune,minutes\n99.999,03.561.01.01,10\n03.561.01.01,,\n", encoding="utf-8"
    )
    code, output = run("access", "fit", str(bad), "--db", scratch_db)
    assert code == 2 and "3 problem(s)" in output
    assert "row 2, field 'origin': '99.999' is not a commune code" in output
    assert "row 3, field 'minutes/distance_km': give at least one" in output
    assert "row 3, field 'dest_lon/dest_lat or dest_commune': missing" in output


def test_fit_takes_destinations_by_coordinates(scratch_db: str, tmp_path: Path) -> None:
    # Moroccan longitudes are negative: a destination given as dest_lon, dest_lat is read
    # as it is (Taza town, from two communes of its province).
    observed = tmp_path / "observed.csv"
    observed.write_text(
        "origin,dest_lon,dest_lat,minutes\n03.561.01.01,-4.01,34.21,55\n"
        "03.561.07.05,-4.01,34.21,80\n",
        encoding="utf-8",
    )
    code, output = run("access", "fit", str(observed), "--db", scratch_db)
    assert code == 0, output
    assert "Error on the observed trips" in output
    bad = tmp_path / "bad.csv"
    bad.write_text("origin,dest_lon,dest_lat,minutes\n03.561.01.03,-4.01,340,35\n", "utf-8")
    code, output = run("access", "fit", str(bad), "--db", scratch_db)
    assert code == 2 and "row 2, field 'dest_lat'" in output


def test_referral_flags(scratch_db: str) -> None:
    code, output = run(
        "access", "referral", "-t", "Taza", "--threshold", "90", "-f", "json", "--db", scratch_db
    )
    assert code == 0, output
    rows = json.loads(output)["rows"]
    assert rows and all(r["HP_beyond"] == (r["HP_minutes"] > 90) for r in rows)


@pytest.mark.usefixtures("cli_token")
def test_site_saves_a_scenario_and_compares(scratch_db: str) -> None:
    code, output = run(
        "site",
        "-t",
        "Taza",
        "--level",
        "secondary",
        "--add",
        "2",
        "--within",
        "60",
        "-f",
        "json",
        "--db",
        scratch_db,
    )
    assert code == 0, output
    first = json.loads(output)
    assert len(first["sites"]) == 2 and first["id"]
    assert first["measure"]["key"] == "commune-graph"
    code, output = run(
        "site", "-t", "Taza", "--level", "secondary", "--add", "1", "-f", "json", "--db", scratch_db
    )
    second = json.loads(output)
    code, output = run(
        "scenarios", "compare", first["id"], second["id"], "-f", "json", "--db", scratch_db
    )
    assert code == 0, output
    assert [r["sites"] for r in json.loads(output)["rows"]] == [2, 1]
    code, output = run(
        "site", "-t", "Taza", "--level", "secondary", "--add", "0", "--db", scratch_db
    )
    assert code == 2 and "at least 1" in output


def test_site_json_pipes_cleanly_from_a_real_process(scratch_db: str) -> None:
    # HiGHS prints a banner from C++ straight to file descriptor 1; CliRunner would not see
    # it, a pipe would: run the real command.
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qurb.app.cli",
            "site",
            "-t",
            "Taza",
            "--level",
            "secondary",
            "--add",
            "1",
            "-f",
            "json",
            "--no-save",
            "--db",
            scratch_db,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(result.stdout)["sites"]) == 1


def test_help_constants_follow_the_modules_they_mirror() -> None:
    # The CLI spells these out to avoid importing SciPy at start-up; they must agree.
    from qurb.access import cli as access
    from qurb.access import network_cli as network
    from qurb.access.referral import REFERRAL_TIERS
    from qurb.algo.commune_graph_fit import FITTABLE
    from qurb.algo.roadgraph import DEFAULT_MAX_SNAP_KM

    assert ", ".join(FITTABLE) == access.FITTABLE_NAMES
    assert ", ".join(REFERRAL_TIERS) == access.REFERRAL_TIER_NAMES
    assert network.DEFAULT_MAX_SNAP_KM == DEFAULT_MAX_SNAP_KM


def test_distance_bands_for_a_province(scratch_db: str) -> None:
    code, output = run("access", "distance", "-t", "Taounate", "--db", scratch_db)
    assert code == 0, output
    # The title says what the km measure; the note that a commune falls in one band.
    assert "Distance to the nearest ESSP" in output and "reference points" in output
    assert "A whole commune falls in one band" in output
    code, output = run("access", "distance", "-t", "Taounate", "-f", "json", "--db", scratch_db)
    assert code == 0, output
    body = json.loads(output)
    total = body["rows"][-1]
    assert total["name"] == "total" and total["population"] == 612_650  # Taounate, RGPH 2024
    assert (
        total["population_within_5_km"]
        + total["population_5_to_10_km"]
        + total["population_beyond_10_km"]
        == 612_650
    )
    assert body["metadata"]["bands_km"] == [5.0, 10.0]
    assert "whole commune" in body["metadata"]["note"]["en"]
    code, output = run(
        "access", "distance", "-t", "Taounate", "--communes", "-f", "csv", "--db", scratch_db
    )
    comments, rows = csv_rows(output)
    assert len(rows) == 49 and {r["band"] for r in rows} <= {"≤5 km", "5–10 km", ">10 km"}
    assert any(c.startswith("# measure.ar: ") for c in comments)
    assert any(c.startswith("# note.fr: Une commune entière") for c in comments)
    code, output = run("access", "distance", "-t", "Taounate", "-f", "geojson", "--db", scratch_db)
    layer = json.loads(output)
    assert len(layer["features"]) == len(body["rows"])
    assert layer["metadata"]["measure"]["key"] == "commune-graph"


def test_tier_filters_hospitals(scratch_db: str) -> None:
    """--level secondary is a general hospital; --tier specialty and --tier any ask for more."""
    code, output = run(
        "access", "nearest", "-t", "Rabat", "--tier", "specialty", "-f", "csv", "--db", scratch_db
    )
    assert code == 0, output
    _, rows = csv_rows(output)
    assert rows and {r["category"] for r in rows} <= {"HIR", "CPU", "CRO", "HPsyP", "HPsyR"}
    code, output = run(
        "access", "nearest", "-t", "Rabat", "--level", "secondary", "-f", "csv", "--db", scratch_db
    )
    assert {r["category"] for r in csv_rows(output)[1]} <= {
        "HPr",
        "HP",
        "HR",
        "HIR",
    }
    code, output = run("access", "nearest", "-t", "Rabat", "--tier", "nursing", "--db", scratch_db)
    assert code != 0 and "unknown tier" in output


def test_site_saves_nothing_without_a_token(scratch_db: str) -> None:
    """Saving a scenario acts as an account: without a token it is refused before the
    solver runs, and nothing is saved."""
    code, output = run(
        "site", "-t", "Taza", "--level", "secondary", "--add", "1", "--db", scratch_db
    )
    assert code == 2 and "run `qurb login`" in output, output
    code, output = run("scenarios", "list", "-f", "json", "--db", scratch_db)
    assert code == 0 and json.loads(output)["rows"] == []
