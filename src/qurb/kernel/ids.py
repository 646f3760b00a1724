"""Pieces of ids: the readable part of a generated id (a facility added by a user, a saved
caravan campaign)."""

from __future__ import annotations

import re

from qurb.kernel.names import fold_name


def slug(text: str, length: int = 40, fallback: str = "x") -> str:
    """A lowercase ASCII slug for ids: accents folded, runs of other characters as "-"
    (`fallback` where nothing is left, e.g. an Arabic-only name)."""
    return re.sub(r"[^a-z0-9]+", "-", fold_name(text)).strip("-")[:length] or fallback
