"""Where the tests run: the repository's folders, and what to do when a server or a
browser a test needs cannot be had."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "data" / "sources"
ARTIFACTS = REPO / "test-artifacts"


def in_ci() -> bool:
    """True under CI=true (the variable CI services set)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """A server or browser a test needs cannot be had: skip it and say why; under CI=true,
    fail with the reason instead, so that CI never passes without running those tests."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)
