"""Norm sets: the bundled ones (qurb/data/norms/) and any a user writes in a TOML file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from qurb.data import NORMS_DIR, read_toml
from qurb.norms.model import NormError, NormSet, norm_set_from_mapping

USER_NORMS_ENV = "QURB_NORMS_DIR"  # extra folder of *.toml norm sets, read after the bundled


def read_norm_file(path: Path) -> NormSet:
    try:
        data = read_toml(path)
    except FileNotFoundError:
        raise NormError(code="no_norm_file", values={"path": str(path)}) from None
    except tomllib.TOMLDecodeError as error:
        values = {"path": str(path), "detail": str(error)}
        raise NormError(code="norm_not_toml", values=values) from None
    return norm_set_from_mapping(data, str(path))


def norm_folders() -> list[Path]:
    folders = [NORMS_DIR]
    extra = os.environ.get(USER_NORMS_ENV)
    if extra:
        folders.append(Path(extra))
    return folders


def available_norm_sets() -> dict[str, NormSet]:
    """Every norm set by id; a user's file with the same id replaces the bundled one."""
    found: dict[str, NormSet] = {}
    for folder in norm_folders():
        for path in sorted(folder.glob("*.toml")):
            norm_set = read_norm_file(path)
            found[norm_set.id] = norm_set
    return found


def resolve_norm_sets(names: list[str]) -> list[NormSet]:
    """Norm sets by id or by path to a TOML file; none given means every available set."""
    available = available_norm_sets()
    if not names:
        return list(available.values())
    chosen = []
    for name in names:
        if name in available:
            chosen.append(available[name])
        elif name.endswith(".toml") or Path(name).exists():
            chosen.append(read_norm_file(Path(name)))
        else:
            values = {"name": repr(name), "available": list(available)}
            raise NormError(code="unknown_norm_set", values=values)
    return chosen
