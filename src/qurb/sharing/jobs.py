"""The shared resources' time-based jobs (`qurb jobs run`):

- `sharing.slots`: each active resource's weekly slots materialised up to its
  `max_notice_days` ahead (the horizon moves on a day each day);
- `sharing.no_shows`: a confirmed booking not checked in `grace_minutes` after its
  start becomes `no_show`; its slots stay used (the time is gone), its referral is told;
- `sharing.quota_release`: a month's unused quota, `release_days` before its end,
  returned to the pool (`quota_service.release`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.platform.jobs import Job, JobOutcome
from qurb.sharing import referral_seam
from qurb.sharing._tables import BookingRow, ResourceRow
from qurb.sharing.booking_service import audit_booking
from qurb.sharing.quota_service import release_job
from qurb.sharing.service import facility_row, materialise

NO_SHOWS = "sharing.no_shows"


def extend_slots(session: Session, now: datetime) -> JobOutcome:
    counts = {"resources": 0, "slots_added": 0, "slots_removed": 0}
    ids = session.scalars(select(ResourceRow.id).where(ResourceRow.active).order_by(ResourceRow.id))
    for resource_id in ids.all():
        added, removed = materialise(session, resource_id, now)
        counts["resources"] += 1
        counts["slots_added"] += added
        counts["slots_removed"] += removed
    return JobOutcome(counts)


def release_no_shows(session: Session, now: datetime) -> JobOutcome:
    actor = Actor.system(NO_SHOWS)
    counts = {"no_shows": 0}
    pairs = session.execute(
        select(BookingRow, ResourceRow.grace_minutes)
        .join(ResourceRow, ResourceRow.id == BookingRow.resource_id)
        .where(BookingRow.status == "confirmed", BookingRow.start < now)
        .order_by(BookingRow.id)
    ).all()
    for booking, grace in pairs:
        if booking.start + timedelta(minutes=grace) > now:
            continue
        before = {"status": booking.status}
        booking.status, booking.updated_at = "no_show", now
        session.flush()
        facility = booking.facility_id or facility_row_of(session, booking.resource_id)
        territory = facility_row(session, facility).commune_code
        audit_booking(session, actor, "booking.no_show", booking, territory, before)
        counts["no_shows"] += 1
        if booking.referral_id is not None:
            referral_seam.tell(session, actor, booking.referral_id, booking.id, "no_show", now)
    session.flush()
    return JobOutcome(counts)


def facility_row_of(session: Session, resource_id: int) -> str:
    return session.get_one(ResourceRow, resource_id).facility_id


slots_job = Job("sharing.slots", extend_slots)
no_shows_job = Job(NO_SHOWS, release_no_shows)
quota_release_job = release_job
