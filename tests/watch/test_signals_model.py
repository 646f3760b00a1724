"""The outbreak signals' pure rules: the method by the history held, the completeness
threshold, the status's moves."""

from __future__ import annotations

from qurb.watch.signals_model import (
    EARS_C2,
    NOUFAILY,
    NOUFAILY_WEEKS,
    SINGLE_CASE,
    Move,
    SignalStatus,
    choose_method,
    known,
    move,
)

ACTIVE, REVISED = SignalStatus.ACTIVE, SignalStatus.REVISED


def _method(immediate: bool, weeks_before: int) -> str | None:
    choice = choose_method(immediate, weeks_before)
    return None if choice is None else choice.method


def test_the_method_follows_the_history_held() -> None:
    assert NOUFAILY_WEEKS == 5 * 52 + 3  # b years back, w weeks either side
    assert _method(False, NOUFAILY_WEEKS) == NOUFAILY
    assert _method(False, NOUFAILY_WEEKS - 1) == EARS_C2
    assert _method(False, 9) == EARS_C2
    assert _method(False, 8) is None  # C2: a 7-week baseline after a 2-week lag
    assert _method(True, 0) == SINGLE_CASE


def test_a_unit_week_below_the_threshold_is_unknown() -> None:
    assert known(4, 5) and not known(3, 4) and not known(0, 0)
    assert known(1, 2, threshold=0.5)


def test_an_alarm_is_revised_never_dropped_and_may_come_back() -> None:
    assert move(None, False) is None
    assert move(None, True) == Move(ACTIVE, "signal.raise")
    assert move(ACTIVE, False) == Move(REVISED, "signal.revise")
    assert move(REVISED, True) == Move(ACTIVE, "signal.reactivate")
    assert move(REVISED, False) == Move(REVISED, None)
    assert move(ACTIVE, True) == Move(ACTIVE, None)
