"""The registry's version: a number for caching what is computed from facilities."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.audit import service as audit


def registry_version(session: Session) -> int:
    """A number that changes with every registry write (each one appends its audit entry),
    whichever process made it: the key for caching anything computed from facilities."""
    return audit.last_seq(session, "facility")
