"""The activity indicators with census denominators, per commune, province or region of a
territory and per period, each with the completeness of the reports it is counted from
(a figure from 60 % of the expected reports says so), and the caravans' records on a line
of their own.

One aggregate query reads the reports of every period asked (current versions only: the
counts of each element per facility and period); the census denominators are read once.
A unit whose reports did not come in has no figure (unknown, "no_report"); a denominator
the census does not give, or a prevalence nobody supplied, leaves the figure unknown."""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from qurb.caravans.activity import recorded_counts
from qurb.kernel.errors import InputError
from qurb.kernel.shares import percent
from qurb.registry.places import FacilityPlace, facility_places
from qurb.registry.service import FacilityFilter
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import ReportRow, ReportValueRow
from qurb.watch.datasets import get_dataset
from qurb.watch.denominators import census_denominators
from qurb.watch.indicator_model import (
    BY_ID,
    WATCH_INDICATORS,
    Denominator,
    Prevalence,
    WatchIndicator,
    period_share_of_year,
    ratio,
)
from qurb.watch.model import DataSet, Period, PeriodType, parse_period

LEVELS = (TerritoryLevel.COMMUNE, TerritoryLevel.PROVINCE, TerritoryLevel.REGION)


@dataclass(frozen=True)
class UnitFigure:
    code: str
    name_fr: str
    name_ar: str
    level: str
    numerator: int | None  # from the facilities' reports; None when none came in
    denominator: float | None
    value: float | None  # numerator ÷ denominator × per
    expected: int  # reports expected (completeness)
    received: int
    caravan: int | None = None  # the caravans' records (None: the indicator takes none)
    value_with_caravan: float | None = None  # (numerator + caravan) ÷ denominator × per
    note: str | None = None  # why unknown: no_report, census_unknown, prevalence_unknown…

    @property
    def completeness_pct(self) -> float | None:
        return percent(self.received, self.expected)


@dataclass(frozen=True)
class IndicatorFigures:
    indicator: str
    dataset: str
    dataset_version: str
    element: str
    period: str
    level: str
    per: int
    denominator: str
    denominator_estimate: bool
    territory: UnitFigure
    units: tuple[UnitFigure, ...]
    prevalence: Prevalence | None = None
    sources: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TrendPoint:
    period: str
    value: float | None
    numerator: int | None
    denominator: float | None
    expected: int
    received: int
    caravan: int | None = None

    @property
    def completeness_pct(self) -> float | None:
        return percent(self.received, self.expected)


def resolve_indicator(
    indicator_id: str, element: str | None
) -> tuple[WatchIndicator, DataSet, str]:
    """The indicator, its data set and the element counted (incidence: the disease given)."""
    if indicator_id not in BY_ID:
        values = {"id": repr(indicator_id), "known": ", ".join(BY_ID)}
        raise InputError(code="no_watch_indicator", values=values)
    indicator = BY_ID[indicator_id]
    dataset = get_dataset(indicator.dataset)
    counted = indicator.numerator or (element or "")
    if dataset.element(counted) is None:
        values = {"dataset": dataset.id, "element": repr(counted)}
        raise InputError(code="no_dataset_element", values=values)
    return indicator, dataset, counted


def periods_before(period: Period, count: int) -> list[Period]:
    """`count` periods of the same type ending with `period`, oldest first."""
    out = [period]
    while len(out) < count:
        first = out[0]
        before = first.start - timedelta(days=1)
        code = before.strftime("%Y-%m")
        if period.type is PeriodType.ISO_WEEK:
            year, week, _ = before.isocalendar()
            code = f"{year}W{week}"
        out.insert(0, parse_period(code, period.type))
    return out


Sums = dict[tuple[str, str], dict[str, int]]  # (period, facility) → element → count


def report_sums(
    session: Session,
    dataset_id: str,
    periods: Sequence[str],
    elements: Sequence[str],
    facilities: Sequence[str] | None = None,
) -> Sums:
    """One query: per period and facility that reported (a zero report included), the
    counts of `elements` summed over their disaggregations (of `facilities` only, when
    given)."""
    query = (
        select(
            ReportRow.period,
            ReportRow.facility_id,
            ReportValueRow.element,
            func.sum(ReportValueRow.value),
        )
        .outerjoin(
            ReportValueRow,
            and_(
                ReportValueRow.report_id == ReportRow.id,
                ReportValueRow.element.in_(list(elements)),
            ),
        )
        .where(
            ReportRow.dataset_id == dataset_id,
            ReportRow.period.in_(list(periods)),
            ReportRow.current == true(),
            *([ReportRow.facility_id.in_(list(facilities))] if facilities is not None else []),
        )
        .group_by(ReportRow.period, ReportRow.facility_id, ReportValueRow.element)
    )
    out: Sums = {}
    for period, facility, element, total in session.execute(query):
        cells = out.setdefault((period, facility), {})
        if element is not None:
            cells[element] = int(total or 0)
    return out


