"""Outbreak detection equal to R `surveillance` 1.20.3 on the Salmonella Agona series:
for every setting R computed (tests/data/surveillance/settings.csv, made by reference.R),
the upper bounds within 1e-6 relative, identical alarms, the same expected counts, NA
where R has NA. R is not needed: the tests read the committed CSVs."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from qurb.algo.outbreak.methods import detect
from qurb.algo.outbreak.reference import reference_points
from qurb.algo.outbreak.series import Detection, WeeklySeries, series_from

DATA = Path(__file__).resolve().parents[1] / "data" / "surveillance"
RELATIVE = 1e-6


UNKNOWN = (230, 231, 260, 300)  # the weeks reference.R makes NA in its na_* files


def _agona(dated: bool, unknown: tuple[int, ...] = ()) -> WeeklySeries:
    lines = (DATA / "salmonella.agona.txt").read_text().splitlines()[1:]
    counts: list[int | None] = [int(line.split()[1]) for line in lines]
    for week in unknown:
        counts[week - 1] = None
    if not dated:
        return series_from(counts)
    return series_from(counts, [date(1990, 1, 1) + timedelta(weeks=i) for i in range(len(counts))])


def _settings() -> list[dict[str, str]]:
    with (DATA / "settings.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _options(setting: dict[str, str]) -> dict[str, Any]:
    method = setting["method"]
    if method == "cusum":
        return {"k": float(setting["k"]), "h": float(setting["h"]), "trans": setting["trans"]}
    if method.startswith("ears-"):
        alpha = {"alpha": float(setting["alpha"])} if setting["alpha"] else {}
        return {"baseline": int(setting["baseline"])} | alpha
    options: dict[str, Any] = {
        "b": int(setting["b"]),
        "w": int(setting["w"]),
        "alpha": float(setting["alpha"]),
    }
    options |= {"reweight": setting["reweight"] == "TRUE", "trend": setting["trend"] == "TRUE"}
    if method == "farrington":
        return options
    return options | {
        "no_periods": int(setting["noPeriods"]),
        "past_weeks_not_included": int(setting["pastWeeksNotIncluded"]),
        "weights_threshold": float(setting["weightsThreshold"]),
        "p_threshold_trend": float(setting["pThresholdTrend"]),
        "threshold_method": setting["thresholdMethod"],
    }


def _number(text: str) -> float | None:
    return None if text == "NA" else float(text)


def _run(setting: dict[str, str]) -> tuple[Detection, list[dict[str, str]]]:
    unknown = UNKNOWN if setting["file"].startswith("na_") else ()
    series = _agona(setting["dated"] == "TRUE", unknown)
    evaluated = range(int(setting["range_from"]) - 1, int(setting["range_to"]))
    with (DATA / setting["file"]).open(newline="") as f:
        expected = list(csv.DictReader(f))
    return detect(series, setting["method"], evaluated, _options(setting)), expected


def _close(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return abs(ours - theirs) <= RELATIVE * abs(theirs) if theirs else ours == 0


SETTINGS = _settings()


def test_every_setting_of_the_grid_is_there() -> None:
    methods = {(s["method"], s["thresholdMethod"], s["trans"], s["dated"]) for s in SETTINGS}
    for dated in ("TRUE", "FALSE"):
        for threshold in ("delta", "nbPlugin", "muan"):
            assert ("farrington-flexible", threshold, "", dated) in methods
            assert ("noufaily", threshold, "", dated) in methods
        for trans in ("standard", "anscombe"):
            assert ("cusum", "", trans, dated) in methods
        for method in ("farrington", "ears-c1", "ears-c2", "ears-c3"):
            assert (method, "", "", dated) in methods
    assert len(SETTINGS) == 54
    assert sum(s["file"].startswith("na_") for s in SETTINGS) == 8
    assert sum(s["file"].startswith("var_") for s in SETTINGS) == 10


@pytest.mark.parametrize("setting", SETTINGS, ids=[s["file"] for s in SETTINGS])
def test_equal_to_r(setting: dict[str, str]) -> None:
    detection, rows = _run(setting)
    assert len(detection.weeks) == len(rows)
    for i, row in enumerate(rows):
        where = f"{setting['file']} row {i + 1}"
        assert str(detection.weeks[i]) == row["week"], where
        observed = None if row["observed"] == "NA" else int(row["observed"])
        assert detection.observed[i] == observed, where
        assert _close(detection.upperbound[i], _number(row["upperbound"])), where
        assert _close(detection.expected[i], _number(row["expected"])), where
        alarm = None if row["alarm"] == "NA" else row["alarm"] == "TRUE"
        assert detection.alarm[i] is alarm, where


def test_the_reference_files_have_alarms_and_na() -> None:
    """The comparison means something: R raised alarms, and gave NA (an NA alarm too,
    for EARS around an unknown week), in these files."""
    alarms = na = na_alarms = 0
    for setting in SETTINGS:
        with (DATA / setting["file"]).open(newline="") as f:
            for row in csv.DictReader(f):
                alarms += row["alarm"] == "TRUE"
                na += row["upperbound"] == "NA"
                na_alarms += row["alarm"] == "NA"
    assert alarms > 0 and na > 0 and na_alarms > 0


def test_dated_and_undated_series_take_different_reference_weeks() -> None:
    """By date, the same weekday nearest to the same day 1 … 5 years before (R's
    algo.farrington.referencetimepoints on 1995-02-13); by index, 52 weeks apart."""
    dated, undated = _agona(True), _agona(False)
    position = dated.weeks.index(date(1995, 2, 13))
    found = [dated.weeks[p] for p in reference_points(dated, position, 5)]
    assert found == [
        date(1995, 2, 13),
        date(1994, 2, 14),
        date(1993, 2, 15),
        date(1992, 2, 10),
        date(1991, 2, 11),
        date(1990, 2, 12),
    ]
    assert reference_points(undated, position, 5) == [position - 52 * i for i in range(6)]
    # 52 weeks are 364 days (and 1992 has 366): from three years back, the week found by
    # date is one week earlier than the one found by index.
    assert found[2] == dated.weeks[position - 2 * 52]
    assert found[3] == dated.weeks[position - 3 * 52 - 1]
    assert found[5] == dated.weeks[position - 5 * 52 - 1]
