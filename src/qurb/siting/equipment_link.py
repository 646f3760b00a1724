"""The registry's equipment as the plan sees it: the kinds a new-equipment project may
name (the catalogue of `registry/capacity.toml`), and the check that an opened project's
equipment item exists at the project's facility, of its kind, and is not retired."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.kernel.errors import FieldError, NotFound
from qurb.kernel.i18n import problem
from qurb.registry.capacity_model import capacity_catalogue
from qurb.registry.equipment import get_equipment


def known_equipment_kinds() -> frozenset[str]:
    """The equipment kinds of the registry's catalogue."""
    return frozenset(capacity_catalogue().equipment_kinds.entries)


def check_equipment_item(
    session: Session, equipment_id: int, facility_id: str, kind: str | None
) -> FieldError | None:
    """None when the equipment item exists at `facility_id` and is of `kind`; else the
    problem."""
    try:
        item = get_equipment(session, equipment_id)
    except NotFound:
        return problem("equipment_id", "project_equipment_unknown", id=equipment_id)
    if item.facility_id != facility_id:
        values = {"id": equipment_id, "facility": repr(facility_id)}
        return problem("equipment_id", "project_equipment_elsewhere", **values)
    if kind is not None and item.kind != kind:
        values = {"id": equipment_id, "kind": item.kind, "wanted": kind}
        return problem("equipment_id", "project_equipment_other_kind", **values)
    if item.status == "retired":  # a retired item is nothing the plan opened
        return problem("equipment_id", "project_equipment_retired", id=equipment_id)
    return None
