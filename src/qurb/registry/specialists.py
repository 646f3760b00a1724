"""Visiting specialists as registry entities: a doctor of a specialty whose home is a
facility (a CHU's), named by the label its home institution chooses (a function, a team,
never a person's name). Adding one is an audit entry `specialist.add`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound, QurbError
from qurb.registry._tables import FacilityRow, SpecialistRow


@dataclass(frozen=True)
class Specialist:
    id: int
    specialty: str
    home_facility_id: str
    label: str
    active: bool


def _specialist(row: SpecialistRow) -> Specialist:
    return Specialist(row.id, row.specialty, row.home_facility_id, row.label, row.active)


def add_specialist(
    session: Session, actor: Actor, specialty: str, home_facility_id: str, label: str, source: str
) -> Specialist:
    """A new visiting specialist of `specialty` at home in the facility, audited in the
    caller's transaction."""
    facility = session.get(FacilityRow, home_facility_id)
    if facility is None:
        raise NotFound(code="facility_not_found", values={"id": home_facility_id})
    if not specialty.strip() or not label.strip():
        raise QurbError(code="specialist_incomplete")
    row = SpecialistRow(
        specialty=specialty.strip(),
        home_facility_id=home_facility_id,
        label=label.strip(),
        active=True,
        source=source,
        updated_at=clock.now(),
    )
    session.add(row)
    session.flush()
    after = {"specialty": row.specialty, "home_facility_id": home_facility_id, "label": row.label}
    event = AuditEvent(
        "specialist.add", "specialist", str(row.id), facility.commune_code, None, after
    )
    audit.record(session, actor, event)
    return _specialist(row)


def get_specialist(session: Session, specialist_id: int) -> Specialist:
    row = session.get(SpecialistRow, specialist_id)
    if row is None:
        raise NotFound(code="specialist_not_found", values={"id": specialist_id})
    return _specialist(row)
