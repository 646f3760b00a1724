"""Outbreak signals: detection rerun on the weekly series (signals_series.py) for some
weeks and units, each alarm kept as a signal (signals_model.py: the method, the status's
moves), every change of status audited under the actor who caused the rerun, and a header
alert per new alarm to the accounts holding reports.read over its territory.

It runs in the transaction of the reports' write that triggers it (a submission, a file
or DHIS2 import, a correction, a confirmation): the signals never disagree with the
reports committed, and a write refused leaves no signal behind. It reruns only the weeks
the reports touch, for their facilities, communes, provinces and regions; the job
`watch.outbreaks` (signals_job.py) reruns the latest complete week for every unit."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel.actor import Actor
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.registry.places import NamedPlace, named_places
from qurb.registry.service import FacilityFilter
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import SignalRow, TriageStepRow
from qurb.watch.datasets import get_dataset
from qurb.watch.model import DataSet, PeriodType, parse_period
from qurb.watch.signals_model import (
    METHOD_OPTIONS,
    NOUFAILY_WEEKS,
    SINGLE_CASE,
    THRESHOLD,
    SignalStatus,
    choose_method,
    move,
    number,
)
from qurb.watch.signals_series import Series, build_series, week_code, weeks_from
from qurb.watch.triage_model import Stage, TriageState, reopens

ALERT_KIND = "watch.outbreaks"
ALERT_PERMISSION = "reports.read"
THRESHOLD_ENV = "QURB_SIGNAL_COMPLETENESS"  # a share, 0 to 1 (default 0.8)


def threshold() -> float:
    """The completeness below which a unit-week is NA: $QURB_SIGNAL_COMPLETENESS or 0.8."""
    raw = os.environ.get(THRESHOLD_ENV, "").strip()
    try:
        value = float(raw) if raw else THRESHOLD
    except ValueError:
        return THRESHOLD
    return value if 0.0 <= value <= 1.0 else THRESHOLD


@dataclass(frozen=True)
class Figure:
    unit: int  # index in the series' units
    element: str
    week: int  # index in the series' weeks
    method: str
    why: str
    observed: float
    expected: float
    upperbound: float
    alarm: bool


@dataclass(frozen=True)
class SignalRun:
    computed: int  # unit-week-element figures computed
    raised: int
    revised: int
    reactivated: int
    alerts: tuple[int, ...]


def _places(
    session: Session, dataset: DataSet, index: TerritoryIndex, territory: str
) -> list[NamedPlace]:
    found = named_places(session, FacilityFilter(territory=territory, status=None), index)
    return [p for p in found if dataset.reported_by(p.category)]


def _plain(u: int, element: str, t: int, method: str, why: str, seen: float) -> Figure:
    """A figure without statistics: no detection (no history), or a single-case one."""
    alarm = method == SINGLE_CASE and not math.isnan(seen) and seen >= 1
    return Figure(u, element, t, method, why, seen, math.nan, math.nan, alarm)


def _detect(
    series: Series, dataset: DataSet, evaluated: Sequence[int], limit: float
) -> list[Figure]:
    received = series.received
    known = (series.expected > 0) & (received >= limit * series.expected)
    figures: list[Figure] = []
    for element in dataset.elements:
        counts = series.counts[element.code]
        jobs: dict[str, list[tuple[int, int, str]]] = {}
        for u in range(len(series.units)):
            seen = np.flatnonzero(received[u] > 0)
            if not seen.size:
                continue  # never reported in the window: no figure, never a signal
            for t in evaluated:
                first = int(seen[0]) if seen.size and seen[0] <= t else None
                choice = choose_method(element.immediate, -1 if first is None else t - first)
                if choice is None or first is None:
                    figures.append(_plain(u, element.code, t, "", "no_history", math.nan))
                elif choice.method == SINGLE_CASE:
                    count = counts[u, t] if received[u, t] > 0 else math.nan
                    figures.append(_plain(u, element.code, t, SINGLE_CASE, choice.why, count))
                else:
                    jobs.setdefault(choice.method, []).append((u, t, choice.why))
        gated = np.where(known, counts, np.nan)
        for method, wanted in jobs.items():
            figures += _statistics(series, element.code, gated, method, wanted)
    return figures


def _statistics(
    series: Series, element: str, gated: Any, method: str, wanted: Sequence[tuple[int, int, str]]
) -> list[Figure]:
    """`method` for the units and weeks wanted, their series fitted together."""
    from qurb.algo.outbreak.batch import detect_batch

    rows = sorted({u for u, _, _ in wanted})
    at = {u: i for i, u in enumerate(rows)}
    lo = min(t for _, t, _ in wanted)
    span = range(lo, max(t for _, t, _ in wanted) + 1)
    found = detect_batch(gated[rows], series.weeks, method, span, METHOD_OPTIONS[method])
    return [
        Figure(
            u,
            element,
            t,
            method,
            why,
            gated[u, t],
            found.expected[at[u], t - lo],
            found.upperbound[at[u], t - lo],
            bool(found.alarm[at[u], t - lo] == 1.0),
        )
        for u, t, why in wanted
    ]


def _values(row: SignalRow) -> dict[str, object]:
    return {
        "dataset": row.dataset_id,
        "element": row.element,
        "unit": row.unit_code,
        "level": row.level,
        "week": row.week,
        "method": row.method,
        "observed": row.observed,
        "expected": row.expected,
        "upperbound": row.upperbound,
        "status": row.status,
        "provisional": row.provisional,
        "triage_state": row.triage_state,
    }


def _alert(session: Session, row: SignalRow, now: datetime) -> int | None:
    words = {
        "dataset": row.dataset_id,
        "element": row.element,
        "unit": row.unit_code,
        "week": row.week,
        "observed": row.observed or 0,
    }
    alert = NewAlert(
        kind=ALERT_KIND,
        dedupe_key=f"{ALERT_KIND}:{row.id}",
        subject_kind="signal",
        subject_id=str(row.id),
        words_key="alert.watch_outbreak",
        words_values=words,
        territory_code=row.territory_code,
        permission=ALERT_PERMISSION,
    )
    return raise_alert(session, alert, now)


def _reopen(session: Session, actor: Actor, row: SignalRow, now: datetime) -> None:
    """A closed alert whose signal alarms again opens again: a new triage starts, the
    earlier steps kept (triage_model)."""
    row.triage_state = TriageState.OPEN.value
    step = TriageStepRow(signal_id=row.id, stage=Stage.REOPENED.value, actor=str(actor), at=now)
    session.add(step)


def _keep(
    session: Session,
    actor: Actor,
    dataset: DataSet,
    series: Series,
    figures: Iterable[Figure],
    now: datetime,
) -> SignalRun:
    figures = list(figures)
    codes = {series.units[f.unit].code for f in figures}
    weeks = {week_code(series.weeks[f.week]) for f in figures}
    existing = {
        (r.element, r.unit_code, r.week): r
        for r in session.scalars(
            select(SignalRow)
            .where(
                SignalRow.dataset_id == dataset.id,
                SignalRow.week.in_(weeks),
                SignalRow.unit_code.in_(codes),
            )
            .with_for_update()
        )
    }
    counts = {"signal.raise": 0, "signal.revise": 0, "signal.reactivate": 0}
    alerts: list[int] = []
    for f in figures:
        unit, week = series.units[f.unit], week_code(series.weeks[f.week])
        row = existing.get((f.element, unit.code, week))
        step = move(SignalStatus(row.status) if row else None, f.alarm)
        if step is None:
            continue
        before = _values(row) if row else None
        if row is None:
            row = SignalRow(
                dataset_id=dataset.id,
                element=f.element,
                unit_code=unit.code,
                level=unit.level.value,
                territory_code=unit.territory_code,
                week=week,
                first_raised_at=now,
            )
            session.add(row)
        row.method = f.method or row.method or ""
        row.parameters = json.dumps(
            {"why": f.why, **METHOD_OPTIONS.get(f.method, {})}, sort_keys=True
        )
        observed = number(f.observed)
        row.observed = None if observed is None else int(observed)
        row.expected, row.upperbound = number(f.expected), number(f.upperbound)
        row.alarm, row.status = f.alarm, step.status.value
        row.provisional = bool(series.unconfirmed[f.unit, f.week])
        row.last_computed_at = now
        if step.status is SignalStatus.REVISED and step.action:
            row.revised_at = now
        if step.action == "signal.reactivate" and reopens(TriageState(row.triage_state)):
            _reopen(session, actor, row, now)
        session.flush()
        if step.action:
            counts[step.action] += 1
            event = AuditEvent(
                step.action, "signal", str(row.id), unit.territory_code, before, _values(row)
            )
            audit.record(session, actor, event)
            if step.action == "signal.raise":
                alert = _alert(session, row, now)
                alerts += [] if alert is None else [alert]
    return SignalRun(
        len(figures),
        counts["signal.raise"],
        counts["signal.revise"],
        counts["signal.reactivate"],
        tuple(alerts),
    )


def rerun(
    session: Session,
    actor: Actor,
    dataset_id: str,
    weeks: Sequence[str],
    territory: str,
    units: set[str] | None,
    now: datetime,
) -> SignalRun:
    """Detection rerun for the `weeks` of a weekly data set, for the `units` (facility ids
    and territory codes; None: all) of `territory`, its signals kept."""
    dataset = get_dataset(dataset_id)
    if dataset.period is not PeriodType.ISO_WEEK or not weeks:
        return SignalRun(0, 0, 0, 0, ())
    index = TerritoryIndex.from_session(session)
    places = _places(session, dataset, index, territory)
    mondays = sorted({parse_period(w, dataset.period).start for w in weeks})
    span = weeks_from(mondays[0] - timedelta(weeks=NOUFAILY_WEEKS), mondays[-1])
    series = build_series(session, dataset, places, index, span, units)
    at = {w: i for i, w in enumerate(span)}
    figures = _detect(series, dataset, [at[m] for m in mondays], threshold())
    return _keep(session, actor, dataset, series, figures, now)


def after_reports(
    session: Session, actor: Actor, touched: Iterable[tuple[str, str, str]], now: datetime
) -> SignalRun:
    """Rerun for reports just written: (data set, facility, period) each; the weeks they
    touch, for their facilities, communes, provinces and regions."""
    from qurb.registry.service import get_facility

    index = TerritoryIndex.from_session(session)
    plans: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    communes: dict[str, str] = {}  # a batch touches a facility for many weeks: looked up once
    for dataset_id, facility_id, period in touched:
        if facility_id not in communes:
            communes[facility_id] = get_facility(session, facility_id).commune_code
        commune = communes[facility_id]
        chain = [index.by_code[commune], *index.ancestors(commune)]
        region = next((t for t in chain if t.level is TerritoryLevel.REGION), chain[-1])
        weeks, units = plans.setdefault((dataset_id, region.code), (set(), set()))
        weeks.add(period)
        units.update(
            [
                facility_id,
                *(t.code for t in chain if t.level.value in ("commune", "province", "region")),
            ]
        )
    runs = [
        rerun(session, actor, d, sorted(w), r, u, now) for (d, r), (w, u) in sorted(plans.items())
    ]
    return SignalRun(
        sum(r.computed for r in runs),
        sum(r.raised for r in runs),
        sum(r.revised for r in runs),
        sum(r.reactivated for r in runs),
        tuple(a for r in runs for a in r.alerts),
    )


def last_complete_week(dataset: DataSet, today: date) -> str:
    """The latest week whose reports are due (due date before today)."""
    day = today
    while parse_period(week_code(day), dataset.period).due(dataset.due_days) >= today:
        day -= timedelta(days=7)
    return week_code(day)


@dataclass(frozen=True)
class Signal:
    id: int
    dataset: str
    element: str
    unit_code: str
    level: str
    territory_code: str
    week: str
    method: str
    parameters: str  # JSON: the method's settings and why it was chosen
    observed: int | None
    expected: float | None
    upperbound: float | None  # None: NA
    alarm: bool
    status: str
    provisional: bool
    first_raised_at: datetime
    last_computed_at: datetime
    revised_at: datetime | None
    triage_state: str  # triage_model.TriageState: open, monitoring, closed
    version: int


def to_signal(r: SignalRow) -> Signal:
    return Signal(
        r.id,
        r.dataset_id,
        r.element,
        r.unit_code,
        r.level,
        r.territory_code,
        r.week,
        r.method,
        r.parameters,
        r.observed,
        r.expected,
        r.upperbound,
        r.alarm,
        r.status,
        r.provisional,
        r.first_raised_at,
        r.last_computed_at,
        r.revised_at,
        r.triage_state,
        r.version,
    )


def list_signals(
    session: Session,
    territory: str,
    status: SignalStatus | None = None,
    week: str | None = None,
    index: TerritoryIndex | None = None,
    triage_state: TriageState | None = None,
) -> list[Signal]:
    """The signals of units within `territory` (of that status, week and triage state,
    when given), the latest week first."""
    index = index or TerritoryIndex.from_session(session)
    unit = index.resolve(territory)
    query = select(SignalRow)
    if status is not None:
        query = query.where(SignalRow.status == status.value)
    if triage_state is not None:
        query = query.where(SignalRow.triage_state == triage_state.value)
    if week is not None:
        query = query.where(SignalRow.week == parse_period(week, PeriodType.ISO_WEEK).code)
    rows = [r for r in session.scalars(query) if index.is_within(r.territory_code, unit.code)]
    rows.sort(key=lambda r: (-parse_period(r.week, PeriodType.ISO_WEEK).start.toordinal(), r.id))
    return [to_signal(r) for r in rows]
