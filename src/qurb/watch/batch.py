"""Many checked reports written at once (a DHIS2 import of 100,000 values): the same
rows, values and audit entries as `service.submit_reports` writes one report at a time,
in a few statements. The caller has checked every report (`service.check_report`) and
that none exists yet for its period; a report another writer added meanwhile fails the
unique constraint and the whole batch (nothing written)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict
from qurb.watch._tables import ReportRow, ReportValueRow
from qurb.watch.model import ReportStatus
from qurb.watch.service import Checked, Report, _event, rerun_signals

CHUNK = 5_000  # rows per INSERT statement
# The tables themselves (Core inserts: the ORM's bulk path costs several times more).
REPORTS = cast(Table, ReportRow.__table__)
VALUES = cast(Table, ReportValueRow.__table__)


def submit_checked(
    session: Session, actors: Sequence[Actor], checked: Sequence[Checked]
) -> list[Report]:
    """The checked reports written as their first versions, each audited under its
    actor, in the session's transaction."""
    moment = clock.now()
    rows = [
        {
            "dataset_id": c.dataset.id,
            "dataset_version": c.dataset.version,
            "facility_id": c.facility.id,
            "period": c.period.code,
            "revision": 1,
            "current": True,
            "status": ReportStatus.SUBMITTED.value,
            "received_at": moment,
            "submitted_at": moment,
            "submitted_by": str(actor),
            "reason": None,
            "version": 1,
        }
        for actor, c in zip(actors, checked, strict=True)
    ]
    try:
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(REPORTS), rows[start : start + CHUNK])
    except IntegrityError:
        raise Conflict(code="report_exists", values={"period": checked[0].period.code}) from None
    ids = _ids(session, checked)
    cells = [
        {
            "report_id": ids[i],
            "element": v.element,
            "disaggregation": v.disaggregation,
            "value": v.value,
        }
        for i, c in enumerate(checked)
        for v in c.values
    ]
    for start in range(0, len(cells), CHUNK):
        session.execute(insert(VALUES), cells[start : start + CHUNK])
    reports = [
        Report(
            ids[i],
            c.dataset.id,
            c.dataset.version,
            c.facility.id,
            c.period.code,
            1,
            True,
            ReportStatus.SUBMITTED,
            moment,
            moment,
            str(actors[i]),
            None,
            None,
            None,
            1,
            tuple(sorted(c.values, key=lambda v: (v.element, v.disaggregation))),
        )
        for i, c in enumerate(checked)
    ]
    by_actor: dict[Actor, list[int]] = {}
    for i, actor in enumerate(actors):
        by_actor.setdefault(actor, []).append(i)
    for actor, members in by_actor.items():
        events = [_event("report.submit", reports[i], checked[i].facility) for i in members]
        audit.record_many(session, actor, events)
    rerun_signals(session, actors[0] if actors else None, reports)
    return reports


def _ids(session: Session, checked: Sequence[Checked]) -> list[int]:
    """The ids the reports were given, in their order (read back by their keys)."""
    found: dict[tuple[str, str, str], int] = {}
    keys = {(c.dataset.id, c.period.code) for c in checked}
    for dataset, period in keys:
        statement = select(ReportRow.id, ReportRow.facility_id).where(
            ReportRow.dataset_id == dataset,
            ReportRow.period == period,
            ReportRow.revision == 1,
        )
        for report_id, facility in session.execute(statement):
            found[(dataset, facility, period)] = report_id
    return [found[(c.dataset.id, c.facility.id, c.period.code)] for c in checked]
