"""The steering committees' time-based job (`qurb jobs run`): for each convention that is
signed, approved or in force, a meeting due by its rule whose day has passed with none
held since, and each open action past its deadline, raise one alert per territory the
convention covers (the whole country for one covering none) to the holders of
`committee.sit` there: the committee's members and its secretariat, whose role holds it
too. Idempotent: an alert's dedupe key names the convention, the day due (or the
action) and the territory, so a second run raises nothing new; the next meeting due
moves on once a meeting is recorded, and so does its key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.conventions._committee_tables import CommitteeRuleRow, DecisionRow
from qurb.conventions._tables import ConventionRow
from qurb.conventions.committee_model import ActionStatus
from qurb.conventions.committee_service import get_rule
from qurb.conventions.model import ConventionStatus
from qurb.conventions.service import get_convention
from qurb.identity.permissions import Permission
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.platform.jobs import Job, JobOutcome

NAME = "conventions.committee"
WATCHED = (ConventionStatus.SIGNED, ConventionStatus.APPROVED, ConventionStatus.IN_FORCE)
PERMISSION = Permission.COMMITTEE_SIT.value


def _watched(session: Session) -> dict[int, tuple[str, tuple[str | None, ...]]]:
    """The watched conventions' references and territories (None: none), by id."""
    query = select(ConventionRow.id).where(ConventionRow.status.in_([s.value for s in WATCHED]))
    out: dict[int, tuple[str, tuple[str | None, ...]]] = {}
    for convention_id in session.scalars(query.order_by(ConventionRow.id)):
        convention = get_convention(session, convention_id)
        territories: tuple[str | None, ...] = convention.fields.territories or (None,)
        out[convention_id] = (convention.reference, territories)
    return out


def _raise(
    session: Session,
    now: datetime,
    key: str,
    words: str,
    convention_id: int,
    territory: str | None,
    values: Mapping[str, object],
) -> int | None:
    alert = NewAlert(
        kind=NAME,
        dedupe_key=f"{NAME}:{key}:{territory or '-'}",
        subject_kind="convention",
        subject_id=str(convention_id),
        words_key=words,
        words_values=values,
        territory_code=territory,
        permission=PERMISSION,
    )
    return raise_alert(session, alert, now)


def _meetings_due(
    session: Session, now: datetime, watched: dict[int, tuple[str, tuple[str | None, ...]]]
) -> tuple[int, list[int]]:
    ruled = set(session.scalars(select(CommitteeRuleRow.convention_id)))
    today, due_count, raised = now.date(), 0, []
    for convention_id, (reference, territories) in watched.items():
        if convention_id not in ruled:
            continue
        due = get_rule(session, convention_id).next_due
        if due is None or due >= today:
            continue
        due_count += 1
        values = {"reference": reference, "due": due.isoformat()}
        for territory in territories:
            key = f"meeting:{convention_id}:{due.isoformat()}"
            found = _raise(
                session, now, key, "alert.committee_meeting_due", convention_id, territory, values
            )
            raised += [] if found is None else [found]
    return due_count, raised


def _actions_overdue(
    session: Session, now: datetime, watched: dict[int, tuple[str, tuple[str | None, ...]]]
) -> tuple[int, list[int]]:
    today: date = now.date()
    query = select(DecisionRow).where(
        DecisionRow.status == ActionStatus.OPEN.value,
        DecisionRow.deadline.is_not(None),
        DecisionRow.deadline < today,
        DecisionRow.convention_id.in_(list(watched)),
    )
    overdue, raised = 0, []
    for row in session.scalars(query.order_by(DecisionRow.id)):
        overdue += 1
        reference, territories = watched[row.convention_id]
        deadline = row.deadline.isoformat() if row.deadline else ""
        values = {"reference": reference, "owner": row.owner_partner_id, "deadline": deadline}
        for territory in territories:
            key = f"action:{row.id}:{deadline}"
            words = "alert.committee_action_overdue"
            found = _raise(session, now, key, words, row.convention_id, territory, values)
            raised += [] if found is None else [found]
    return overdue, raised


def run(session: Session, now: datetime) -> JobOutcome:
    watched = _watched(session)
    due, meeting_alerts = _meetings_due(session, now, watched)
    overdue, action_alerts = _actions_overdue(session, now, watched)
    counts = {"conventions_watched": len(watched), "meetings_due": due, "actions_overdue": overdue}
    return JobOutcome(counts, tuple(meeting_alerts + action_alerts))


job = Job(NAME, run)
