"""`qurb data check`: every input and output file against the checksums of MANIFEST.json.

The manifest (written by `qurb data build`) records the SHA-256 of each output under its
path in the bundled folder, and of each input under its path in the repository's `data/`
folder (`sources/…`, `overrides/…`). The inputs are in a clone of the repository only: an
installed package carries the outputs alone, and the check then says the inputs are not
present rather than calling them missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qurb.databuild.pipeline import MANIFEST, PINNED_PACKAGES, sha256_of

DIFFERS = "differs from the manifest"
MISSING = "missing"
UNLISTED = "not in the manifest"


class ManifestError(RuntimeError):
    pass


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
