"""The steering committees' job on the small region of `tests/regions.py` (SQLite and
PostgreSQL): a meeting due whose day has passed with none held since, and an open action
past its deadline, each raise one alert to the holders of `committee.sit` over the
convention's province; a second run raises nothing; a draft is not watched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.features import FEATURES
from qurb.conventions import committee_jobs
from qurb.conventions.committee_model import AgendaItemIn, DecisionIn, MeetingIn, RuleIn
from qurb.conventions.committee_service import (
    list_actions,
    move_action,
    record_meeting,
    set_rule,
)
from qurb.conventions.model import ArticleIn, ConventionFields, PartyIn
from qurb.conventions.service import create_convention, move_status
from qurb.kernel.actor import Actor
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from tests.accounts import add_partner
from tests.regions import PROVINCE_CODE

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL = "council-99991"


def _alerts(factory: sessionmaker[Session]) -> list[tuple[str, str, str | None, str | None]]:
    with factory() as s:
        rows = s.scalars(select(AlertRow).order_by(AlertRow.id))
        return [(r.dedupe_key, r.words_key, r.territory_code, r.permission) for r in rows]


def _run(factory: sessionmaker[Session], day: date) -> dict[str, int]:
    with transaction(factory) as s:
        outcome = committee_jobs.run(s, datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
    return dict(outcome.counts)


def test_meetings_due_and_overdue_actions_raise_one_alert_each(small_region_db: Factory) -> None:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    with transaction(factory) as s:
        fields = ConventionFields("CP-1", "Convention", territories=(PROVINCE_CODE,))
        made = create_convention(s, BY, fields, [PartyIn(COUNCIL, "financer")], [ArticleIn(1)])
        draft = create_convention(s, BY, ConventionFields("CP-2", "Brouillon"), [])
        move_status(s, BY, made.id, "signed")
        for convention_id in (made.id, draft.id):
            set_rule(s, BY, convention_id, RuleIn(every_months=6, quorum=3))
            record_meeting(
                s,
                BY,
                convention_id,
                MeetingIn(
                    date(2026, 3, 31),
                    agenda=(AgendaItemIn("Bilan", 1 if convention_id == made.id else None),),
                    decisions=()
                    if convention_id == draft.id
                    else (
                        DecisionIn("Verser la tranche", COUNCIL, date(2026, 5, 31)),
                        DecisionIn("Sans échéance", COUNCIL),
                    ),
                ),
            )
    # 30 September: the meeting is due that day, not past; the action is.
    assert _run(factory, date(2026, 9, 30)) == {
        "conventions_watched": 1,
        "meetings_due": 0,
        "actions_overdue": 1,
    }
    [action_alert] = _alerts(factory)
    assert action_alert[1:] == ("alert.committee_action_overdue", PROVINCE_CODE, "committee.sit")
    assert _run(factory, date(2026, 10, 1))["meetings_due"] == 1
    assert _run(factory, date(2026, 10, 2))["meetings_due"] == 1
    keys = [a[0] for a in _alerts(factory)]
    assert len(keys) == 2  # the second and third runs raised the meeting's once
    assert keys[1] == f"conventions.committee:meeting:{made.id}:2026-09-30:{PROVINCE_CODE}"
    with transaction(factory) as s:
        record_meeting(s, BY, made.id, MeetingIn(date(2026, 10, 5)))
        [overdue] = [a for a in list_actions(s, made.id) if a.deadline is not None]
        move_action(s, BY, made.id, overdue.id, "done", done_on=date(2026, 10, 5))
    # A meeting held on 5 October moves the next one due to 5 April 2027; the action is
    # done: nothing more is due.
    assert _run(factory, date(2026, 10, 6)) == {
        "conventions_watched": 1,
        "meetings_due": 0,
        "actions_overdue": 0,
    }
    assert len(_alerts(factory)) == 2


def test_the_job_is_registered_with_the_conventions() -> None:
    [conventions] = [f for f in FEATURES if f.name == "conventions"]
    assert "qurb.conventions.committee_jobs:job" in conventions.jobs
    assert committee_jobs.job.name == "conventions.committee"
