"""The CLI lists at most the first 50 problems of an input, with their total."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from qurb.kernel.rows import MAX_REPORTED
from qurb.platform.cli import open_session


class Many(BaseModel):
    values: list[int]


def test_a_validation_error_lists_the_first_50_problems_and_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit), open_session(f"sqlite:///{tmp_path / 'q.sqlite'}"):
        Many.model_validate({"values": ["x"] * 2_000})
    shown = capsys.readouterr().err
    assert shown.count("values.") == MAX_REPORTED
    assert "and 1,950 more problem(s) (2,000 in all)" in shown


def test_db_takes_a_sqlite_files_path_as_its_url(
    national_db_file: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db qurb.sqlite` (a path) reads the file as `--db sqlite:///qurb.sqlite` does."""
    from typer.testing import CliRunner

    from qurb.app.cli import app

    monkeypatch.setenv("QURB_LANG", "en")
    path = national_db_file[0]
    runner = CliRunner()
    by_path = runner.invoke(app, ["territories", "-f", "csv", "--db", str(path)])
    by_url = runner.invoke(app, ["territories", "-f", "csv", "--db", f"sqlite:///{path}"])
    assert by_path.exit_code == 0, by_path.output
    assert by_path.stdout == by_url.stdout and "Rabat-Salé-Kénitra" in by_path.stdout


def test_a_db_that_is_no_database_address_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from qurb.app.cli import app

    monkeypatch.setenv("QURB_LANG", "en")
    result = CliRunner().invoke(app, ["territories", "--db", "postgres+nodriver://h/db"])
    assert result.exit_code == 2
    assert "'postgres+nodriver://h/db' is not a database address" in result.output
