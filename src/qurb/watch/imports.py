"""Reports from a CSV or XLSX file, one cell a row: `dataset`, `facility` (its Qurb id),
`period`, `element`, `disaggregation` (empty for an element's total) and `value`. The
rows of one (dataset, facility, period) make one report; the file is taken all or
nothing, every bad cell named by its row and column."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.kernel.rows import validate_rows
from qurb.platform.files import read_records
from qurb.watch.service import (
    Catchments,
    RawValue,
    Report,
    ReportInput,
    catchment_populations,
    submit_reports,
)

COLUMNS = ("dataset", "facility", "period", "element", "disaggregation", "value")


class ReportCell(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dataset: str = Field(min_length=1, max_length=64)
    facility: str = Field(min_length=1, max_length=200)
    period: str = Field(min_length=1, max_length=16)
    element: str = Field(min_length=1, max_length=64)
    disaggregation: str | None = Field(default=None, max_length=64)
    value: Any = None  # checked as a count by the service, which names what is wrong


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def read_report_file(path: Path, sheet: str | None = None) -> list[ReportInput]:
    """The reports a file holds (in the order first met), its rows checked for form."""
    records = read_records(path, sheet)
    rows = validate_rows(
        ReportCell,
        (
            (r.number, {k: (v if k == "value" else _text(v)) for k, v in r.values.items()})
            for r in records
        ),
        path.name,
    )
    grouped: dict[tuple[str, str, str], list[RawValue]] = {}
    first_row: dict[tuple[str, str, str], int] = {}
    for row in rows:
        cell = row.value
        key = (cell.dataset.strip(), cell.facility.strip(), cell.period.strip())
        first_row.setdefault(key, row.number)
        grouped.setdefault(key, []).append(
            RawValue(
                cell.element.strip(),
                (cell.disaggregation or "").strip(),
                cell.value,
                "value",
                row.number,
            )
        )
    return [ReportInput(*key, grouped[key], first_row[key]) for key in grouped]


def import_reports(
    session: Session,
    actors: Actor | Sequence[Actor],
    reports: Sequence[ReportInput],
    source: str,
    catchments: Catchments = catchment_populations,
) -> list[Report]:
    """The file's reports submitted all or none."""
    return submit_reports(session, actors, reports, catchments, source)