# id(index) → (the index, weakly; its units by parent and level)
_UNITS: dict[int, tuple[weakref.ref[TerritoryIndex], dict[tuple[str, str], list[Territory]]]] = {}


def _forget(key: int) -> Callable[[weakref.ref[TerritoryIndex]], None]:
    def forget(_: weakref.ref[TerritoryIndex]) -> None:
        _UNITS.pop(key, None)

    return forget


def units_of(index: TerritoryIndex, parent: Territory, level: TerritoryLevel) -> list[Territory]:
    """The units of `level` inside `parent`, kept beside the index (a layer asks often)."""
    held = _UNITS.get(id(index))
    if held is None or held[0]() is not index:
        held = (weakref.ref(index, _forget(id(index))), {})
        _UNITS[id(index)] = held
    kept = held[1]
    key = (parent.code, level.value)
    if key not in kept:
        kept[key] = (
            index.communes_within(parent)
            if level is TerritoryLevel.COMMUNE
            else index.units_within(parent, level)
        )
    return kept[key]


class _Membership:
    """Which of the target units each commune lies in (a commune may lie in the territory
    shown and in one of its units)."""

    def __init__(self, index: TerritoryIndex, targets: Sequence[Territory]) -> None:
        self.index = index
        self.codes = {t.code for t in targets}
        self._of: dict[str, list[str]] = {}

    def of(self, commune: str) -> list[str]:
        if commune not in self._of:
            chain = [commune, *(a.code for a in self.index.ancestors(commune))]
            self._of[commune] = [c for c in chain if c in self.codes]
        return self._of[commune]


def _caravan_counts(
    session: Session, dataset: DataSet, element: str, periods: Sequence[Period], member: _Membership
) -> dict[tuple[str, str], int] | None:
    """(period, unit) → people the caravans recorded toward the element; None when the
    data set maps no caravan record to it."""
    feeds = [f for f in dataset.caravan if f.element == element]
    if not feeds:
        return None
    out: dict[tuple[str, str], int] = defaultdict(int)
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    for count in recorded_counts(session, start, end, tuple({f.kind for f in feeds})):
        fed = any(
            f.kind == count.kind
            and f.item == count.item
            and (not f.age_bands or count.age_band in f.age_bands)
            for f in feeds
        )
        period = next((p for p in periods if p.start <= count.visit_date <= p.end), None)
        if not fed or period is None or count.commune_code not in member.index.by_code:
            continue
        for unit in member.of(count.commune_code):
            out[(period.code, unit)] += count.count
    return out


@dataclass(frozen=True)
class _Inputs:
    indicator: WatchIndicator
    dataset: DataSet
    element: str
    periods: list[Period]
    targets: list[Territory]
    prevalence: Prevalence | None


def _reporting(
    session: Session, dataset: DataSet, parent: Territory, index: TerritoryIndex
) -> list[FacilityPlace]:
    everyone = facility_places(session, FacilityFilter(territory=parent.code, status=None), index)
    return [f for f in everyone if dataset.reported_by(f.category)]


@dataclass
class _Tally:
    expected: int = 0
    received: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class _Reports:
    """What the facilities of a territory reported of a data set, per period and target
    unit: one query for every element and period asked."""

    def __init__(
        self,
        session: Session,
        index: TerritoryIndex,
        parent: Territory,
        dataset: DataSet,
        elements: Sequence[str],
        periods: Sequence[Period],
        member: _Membership,
    ) -> None:
        facilities = _reporting(session, dataset, parent, index)
        ids = None if parent.level is TerritoryLevel.COUNTRY else [f.id for f in facilities]
        sums = report_sums(session, dataset.id, [p.code for p in periods], elements, ids)
        self.tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        for period in periods:
            for f in facilities:
                cells = sums.get((period.code, f.id))
                if f.status != "open" and cells is None:
                    continue
                for unit in member.of(f.commune_code):
                    tally = self.tallies[(period.code, unit)]
                    tally.expected += 1
                    if cells is not None:
                        tally.received += 1
                        for element, count in cells.items():
                            tally.counts[element] += count


