"""How long a referral's words are kept, as a time-based job (`qurb jobs run`): Qurb's
retention under law 09-08 (the CNDP's principle: kept no longer than the purpose needs).

A referral closed (or redirected) more than `RETENTION_YEARS` years ago, or sent more
than `RETENTION_YEARS + 1` years ago whatever its status, loses what could lead back to a
person: its pseudonymous reference (replaced by `X-<id>`, which names nothing), its
reason, its answer, and the reasons of its status changes. What the waiting times and
the counts need stays: service, pathway, facilities, commune, age band, sex, urgency and
the milestones' times. Five years is Qurb's choice, to be confirmed with the CNDP
declaration of the body that runs it. Each erasure is audited (what was erased, never
the erased words); run again, the job finds nothing new."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel.actor import Actor
from qurb.platform.jobs import Job, JobOutcome
from qurb.referrals._tables import ReferralEventRow, ReferralRow

NAME = "referrals.retention"
RETENTION_YEARS = 5
ERASED_PREFIX = "X-"
YEAR = timedelta(days=365.25)  # a mean year: the day of the cut-off need not be exact


def run(session: Session, now: datetime) -> JobOutcome:
    closed_before = now - RETENTION_YEARS * YEAR
    sent_before = now - (RETENTION_YEARS + 1) * YEAR
    rows = session.scalars(
        select(ReferralRow)
        .where(
            ~ReferralRow.reference.startswith(ERASED_PREFIX),
            or_(ReferralRow.closed_at < closed_before, ReferralRow.sent_at < sent_before),
        )
        .order_by(ReferralRow.id)
    ).all()
    actor = Actor.system(NAME)
    events = []
    for row in rows:
        erased = ["reference"] + [n for n in ("reason", "answer") if getattr(row, n) is not None]
        row.reference, row.reason, row.answer = f"{ERASED_PREFIX}{row.id}", None, None
        row.updated_at = now
        events.append(
            AuditEvent(
                "referral.erase", "referral", str(row.id), row.region_code, None, {"erased": erased}
            )
        )
    if rows:
        session.execute(
            update(ReferralEventRow)
            .where(ReferralEventRow.referral_id.in_([r.id for r in rows]))
            .values(reason=None)
        )
        session.flush()
        audit.record_many(session, actor, events)
    return JobOutcome({"erased": len(rows)})


job = Job(NAME, run)
