"""Overdue deliverables as a time-based job (`qurb jobs run`): each deliverable past its
known deadline (its last possible day, for a deadline known to the month or the year)
and neither delivered nor dropped raises one alert to its owner party's users (the
accounts acting for that partner with `conventions.party`) and one to the secretariat
(`conventions.manage` over each territory the convention covers; over the whole country
when it covers none). Idempotent: the dedupe keys name the deliverable and its deadline,
so a run again raises nothing twice, and a deadline moved later raises anew once past."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from qurb.conventions.deliverable_service import Overdue, overdue
from qurb.conventions.service import get_convention
from qurb.identity.grant_service import partner_accounts
from qurb.identity.permissions import Permission
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.platform.jobs import Job, JobOutcome

NAME = "conventions.overdue_deliverables"
WORDS = "alert.deliverable_overdue"


def _alerts(session: Session, item: Overdue) -> list[NewAlert]:
    deliverable = item.deliverable
    convention = get_convention(session, deliverable.convention_id)
    key = f"{NAME}:{deliverable.id}:{deliverable.deadline.iso()}"
    words = {
        "convention": convention.fields.reference,
        "what": deliverable.what_fr,
        "owner": deliverable.owner,
        "deadline": deliverable.deadline.iso(),
    }

    def alert(dedupe: str, account: int | None, territory: str | None) -> NewAlert:
        return NewAlert(
            kind=NAME,
            dedupe_key=f"{key}:{dedupe}",
            subject_kind="deliverable",
            subject_id=str(deliverable.id),
            words_key=WORDS,
            words_values=words,
            territory_code=territory,
            permission=None if account is not None else Permission.CONVENTIONS_MANAGE.value,
            account_id=account,
        )

    one = item.territories[0] if len(item.territories) == 1 else None
    owners = partner_accounts(session, deliverable.owner, Permission.CONVENTIONS_PARTY)
    alerts = [alert(f"account:{account}", account, one) for account in owners]
    alerts += [alert(f"secretariat:{t or '-'}", None, t) for t in item.territories or (None,)]
    return alerts


def run(session: Session, now: datetime) -> JobOutcome:
    found = overdue(session, now.date())
    raised: list[int] = []
    for item in found:
        for alert in _alerts(session, item):
            alert_id = raise_alert(session, alert, now)
            if alert_id is not None:
                raised.append(alert_id)
    return JobOutcome({"overdue_deliverables": len(found)}, tuple(raised))


job = Job(NAME, run)