def _figures(
    session: Session,
    index: TerritoryIndex,
    parent: Territory,
    given: _Inputs,
    reports: _Reports | None = None,
    member: _Membership | None = None,
) -> dict[tuple[str, str], UnitFigure]:
    """(period, unit code) → its figure, for every period and target unit (`reports`
    shared by the indicators of one data set)."""
    ind = given.indicator
    member = member or _Membership(index, given.targets)
    if reports is None:
        elements = [given.element, *([ind.denominator_element] if ind.denominator_element else [])]
        reports = _Reports(session, index, parent, given.dataset, elements, given.periods, member)
    communes = units_of(index, parent, TerritoryLevel.COMMUNE)
    census = census_denominators(session, ind, communes, member.of, given.prevalence)
    caravan = _caravan_counts(session, given.dataset, given.element, given.periods, member)
    out: dict[tuple[str, str], UnitFigure] = {}
    for period in given.periods:
        scale = period_share_of_year(period) if ind.yearly else 1.0
        for t in given.targets:
            tally = reports.tallies[(period.code, t.code)]
            tallies = (
                tally.expected,
                tally.received,
                tally.counts.get(given.element, 0),
                tally.counts.get(ind.denominator_element, 0),
            )
            out[(period.code, t.code)] = _unit_figure(
                t, ind, given, census, scale, caravan, period, tallies
            )
    return out


def _denominator(
    t: Territory,
    ind: WatchIndicator,
    given: _Inputs,
    census: Mapping[str, float | None],
    scale: float,
    divided: int,
) -> tuple[float | None, str | None]:
    if ind.denominator is Denominator.POPULATION:
        known = t.population_2024
        return (None, "census_unknown") if not known else (float(known), None)
    if ind.denominator is Denominator.ELEMENT:
        return (float(divided), None) if divided else (None, "none_registered")
    if ind.denominator is Denominator.PREVALENCE and given.prevalence is None:
        return None, "prevalence_unknown"
    figure = census.get(t.code)
    if figure is None:
        return None, "census_unknown"
    return round(figure * scale, 2), None


def _unit_figure(
    t: Territory,
    ind: WatchIndicator,
    given: _Inputs,
    census: Mapping[str, float | None],
    scale: float,
    caravan: Mapping[tuple[str, str], int] | None,
    period: Period,
    tallies: tuple[int, int, int, int],
) -> UnitFigure:
    expected, received, counted, divided = tallies
    denominator, note = _denominator(t, ind, given, census, scale, divided)
    numerator = counted if received else None
    if numerator is None:
        note = "no_report"
    by_caravan = None if caravan is None else caravan.get((period.code, t.code), 0)
    with_caravan = None
    if by_caravan and numerator is not None:
        with_caravan = ratio(numerator + by_caravan, denominator, ind.per)
    return UnitFigure(
        code=t.code,
        name_fr=t.name_fr,
        name_ar=t.name_ar,
        level=t.level.value,
        numerator=numerator,
        denominator=denominator,
        value=ratio(numerator, denominator, ind.per),
        expected=expected,
        received=received,
        caravan=by_caravan,
        value_with_caravan=with_caravan,
        note=note if ratio(numerator, denominator, ind.per) is None else None,
    )


def _sources(
    ind: WatchIndicator, dataset: DataSet, prevalence: Prevalence | None
) -> tuple[str, ...]:
    out = [f"Qurb, rapports périodiques « {dataset.name_fr} » ({dataset.id} {dataset.version})"]
    if ind.denominator is not Denominator.ELEMENT:
        out.append("HCP, RGPH 2024")
    if prevalence is not None:
        out.append(prevalence.source)
    if dataset.caravan:
        out.append("Qurb, relevés des caravanes médicales")
    return tuple(out)


def _layer(
    session: Session, territory: str, level: TerritoryLevel, index: TerritoryIndex
) -> tuple[Territory, list[Territory]]:
    if level not in LEVELS:
        values = {"level": level.value, "allowed": ", ".join(x.value for x in LEVELS)}
        raise InputError(code="watch_level", values=values)
    parent = index.resolve(territory)
    units = units_of(index, parent, level) if level.depth >= parent.level.depth else [parent]
    return parent, units


def _result(
    given: _Inputs, level: TerritoryLevel, figures: Mapping[tuple[str, str], UnitFigure]
) -> IndicatorFigures:
    ind, dataset, period = given.indicator, given.dataset, given.periods[0].code
    parent, *units = given.targets
    return IndicatorFigures(
        indicator=ind.id,
        dataset=dataset.id,
        dataset_version=dataset.version,
        element=given.element,
        period=period,
        level=level.value,
        per=ind.per,
        denominator=ind.denominator.value,
        denominator_estimate=ind.denominator.is_estimate,
        territory=figures[(period, parent.code)],
        units=tuple(figures[(period, u.code)] for u in units),
        prevalence=given.prevalence,
        sources=_sources(ind, dataset, given.prevalence),
    )


