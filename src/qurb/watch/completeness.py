"""Completeness and timeliness of a data set's reports for one period, per facility,
commune, province and region of a territory: expected (the facilities whose category
reports the data set, open in the period), received (a report, a zero report included,
stands; no report is silence), on time (its first version received by the due date), and
the silent facilities.

The registry keeps a facility's status, not the dates it opened or closed: a facility
counts as expected when it is open now, or when it reported for the period (a report
shows it was open then)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, not_, select, true
from sqlalchemy.orm import Session

from qurb.kernel.shares import percent
from qurb.registry.places import NamedPlace, named_places
from qurb.registry.service import FacilityFilter
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import ReportRow, ReportValueRow
from qurb.watch.datasets import get_dataset
from qurb.watch.model import parse_period

LEVELS = (TerritoryLevel.COMMUNE, TerritoryLevel.PROVINCE, TerritoryLevel.REGION)


@dataclass(frozen=True)
class FacilityCompleteness:
    facility_id: str
    name: str
    category: str
    commune_code: str
    province_code: str
    received: bool
    on_time: bool
    zero: bool  # a zero report (every value 0): received, not silent
    report_id: int | None
    received_on: date | None


@dataclass(frozen=True)
class UnitCompleteness:
    code: str
    name_fr: str
    name_ar: str
    level: str
    expected: int
    received: int
    on_time: int

    @property
    def completeness_pct(self) -> float | None:
        """Received as a share of expected (unknown when none is expected)."""
        return percent(self.received, self.expected)

    @property
    def timeliness_pct(self) -> float | None:
        """On time as a share of expected (unknown when none is expected)."""
        return percent(self.on_time, self.expected)


@dataclass(frozen=True)
class Completeness:
    dataset_id: str
    dataset_version: str
    period: str
    due: date
    territory: UnitCompleteness
    units: tuple[UnitCompleteness, ...]  # communes, provinces and regions of the territory
    facilities: tuple[FacilityCompleteness, ...]

    @property
    def silent(self) -> tuple[FacilityCompleteness, ...]:
        return tuple(f for f in self.facilities if not f.received)


@dataclass(frozen=True)
class _Receipt:
    """What the table needs of a facility's current report: no cell, no other column."""

    id: int
    received_at: datetime
    zero: bool  # every cell given is 0 (as `Report.zero`: a report of no cell too)


def _receipts(
    session: Session, dataset_id: str, period: str, facilities: Sequence[str] | None
) -> dict[str, _Receipt]:
    """Facility → its current report of the data set for the period (of `facilities`
    only, when given), in one query; whether it is a zero report asked of the database."""
    nonzero = exists().where(ReportValueRow.report_id == ReportRow.id, ReportValueRow.value != 0)
    query = select(ReportRow.id, ReportRow.facility_id, ReportRow.received_at, not_(nonzero)).where(
        ReportRow.dataset_id == dataset_id,
        ReportRow.period == period,
        ReportRow.current == true(),
        *([ReportRow.facility_id.in_(list(facilities))] if facilities is not None else []),
    )
    rows = session.execute(query.order_by(ReportRow.facility_id, ReportRow.revision))
    return {facility: _Receipt(report, at, bool(zero)) for report, facility, at, zero in rows}


def _facility_row(facility: NamedPlace, report: _Receipt | None, due: date) -> FacilityCompleteness:
    received_on = report.received_at.date() if report else None
    return FacilityCompleteness(
        facility_id=facility.id,
        name=facility.name,
        category=facility.category,
        commune_code=facility.commune_code,
        province_code=facility.province_code,
        received=report is not None,
        on_time=received_on is not None and received_on <= due,
        zero=report is not None and report.zero,
        report_id=report.id if report else None,
        received_on=received_on,
    )


def _unit(t: Territory, rows: Sequence[FacilityCompleteness]) -> UnitCompleteness:
    return UnitCompleteness(
        code=t.code,
        name_fr=t.name_fr,
        name_ar=t.name_ar,
        level=t.level.value,
        expected=len(rows),
        received=sum(r.received for r in rows),
        on_time=sum(r.on_time for r in rows),
    )


def compute_completeness(
    session: Session,
    territory: str,
    dataset_id: str,
    period: str,
    index: TerritoryIndex | None = None,
) -> Completeness:
    """Who reported the data set for the period in the territory, and who is silent."""
    index = index or TerritoryIndex.from_session(session)
    dataset = get_dataset(dataset_id)
    chosen = parse_period(period, dataset.period)
    due = chosen.due(dataset.due_days)
    unit = index.resolve(territory)
    everyone = named_places(session, FacilityFilter(territory=unit.code, status=None), index)
    reporting = [f for f in everyone if dataset.reported_by(f.category)]
    ids = None if unit.level is TerritoryLevel.COUNTRY else [f.id for f in reporting]
    reports = _receipts(session, dataset.id, chosen.code, ids)
    expected = [f for f in reporting if f.status == "open" or f.id in reports]
    rows = [_facility_row(f, reports.get(f.id), due) for f in expected]
    members: dict[str, list[FacilityCompleteness]] = {}
    for row in rows:
        chain = [index.by_code[row.commune_code], *index.ancestors(row.commune_code)]
        for t in chain:
            if t.level in LEVELS and t.level.depth >= unit.level.depth:
                members.setdefault(t.code, []).append(row)
    units = sorted(
        (_unit(index.by_code[code], members[code]) for code in members),
        key=lambda u: (TerritoryLevel(u.level).depth, u.code),
    )
    return Completeness(
        dataset_id=dataset.id,
        dataset_version=dataset.version,
        period=chosen.code,
        due=due,
        territory=_unit(unit, rows),
        units=tuple(units),
        facilities=tuple(sorted(rows, key=lambda r: (r.commune_code, r.name))),
    )
