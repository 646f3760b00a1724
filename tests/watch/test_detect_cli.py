"""`qurb watch detect SERIES.csv`: the same upper bounds and alarms as R `surveillance`
(tests/data/surveillance/), dated and undated series from a file, and the bad files and
options refused with the line and column at fault."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "surveillance"
DATED = DATA / "salmonella.agona.csv"
runner = CliRunner()


def _r_rows(name: str, last: int) -> list[dict[str, str]]:
    with (DATA / name).open(newline="") as f:
        return list(csv.DictReader(f))[-last:]


def _undated(tmp_path: Path) -> Path:
    with DATED.open(newline="") as f:
        counts = [row["observed"] for row in csv.DictReader(f)]
    path = tmp_path / "agona-undated.csv"
    path.write_text("week,observed\n" + "".join(f"{i},{c}\n" for i, c in enumerate(counts, 1)))
    return path


def _close(ours: float | None, theirs: str) -> bool:
    if theirs == "NA":
        return ours is None
    return ours is not None and abs(ours - float(theirs)) <= 1e-6 * abs(float(theirs))


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QURB_LANG", "en")


def test_json_equals_r_for_a_dated_series() -> None:
    result = runner.invoke(
        app,
        ["watch", "detect", str(DATED), "--method", "noufaily", "--threshold-method", "muan",
         "--last", "45", "-f", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["sources"] == [] and listing["metadata"]["method"] == "noufaily"
    rows = listing["rows"]
    expected = _r_rows("noufaily_muan_b5_dated.csv", 45)
    assert [r["week"] for r in rows] == [e["week"] for e in expected]
    for ours, theirs in zip(rows, expected, strict=True):
        assert _close(ours["upperbound"], theirs["upperbound"])
        assert _close(ours["expected"], theirs["expected"])
        assert ours["alarm"] is (theirs["alarm"] == "TRUE")


def test_csv_equals_r_for_an_undated_series(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["watch", "detect", str(_undated(tmp_path)), "--method", "farrington", "--last", "45",
         "-f", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    expected = _r_rows("farrington_undated.csv", 45)
    assert [r["week"] for r in rows] == [e["week"] for e in expected]
    alarms = 0
    for ours, theirs in zip(rows, expected, strict=True):
        assert _close(float(ours["upperbound"]), theirs["upperbound"])
        assert ours["expected"] == ""  # R's classic method gives none
        assert ours["alarm"] == ("True" if theirs["alarm"] == "TRUE" else "False")
        alarms += theirs["alarm"] == "TRUE"
    assert alarms == 1


def test_a_bad_file_names_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("week_start,observed\n2026-01-05,1\n2026-01-12,2.5\n2026-01-26,-1\nlater,3\n")
    result = runner.invoke(app, ["watch", "detect", str(path)])
    assert result.exit_code == 2
    assert "line 5" in result.output or "row 5" in result.output
    assert "a week's start is a date" in result.output
    path.write_text("week_start,observed\n2026-01-05,1\n2026-01-12,2.5\n2026-01-26,-1\n")
    result = runner.invoke(app, ["watch", "detect", str(path)])
    assert result.exit_code == 2
    assert "whole number" in result.output and "is 0 or more" in result.output
    assert "not the week after 2026-01-12" in result.output
    assert "row 3, field 'observed'" in result.output
    assert "row 4, field 'week_start'" in result.output
    path.write_text("date,cases\n2026-01-05,1\n")
    result = runner.invoke(app, ["watch", "detect", str(path)])
    assert result.exit_code == 2 and "needs a column observed" in result.output


def test_unknown_method_option_and_a_series_too_short(tmp_path: Path) -> None:
    result = runner.invoke(app, ["watch", "detect", str(DATED), "--method", "glrnb"])
    assert result.exit_code == 2 and "Unknown detection method glrnb" in result.output
    result = runner.invoke(
        app, ["watch", "detect", str(DATED), "--method", "farrington", "--k", "1"]
    )
    assert result.exit_code == 2 and "takes no parameter k" in result.output
    short = tmp_path / "short.csv"
    short.write_text("week,observed\n" + "".join(f"{i},1\n" for i in range(1, 101)))
    result = runner.invoke(app, ["watch", "detect", str(short), "--b", "3"])
    assert result.exit_code == 2 and "Some reference weeks did not exist" in result.output
    result = runner.invoke(app, ["watch", "detect", str(short), "--freq", "12"])
    assert result.exit_code == 2 and "--freq 52" in result.output
