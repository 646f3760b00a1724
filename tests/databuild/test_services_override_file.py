"""The build checks services.csv against the facilities it built: all or nothing."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from qurb.data import BUNDLED_DIR
from qurb.databuild.facility_services import build_facility_services
from qurb.registry.facility_services import ServicesFileError

REPO = Path(__file__).resolve().parents[2]
OVERRIDES = REPO / "data" / "overrides"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "bundled"
    out.mkdir()
    shutil.copyfile(BUNDLED_DIR / "facilities.csv", out / "facilities.csv")
    return out


def test_the_reviewed_file_builds_into_the_bundled_lines(out_dir: Path) -> None:
    report = build_facility_services(OVERRIDES, out_dir)
    built = (out_dir / "facility_services.csv").read_bytes()
    assert built == (BUNDLED_DIR / "facility_services.csv").read_bytes()
    # The 25 CHU units (HIR) of 2024 are all classed; 8 of them are general hospitals.
    assert report["facilities"] == 25 and report["hir_general"] == 8


def test_every_line_carries_evidence_and_says_when_it_rests_on_the_name(out_dir: Path) -> None:
    with (OVERRIDES / "services.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["reason"].strip() and r["evidence"].strip() for r in rows)
    ino = [r for r in rows if r["facility_id"] == "hosp-04.421.01.01-med-ben-abdellah"]
    assert {r["service"] for r in ino if r["action"] == "add"} == {"oncology"}
    assert "a person's" in ino[0]["evidence"]  # not the name: what the CHU calls it
    children = [r for r in rows if r["facility_id"] == "hosp-06.141.01.03-hopital-denfants"]
    assert all(r["evidence"].endswith("name only") for r in children)


def _write(overrides: Path, rows: list[list[str]]) -> None:
    overrides.mkdir(exist_ok=True)
    source = (OVERRIDES / "services.csv").read_text(encoding="utf-8").splitlines()
    with (overrides / "services.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(source) + "\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (["hosp-00.000-nowhere", "delivery", "remove", "r", "e"], "facility_id"),
        (["hosp-04.421.01.01-ibn-sina", "teleportation", "add", "r", "e"], "service"),
        (["hosp-04.421.01.01-ibn-sina", "general_hospital", "add", "again", "e"], "service"),
        (["hosp-04.421.01.01-ibn-sina", "imaging", "remove", "r", ""], "evidence"),
        (["hosp-04.421.01.01-ibn-sina", "imaging", "drop", "r", "e"], "action"),
    ],
)
def test_a_bad_line_stops_the_build_and_writes_nothing(
    out_dir: Path, tmp_path: Path, row: list[str], field: str
) -> None:
    overrides = tmp_path / "overrides"
    _write(overrides, [row])
    with pytest.raises(ServicesFileError) as caught:
        build_facility_services(overrides, out_dir)
    (problem,) = caught.value.problems
    assert problem.field == field and problem.row == 94  # header + 92 lines, then this one
    assert str(overrides / "services.csv") in str(caught.value)
    assert not (out_dir / "facility_services.csv").exists()


def test_an_hir_left_unclassed_is_refused(out_dir: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    source = (OVERRIDES / "services.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in source if not line.startswith("hosp-04.421.01.01-ibn-sina,")]
    (overrides / "services.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(
        ServicesFileError, match=re.escape("HIR hosp-04.421.01.01-ibn-sina is not classed")
    ):
        build_facility_services(overrides, out_dir)
    assert not (out_dir / "facility_services.csv").exists()
