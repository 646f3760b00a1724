"""Outbreak detection as a time-based job (`qurb jobs run`): for each weekly data set, the
latest complete week (its reports due) rerun for every unit of the country, signals kept
and new alarms alerted (watch.signals). Idempotent: a second run finds the same alarms,
their rows already kept and their alerts already raised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.platform.jobs import Job, JobOutcome
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch.datasets import available_datasets
from qurb.watch.model import PeriodType

NAME = "watch.outbreaks"


def run(session: Session, now: datetime) -> JobOutcome:
    from qurb.watch.signals import last_complete_week, rerun

    index = TerritoryIndex.from_session(session)
    country = next(t for t in index.by_code.values() if t.level is TerritoryLevel.COUNTRY)
    counts = {"datasets": 0, "computed": 0, "raised": 0, "revised": 0, "reactivated": 0}
    raised: list[int] = []
    for dataset in available_datasets().values():
        if dataset.period is not PeriodType.ISO_WEEK:
            continue
        counts["datasets"] += 1
        week = last_complete_week(dataset, now.date())
        done = rerun(session, Actor.system(NAME), dataset.id, [week], country.code, None, now)
        counts["computed"] += done.computed
        counts["raised"] += done.raised
        counts["revised"] += done.revised
        counts["reactivated"] += done.reactivated
        raised += done.alerts
    return JobOutcome(counts, tuple(raised))


job = Job(NAME, run)
