"""The seam with referrals (`qurb.referrals.service`): the referrals pending at a host
facility, offered a mission's slots first, and a booking's news for its referral.

The referrals package is looked up when called (not imported at load), so that shared
resources work on a database and an install where referrals are not there yet: no
referral is then pending, and a booking naming one is refused as naming an unknown
referral."""

from __future__ import annotations

import importlib
from datetime import datetime
from types import ModuleType

from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound

MODULE = "qurb.referrals.service"


def _referrals() -> ModuleType | None:
    try:
        return importlib.import_module(MODULE)
    except ModuleNotFoundError as error:
        if error.name != MODULE:
            raise
        return None


def pending_for(session: Session, facility_id: str, specialty: str | None) -> list[int]:
    """Accepted referrals not booked whose destination is the facility, for that
    specialty, oldest sent first."""
    module = _referrals()
    if module is None:
        return []
    return list(module.pending_for(session, facility_id, specialty, None))


def tell(
    session: Session, actor: Actor, referral_id: int, booking_id: int, event: str, at: datetime
) -> None:
    """A booking's news for its referral (booked, cancelled, displaced, checked_in,
    no_show), in the caller's transaction."""
    module = _referrals()
    if module is None:
        raise NotFound(code="referral_not_found", values={"id": referral_id})
    module.on_booking(session, actor, referral_id, booking_id, event, at)
