"""The regional plan (PROS)'s projects as pure rules: their kinds, what each names, their
priority and the way their status moves.

A project moves forward only: proposed → adopted → funded → under construction → opened
(a step may be skipped: a project funded as it is adopted goes straight to funded), or is
dropped from any status but opened, with a reason. Opened and dropped are final. Opening
names what the project became: the registry facility (a new facility, an upgrade of
category, a new service) or the equipment item (new equipment)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from qurb.kernel.errors import Conflict, InputError, QurbError
from qurb.kernel.i18n import problem


class ProjectKind(enum.StrEnum):
    NEW_FACILITY = "new_facility"
    UPGRADE_CATEGORY = "upgrade_category"
    NEW_EQUIPMENT = "new_equipment"
    NEW_SERVICE = "new_service"


class ProjectStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    FUNDED = "funded"
    UNDER_CONSTRUCTION = "under_construction"
    OPENED = "opened"
    DROPPED = "dropped"


# The forward order; dropped stands beside it (reached from any status but opened).
FORWARD: tuple[ProjectStatus, ...] = (
    ProjectStatus.PROPOSED,
    ProjectStatus.ADOPTED,
    ProjectStatus.FUNDED,
    ProjectStatus.UNDER_CONSTRUCTION,
    ProjectStatus.OPENED,
)
STATUSES: tuple[str, ...] = (*FORWARD, ProjectStatus.DROPPED)
FINAL = frozenset({ProjectStatus.OPENED, ProjectStatus.DROPPED})

# Priority: 1 (the most urgent) to 5 (the least), as the PROS ranks its actions.
PRIORITY_MIN, PRIORITY_MAX = 1, 5
TITLE_MAX_CHARS = 200
NOTE_MAX_CHARS = 500


class PlanError(QurbError):
    """A project that cannot be written as given."""


class PlanInputError(PlanError, InputError):
    """A project's fields refused, each problem named."""


class StatusMoveRefused(PlanError, Conflict):
    """A status move the project's current status does not allow (409)."""


@dataclass(frozen=True)
class ProjectSubject:
    """What a project is about, by kind: a new facility's point and category (or level, or
    the service it brings); an upgrade's facility and target category; new equipment's
    facility and kind; a new service's facility and service."""

    lon: float | None = None
    lat: float | None = None
    category: str | None = None
    # A new facility of a level, or bringing a service (a scenario's offer), no category.
    level: str | None = None
    facility_id: str | None = None
    equipment_kind: str | None = None
    service: str | None = None


REQUIRED: dict[ProjectKind, tuple[str, ...]] = {
    ProjectKind.NEW_FACILITY: ("lon", "lat", "category", "level", "service"),
    ProjectKind.UPGRADE_CATEGORY: ("facility_id", "category"),
    ProjectKind.NEW_EQUIPMENT: ("facility_id", "equipment_kind"),
    ProjectKind.NEW_SERVICE: ("facility_id", "service"),
}
SUBJECT_FIELDS = ("lon", "lat", "category", "level", "facility_id", "equipment_kind", "service")
# A new facility names its category, its level or the service it brings (one at least).
EITHER = ("category", "level", "service")


def project_kind(value: str) -> ProjectKind:
    try:
        return ProjectKind(value)
    except ValueError:
        values = {"value": repr(value), "allowed": ", ".join(ProjectKind)}
        raise PlanInputError(errors=[problem("kind", "unknown_project_kind", **values)]) from None


def project_status(value: str) -> ProjectStatus:
    try:
        return ProjectStatus(value)
    except ValueError:
        values = {"value": repr(value), "allowed": ", ".join(STATUSES)}
        raise PlanInputError(
            errors=[problem("status", "unknown_project_status", **values)]
        ) from None


def check_project(
    kind: ProjectKind, title: str, subject: ProjectSubject, cost: float | None, priority: int
) -> None:
    """Every problem of a project's fields, named: the fields its kind needs (and none of
    the others), a title, a cost that is not negative, a priority from 1 to 5."""
    problems = []
    if not title.strip() or len(title) > TITLE_MAX_CHARS:
        problems.append(problem("title", "bad_project_title", max=TITLE_MAX_CHARS))
    needed = REQUIRED[kind]
    for name in SUBJECT_FIELDS:
        value = getattr(subject, name)
        if (
            name in needed
            and value is None
            and not (kind is ProjectKind.NEW_FACILITY and name in EITHER)
        ):
            problems.append(problem(name, "project_field_needed", kind=kind.value))
        elif name not in needed and value is not None:
            problems.append(problem(name, "project_field_not_for_kind", kind=kind.value))
    if kind is ProjectKind.NEW_FACILITY and all(getattr(subject, n) is None for n in EITHER):
        problems.append(problem("category", "project_field_needed", kind=kind.value))
    if cost is not None and not (cost >= 0 and cost < float("inf")):
        problems.append(problem("cost_mad", "negative_project_cost", cost=cost))
    if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        values = {"value": priority, "min": PRIORITY_MIN, "max": PRIORITY_MAX}
        problems.append(problem("priority", "bad_project_priority", **values))
    if problems:
        raise PlanInputError(errors=problems)


def becomes_equipment(kind: ProjectKind) -> bool:
    """Does the project become an equipment item when opened (else a facility)?"""
    return kind is ProjectKind.NEW_EQUIPMENT


def check_move(
    kind: ProjectKind,
    current: ProjectStatus,
    target: ProjectStatus,
    *,
    on: date,
    today: date,
    reason: str | None = None,
    facility_id: str | None = None,
    equipment_id: int | None = None,
) -> None:
    """Refuse a move the rules forbid: from a final status, backwards or to the same
    status, a drop without its reason, an opening without what the project became, a
    date in the future."""
    if current in FINAL:
        values = {"status": current.value, "target": target.value}
        raise StatusMoveRefused(code="project_status_final", values=values)
    if target is not ProjectStatus.DROPPED and FORWARD.index(target) <= FORWARD.index(current):
        values = {"status": current.value, "target": target.value}
        raise StatusMoveRefused(code="project_status_backwards", values=values)
    if on > today:
        raise PlanInputError(errors=[problem("on", "project_move_in_future", on=on.isoformat())])
    if target is ProjectStatus.DROPPED and not (reason or "").strip():
        raise PlanInputError(errors=[problem("reason", "project_drop_without_reason")])
    if target is ProjectStatus.OPENED:
        if becomes_equipment(kind) and equipment_id is None:
            raise PlanInputError(errors=[problem("equipment_id", "project_opened_without_result")])
        if not becomes_equipment(kind) and facility_id is None:
            raise PlanInputError(errors=[problem("facility_id", "project_opened_without_result")])
    if target is not ProjectStatus.OPENED and (facility_id or equipment_id is not None):
        field = "facility_id" if facility_id else "equipment_id"
        raise PlanInputError(errors=[problem(field, "project_result_only_when_opened")])
