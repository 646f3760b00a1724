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
