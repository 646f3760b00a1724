"""A private copy of a Qurb SQLite database for a test that writes, with the server key
that signed its audit trail (the key travels with any copy, or the chain's head no longer
verifies)."""

from __future__ import annotations

import shutil
from pathlib import Path


def private_copy(source: Path, copy: Path) -> str:
    """Copy the database `source` (and its `.audit-key`) to `copy`; the copy's URL."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    key = source.with_name(source.name + ".audit-key")
    if key.exists():
        shutil.copyfile(key, copy.with_name(copy.name + ".audit-key"))
    return f"sqlite:///{copy}"
