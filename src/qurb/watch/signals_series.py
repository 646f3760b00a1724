"""The weekly series outbreak detection reads, from the reports' current versions: per
data element (summed over its disaggregations), per facility, commune, province and
region, by the report's period (the week of occurrence, never the week of receipt).

Submitted and confirmed reports both count (a submitted report is what the facility
declared; waiting for the province's confirmation would delay every alarm by days): a
unit-week with any unconfirmed report is provisional. A received report without a cell
for an element counts 0 for it (the weekly form lists the cases seen). A unit-week whose
received ÷ expected reports is below the threshold is NaN, R's NA; expected follows
completeness.py's rule: the facilities whose category reports the data set, open now or
having reported for that week."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from qurb.registry.places import NamedPlace
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import ReportRow, ReportValueRow
from qurb.watch.model import DataSet
from qurb.watch.signals_model import Level

Array = Any  # a NumPy array


def week_code(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}W{week}"


def weeks_from(first: date, last: date) -> list[date]:
    """The Mondays from the week of `first` to that of `last`."""
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(weeks=i) for i in range((last - start).days // 7 + 1)]


@dataclass(frozen=True)
class Unit:
    code: str
    level: Level
    territory_code: str  # the grants' territory: a facility's commune, else itself
    members: Array  # indices of its facilities


@dataclass(frozen=True)
class Series:
    """Per unit and week: reports received, expected, any unconfirmed; per element and
    unit and week: the count summed over the unit's received reports."""

    weeks: tuple[date, ...]
    units: tuple[Unit, ...]
    received: Array  # units × weeks
    expected: Array
    unconfirmed: Array
    counts: dict[str, Array]  # element → units × weeks


def _reports(
    session: Session, dataset: DataSet, ids: Sequence[str], codes: Sequence[str]
) -> tuple[list[Any], list[Any]]:
    where = (
        ReportRow.dataset_id == dataset.id,
        ReportRow.current == true(),
        ReportRow.period.in_(list(codes)),
        ReportRow.facility_id.in_(list(ids)),
    )
    reports = session.execute(
        select(ReportRow.facility_id, ReportRow.period, ReportRow.status).where(*where)
    ).all()
    sums = session.execute(
        select(
            ReportRow.facility_id,
            ReportRow.period,
            ReportValueRow.element,
            func.sum(ReportValueRow.value),
        )
        .join(ReportValueRow, ReportValueRow.report_id == ReportRow.id)
        .where(*where)
        .group_by(ReportRow.facility_id, ReportRow.period, ReportValueRow.element)
    ).all()
    return list(reports), list(sums)


def _units(
    places: Sequence[NamedPlace], index: TerritoryIndex, wanted: set[str] | None
) -> list[Unit]:
    """The facilities and the communes, provinces and regions holding them (of `wanted`
    codes only, when given)."""
    members: dict[tuple[str, Level, str], list[int]] = {}
    for i, place in enumerate(places):
        members.setdefault((place.id, Level.FACILITY, place.commune_code), []).append(i)
        for level in (TerritoryLevel.COMMUNE, TerritoryLevel.PROVINCE, TerritoryLevel.REGION):
            unit = index.ancestor_at(place.commune_code, level)
            if unit is not None:
                members.setdefault((unit.code, Level(level.value), unit.code), []).append(i)
    return [
        Unit(code, level, territory, np.array(found, dtype=int))
        for (code, level, territory), found in members.items()
        if wanted is None or code in wanted
    ]


def build_series(
    session: Session,
    dataset: DataSet,
    places: Sequence[NamedPlace],
    index: TerritoryIndex,
    weeks: Sequence[date],
    wanted: set[str] | None,
) -> Series:
    """The series of the `places` (the facilities reporting the data set) over `weeks`
    for the units among them (those `wanted`, when given)."""
    codes = [week_code(w) for w in weeks]
    column = {c: j for j, c in enumerate(codes)}
    row = {p.id: i for i, p in enumerate(places)}
    shape = (len(places), len(weeks))
    received = np.zeros(shape, dtype=bool)
    unconfirmed = np.zeros(shape, dtype=bool)
    reports, sums = _reports(session, dataset, list(row), codes)
    for facility, period, status in reports:
        received[row[facility], column[period]] = True
        unconfirmed[row[facility], column[period]] = status != "confirmed"
    expected = received | np.array([[p.status == "open"] for p in places], dtype=bool)
    per_element: dict[str, Array] = {e.code: np.zeros(shape) for e in dataset.elements}
    for facility, period, element, total in sums:
        if element in per_element:
            per_element[element][row[facility], column[period]] = float(total or 0)
    units = _units(places, index, wanted)

    def summed(values: Array) -> Array:
        return np.array([values[u.members].sum(axis=0) for u in units]).reshape(
            len(units), len(weeks)
        )

    return Series(
        weeks=tuple(weeks),
        units=tuple(units),
        received=summed(received.astype(int)),
        expected=summed(expected.astype(int)),
        unconfirmed=summed(unconfirmed.astype(int)) > 0,
        counts={e: summed(v) for e, v in per_element.items()},
    )
