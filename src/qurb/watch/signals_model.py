"""Outbreak signals' pure rules: which method a unit-week's series gets, when a unit-week
is unknown for lack of reports, and how a signal's status moves. No I/O.

The method: Noufaily (farrington-flexible with Noufaily et al.'s 2013 settings, b = 5
years, w = 3 weeks) where the unit's reports go back the b years and w weeks its
reference weeks need; else EARS C2 (a 7-week baseline after a 2-week lag: 9 weeks at
least), which R's `surveillance` meant for short baselines; fewer weeks: no detection.
A disease notified on a single case (`immediate`) alarms on one case, without
statistics (method `single-case`), whatever the completeness."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

NOUFAILY = "noufaily"
EARS_C2 = "ears-c2"
SINGLE_CASE = "single-case"
NOUFAILY_B = 5  # years of history
NOUFAILY_W = 3  # weeks either side of the same week of each past year
WEEKS_PER_YEAR = 52
NOUFAILY_WEEKS = NOUFAILY_B * WEEKS_PER_YEAR + NOUFAILY_W  # weeks before the evaluated one
EARS_BASELINE = 7
EARS_LAG = 2  # C2 leaves the two weeks before the evaluated one out of its baseline
EARS_WEEKS = EARS_BASELINE + EARS_LAG
THRESHOLD = 0.8  # received ÷ expected reports below which a unit-week is NA
METHOD_OPTIONS: dict[str, dict[str, Any]] = {
    NOUFAILY: {"b": NOUFAILY_B, "w": NOUFAILY_W},
    EARS_C2: {"baseline": EARS_BASELINE},
}


class SignalStatus(enum.StrEnum):
    ACTIVE = "active"  # the latest computation alarms
    REVISED = "revised"  # it alarmed once, no longer does (late or corrected reports)


class Level(enum.StrEnum):
    FACILITY = "facility"
    COMMUNE = "commune"
    PROVINCE = "province"
    REGION = "region"


@dataclass(frozen=True)
class MethodChoice:
    method: str
    why: str  # a short code: history_b_years, short_history, single_case


def choose_method(immediate: bool, weeks_before: int) -> MethodChoice | None:
    """The method for a week with `weeks_before` weeks of the unit's history before it
    (from its first report); None when even EARS C2 lacks its baseline."""
    if immediate:
        return MethodChoice(SINGLE_CASE, "single_case")
    if weeks_before >= NOUFAILY_WEEKS:
        return MethodChoice(NOUFAILY, "history_b_years")
    if weeks_before >= EARS_WEEKS:
        return MethodChoice(EARS_C2, "short_history")
    return None


def known(received: int, expected: int, threshold: float = THRESHOLD) -> bool:
    """A unit-week counts for detection when its reports received reach the threshold
    share of those expected (none expected: unknown)."""
    return expected > 0 and received >= threshold * expected


def number(value: float) -> float | None:
    """A figure as stored: NaN (R's NA) is None."""
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class Move:
    """What a rerun does to a signal: its new status, and the audit action (None: no
    change of status, figures updated alone)."""

    status: SignalStatus
    action: str | None


def move(current: SignalStatus | None, alarm: bool) -> Move | None:
    """A new alarm is raised active; an active one that no longer alarms is revised; a
    revised one that alarms again is active again (the same row: its history is in the
    audit trail). No row and no alarm: nothing (only alarms are kept)."""
    if current is None:
        return Move(SignalStatus.ACTIVE, "signal.raise") if alarm else None
    if alarm:
        if current is SignalStatus.REVISED:
            return Move(SignalStatus.ACTIVE, "signal.reactivate")
        return Move(SignalStatus.ACTIVE, None)
    if current is SignalStatus.ACTIVE:
        return Move(SignalStatus.REVISED, "signal.revise")
    return Move(SignalStatus.REVISED, None)
