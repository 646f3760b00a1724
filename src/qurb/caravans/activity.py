"""What caravans recorded, counted per commune and visit day: read by the periodic reports
(`qurb.watch`), which count it on a line of its own beside the facilities' reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.caravans._tables import CaravanRecordRow, CaravanStopRow


@dataclass(frozen=True)
class RecordedCount:
    commune_code: str
    visit_date: date
    kind: str  # consultation | screening
    item: str  # a specialty or a screening code
    age_band: str | None
    count: int


def recorded_counts(
    session: Session, start: date, end: date, kinds: Sequence[str] = ("consultation", "screening")
) -> list[RecordedCount]:
    """People recorded by every campaign's visits from `start` to `end` (both included),
    summed per commune, day, kind, item and age band."""
    query = (
        select(
            CaravanStopRow.commune_code,
            CaravanStopRow.visit_date,
            CaravanRecordRow.kind,
            CaravanRecordRow.item,
            CaravanRecordRow.age_band,
            func.sum(CaravanRecordRow.count),
        )
        .join(CaravanStopRow, CaravanStopRow.id == CaravanRecordRow.stop_id)
        .where(
            CaravanStopRow.visit_date >= start,
            CaravanStopRow.visit_date <= end,
            CaravanRecordRow.kind.in_(list(kinds)),
        )
        .group_by(
            CaravanStopRow.commune_code,
            CaravanStopRow.visit_date,
            CaravanRecordRow.kind,
            CaravanRecordRow.item,
            CaravanRecordRow.age_band,
        )
    )
    return [
        RecordedCount(c, d, k, i, a, int(n or 0)) for c, d, k, i, a, n in session.execute(query)
    ]
