"""`qurb data check` on copies of the inputs and outputs (the real files are never touched)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.data import BUNDLED_DIR
from qurb.databuild.manifest import DIFFERS, MISSING, UNLISTED, check_manifest
from tests.environment import REPO, SOURCES

OVERRIDES = REPO / "data" / "overrides"
runner = CliRunner()


def _overrides_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "overrides"
    shutil.copytree(OVERRIDES, copy)
    return copy


def test_the_repository_matches_its_manifest() -> None:
    check = check_manifest(BUNDLED_DIR, SOURCES, OVERRIDES)
    assert check.problems == [] and not check.inputs_absent
    assert check.checked["sources"] == len(list(SOURCES.rglob("*.*")))
    assert check.checked["overrides"] >= 2


def test_a_tampered_override_is_reported_by_path(tmp_path: Path) -> None:
    overrides = _overrides_copy(tmp_path)
    tampered = overrides / "communes.csv"
    with tampered.open("a", encoding="utf-8") as handle:
        handle.write("a line nobody reviewed\n")
    (overrides / "delegations.csv").unlink()
    (overrides / "notes.csv").write_text("x\n", encoding="utf-8")
    check = check_manifest(BUNDLED_DIR, SOURCES, overrides)
    assert {(p.path, p.problem) for p in check.problems} == {
        (tampered, DIFFERS),
        (overrides / "delegations.csv", MISSING),
        (overrides / "notes.csv", UNLISTED),
    }
    result = runner.invoke(
        app, ["data", "check", "--sources", str(SOURCES), "--overrides", str(overrides)]
    )
    assert result.exit_code != 0
    text = " ".join(result.output.split())  # the table may wrap long paths
    assert "3 file(s) do not match the manifest" in text
    assert "communes.csv" in text and "delegations.csv" in text and "notes.csv" in text


def test_a_tampered_output_and_a_missing_source_are_reported(tmp_path: Path) -> None:
    bundled = tmp_path / "bundled"
    shutil.copytree(BUNDLED_DIR, bundled)
    adjacency = bundled / "adjacency.csv"
    adjacency.write_bytes(adjacency.read_bytes().replace(b"\n", b"\r\n", 1))
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    workbook = next((sources / "moh").glob("*2024.xlsx"))
    workbook.unlink()
    check = check_manifest(bundled, sources, OVERRIDES)
    assert {(p.group, p.path, p.problem) for p in check.problems} == {
        ("outputs", adjacency, DIFFERS),
        ("sources", workbook, MISSING),
    }


def test_without_the_sources_only_the_outputs_are_checked(tmp_path: Path) -> None:
    check = check_manifest(BUNDLED_DIR, tmp_path / "sources", tmp_path / "overrides")
    assert check.inputs_absent and check.problems == [] and set(check.checked) == {"outputs"}
    result = runner.invoke(
        app,
        [
            "data",
            "check",
            "--sources",
            str(tmp_path / "sources"),
            "--overrides",
            str(tmp_path / "overrides"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "The sources are not present here" in " ".join(result.output.split())
    # One folder there and not the other is not an installed package: its files are missing.
    half = check_manifest(BUNDLED_DIR, SOURCES, tmp_path / "overrides")
    assert {p.problem for p in half.problems} == {MISSING} and len(half.problems) >= 2
