"""Where Qurb keeps what it can rebuild at any time (the commune graph's edges): the
folder of `$QURB_CACHE_DIR`, else `$XDG_CACHE_HOME/qurb`, else `~/.cache/qurb`;
`QURB_CACHE_DIR=off` keeps nothing. Deleting the folder loses nothing but time."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_ENV = "QURB_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when caching is off or no home
    folder is known."""
    chosen = os.environ.get(CACHE_DIR_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base:
        return Path(base) / "qurb"
    try:
        return Path.home() / ".cache" / "qurb"
    except RuntimeError:  # no home folder (some service accounts)
        return None
