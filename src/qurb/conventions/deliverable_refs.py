"""Whether the objects a deliverable refers to exist: a registry facility (and is not
closed), a registry equipment item, a project of the regional plan, a caravan campaign, a
territory.

The conventions sit below siting and caravans in the features' layers (import-linter's
"Features in their order"), and every feature's tables are private: the conventions may
not import `qurb.siting` nor `qurb.caravans`. A plan project and a campaign are therefore
looked up by their tables' names (`plan_projects.id`, `caravan_campaigns.id`) with
SQLAlchemy's lightweight `table()`/`column()`, which imports nothing of theirs: a read of
one id column, never a write. The registry and the territories sit below: their services
answer (`registry.service.get_facility`, `registry.equipment.get_equipment`, the
territory index)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from qurb.conventions.deliverable_model import Reference, ReferenceKind
from qurb.kernel.errors import FieldError, NotFound
from qurb.kernel.i18n import problem
from qurb.registry.equipment import get_equipment
from qurb.registry.service import get_facility
from qurb.territory.service import TerritoryIndex

PLAN_PROJECTS = table("plan_projects", column("id"))
CARAVAN_CAMPAIGNS = table("caravan_campaigns", column("id"))
CLOSED = "closed"


def _id(ref: str) -> int | None:
    return int(ref) if ref.isdigit() and 1 <= int(ref) <= 2**31 - 1 else None


def _facility(session: Session, field: str, ref: str) -> FieldError | None:
    try:
        facility = get_facility(session, ref)
    except NotFound:
        return problem(field, "deliverable_no_facility", ref=repr(ref))
    if facility.status == CLOSED:
        return problem(field, "deliverable_facility_closed", ref=repr(ref))
    return None


def _equipment(session: Session, field: str, ref: str) -> FieldError | None:
    number = _id(ref)
    try:
        if number is not None:
            get_equipment(session, number)
            return None
    except NotFound:
        pass
    return problem(field, "deliverable_no_equipment", ref=repr(ref))


def _project(session: Session, field: str, ref: str) -> FieldError | None:
    number = _id(ref)
    query = select(PLAN_PROJECTS.c.id).where(PLAN_PROJECTS.c.id == number)
    if number is not None and session.scalar(query) is not None:
        return None
    return problem(field, "deliverable_no_project", ref=repr(ref))


def _campaign(session: Session, field: str, ref: str) -> FieldError | None:
    query = select(CARAVAN_CAMPAIGNS.c.id).where(CARAVAN_CAMPAIGNS.c.id == ref)
    if session.scalar(query) is not None:
        return None
    return problem(field, "deliverable_no_campaign", ref=repr(ref))


def reference_problems(
    session: Session, index: TerritoryIndex, references: Sequence[Reference]
) -> list[FieldError]:
    """Every reference to an object that does not exist (or a closed facility), named by
    its position; the kinds are checked before (`deliverable_model`)."""
    problems: list[FieldError | None] = []
    for n, reference in enumerate(references):
        field, ref, kind = f"references[{n}].ref", reference.ref.strip(), reference.kind
        if kind == ReferenceKind.FACILITY:
            problems.append(_facility(session, field, ref))
        elif kind == ReferenceKind.EQUIPMENT:
            problems.append(_equipment(session, field, ref))
        elif kind == ReferenceKind.PROJECT:
            problems.append(_project(session, field, ref))
        elif kind == ReferenceKind.CAMPAIGN:
            problems.append(_campaign(session, field, ref))
        elif ref not in index.by_code:
            problems.append(problem(field, "deliverable_no_territory", ref=repr(ref)))
    return [p for p in problems if p is not None]
