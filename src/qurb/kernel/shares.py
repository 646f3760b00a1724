"""Shares as a planner reads them."""

from __future__ import annotations


def percent(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, to one decimal; None for a share of nothing
    (`whole` 0), which is unknown rather than 0 %."""
    return round(100 * part / whole, 1) if whole else None
