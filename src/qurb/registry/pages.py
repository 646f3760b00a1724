"""The registry's version: a number for caching what is computed from facilities."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.registry._tables import FacilityChangeRow


def registry_version(session: Session) -> int:
    """A number that changes with every registry write (each one records a change row),
    whichever process made it: the key for caching anything computed from facilities."""
    return session.scalar(select(func.max(FacilityChangeRow.id))) or 0
