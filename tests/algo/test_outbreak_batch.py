"""Many series at once (`batch.detect_batch`) give what each series gives alone
(`methods.detect`, itself equal to R `surveillance`): upper bounds and expected counts
within 1e-9 relative, the same alarms, NaN where one series gives None. On the Salmonella
Agona series, on 50 seeded negative-binomial series with unknown weeks, on a series of
zeros and on one with an unknown count in its reference weeks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from qurb.algo.outbreak.batch import detect_batch
from qurb.algo.outbreak.methods import METHODS, detect
from qurb.algo.outbreak.series import WeeklySeries
from qurb.kernel.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "surveillance"
RELATIVE = 1e-9
START = date(1990, 1, 1)


def _agona() -> np.ndarray:
    lines = (DATA / "salmonella.agona.txt").read_text().splitlines()[1:]
    return np.array([float(line.split()[1]) for line in lines])


def _dates(weeks: int) -> tuple[date, ...]:
    return tuple(START + timedelta(weeks=i) for i in range(weeks))


def _negative_binomial(count: int, weeks: int, seed: int) -> np.ndarray:
    """Seeded synthetic series: negative-binomial around a seasonal mean with a trend,
    dispersion 1.5 to 5, one week in 40 unknown."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    rows = []
    for _ in range(count):
        level = rng.uniform(0.0, 3.5)
        season = rng.uniform(0, 0.8) * np.cos(2 * np.pi * t / 52 + rng.uniform(0, 6.3))
        mean = np.exp(level + rng.uniform(-0.002, 0.004) * t + season)
        phi = rng.uniform(1.5, 5.0)
        counts = rng.negative_binomial(mean / (phi - 1), 1 / phi).astype(float)
        counts[rng.random(weeks) < 1 / 40] = np.nan
        rows.append(counts)
    return np.array(rows)


def _alone(counts: np.ndarray, weeks: tuple[date, ...], method: str, evaluated: range):
    series = WeeklySeries(tuple(None if np.isnan(c) else int(c) for c in counts), weeks)
    try:
        return detect(series, method, evaluated)
    except InputError:
        return None


def _same(batch: np.ndarray, alone: tuple[float | bool | None, ...], what: str) -> None:
    wanted = np.array([np.nan if v is None else float(v) for v in alone])
    assert np.array_equal(np.isnan(batch), np.isnan(wanted)), (what, batch, wanted)
    known = ~np.isnan(wanted)
    np.testing.assert_allclose(batch[known], wanted[known], rtol=RELATIVE, atol=0, err_msg=what)


def _check_all(counts: np.ndarray, method: str, evaluated: range) -> int:
    weeks = _dates(counts.shape[1])
    found = detect_batch(counts, weeks, method, evaluated, workers=2)
    assert found.weeks == tuple(weeks[p] for p in evaluated)
    for row in range(counts.shape[0]):
        alone = _alone(counts[row], weeks, method, evaluated)
        if alone is None:  # refused alone: no figure in the batch
            assert np.isnan(found.upperbound[row]).all()
            continue
        _same(found.upperbound[row], alone.upperbound, f"{method} upper, series {row}")
        _same(found.expected[row], alone.expected, f"{method} expected, series {row}")
        _same(found.alarm[row], alone.alarm, f"{method} alarm, series {row}")
    return found.fallback


@pytest.mark.parametrize("method", METHODS)
def test_agona_as_alone(method: str) -> None:
    counts = _agona()[None, :]
    _check_all(counts, method, range(270, 312))


@pytest.mark.parametrize("method", METHODS)
def test_negative_binomial_series_as_alone(method: str) -> None:
    counts = _negative_binomial(50, 5 * 52 + 10, seed=2013)
    if method == "farrington":  # R refuses unknown counts there: a few series keep them
        counts[10:][np.isnan(counts[10:])] = 1.0
    fallback = _check_all(counts, method, range(counts.shape[1] - 6, counts.shape[1]))
    assert fallback <= 5  # nearly all fitted together


@pytest.mark.parametrize("method", METHODS)
def test_zeros_and_an_unknown_reference_week(method: str) -> None:
    agona = _agona()
    unknown = agona.copy()
    unknown[312 - 52 - 1] = np.nan  # the same week a year before the last one
    unknown[312 - 104 + 2] = np.nan
    counts = np.array([np.zeros(312), unknown, agona])
    _check_all(counts, method, range(306, 312))


def test_a_series_with_too_few_counts_has_no_figure() -> None:
    counts = np.full((2, 312), np.nan)
    counts[1] = _agona()
    found = detect_batch(counts, _dates(312), "farrington-flexible", range(311, 312))
    assert np.isnan(found.upperbound[0]).all() and not np.isnan(found.upperbound[1]).all()
    assert found.fallback == 1


def test_weeks_and_counts_must_agree() -> None:
    with pytest.raises(InputError):
        detect_batch(np.zeros((2, 10)), _dates(9), "ears-c1", range(9, 10))


def test_chunks_in_threads_give_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _negative_binomial(30, 5 * 52 + 10, seed=11)
    weeks, evaluated = _dates(counts.shape[1]), range(counts.shape[1] - 3, counts.shape[1])
    whole = detect_batch(counts, weeks, "noufaily", evaluated)
    monkeypatch.setattr("qurb.algo.outbreak.batch.CHUNK", 7)
    parts = detect_batch(counts, weeks, "noufaily", evaluated, workers=3)
    np.testing.assert_array_equal(parts.upperbound, whole.upperbound)
    np.testing.assert_array_equal(parts.alarm, whole.alarm)
