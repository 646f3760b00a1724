"""The reports' silent facilities as a time-based job (`qurb jobs run`): once a period's
reports are `GRACE_DAYS` past their due date, each province with facilities that sent no
report for it raises one alert to the holders of `watch.confirm` over the province (those
who chase and confirm its reports), naming the data set, the period and how many are
silent.

Only provinces that use the reports are watched: one where some facility has ever sent
a report of that data set (a province that keeps its reports elsewhere is not silent).
The job looks at each data set's last period past its grace: a period missed while the
job did not run for longer than one period is not looked at again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.platform.alerts import NewAlert, raise_alert
from qurb.platform.jobs import Job, JobOutcome
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import ReportRow
from qurb.watch.completeness import compute_completeness
from qurb.watch.datasets import available_datasets
from qurb.watch.model import DataSet, Period, PeriodType, parse_period

NAME = "watch.silent_facilities"
GRACE_DAYS = 7  # after the due date: late reports still come in the first days
PERMISSION = "watch.confirm"


def last_period_past_grace(dataset: DataSet, today: date) -> Period:
    """The data set's last period whose due date plus GRACE_DAYS is before `today`."""
    day = today
    while True:
        if dataset.period is PeriodType.ISO_WEEK:
            year, week, _ = day.isocalendar()
            period = parse_period(f"{year}W{week}", dataset.period)
        else:
            period = parse_period(f"{day.year}-{day.month:02d}", dataset.period)
        if period.due(dataset.due_days) + timedelta(days=GRACE_DAYS) < today:
            return period
        day = period.start - timedelta(days=1)


def _reporting_facilities(session: Session, dataset_id: str) -> set[str]:
    rows = session.scalars(
        select(ReportRow.facility_id).where(ReportRow.dataset_id == dataset_id).distinct()
    )
    return set(rows)


def run(session: Session, now: datetime) -> JobOutcome:
    index = TerritoryIndex.from_session(session)
    country = next(t for t in index.by_code.values() if t.level is TerritoryLevel.COUNTRY)
    today = now.date()
    counts = {"datasets": 0, "provinces_watched": 0, "silent_facilities": 0}
    raised: list[int] = []
    for dataset in available_datasets().values():
        counts["datasets"] += 1
        reporting = _reporting_facilities(session, dataset.id)
        if not reporting:
            continue
        period = last_period_past_grace(dataset, today)
        state = compute_completeness(session, country.code, dataset.id, period.code, index)
        watched = {f.province_code for f in state.facilities if f.facility_id in reporting}
        silent: dict[str, int] = {}
        for facility in state.silent:
            if facility.province_code in watched:
                silent[facility.province_code] = silent.get(facility.province_code, 0) + 1
        counts["provinces_watched"] += len(watched)
        for province, count in sorted(silent.items()):
            counts["silent_facilities"] += count
            alert = NewAlert(
                kind=NAME,
                dedupe_key=f"{NAME}:{dataset.id}:{period.code}:{province}",
                subject_kind="territory",
                subject_id=province,
                words_key="alert.watch_silent",
                words_values={
                    "dataset": dataset.id,
                    "period": period.code,
                    "count": count,
                    "province": province,
                },
                territory_code=province,
                permission=PERMISSION,
            )
            alert_id = raise_alert(session, alert, now)
            if alert_id is not None:
                raised.append(alert_id)
    return JobOutcome(counts, tuple(raised))


job = Job(NAME, run)
