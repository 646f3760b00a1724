"""Tranches due as a time-based job (`qurb jobs run`): each planned tranche of a money
contribution whose known due date (its last possible day, for a date known to the month
or the year) falls within the next `NOTICE_DAYS` days or has passed, and that the paying
party's disbursements have not yet covered, raises one alert to the paying party's users
(`conventions.party` acting for it) and one to the secretariat (`conventions.manage` over
each territory the convention covers; the whole country when it covers none).

A tranche is covered when the contribution's known disbursements reach the sum of its
tranches due up to and including it (tranches paid in the order they fall due). Nothing
is guessed: a tranche of unknown amount or date, or one behind a tranche of unknown
amount, or a contribution with a disbursement of unknown amount, is left out and counted
(`unknown`). Idempotent: the dedupe keys name the tranche and its due date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.conventions._tables import ConventionRow
from qurb.conventions.deliverable_service import last_day
from qurb.conventions.money_model import ContributionKind, DisbursementKind, Tranche
from qurb.conventions.money_service import list_contributions, list_disbursements
from qurb.conventions.records import Convention
from qurb.conventions.service import light_conventions
from qurb.identity.grant_service import partner_accounts
from qurb.identity.permissions import Permission
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.platform.jobs import Job, JobOutcome

NAME = "conventions.tranches_due"
WORDS = "alert.tranche_due"
NOTICE_DAYS = 30  # a tranche is announced a month before it falls due


def _uncovered(tranches: list[Tranche], paid: Decimal) -> tuple[list[Tranche], int]:
    """The tranches not covered by `paid` (in due order), and how many cannot be told."""
    dated = sorted(
        (t for t in tranches if last_day(t.due_on) is not None),
        key=lambda t: (last_day(t.due_on) or date.max, t.id),
    )
    unknown = len(tranches) - len(dated)
    owed, out = Decimal(0), list[Tranche]()
    for index, tranche in enumerate(dated):
        if tranche.amount is None:  # it, and every later one, cannot be told
            return out, unknown + len(dated) - index
        owed += tranche.amount
        if paid < owed:
            out.append(tranche)
    return out, unknown


def _alerts(
    session: Session, convention: Convention, partner: str, tranche: Tranche
) -> list[NewAlert]:
    due = tranche.due_on.iso() or ""
    key = f"{NAME}:{tranche.id}:{due}"
    words = {
        "convention": convention.fields.reference,
        "partner": partner,
        "amount": str(tranche.amount),
        "due": due,
    }
    territories: list[str | None] = list(convention.fields.territories) or [None]
    one = territories[0] if len(territories) == 1 else None

    def alert(dedupe: str, account: int | None, territory: str | None) -> NewAlert:
        return NewAlert(
            kind=NAME,
            dedupe_key=f"{key}:{dedupe}",
            subject_kind="convention",
            subject_id=str(convention.id),
            words_key=WORDS,
            words_values=words,
            territory_code=territory,
            permission=None if account is not None else Permission.CONVENTIONS_MANAGE.value,
            account_id=account,
        )

    payers = partner_accounts(session, partner, Permission.CONVENTIONS_PARTY)
    alerts = [alert(f"account:{account}", account, one) for account in payers]
    return alerts + [alert(f"secretariat:{t or '-'}", None, t) for t in territories]


def run(session: Session, now: datetime) -> JobOutcome:
    horizon = now.date() + timedelta(days=NOTICE_DAYS)
    watched = ("signed", "approved", "in_force")
    query = select(ConventionRow.id).where(ConventionRow.status.in_(watched))
    ids = list(session.scalars(query.order_by(ConventionRow.id)))
    due_count = unknown = 0
    raised: list[int] = []
    for convention in light_conventions(session, ids):
        paid_by: dict[int, Decimal] = {}
        untold: set[int] = set()
        for d in list_disbursements(session, convention.id):
            if d.kind != DisbursementKind.DISBURSEMENT.value:
                continue
            if d.amount is None:
                untold.add(d.contribution_id)
            else:
                paid_by[d.contribution_id] = paid_by.get(d.contribution_id, Decimal(0)) + d.amount
        for c in list_contributions(session, convention.id):
            if c.values.kind != ContributionKind.MONEY or not c.tranches:
                continue
            if c.id in untold:
                unknown += len(c.tranches)
                continue
            owed, untellable = _uncovered(list(c.tranches), paid_by.get(c.id, Decimal(0)))
            unknown += untellable
            for tranche in owed:
                if (last_day(tranche.due_on) or date.max) > horizon:
                    continue
                due_count += 1
                for alert in _alerts(session, convention, c.values.partner_id, tranche):
                    alert_id = raise_alert(session, alert, now)
                    if alert_id is not None:
                        raised.append(alert_id)
    return JobOutcome({"tranches_due": due_count, "unknown": unknown}, tuple(raised))


job = Job(NAME, run)