def compute_indicator(
    session: Session,
    territory: str,
    indicator_id: str,
    period: str,
    level: TerritoryLevel = TerritoryLevel.COMMUNE,
    element: str | None = None,
    prevalence: Mapping[str, Prevalence] | None = None,
    index: TerritoryIndex | None = None,
) -> IndicatorFigures:
    """The indicator for one period, per unit of `level` inside `territory` and for the
    territory itself."""
    index = index or TerritoryIndex.from_session(session)
    ind, dataset, counted = resolve_indicator(indicator_id, element)
    chosen = parse_period(period, dataset.period)
    parent, units = _layer(session, territory, level, index)
    known = (prevalence or {}).get(ind.condition) if ind.condition else None
    given = _Inputs(ind, dataset, counted, [chosen], [parent, *units], known)
    return _result(given, level, _figures(session, index, parent, given))


def dataset_indicators(
    session: Session,
    territory: str,
    dataset_id: str,
    period: str,
    level: TerritoryLevel = TerritoryLevel.COMMUNE,
    prevalence: Mapping[str, Prevalence] | None = None,
    index: TerritoryIndex | None = None,
) -> list[IndicatorFigures]:
    """Every indicator of a data set for one period (the incidence of each disease of the
    notifiable diseases), the reports read in one query."""
    index = index or TerritoryIndex.from_session(session)
    dataset = get_dataset(dataset_id)
    chosen = parse_period(period, dataset.period)
    parent, units = _layer(session, territory, level, index)
    pairs = [
        (ind, e.code)
        for ind in WATCH_INDICATORS
        if ind.dataset == dataset.id
        for e in dataset.elements
        if e.code == ind.numerator or (not ind.numerator)
    ]
    elements = sorted({e for ind, e in pairs} | {i.denominator_element for i, _ in pairs} - {""})
    member = _Membership(index, [parent, *units])
    reports = _Reports(session, index, parent, dataset, elements, [chosen], member)
    out = []
    for ind, counted in pairs:
        known = (prevalence or {}).get(ind.condition) if ind.condition else None
        given = _Inputs(ind, dataset, counted, [chosen], [parent, *units], known)
        out.append(_result(given, level, _figures(session, index, parent, given, reports, member)))
    return out


def indicator_trend(
    session: Session,
    territory: str,
    indicator_id: str,
    period: str,
    count: int = 12,
    element: str | None = None,
    prevalence: Mapping[str, Prevalence] | None = None,
    index: TerritoryIndex | None = None,
) -> list[TrendPoint]:
    """The territory's figure for `count` periods ending with `period`, oldest first."""
    index = index or TerritoryIndex.from_session(session)
    ind, dataset, counted = resolve_indicator(indicator_id, element)
    periods = periods_before(parse_period(period, dataset.period), max(1, min(count, 260)))
    parent = index.resolve(territory)
    known = (prevalence or {}).get(ind.condition) if ind.condition else None
    figures = _figures(
        session, index, parent, _Inputs(ind, dataset, counted, periods, [parent], known)
    )
    out = []
    for p in periods:
        f = figures[(p.code, parent.code)]
        out.append(
            TrendPoint(
                p.code, f.value, f.numerator, f.denominator, f.expected, f.received, f.caravan
            )
        )
    return out


def element_counts(
    session: Session,
    territory: str,
    dataset_id: str,
    period: str,
    index: TerritoryIndex | None = None,
) -> dict[str, int]:
    """Each element's count in the territory's reports of the period (an element no report
    gave is absent; one reported as zero is 0)."""
    index = index or TerritoryIndex.from_session(session)
    dataset = get_dataset(dataset_id)
    chosen = parse_period(period, dataset.period)
    parent = index.resolve(territory)
    member = _Membership(index, [parent])
    elements = [e.code for e in dataset.elements]
    reports = _Reports(session, index, parent, dataset, elements, [chosen], member)
    return dict(reports.tallies[(chosen.code, parent.code)].counts)


def reports_version(session: Session) -> tuple[int, int]:
    """What the indicators follow besides the registry: the reports' and the caravan
    campaigns' audit heads (every report and every caravan record moves one on)."""
    from qurb.audit.service import last_seq

    return last_seq(session, "report"), last_seq(session, "campaign")


def recent_periods(period_type: PeriodType, today: date, count: int) -> list[str]:
    """The `count` latest periods of the type that are over by `today`, latest first."""
    last = today - timedelta(days=1)
    code = last.strftime("%Y-%m")
    if period_type is PeriodType.ISO_WEEK:
        year, week, _ = last.isocalendar()
        code = f"{year}W{week}"
    period = parse_period(code, period_type)
    if period.end >= today:  # still running: the one before
        period = periods_before(period, 2)[0]
    return [p.code for p in reversed(periods_before(period, count))]
